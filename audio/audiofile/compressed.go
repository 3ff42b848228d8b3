package audiofile

import (
	"fmt"
	"io"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/flac"
)

// openCompressed recognises the compressed formats. It is filled in as codec
// packages land.
func openCompressed(r io.Reader, head []byte) (audio.Reader, string, error) {
	switch {
	case flac.Sniff(head):
		d, err := flac.NewDecoder(r)
		return d, "flac", err
	}
	return nil, "", fmt.Errorf("%s: %w", describe(head), audio.ErrNotAudio)
}

func newFLACEncoder(w io.WriteSeeker, f audio.Format, opt WriteOptions) (encoder, error) {
	return flac.NewEncoder(w, f, flac.Options{Dither: opt.Dither, Seed: opt.Seed})
}
