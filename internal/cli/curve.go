package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mixdown/mixdown/analysis"
	"github.com/mixdown/mixdown/master"
)

type curveOpts struct {
	output, name, description, source string
	minSeconds                        float64
}

func newCurveCmd(env Env) *cobra.Command {
	var o curveOpts
	cmd := &cobra.Command{
		Use:   "curve FILE... -o CURVE.json",
		Short: "Build a tonal-balance target curve from reference tracks",
		Long: `curve analyzes each FILE and averages their long-term 1/3-octave spectra (mid and
side, each normalized to the mean mid level of the 200 Hz - 5 kHz bands) into a
target curve: per band the median level and how far tracks spread around it.
'mixdown master --target-curve CURVE.json' then steers the tonal EQ towards it,
correcting only what lies outside the normal spread. Build one from releases
you like; mixdown's built-in curves were made the same way (scripts/derive-curves.sh).`,
		Args: argsRange(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.output == "" {
				return usagef("curve needs -o CURVE.json")
			}
			var reps []*analysis.Report
			for _, p := range args {
				e, err := AnalyzeFileReport(cmd.Context(), env, p)
				if err != nil {
					return err
				}
				if d := float64(e.Report.Loudness.DurationS); d < o.minSeconds {
					fmt.Fprintf(env.Stderr, "mixdown: skipping %s (%.1f s, shorter than --min-seconds %g)\n", p, d, o.minSeconds)
					continue
				}
				reps = append(reps, e.Report)
			}
			c, err := master.CurveFromReports(o.name, o.description, o.source, reps)
			if err != nil {
				return err
			}
			if err := writeJSON(o.output, c); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "wrote %s: %d tracks, %d bands\n", o.output, c.Tracks, len(c.Bands))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "curve file to write (JSON)")
	f.StringVar(&o.name, "name", "custom", "curve name")
	f.StringVar(&o.description, "description", "", "what the material is")
	f.StringVar(&o.source, "source", "", "where the material comes from (for the report)")
	f.Float64Var(&o.minSeconds, "min-seconds", 30, "skip tracks shorter than this (jingles)")
	return cmd
}
