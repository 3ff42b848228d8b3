// Package resample converts audio between sample rates with a polyphase
// windowed-sinc filter of mastering quality.
//
// # What it computes
//
// Output frame k is the band-limited value of the input at time
// k·inRate/outRate input frames: the filter is linear-phase and its delay is
// compensated by reading ahead (Resampler.Lookahead frames), so the output is
// aligned with the input and has no delay. Input before the first frame and
// after the last is treated as silence. N input frames convert to exactly
// OutputLength(N, inRate, outRate) = round-half-up(N·outRate/inRate) output
// frames. When the rates are equal the samples pass through bit-exactly;
// when upsampling by a power of two every input sample reappears exactly.
//
// # Filter
//
// The kernel is a Kaiser-windowed sinc (β = 17.2, half-width 58.8 frames of
// the lower rate: 120 taps per output frame when upsampling, 120·in/out when
// downsampling, rounded up to a multiple of 4) with its −6 dB point at the
// lower Nyquist frequency. Its passband reaches 20 kHz at 44.1 kHz (0.4535 of
// the lower rate: 21.8 kHz at 48 kHz, 40 kHz at 88.2 kHz) with ripple below
// ±1e-7 dB; its stopband, from 0.5465 of the lower rate (24.1 kHz at
// 44.1 kHz), is below −158 dB. The transition band is symmetric about the
// lower Nyquist, so whatever passes above that Nyquist aliases (or images)
// only into the band between the passband edge and the Nyquist frequency,
// above 20 kHz at 44.1 kHz, never into the audible band. That halves the
// filter length compared with a stopband starting at the Nyquist frequency.
//
// # Stages
//
// Downsampling by two or more may start with half-band decimators (192 →
// 96 kHz), upsampling by two or more may end with half-band interpolators
// (48 → 96 kHz); a chain is used when it needs fewer multiply-adds than one
// polyphase stage, and it aliases and images exactly like the single-stage
// design: a half-band stage inside the chain is flat to the stopband edge
// of the whole conversion and rejects from half its high rate minus that
// edge, and the one at the lower rate's end is the single-stage design
// itself. Half-band filters have every other coefficient zero and the
// history is split into even and odd frames, so they cost a quarter of a
// polyphase stage over the same octave. All stages are centred on their
// output times, so the chain has no delay either. For example: 44.1 ↔ 48 and
// 96 → 44.1 kHz run one polyphase stage; 192 → 44.1 kHz runs a 24-tap
// half-band decimator, then 96 → 44.1 kHz; 48 → 96 kHz is one half-band
// interpolator; 44.1 → 192 kHz is 44.1 → 96 kHz then a half-band
// interpolator.
//
// A polyphase stage with P/Q = its input rate/output rate in lowest terms
// cycles through Q filter phases. When Q is small (160 for 44.1 → 48 kHz,
// 147 for 96 → 44.1 kHz) the coefficients of every phase are tabulated
// exactly; otherwise (44100 → 44101 Hz has 44101 phases) each coefficient
// is a cubic Hermite polynomial in the phase, built from the kernel's exact
// values and derivatives at 128 points per lower-rate frame, exact to
// −180 dB. Tables are float64, built once per ratio and shared while in
// use, and never larger than a few MiB whatever the ratio.
//
// History, coefficients and accumulation are float64. Measured on float32
// input and output, THD+N of −1 dBFS sines at 1 kHz and 15 kHz is −149 dB to
// −156 dB for every pair of 44.1, 48, 88.2, 96 and 192 kHz (the float32
// rounding of input and output sets that floor).
//
// # Speed and determinism
//
// On amd64 with AVX2 and FMA the filters run in assembly kernels that
// compute a whole batch of output frames per call (four accumulators of four
// float64 lanes per channel, two channels sharing each coefficient load);
// elsewhere portable Go code with the same order of operations runs instead,
// giving bit-identical results wherever the hardware has FMA.
// The output never depends on how the input is split between calls, on
// buffer alignment or on GOMAXPROCS. See Resampler.SetParallel for
// multi-core use.
package resample
