package cli

import (
	"math"

	"github.com/spf13/cobra"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/internal/synth"
)

type generateOpts struct {
	seconds float64
	rate    int
	bits    string
	seed    uint64
}

func newGenerateCmd(env Env) *cobra.Command {
	var o generateOpts
	cmd := &cobra.Command{
		Use:   "generate song|tone|pink OUT",
		Short: "Write a generated test signal (for trying mixdown and for benchmarks)",
		Long: `generate writes a deterministic signal to OUT (WAV, FLAC or AIFF by extension):
  song  music-like stereo material (drums, bass, chords, lead; loud, like a master)
  tone  the EBU calibration signal: 1 kHz stereo sine at -23 dBFS (reads -23 LUFS)
  pink  stereo pink noise at -20 dBFS RMS
Integer output is TPDF-dithered.`,
		Args: argsRange(2, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, bits, err := parseBits(o.bits)
			if err != nil {
				return err
			}
			if o.seconds <= 0 || o.seconds > 24*3600 {
				return usagef("--seconds %g: use 0 < seconds <= 86400", o.seconds)
			}
			if o.rate < audio.MinSampleRate || o.rate > audio.MaxSampleRate {
				return usagef("--rate %d: supported rates are %d to %d Hz", o.rate, audio.MinSampleRate, audio.MaxSampleRate)
			}
			var src audio.Reader
			switch args[0] {
			case "song":
				src = synth.NewSong(o.rate, o.seconds, o.seed)
			case "tone":
				src = synth.NewSine(o.rate, 2, o.seconds, 1000, math.Pow(10, -23.0/20))
			case "pink":
				src = synth.NewPink(o.rate, 2, o.seconds, 0.1, o.seed)
			default:
				return usagef("unknown signal %q: use song, tone or pink", args[0])
			}
			f := audio.Format{SampleRate: o.rate, Channels: 2, Type: t, Bits: bits}
			w, err := audiofile.Create(args[1], f, audiofile.WriteOptions{Dither: audio.DitherTPDF, Seed: o.seed})
			if err != nil {
				return outputError{err}
			}
			defer w.Abort()
			if err := copyFrames(cmd.Context(), w, src, nil); err != nil {
				return err
			}
			if err := w.Close(); err != nil {
				return outputError{err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.Float64Var(&o.seconds, "seconds", 30, "length in seconds")
	f.IntVar(&o.rate, "rate", 44100, "sample rate in Hz")
	f.StringVar(&o.bits, "bits", "24", "word length: 8, 16, 24, 32, 32f or 64f")
	f.Uint64Var(&o.seed, "seed", 1, "variation seed")
	return cmd
}
