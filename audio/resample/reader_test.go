package resample

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// memSource serves a buffer in pieces of varying size, optionally failing
// with err instead of io.EOF at the end.
type memSource struct {
	buf  audio.Buffer
	rate int
	pos  int
	n    int
	err  error
}

func (m *memSource) Format() audio.Format {
	return audio.Format{SampleRate: m.rate, Channels: m.buf.Channels(), Type: audio.SampleInt, Bits: 24}
}

func (m *memSource) ReadFrames(dst audio.Buffer) (int, error) {
	if m.pos == m.buf.Frames() {
		if m.err != nil {
			return 0, m.err
		}
		return 0, io.EOF
	}
	m.n++
	want := min(dst.Frames(), 1+(m.n*389)%1500, m.buf.Frames()-m.pos)
	for c := range dst {
		copy(dst[c][:want], m.buf[c][m.pos:m.pos+want])
	}
	m.pos += want
	return want, nil
}

type lengthSource struct{ *memSource }

func (l lengthSource) Length() int64 { return int64(l.buf.Frames()) }

func readAll(t *testing.T, r audio.Reader, block int) (audio.Buffer, error) {
	t.Helper()
	nc := r.Format().Channels
	var parts []audio.Buffer
	buf := audio.NewBuffer(nc, block)
	for {
		n, err := r.ReadFrames(buf)
		if n > 0 {
			p := audio.NewBuffer(nc, n)
			audio.Copy(p, buf)
			parts = append(parts, p)
		}
		if err == io.EOF {
			return synth.Concat(parts...), nil
		}
		if err != nil {
			return synth.Concat(parts...), err
		}
	}
}

func TestReader(t *testing.T) {
	for _, pr := range [][2]int{{44100, 48000}, {96000, 44100}, {44100, 44101}, {48000, 48000}} {
		in := synth.WhiteNoise(pr[0], 2, 30011, 0.3, 3)
		want := convert(t, in, pr[0], pr[1], 4096, 4096)
		for _, block := range []int{1, 100, 4096, 50000} {
			src := lengthSource{&memSource{buf: in, rate: pr[0]}}
			r, err := NewReader(src, pr[1])
			if err != nil {
				t.Fatal(err)
			}
			if f := r.Format(); f.SampleRate != pr[1] || f.Channels != 2 || f.Bits != 24 {
				t.Errorf("Format %v", f)
			}
			if r.Length() != int64(want.Frames()) {
				t.Errorf("%v: Length %d, want %d", pr, r.Length(), want.Frames())
			}
			got, err := readAll(t, r, block)
			if err != nil {
				t.Fatal(err)
			}
			if !identical(got, want) {
				t.Errorf("%v block %d: Reader output differs from Resampler output (%d vs %d frames)", pr, block, got.Frames(), want.Frames())
			}
			if n, err := r.ReadFrames(audio.NewBuffer(2, 10)); n != 0 || err != io.EOF {
				t.Errorf("after the end: %d, %v", n, err)
			}
		}
	}
}

func TestReaderUnknownLength(t *testing.T) {
	r, err := NewReader(&memSource{buf: audio.NewBuffer(1, 10), rate: 44100}, 48000)
	if err != nil {
		t.Fatal(err)
	}
	if r.Length() != -1 {
		t.Errorf("Length %d, want -1", r.Length())
	}
}

func TestReaderErrors(t *testing.T) {
	trunc := fmt.Errorf("test: %w", io.ErrUnexpectedEOF)
	src := &memSource{buf: synth.WhiteNoise(44100, 1, 10000, 0.3, 1), rate: 44100, err: trunc}
	r, _ := NewReader(src, 48000)
	got, err := readAll(t, r, 1000)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error %v, want the source's", err)
	}
	if got.Frames() == 0 || got.Frames() >= 10884 {
		t.Errorf("%d frames before the error", got.Frames())
	}
	if _, err := NewReader(&memSource{buf: audio.NewBuffer(1, 1), rate: 44100}, 999); !errors.Is(err, ErrRate) {
		t.Errorf("bad output rate: %v", err)
	}
	if _, err := NewReader(&memSource{buf: audio.NewBuffer(1, 1), rate: 500}, 48000); !errors.Is(err, ErrRate) {
		t.Errorf("bad source rate: %v", err)
	}
	if _, err := NewReader(&memSource{buf: audio.NewBuffer(0, 1), rate: 44100}, 48000); !errors.Is(err, audio.ErrUnsupported) {
		t.Errorf("no channels: %v", err)
	}
}

// endless is a source that never ends.
type endless struct{ rate int }

func (e endless) Format() audio.Format { return audio.Format{SampleRate: e.rate, Channels: 2} }
func (e endless) ReadFrames(dst audio.Buffer) (int, error) {
	for c := range dst {
		for i := range dst[c] {
			dst[c][i] = float32(i%17) * 0.01
		}
	}
	return dst.Frames(), nil
}

// Memory stays bounded however long the stream: reading ten minutes of an
// endless stream allocates nothing after the first block.
func TestReaderBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("long stream")
	}
	r, _ := NewReader(endless{96000}, 44100)
	dst := audio.NewBuffer(2, 4096)
	r.ReadFrames(dst)
	frames := 0
	allocs := testing.AllocsPerRun(1, func() {
		for frames < 600*44100 {
			n, err := r.ReadFrames(dst)
			if err != nil {
				t.Fatal(err)
			}
			frames += n
		}
	})
	if allocs != 0 {
		t.Errorf("%.0f allocations while streaming", allocs)
	}
}

func ExampleNewReader() {
	// Resample a 44.1 kHz source to 48 kHz as a stream.
	src := &memSource{buf: synth.Sine(44100, 2, 4410, 440, 0.5, 0), rate: 44100}
	r, err := NewReader(lengthSource{src}, 48000)
	if err != nil {
		panic(err)
	}
	buf := audio.NewBuffer(2, 1024)
	total := 0
	for {
		n, err := r.ReadFrames(buf)
		total += n // use buf[:n]
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
	}
	fmt.Println(r.Format().SampleRate, r.Length(), total)
	// Output: 48000 4800 4800
}
