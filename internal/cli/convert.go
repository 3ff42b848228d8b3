package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/audio/resample"
)

type convertOpts struct {
	rate   int
	bits   string
	format string
	dither string
	seed   uint64
}

func newConvertCmd(env Env) *cobra.Command {
	var o convertOpts
	cmd := &cobra.Command{
		Use:   "convert IN OUT",
		Short: "Change format, sample rate and word length at mastering quality",
		Long: `convert decodes IN (WAV, RF64, AIFF, FLAC, MP3 or Ogg Vorbis, detected from content)
and writes OUT (WAV, FLAC or AIFF, from --format or OUT's extension).

--rate converts the sample rate with a linear-phase polyphase resampler
(zero delay, exact length). --bits sets the output word length: 8, 16, 24 or
32 (integer), or 32f / 64f (float). Whenever the word length is reduced, or
the signal was resampled or decoded from float or lossy data, integer output
is TPDF-dithered (--dither auto); a copy that keeps every sample on its grid
is not dithered, so 16-bit to 16-bit is bit-exact.

OUT is written to a temporary file and renamed into place when complete.`,
		Args: argsRange(2, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return convert(cmd.Context(), env, args[0], args[1], o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.rate, "rate", 0, "output sample rate in Hz (default: keep)")
	f.StringVar(&o.bits, "bits", "", "output word length: 8, 16, 24, 32, 32f or 64f (default: keep; 24 for lossy input)")
	f.StringVar(&o.format, "format", "", "output format: wav, flac or aiff (default: from OUT's extension)")
	f.StringVar(&o.dither, "dither", "auto", "auto, tpdf, shaped (noise-shaped TPDF) or none")
	f.Uint64Var(&o.seed, "seed", 1, "dither seed (the same seed gives the same output)")
	return cmd
}

// parseBits turns a --bits value into a sample type and word length.
func parseBits(s string) (audio.SampleType, int, error) {
	switch strings.ToLower(s) {
	case "8":
		return audio.SampleInt, 8, nil
	case "16":
		return audio.SampleInt, 16, nil
	case "24":
		return audio.SampleInt, 24, nil
	case "32":
		return audio.SampleInt, 32, nil
	case "32f", "float", "f32":
		return audio.SampleFloat, 32, nil
	case "64f", "double", "f64":
		return audio.SampleFloat, 64, nil
	}
	return 0, 0, usagef("--bits %q: use 8, 16, 24, 32, 32f or 64f", s)
}

func parseDither(s string) (audio.Dither, bool, error) {
	switch s {
	case "auto":
		return audio.DitherTPDF, true, nil
	case "tpdf":
		return audio.DitherTPDF, false, nil
	case "shaped":
		return audio.DitherShaped, false, nil
	case "none":
		return audio.DitherNone, false, nil
	}
	return 0, false, usagef("--dither %q: use auto, tpdf, shaped or none", s)
}

// outputFormat decides the written format from the input and the options.
func outputFormat(in audio.Format, o convertOpts, container audiofile.Container) (audio.Format, error) {
	out := in
	if o.rate != 0 {
		if o.rate < audio.MinSampleRate || o.rate > audio.MaxSampleRate {
			return out, usagef("--rate %d: supported rates are %d to %d Hz", o.rate, audio.MinSampleRate, audio.MaxSampleRate)
		}
		out.SampleRate = o.rate
	}
	switch {
	case o.bits != "":
		t, b, err := parseBits(o.bits)
		if err != nil {
			return out, err
		}
		out.Type, out.Bits = t, b
	case in.Type == audio.SampleLossy:
		out.Type, out.Bits = audio.SampleInt, 24
	}
	if container == audiofile.FLAC && (out.Type != audio.SampleInt || out.Bits > 24) {
		return out, usagef("FLAC stores integers of up to 24 bits; add --bits 16 or --bits 24")
	}
	return out, nil
}

// needsDither reports whether writing in as out moves samples off their grid.
func needsDither(in, out audio.Format) bool {
	if out.Type != audio.SampleInt {
		return false
	}
	switch {
	case in.SampleRate != out.SampleRate:
		return true
	case in.Type == audio.SampleFloat || in.Type == audio.SampleLossy:
		return true
	case in.Bits > out.Bits:
		return true
	}
	return false
}

func convert(ctx context.Context, env Env, inPath, outPath string, o convertOpts) error {
	dither, auto, err := parseDither(o.dither)
	if err != nil {
		return err
	}
	container := audiofile.Container(strings.ToLower(o.format))
	if container == "" {
		if container, err = audiofile.ContainerFor(outPath); err != nil {
			return usageError{err}
		}
	} else if container != audiofile.WAV && container != audiofile.FLAC && container != audiofile.AIFF {
		return usagef("--format %q: use wav, flac or aiff", o.format)
	}
	in, err := audiofile.Open(inPath)
	if err != nil {
		return err
	}
	defer in.Close()
	inFmt := in.Format()
	outFmt, err := outputFormat(inFmt, o, container)
	if err != nil {
		return err
	}
	if auto && !needsDither(inFmt, outFmt) {
		dither = audio.DitherNone
	}
	var src audio.Reader = in
	total := in.Length()
	if outFmt.SampleRate != inFmt.SampleRate {
		rs, err := resample.NewReader(in, outFmt.SampleRate)
		if err != nil {
			return err
		}
		src = rs
		if total >= 0 {
			total = resample.OutputLength(total, inFmt.SampleRate, outFmt.SampleRate)
		}
	}
	// Decode and resample ahead on another goroutine while this one encodes.
	pf := audio.NewPrefetcher(src, 16384, 4)
	defer pf.Close()
	src = pf
	w, err := audiofile.Create(outPath, outFmt, audiofile.WriteOptions{Container: container, Dither: dither, Seed: o.seed})
	if err != nil {
		return outputError{err}
	}
	defer w.Abort() // removes the temporary file unless Close succeeded
	bar := newProgress(env, env.Stderr, "convert", total, outFmt.SampleRate)
	if err := copyFrames(ctx, w, src, bar); err != nil {
		return err
	}
	bar.done()
	if err := w.Close(); err != nil {
		return outputError{err}
	}
	if n := w.Clipped(); n > 0 {
		fmt.Fprintf(env.Stderr, "mixdown: warning: %s: %d samples exceeded full scale and were clipped\n", outPath, n)
	}
	return nil
}

// copyFrames streams src into w, checking for cancellation between blocks.
func copyFrames(ctx context.Context, w *audiofile.Writer, src audio.Reader, bar *progress) error {
	buf := audio.NewBuffer(src.Format().Channels, 8192)
	hdr := make(audio.Buffer, len(buf))
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := src.ReadFrames(buf)
		if n > 0 {
			if werr := w.WriteFrames(buf.Head(hdr, n)); werr != nil {
				return outputError{werr}
			}
			total += int64(n)
			bar.set(total)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
