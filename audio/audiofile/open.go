// Package audiofile opens audio files of any supported format, detected from
// their content rather than their names, and writes files atomically: output
// goes to a temporary file in the destination directory and appears under
// its name only when complete.
package audiofile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/aiff"
	"github.com/mixdown/mixdown/audio/wav"
)

// Info describes an opened file.
type Info struct {
	// Path as given to Open ("-" for standard input).
	Path string `json:"path"`
	// Codec: "wav", "rf64", "aiff", "aifc", "flac", "mp3" or "vorbis".
	Codec string `json:"codec"`
	// Format of the decoded stream. For lossy codecs Type is
	// audio.SampleLossy and Bits is 0.
	Format audio.Format `json:"-"`
	// Frames is the length the file declares, or -1 if it does not say.
	Frames int64 `json:"frames"`
	// Size of the file in bytes (-1 for a pipe).
	Size int64 `json:"size_bytes"`
}

// File is an open audio file: an audio.ReadCloser whose errors name the file.
type File struct {
	info   Info
	dec    audio.Reader
	closer io.Closer
	err    error
}

// sniffLen is how many bytes are inspected to recognise a format (MP3
// needs several frame headers).
const sniffLen = 8192

// Open opens path ("-" reads standard input) and prepares to decode it.
// Errors name the file and wrap audio.ErrNotAudio, audio.ErrUnsupported,
// audio.ErrCorrupt or io.ErrUnexpectedEOF where they apply.
func Open(path string) (*File, error) {
	var (
		src    io.Reader
		closer io.Closer
		size   int64 = -1
	)
	if path == "-" {
		src = bufio.NewReaderSize(os.Stdin, 1<<16)
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		if st.IsDir() {
			f.Close()
			return nil, &os.PathError{Op: "open", Path: path, Err: errors.New("is a directory")}
		}
		src, closer, size = f, f, st.Size()
	}
	file, err := open(src, path, size)
	if err != nil {
		if closer != nil {
			closer.Close()
		}
		return nil, &os.PathError{Op: "decode", Path: path, Err: err}
	}
	file.closer = closer
	return file, nil
}

// peek returns up to n leading bytes of r without consuming them: a seekable
// file is rewound, a buffered stream is peeked.
func peek(r io.Reader, n int) ([]byte, io.Reader, error) {
	if s, ok := r.(io.ReadSeeker); ok {
		head := make([]byte, n)
		m, err := io.ReadFull(s, head)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return nil, nil, err
		}
		if _, err := s.Seek(0, io.SeekStart); err != nil {
			return nil, nil, err
		}
		return head[:m], s, nil
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 1<<16)
	}
	head, err := br.Peek(n)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, nil, err
	}
	return head, br, nil
}

func open(r io.Reader, path string, size int64) (*File, error) {
	if size == 0 {
		return nil, fmt.Errorf("empty file (0 bytes): %w", audio.ErrNotAudio)
	}
	head, r, err := peek(r, sniffLen)
	if err != nil {
		return nil, err
	}
	if len(head) == 0 {
		return nil, fmt.Errorf("empty input: %w", audio.ErrNotAudio)
	}
	info := Info{Path: path, Size: size, Frames: -1}
	var dec audio.Reader
	switch {
	case wav.Sniff(head):
		d, err := wav.NewDecoder(r)
		if err != nil {
			return nil, err
		}
		dec, info.Codec = d, "wav"
		if d.Container() != "RIFF" {
			info.Codec = "rf64"
		}
	case aiff.Sniff(head):
		d, err := aiff.NewDecoder(r)
		if err != nil {
			return nil, err
		}
		dec, info.Codec = d, "aiff"
		if d.Compressed() {
			info.Codec = "aifc"
		}
	default:
		d, codec, err := openCompressed(r, head)
		if err != nil {
			return nil, err
		}
		dec, info.Codec = d, codec
	}
	info.Format = dec.Format()
	if l, ok := dec.(audio.Lengther); ok {
		info.Frames = l.Length()
	}
	return &File{info: info, dec: dec}, nil
}

// describe names what the first bytes look like, for "not audio" errors.
func describe(head []byte) string {
	switch {
	case len(head) >= 4 && string(head[:4]) == "%PDF":
		return "a PDF document"
	case len(head) >= 8 && string(head[:8]) == "\x89PNG\r\n\x1a\n":
		return "a PNG image"
	case len(head) >= 3 && string(head[:3]) == "\xff\xd8\xff":
		return "a JPEG image"
	case len(head) >= 4 && string(head[:4]) == "PK\x03\x04":
		return "a ZIP archive"
	case len(head) >= 12 && string(head[:4]) == "RIFF":
		return fmt.Sprintf("a RIFF %q file, not WAVE", head[8:12])
	case len(head) >= 8 && string(head[4:8]) == "ftyp":
		return "an MP4/M4A container (AAC/ALAC are not supported)"
	}
	n := min(len(head), 8)
	return fmt.Sprintf("content starting % x", head[:n])
}

// Info returns what Open learned about the file.
func (f *File) Info() Info { return f.info }

// Format returns the decoded stream's format.
func (f *File) Format() audio.Format { return f.info.Format }

// Length returns the declared length in frames, or -1.
func (f *File) Length() int64 { return f.info.Frames }

// ReadFrames decodes into dst; errors other than io.EOF name the file.
func (f *File) ReadFrames(dst audio.Buffer) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.dec.ReadFrames(dst)
	if err != nil && err != io.EOF {
		f.err = &os.PathError{Op: "decode", Path: f.info.Path, Err: err}
		return n, f.err
	}
	return n, err
}

// Close closes the underlying file.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	err := f.closer.Close()
	f.closer = nil
	return err
}

// id3Size returns the total size of an ID3v2 tag at the start of head, or 0.
func id3Size(head []byte) int64 {
	if len(head) < 10 || string(head[:3]) != "ID3" {
		return 0
	}
	s := head[6:10]
	if s[0]|s[1]|s[2]|s[3] >= 0x80 {
		return 0
	}
	n := int64(s[0])<<21 | int64(s[1])<<14 | int64(s[2])<<7 | int64(s[3])
	if head[5]&0x10 != 0 {
		n += 10 // footer
	}
	return 10 + n
}
