package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/mix"
	"github.com/mixdown/mixdown/mix/session"
)

type mixOpts struct {
	output      string
	stems       string
	stemsTracks bool
	report      string
	bits        string
	format      string
	dither      string
	seed        uint64
	workers     int
	trackTP     bool
	init        string
	force       bool
}

func newMixCmd(env Env) *cobra.Command {
	var o mixOpts
	cmd := &cobra.Command{
		Use:   "mix SESSION -o OUT | mix --init DIR [-o SESSION]",
		Short: "Render a mix session (tracks, buses, sends, effects, automation) to a file",
		Long: `mix renders the session file SESSION (YAML; see mix/example.yaml and
mix/session.schema.json) to OUT (WAV, FLAC or AIFF by extension or --format):
every track's file is decoded and resampled to the session rate, placed on
the timeline, run through its inserts, fader, pan and sends, summed into
buses and effect returns and the master, with the latency of every path
compensated so that everything stays sample-aligned. The render ends at the
session's length_s, or where the sources end, or, while reverbs and echoes
still ring there, once the master has been silent for 0.1 s (at most tail_s
later).

The report (meters per track, bus and master: sample peak, true peak,
loudness; the stereo fold-down check of a 5.1 mix; warnings such as a
master that would clip) is printed, and written as JSON with --report.

--stems DIR also writes each bus (and with --stems-tracks each track) to
DIR, after its fader and pan, sample-aligned with the master.

Integer output (--bits, default 24) is TPDF-dithered; the mix is computed in
floating point, so it can exceed full scale internally, but samples beyond
it clip when written as integers (use --bits 32f to keep them).

mix --init DIR writes a starting session for the audio files in DIR (unity
gain, centred, no processing) to DIR/session.yaml, or to -o.

A session with a mistake (unknown key, value out of range, missing file,
routing cycle, ...) exits with code 3 and names the file and line.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if o.init != "" {
				return argsRange(0, 0)(cmd, args)
			}
			return argsRange(1, 1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.init != "" {
				return mixInit(env, o)
			}
			return mixRender(cmd.Context(), env, args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "output file (with --init: the session file to write)")
	f.StringVar(&o.stems, "stems", "", "also write each bus as a file in this directory")
	f.BoolVar(&o.stemsTracks, "stems-tracks", false, "with --stems, also write each track")
	f.StringVar(&o.report, "report", "", "write the render report as JSON to this file")
	f.StringVar(&o.bits, "bits", "24", "output word length: 16, 24, 32, 32f or 64f")
	f.StringVar(&o.format, "format", "", "output format: wav, flac or aiff (default: from the output's extension)")
	f.StringVar(&o.dither, "dither", "tpdf", "dither for integer output: tpdf, shaped or none")
	f.Uint64Var(&o.seed, "seed", 1, "dither seed (the same seed gives the same output)")
	f.IntVar(&o.workers, "workers", 0, "goroutines for tracks and buses (default: all CPUs; the output is the same)")
	f.BoolVar(&o.trackTP, "track-true-peak", false, "also measure every track's true peak (slower)")
	f.StringVar(&o.init, "init", "", "write a starting session for the audio files in this directory")
	f.BoolVar(&o.force, "force", false, "with --init, overwrite an existing session file")
	return cmd
}

// badSession marks an invalid session: it maps to ExitBadInput (the input
// is malformed) through audio.ErrCorrupt, keeping the session's own message.
type badSession struct{ err error }

func (b badSession) Error() string   { return b.err.Error() }
func (b badSession) Unwrap() []error { return []error{b.err, audio.ErrCorrupt} }

func mixRender(ctx context.Context, env Env, sessionPath string, o mixOpts) error {
	if o.output == "" {
		return usagef("mix needs an output file: -o OUT")
	}
	if o.stemsTracks && o.stems == "" {
		return usagef("--stems-tracks needs --stems DIR")
	}
	dither, _, err := parseDither(o.dither)
	if err != nil {
		return err
	}
	typ, bits, err := parseBits(o.bits)
	if err != nil {
		return err
	}
	container := audiofile.Container(strings.ToLower(o.format))
	if container == "" {
		if container, err = audiofile.ContainerFor(o.output); err != nil {
			return usageError{err}
		}
	} else if container != audiofile.WAV && container != audiofile.FLAC && container != audiofile.AIFF {
		return usagef("--format %q: use wav, flac or aiff", o.format)
	}
	if container == audiofile.FLAC && (typ != audio.SampleInt || bits > 24) {
		return usagef("FLAC stores integers of up to 24 bits; use --bits 16 or --bits 24")
	}
	if typ != audio.SampleInt {
		dither = audio.DitherNone
	}

	var bar *progress // nil (not drawn) for short renders or without a terminal
	started := false
	opt := mix.FileOptions{
		Options:    mix.Options{Workers: o.workers, TrackTruePeak: o.trackTP},
		Type:       typ,
		Bits:       bits,
		Container:  container,
		Dither:     dither,
		Seed:       o.seed,
		StemDir:    o.stems,
		StemTracks: o.stemsTracks,
		Progress: func(p mix.Progress) {
			if !started {
				started = true
				bar = newProgress(env, env.Stderr, "mix", p.TotalFrames, p.SampleRate)
			}
			bar.set(p.Frames)
		},
	}
	rep, err := mix.RenderFile(ctx, sessionPath, o.output, opt)
	bar.done()
	switch {
	case err == nil:
	case errors.Is(err, session.ErrInvalid):
		return badSession{err}
	case mix.IsWriteError(err):
		return outputError{err}
	default:
		return err
	}
	if o.report != "" {
		if err := writeJSON(o.report, rep); err != nil {
			return err
		}
	}
	if err := rep.WriteText(env.Stdout); err != nil {
		return outputError{err}
	}
	fmt.Fprintf(env.Stdout, "wrote %s", o.output)
	if o.stems != "" {
		fmt.Fprintf(env.Stdout, " and %d stems in %s", stemCount(rep, o.stemsTracks), o.stems)
	}
	if o.report != "" {
		fmt.Fprintf(env.Stdout, "; report in %s", o.report)
	}
	fmt.Fprintln(env.Stdout)
	for _, wn := range rep.Warnings {
		fmt.Fprintf(env.Stderr, "mixdown: warning: %s\n", wn)
	}
	return nil
}

func mixInit(env Env, o mixOpts) error {
	out := o.output
	if out == "" {
		out = filepath.Join(o.init, "session.yaml")
	}
	if _, err := os.Stat(out); err == nil && !o.force {
		return usagef("%s already exists (use --force to overwrite it, or -o to write elsewhere)", out)
	}
	text, used, skipped, err := mix.InitSession(o.init, out)
	if err != nil {
		if len(used) == 0 && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, os.ErrPermission) {
			return badSession{err}
		}
		return err
	}
	var names []string
	for p := range skipped {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		fmt.Fprintf(env.Stderr, "mixdown: skipped %s: %v\n", p, skipped[p])
	}
	if err := writeFileAtomic(out, text); err != nil {
		return outputError{err}
	}
	fmt.Fprintf(env.Stdout, "wrote %s with %d tracks; edit it, then: mixdown mix %s -o mix.wav\n", out, len(used), out)
	return nil
}

// stemCount is the number of stem files a render wrote.
func stemCount(rep *mix.Report, tracks bool) int {
	n := len(rep.Buses)
	if tracks {
		n += len(rep.Tracks)
	}
	return n
}
