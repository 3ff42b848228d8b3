package master

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"unsafe"

	"github.com/mixdown/mixdown/audio"
)

// tempFloat is a temporary file holding a render between passes, as raw
// float32 in the machine's byte order (the same process writes and reads
// it, so no encoding is needed): chunks of at most blockFrames frames,
// each a uint32 frame count and then every channel's samples in turn.
type tempFloat struct {
	frames   int64 // written so far
	f        *os.File
	bw       *bufio.Writer
	channels int
	rate     int
}

// tempBuffer is the size of the temporary files' write and read buffers.
const tempBuffer = 1 << 18

func newTempFloat(dir string, rate, channels int) (*tempFloat, error) {
	f, err := os.CreateTemp(dir, "mixdown-master-*.f32")
	if err != nil {
		return nil, err
	}
	return &tempFloat{f: f, bw: bufio.NewWriterSize(f, tempBuffer), channels: channels, rate: rate}, nil
}

// floatBytes views x as bytes.
func floatBytes(x []float32) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 4*len(x))
}

func (t *tempFloat) write(b audio.Buffer) error {
	if len(b) != t.channels {
		return fmt.Errorf("temporary render: %d channels written to a %d-channel file", len(b), t.channels)
	}
	for off := 0; off < b.Frames(); off += blockFrames {
		n := min(blockFrames, b.Frames()-off)
		var hdr [4]byte
		binary.NativeEndian.PutUint32(hdr[:], uint32(n))
		if _, err := t.bw.Write(hdr[:]); err != nil {
			return fmt.Errorf("writing the temporary render %s: %w", t.f.Name(), err)
		}
		for _, x := range b {
			if _, err := t.bw.Write(floatBytes(x[off : off+n])); err != nil {
				return fmt.Errorf("writing the temporary render %s: %w", t.f.Name(), err)
			}
		}
		t.frames += int64(n)
	}
	return nil
}

func (t *tempFloat) finish() error {
	if err := t.bw.Flush(); err != nil {
		return fmt.Errorf("writing the temporary render %s: %w", t.f.Name(), err)
	}
	return nil
}

// reader opens the temporary file for reading from the start.
func (t *tempFloat) reader() (audio.Reader, error) {
	if _, err := t.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return &tempReader{t: t, r: bufio.NewReaderSize(t.f, tempBuffer), chunk: audio.NewBuffer(t.channels, blockFrames)}, nil
}

func (t *tempFloat) remove() {
	t.f.Close()
	os.Remove(t.f.Name())
}

// tempReader reads a tempFloat back a chunk at a time.
type tempReader struct {
	t         *tempFloat
	r         *bufio.Reader
	chunk     audio.Buffer
	pos, size int // frames of chunk served and held
	read      int64
}

func (r *tempReader) Format() audio.Format {
	return audio.Format{SampleRate: r.t.rate, Channels: r.t.channels, Type: audio.SampleFloat, Bits: 32}
}

func (r *tempReader) ReadFrames(dst audio.Buffer) (int, error) {
	if r.pos == r.size {
		if r.read == r.t.frames {
			return 0, io.EOF
		}
		var hdr [4]byte
		if _, err := io.ReadFull(r.r, hdr[:]); err != nil {
			return 0, fmt.Errorf("reading the temporary render %s: %w", r.t.f.Name(), err)
		}
		n := int(binary.NativeEndian.Uint32(hdr[:]))
		if n <= 0 || n > blockFrames || r.read+int64(n) > r.t.frames {
			return 0, fmt.Errorf("reading the temporary render %s: corrupt chunk of %d frames", r.t.f.Name(), n)
		}
		for _, x := range r.chunk {
			if _, err := io.ReadFull(r.r, floatBytes(x[:n])); err != nil {
				return 0, fmt.Errorf("reading the temporary render %s: %w", r.t.f.Name(), err)
			}
		}
		r.pos, r.size = 0, n
		r.read += int64(n)
	}
	k := min(dst.Frames(), r.size-r.pos)
	for c := range dst {
		copy(dst[c][:k], r.chunk[c][r.pos:r.pos+k])
	}
	r.pos += k
	return k, nil
}
