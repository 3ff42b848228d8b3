package audiofile

import (
	"fmt"
	"io"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/flac"
	"github.com/mixdown/mixdown/audio/mp3"
	"github.com/mixdown/mixdown/audio/ogg"
)

// openCompressed recognises the compressed formats. It is filled in as codec
// packages land.
func openCompressed(r io.Reader, head []byte) (audio.Reader, string, error) {
	switch {
	case flac.Sniff(head) || flacAfterLongID3(r, head):
		d, err := flac.NewDecoder(r)
		return d, "flac", err
	case ogg.Sniff(head):
		d, err := ogg.NewDecoder(r)
		return d, "vorbis", err
	case mp3.Sniff(head):
		d, err := mp3.NewDecoder(r)
		return d, "mp3", err
	}
	return nil, "", fmt.Errorf("%s: %w", describe(head), audio.ErrNotAudio)
}

func newFLACEncoder(w io.WriteSeeker, f audio.Format, opt WriteOptions) (encoder, error) {
	return flac.NewEncoder(w, f, flac.Options{Dither: opt.Dither, Seed: opt.Seed})
}

// flacAfterLongID3 reports whether an ID3v2 tag longer than the sniffed head
// is followed by a FLAC stream (rare, but some taggers do it). It needs a
// seekable input and leaves it rewound.
func flacAfterLongID3(r io.Reader, head []byte) bool {
	n := id3Size(head)
	s, ok := r.(io.ReadSeeker)
	if n <= int64(len(head))-4 || !ok {
		return false
	}
	var sig [4]byte
	_, err := s.Seek(n, io.SeekStart)
	if err == nil {
		_, err = io.ReadFull(s, sig[:])
	}
	_, _ = s.Seek(0, io.SeekStart)
	return err == nil && string(sig[:]) == "fLaC"
}
