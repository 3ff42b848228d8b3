package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/master"
)

func newAlbumCmd(env Env) *cobra.Command {
	var o masterOpts
	var mode, format string
	var gap float64
	cmd := &cobra.Command{
		Use:   "album (SONG... | ALBUM.yaml) -o DIR",
		Short: "Master songs as an album: consistent loudness, gaps, crossfades, a CUE sheet",
		Long: `album masters every song (as 'mixdown master' does) and assembles the album in
DIR: one file per track, one continuous album file and a CUE sheet whose
INDEX 01 points at each track's first sample. The track files played in order
are the album file, sample for sample (every track start lies on the CD frame
grid, 1/75 s).

Songs are given in order on the command line, or in an album file (YAML or
JSON) that can also set titles, per-song gaps and crossfades:

  title: Night Drive
  artist: The Examples
  preset: spotify          # or lufs: / ceiling_dbtp:
  mode: album              # album (default) or track
  gap_s: 2                 # silence between songs
  tracks:
    - file: 01-intro.wav   # relative to the album file
      title: Intro
      crossfade_s: 3       # overlap the next song instead of a gap
    - file: 02-drive.flac
      gap_s: 0             # gapless into the next song

--mode album masters the loudest song to the target and moves every other
song by the same amount, keeping the loudness differences the artist intended
(AES TD1008); --mode track masters every song to the target. Flags given on the
command line override the album file.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.output == "" {
				return usagef("album needs -o DIR")
			}
			spec, err := albumSpec(args)
			if err != nil {
				return err
			}
			fl := cmd.Flags()
			if fl.Changed("mode") || spec.Mode == "" {
				spec.Mode = master.AlbumMode(mode)
			}
			if spec.Mode != master.ModeAlbum && spec.Mode != master.ModeTrack {
				return usagef("--mode %q: use album or track", mode)
			}
			if fl.Changed("gap") {
				if gap < 0 || gap > 60 {
					return usagef("--gap %g: use 0 to 60 seconds", gap)
				}
				spec.GapS = &gap
			}
			if !fl.Changed("preset") && spec.Preset != "" {
				o.preset = spec.Preset
			}
			if !fl.Changed("lufs") && spec.LUFS != nil {
				o.lufs = *spec.LUFS
			}
			if !fl.Changed("ceiling") && spec.CeilingDBTP != nil {
				o.ceiling = *spec.CeilingDBTP
			}
			opt, err := o.options()
			if err != nil {
				return err
			}
			mo, err := o.output0()
			if err != nil {
				return err
			}
			out := master.AlbumOutput{Dir: o.output, SampleRate: mo.SampleRate, Bits: mo.Bits, Dither: mo.Dither}
			switch format {
			case "wav", "flac", "aiff":
				out.Container = audiofile.Container(format)
			default:
				return usagef("--format %q: use wav, flac or aiff", format)
			}
			for i := range spec.Tracks {
				if _, err := os.Stat(spec.Path(i)); err != nil {
					return fmt.Errorf("album track %d: %w", i+1, err)
				}
			}
			bar := newPassBar(env)
			res, err := master.RenderAlbum(cmd.Context(), spec, opt, out, bar.update)
			bar.done()
			if err != nil {
				return err
			}
			writeAlbumText(env, res)
			if o.report != "" {
				if err := writeJSON(o.report, res); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "directory for the album, track files and CUE sheet")
	cmd.Flags().StringVar(&o.report, "report", "", "also write the album report (every song's master report) as JSON to this file")
	cmd.Flags().StringVar(&mode, "mode", "album", "album: loudest song at the target, others keep their differences; track: every song at the target")
	cmd.Flags().Float64Var(&gap, "gap", 2, "seconds of silence between songs (an album file can set it per song)")
	cmd.Flags().StringVar(&format, "format", "wav", "container of the album and track files: wav, flac or aiff")
	addMasterFlags(cmd, &o)
	return cmd
}

// albumSpec reads an album file (one .yaml/.yml/.json argument) or makes
// a spec from songs listed in order.
func albumSpec(args []string) (*master.AlbumSpec, error) {
	if len(args) == 1 {
		switch strings.ToLower(filepath.Ext(args[0])) {
		case ".yaml", ".yml", ".json":
			data, err := os.ReadFile(args[0])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", args[0], err)
			}
			spec, err := master.ParseAlbum(args[0], data)
			if err != nil {
				return nil, usageError{err}
			}
			return spec, nil
		}
	}
	spec := &master.AlbumSpec{}
	for _, a := range args {
		spec.Tracks = append(spec.Tracks, master.AlbumTrack{File: a})
	}
	return spec, nil
}

func writeAlbumText(env Env, r *master.AlbumResult) {
	w := env.Stderr
	fmt.Fprintf(w, "Album %s (%s mode, target %.1f LUFS, ceiling %.1f dBTP, %d Hz, %d-bit)\n\n", r.AlbumFile, r.Mode, r.TargetLUFS, r.CeilingDBTP, r.SampleRate, r.Bits)
	fmt.Fprintf(w, "  #  %-32s %8s %8s %9s %9s %8s\n", "track", "start", "length", "input", "master", "peak")
	for i, t := range r.Tracks {
		fmt.Fprintf(w, "  %-2d %-32s %8s %7.1fs %5.1f LUFS %5.1f LUFS %5.1f dBTP\n", i+1, trunc(filepath.Base(t.Output), 32), clock(t.StartS), t.LengthS, t.InputLUFS, t.Report.Loudness.ReachedLUFS, t.TruePeakDBTP)
	}
	fmt.Fprintf(w, "\n  album %.1f LUFS, true peak %.2f dBTP; CUE sheet %s\n\nChecks\n", r.AlbumLUFS, r.TruePeakDBTP, r.CUEFile)
	for _, c := range r.Checks {
		mark := "PASS"
		if !c.Pass {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s  %s: %s\n", mark, c.Name, c.Detail)
	}
	for i, t := range r.Tracks {
		if t.Report.Shortfall != "" {
			fmt.Fprintf(w, "\n  track %d: %s\n", i+1, t.Report.Shortfall)
		}
	}
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func clock(s float64) string {
	return fmt.Sprintf("%d:%05.2f", int(s)/60, s-60*float64(int(s)/60))
}
