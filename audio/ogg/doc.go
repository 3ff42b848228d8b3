// Package ogg decodes Ogg Vorbis audio into planar float32 frames.
//
// The Ogg container (pages, packets, logical streams) is parsed here; the
// Vorbis packets are decoded by github.com/jfreymuth/vorbis, the decoder
// underneath github.com/jfreymuth/oggvorbis. Reading the container directly
// instead of through oggvorbis lets the Decoder follow one logical stream in
// a multiplexed file, verify page checksums and sequence numbers, detect
// truncation, trim by granule position as the Vorbis specification says,
// keep samples beyond full scale instead of clipping them, and check the
// Vorbis setup header before the library sees it (see below).
//
// # Length and trimming
//
// Vorbis is gapless by construction: the first packet of a stream yields no
// samples and the rest overlap exactly, so decoded sample n is source sample
// n. The granule position of a page is the number of samples decoded up to
// the last packet that ends on it. On the last page of the stream it may be
// smaller than what the packets decode to; the excess at the end is dropped.
// On the first audio page it may be smaller than the samples its packets
// decode to; the excess is dropped from the beginning. A first page that
// claims more samples marks a stream that starts later than zero (for
// example cut from a live stream); nothing is inserted for the gap.
//
// # Robustness
//
// Damaged input must not crash, hang or exhaust memory. The Decoder parses
// the Vorbis setup header itself, exactly as the library will, and rejects
// codebooks whose Huffman trees are incomplete (the library's tree walk would
// never finish), value tables or trees beyond fixed limits (the library
// allocates them as the header says), and references to codebooks, floors,
// residues, mappings or channels that do not exist. The comment header,
// which may hold megabytes of cover art, is skipped without being stored.
// Panics raised by the library on damaged audio packets are recovered and
// reported as audio.ErrCorrupt.
//
// Opus, FLAC and Speex in Ogg, and chained Ogg files (several streams one
// after the other), are reported as audio.ErrUnsupported.
package ogg
