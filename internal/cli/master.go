package cli

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/master"
)

// masterOpts are the flags shared by master and album.
type masterOpts struct {
	output, preset, report, reference, curve, preview, bits, dither string
	lufs, ceiling, maxLimit, monoBelow                              float64
	rate                                                            int
	eq, dynamics, width, loud, saturation                           string
}

func addMasterFlags(cmd *cobra.Command, o *masterOpts) {
	f := cmd.Flags()
	f.StringVar(&o.preset, "preset", "", "delivery target: "+strings.Join(master.PresetNames(), ", ")+" (default spotify)")
	f.Float64Var(&o.lufs, "lufs", math.NaN(), "integrated loudness to reach (LUFS); overrides the preset's")
	f.Float64Var(&o.ceiling, "ceiling", math.NaN(), "true-peak ceiling (dBTP); overrides the preset's")
	f.StringVar(&o.curve, "curve", "neutral", "tonal-balance target: "+strings.Join(master.BuiltinCurveNames(), ", ")+", or a file from 'mixdown curve'")
	f.StringVar(&o.eq, "eq", "100%", "amount of tonal correction (0% to 200%)")
	f.StringVar(&o.dynamics, "dynamics", "100%", "amount of compression (0% to 200%)")
	f.StringVar(&o.width, "width", "100%", "amount of width correction (0% to 200%)")
	f.StringVar(&o.loud, "loudness", "100%", "how far to move towards the target loudness (0% keeps the input's)")
	f.StringVar(&o.saturation, "saturation", "0%", "soft saturation (100% is about 6 dB of drive)")
	f.Float64Var(&o.monoBelow, "mono-below", 100, "keep the lows mono below this frequency (Hz); 0 turns it off")
	f.Float64Var(&o.maxLimit, "max-limit", 6, "most peak reduction the limiter may apply (dB) before the target is given up")
	f.StringVar(&o.bits, "bits", "", "output word length: 16, 24 or 32f (default: the preset's, else 24)")
	f.IntVar(&o.rate, "rate", 0, "output sample rate in Hz (default: the preset's, else the input's)")
	f.StringVar(&o.dither, "dither", "tpdf", "dither for integer output: tpdf, shaped or none")
}

// parseAmount accepts "50%", "0.5" or "50" (read as percent when > 2).
func parseAmount(name, s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err != nil {
		return 0, usagef("--%s %q: use a percentage such as 50%%", name, s)
	}
	if pct || v > 2 {
		v /= 100
	}
	if v < 0 || v > 2 {
		return 0, usagef("--%s %s: use 0%% to 200%%", name, s)
	}
	return v, nil
}

// options turns the flags into master options (the reference is handled by
// the caller).
func (o *masterOpts) options() (master.Options, error) {
	name := o.preset
	if name == "" {
		name = "spotify"
	}
	t, err := master.Preset(name)
	if err != nil {
		return master.Options{}, usageError{err}
	}
	if !math.IsNaN(o.lufs) {
		t.LUFS = o.lufs
		if o.preset == "" {
			t.Name = ""
		}
	}
	if !math.IsNaN(o.ceiling) {
		t.CeilingDBTP, t.LoudCeilingDBTP = o.ceiling, 0
		if o.preset == "" {
			t.Name = ""
		}
	}
	opt := master.DefaultOptions(t)
	for _, a := range []struct {
		name, s string
		dst     *float64
	}{{"eq", o.eq, &opt.EQAmount}, {"dynamics", o.dynamics, &opt.DynamicsAmount}, {"width", o.width, &opt.WidthAmount},
		{"loudness", o.loud, &opt.LoudnessAmount}, {"saturation", o.saturation, &opt.Saturation}} {
		if *a.dst, err = parseAmount(a.name, a.s); err != nil {
			return opt, err
		}
	}
	opt.MonoBelowHz, opt.MaxLimitDB = o.monoBelow, o.maxLimit
	if o.curve != "" {
		if c, err := master.BuiltinCurve(o.curve); err == nil {
			opt.Curve = c
		} else {
			data, rerr := os.ReadFile(o.curve)
			if rerr != nil {
				return opt, usagef("--curve %q: not a built-in curve (%s) and not a readable file: %v", o.curve, strings.Join(master.BuiltinCurveNames(), ", "), rerr)
			}
			if opt.Curve, err = master.ParseCurve(data); err != nil {
				return opt, fmt.Errorf("%s: %w: %w", o.curve, err, audio.ErrCorrupt)
			}
		}
	}
	if err := opt.Validate(); err != nil {
		return opt, usageError{err}
	}
	return opt, nil
}

func (o *masterOpts) output0() (master.Output, error) {
	var out master.Output
	out.SampleRate = o.rate
	switch o.bits {
	case "":
	case "16", "24":
		out.Bits, _ = strconv.Atoi(o.bits)
	case "32f", "32", "float":
		out.Bits = 32
	default:
		return out, usagef("--bits %q: use 16, 24 or 32f", o.bits)
	}
	switch o.dither {
	case "tpdf":
		out.Dither = audio.DitherTPDF
	case "shaped":
		out.Dither = audio.DitherShaped
	case "none":
		out.Dither = audio.DitherNone
	default:
		return out, usagef("--dither %q: use tpdf, shaped or none", o.dither)
	}
	return out, nil
}

func newMasterCmd(env Env) *cobra.Command {
	var o masterOpts
	cmd := &cobra.Command{
		Use:   "master IN -o OUT [--preset NAME | --lufs L --ceiling C] [--reference REF]",
		Short: "Master a stereo mix for a platform, or to match a reference",
		Long: `master analyzes IN, decides a chain from the analysis (DC/subsonic high-pass, hum
notches when hum is found, tonal EQ towards a measured tonal-balance curve,
multiband compression when the target needs it, width with mono lows, optional
saturation), then lands the integrated loudness within 0.1 LU of the target with
a lookahead true-peak limiter, verifies the true peak at 8x, dithers and writes
OUT atomically. With --reference it matches the reference's loudness (BS.1770,
gated), mid and side spectra and width instead. Every decision is explained in
the report (stderr, and --report FILE.json); --eq, --dynamics, --width and
--loudness scale each aspect (0% leaves it alone). If the target cannot be met
without more than --max-limit dB of limiting, mixdown delivers the loudest
clean master it can and says so (exit code stays 0; the report's checks fail).

Presets: ` + strings.Join(master.PresetNames(), ", "),
		Args: argsRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.output == "" {
				return usagef("master needs -o OUT")
			}
			opt, err := o.options()
			if err != nil {
				return err
			}
			out, err := o.output0()
			if err != nil {
				return err
			}
			if _, err := audiofile.ContainerFor(o.output); err != nil {
				return usageError{err}
			}
			out.Path = o.output
			if o.preview != "" {
				out.PreviewDir = o.preview
			}
			ctx := cmd.Context()
			if o.reference != "" {
				ref, err := master.Analyze(ctx, master.FileSource(o.reference))
				if err != nil {
					return err
				}
				opt.Reference = ref
			}
			bar := newPassBar(env)
			res, err := master.Master(ctx, master.FileSource(args[0]), nil, out, opt, bar.update)
			bar.done()
			if err != nil {
				return err
			}
			rep := master.NewReport(res, opt, args[0], o.output, o.reference)
			if out.PreviewDir != "" {
				rep.Preview = &master.Preview{Before: filepath.Join(out.PreviewDir, "preview-before.wav"), After: filepath.Join(out.PreviewDir, "preview-after.wav"), StartS: res.PreviewStartS, LengthS: 30}
			}
			if err := rep.WriteText(env.Stderr); err != nil {
				return err
			}
			if o.report != "" {
				if err := writeJSON(o.report, rep); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "the master to write (.wav, .flac or .aiff)")
	cmd.Flags().StringVar(&o.reference, "reference", "", "a reference track to match (loudness, spectrum, width)")
	cmd.Flags().StringVar(&o.report, "report", "", "also write the report as JSON to this file")
	cmd.Flags().StringVar(&o.preview, "preview", "", "write level-matched before/after clips of the loudest 30 s to this directory")
	addMasterFlags(cmd, &o)
	return cmd
}

// passBar shows the current pass on a terminal.
type passBar struct {
	env  Env
	last string
}

func newPassBar(env Env) *passBar { return &passBar{env: env} }

func (p *passBar) update(pass string, fraction float64) {
	if !p.env.Progress {
		return
	}
	line := fmt.Sprintf("\r%-8s %3.0f%%", pass, 100*fraction)
	if line != p.last {
		fmt.Fprint(p.env.Stderr, line)
		p.last = line
	}
}

func (p *passBar) done() {
	if p.env.Progress && p.last != "" {
		fmt.Fprint(p.env.Stderr, "\r\033[K")
	}
}
