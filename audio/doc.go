// Package audio holds the types every other mixdown package shares: planar
// float32 buffers, stream formats and channel layouts, the streaming Reader
// and Writer contracts, sample-format conversion and dithered quantization.
//
// Samples are float32 with full scale at ±1.0. A Buffer is planar: one slice
// per channel, all of the same length in frames. A frame is one sample of
// every channel at one instant; "samples" counts frames times channels.
//
// Codecs live in subpackages (audio/wav, audio/aiff, audio/flac, audio/mp3,
// audio/ogg); audio/audiofile opens any of them by sniffing content and
// writes files atomically.
package audio
