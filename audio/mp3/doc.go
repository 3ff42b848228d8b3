// Package mp3 decodes MPEG-1 and MPEG-2 Layer III audio (MP3) into planar
// float32 frames, with gapless trimming.
//
// Decoding of the Layer III bitstream is done by github.com/hajimehoshi/go-mp3.
// This package does everything around it: it skips ID3v2 tags at the start and
// ID3v1, APEv2 and Lyrics3 tags at the end, finds and checks every frame
// header itself (so that truncation and corruption are reported instead of
// silently ending the stream), reads the Xing/Info and LAME tags, and hands
// the library only complete, valid audio frames.
//
// # Gapless playback
//
// An MP3 encoder adds silence before the audio (the encoder delay, 576
// frames for LAME) and after it (padding, to fill the last MP3 frame), and
// every decoder adds 529 frames of delay of its own (the synthesis filter
// bank). LAME records its delay and padding in the LAME extension of the
// Xing/Info tag, a silent first frame that carries no audio. When that tag is
// present the Decoder drops the tag frame, the first delay+529 decoded frames
// and everything after frames×samplesPerFrame−padding+529, so the decoded
// stream has exactly the length and the sample alignment of the encoder's
// input. This is the convention ffmpeg and LAME's own decoder follow.
//
// Without a LAME tag (for example a file made with "lame -t", or by an encoder
// that writes none) nothing is trimmed: every sample of every audio frame is
// returned, exactly as ffmpeg does, and the audio starts late by the encoder
// delay plus 529 frames (1105 frames for LAME) and ends with padding. A Xing
// or VBRI tag frame without a LAME extension is still dropped, since it holds
// no audio.
//
// # Limits
//
// Layer I and II, MPEG-2.5 (8, 11.025 and 12 kHz) and free-format bitrates
// are reported as audio.ErrUnsupported, as is a stream whose channel count
// changes between frames. The decoder produces 16-bit samples internally, so
// decoded peaks above full scale are clipped to ±1.0 and the resolution is
// 1/32767.
package mp3
