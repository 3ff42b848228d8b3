// Package analysis measures a programme in one streaming pass: loudness
// (through loudness.Meter), dynamics, the stereo image, the long-term
// spectrum and technical defects, and summarises them as findings. It is
// what `mixdown analyze` prints, and what mastering reads before it acts.
//
// Feed an Analyzer with Write (any block size) and call Report at the end.
// Memory is fixed at creation; results are bit-identical whatever the block
// sizes and GOMAXPROCS. Report's JSON layout is documented in SCHEMA.md.
//
// # Methods
//
// Loudness, loudness range and true peak are ITU-R BS.1770-4 / EBU R128 as
// loudness.Meter measures them. PLR is true peak minus integrated loudness.
//
// Dynamics: RMS over all samples (20·log10 RMS, so a full-scale sine is
// −3.01 dBFS) and the crest factor, peak over RMS.
//
// Stereo (front left/right pair): the Pearson correlation over the whole
// programme and the lowest over 400 ms windows; the side/mid energy ratio;
// and the mono-fold drop, the gated integrated loudness of (L+R)/2 played on
// both channels minus that of the pair.
//
// Spectrum: Hann-windowed FFTs of about 0.37 s (16384 points at 44.1 and
// 48 kHz) of mid and side, without overlap (an average over the whole
// programme gains nothing from it); the left and right spectra follow from
// mid, side and their cross-spectrum. Bins are integrated into ISO 1/3-octave
// bands, each bin weighted by its overlap with the band, and levels are
// given relative to a full-scale sine.
//
// Defects: DC is the mean sample value. Clipping counts runs of at least
// Options.ClipRunMin samples within a hair (Options.ClipTolerance) of the
// smaller of the file's peak and full scale; since the peak is known only at
// the end, candidate runs are kept aggregated by their smallest magnitude
// and those below the rising peak are pruned, which bounds memory. Silence
// at head and tail is found from the first and last sample above
// Options.SilenceThresholdDB. The noise floor is a low percentile of 50 ms
// RMS levels, digital silence left out. Hum: the mid signal is decimated to
// 1-2 kHz and analysed in 6 s Blackman-Harris frames (0.17 Hz bins); a line
// at 50 or 60 Hz or a harmonic must stand 10 dB above everything within
// ±2.5 Hz, in the long-term average or in at least two frames, so that
// bass notes 1 Hz away and a periodic drum pattern's own lines are not
// taken for hum. The real bit depth is the smallest k with every sample on a
// k-bit grid, found from the trailing zeros of each float32 significand.
// Bandwidth is the top of the highest cliff in the spectrum (30 dB down
// within 1/8 octave and staying down to Nyquist); a file at 88.2 kHz or more
// whose content stops below 55% of Nyquist is reported as upsampled.
package analysis
