// Package master turns a finished stereo mix into a release-ready master: it
// analyzes the programme, decides EQ, dynamics, width and loudness from the
// analysis (or from a reference track), renders the chain in a few
// streaming passes so that memory is bounded by lookahead and block sizes,
// lands the integrated loudness within 0.1 LU of the target with the true
// peak under the ceiling, and writes a report that explains every decision.
// It also assembles albums: per-song masters with album-wide loudness,
// gaps and crossfades, a continuous file and a CUE sheet.
//
// # Passes
//
//  1. Analysis of the input (loudness, spectrum, stereo, defects) and the
//     decisions (Decide).
//  2. The chain: resampling to the delivery rate, DC/subsonic high-pass,
//     hum notches, tonal EQ, multiband compression and width, into a
//     temporary 32-bit float file. The filters (and, without multiband
//     compression, the width's crossover, on mid and side) run as one
//     vectorised batch of second-order sections (dsp.CascadeBatch).
//  3. The loudness stage: saturation (when asked for, or added when the
//     target needs it), gain and the lookahead true-peak limiter, into a
//     second temporary file. Its first pass runs in the same pipeline as
//     the chain, at a gain predicted from the analysis. Loudness grows more
//     slowly than gain once the limiter works, so the pass is repeated from
//     the first temporary file (secant steps) until the result lies between
//     the target and 0.3 LU above it. When the limiter would have to exceed
//     Options.MaxLimitDB (or the next step would take it there),
//     saturation is added or raised (automatic dynamics; each channel on
//     its own core), or the master stops short and Result.Shortfall says
//     so.
//  4. The final pass trims the excess (a gain cut, which cannot raise the
//     true peak), dithers, writes the file atomically and analyzes it,
//     measuring the true peak at 8x.
//
// # Why minimum-phase EQ
//
// The tonal EQ is a cascade of minimum-phase bells and shelves fitted to
// the planned curve (dsp.CurveEQ), not a linear-phase FIR: a mastering EQ
// here moves broad regions by a few dB (the plan is smoothed to about 2/3
// octave and capped), where the phase shift of a minimum-phase filter is
// small and confined to the slopes, while a linear-phase filter would add
// latency, pre-ringing before transients (audible on drums as a smeared
// attack when low frequencies are cut), and, at the resolution the low
// bands need, tens of thousands of taps per channel.
package master
