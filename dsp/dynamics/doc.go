// Package dynamics holds mixdown's dynamics processors: envelope followers,
// a feed-forward compressor, a gate/expander, a de-esser, a multiband
// compressor and a lookahead true-peak limiter. Every processor follows the
// dsp.Processor contract (checked by dsp/dsptest) and the keyed ones also
// implement dsp.Keyed, so a sidechain signal of any channel count can drive
// them.
//
// # Parameters
//
// Each processor takes a parameter struct with json and yaml tags in
// snake_case whose names carry their units (threshold_db, attack_ms). Start
// from the Default…Params function and change what you need: some defaults
// are not the zero value (a compressor's stereo_link and mix, a limiter's
// link). Decoding JSON or YAML into a parameter struct starts from the
// defaults too, so fields absent from a session file keep their default
// value rather than becoming zero. Validate reports the first parameter out
// of range, naming it as it is spelled in YAML and giving the allowed range;
// Prepare calls it.
//
// # Conventions
//
// Levels and thresholds are in dBFS (0 dB = full scale 1.0), gains and gain
// reductions in dB, times in milliseconds. Gain reduction (GR) is reported
// as a positive number of dB: 6 means the signal is 6 dB quieter than it
// would be without the processor (makeup gain aside). Every processor keeps
// GainReductionStats since Prepare or the last Reset, and reports the
// current gain reduction for meters.
//
// Time constants are exact one-pole constants: for a step in its input, a
// follower covers 1−1/e (63.2 %) of the step in the stated time. Attack
// applies while the followed quantity rises, release while it falls.
//
// # References
//
//   - D. Giannoulis, M. Massberg, J. D. Reiss, "Digital Dynamic Range
//     Compressor Design—A Tutorial and Analysis", J. Audio Eng. Soc. 60(6),
//     2012: the quadratic soft knee and the log-domain, smoothed-gain
//     feed-forward structure used by Compressor.
//   - ITU-R BS.1770-4 Annex 2: true-peak estimation by oversampling, used by
//     Limiter through dsp/truepeak.
//   - D. Lemire, "Streaming Maximum-Minimum Filter Using No More than Three
//     Comparisons per Element", 2006: the monotonic-deque sliding minimum
//     in the limiter's gain path.
//   - R. Bristow-Johnson, "Audio EQ Cookbook": the sidechain filters and the
//     band-pass/notch pair of the de-esser.
package dynamics
