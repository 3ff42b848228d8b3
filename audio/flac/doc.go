// Package flac reads and writes FLAC (Free Lossless Audio Codec) streams.
//
// Decoding is streaming: a Decoder parses the stream header itself and then
// decodes one frame (at most 65535 frames of audio per channel) at a time with
// github.com/mewkiz/flac/frame, so memory is bounded by the largest legal frame
// whatever the header claims. Every frame's CRC is checked, and the MD5
// signature of the whole stream is checked at its end when the header has one.
//
// Encoding does its own signal analysis (constant, verbatim, fixed and LPC
// predictors, partitioned Rice coding with escape codes, stereo
// decorrelation) and hands finished subframes to mewkiz's frame writer. At
// the default level the coded audio is about the size the reference encoder's
// "flac -5" produces (0.1% smaller on bench/flacsize.sh's material); see
// Options.Level.
//
// Samples are exchanged as audio.Buffer (planar float32, full scale ±1.0). A
// b-bit integer sample s maps to s / 2^(b-1), which is exact for the depths
// FLAC stores here (4 to 24 bits), so decoding and re-encoding at the same
// depth without dither is bit-exact.
//
// Errors start with "flac: " and wrap audio.ErrNotAudio (no FLAC signature),
// audio.ErrCorrupt (bad CRC, sync code, MD5 or inconsistent header fields),
// audio.ErrUnsupported (legal streams this package does not handle, such as
// 32-bit samples) or io.ErrUnexpectedEOF (truncated streams).
package flac
