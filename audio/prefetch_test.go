package audio_test

import (
	"errors"
	"io"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
	"github.com/mixdown/mixdown/internal/testutil"
)

// failing yields frames then an error.
type failing struct {
	n   int
	err error
}

func (f *failing) Format() audio.Format { return audio.Format{SampleRate: 8000, Channels: 1} }
func (f *failing) ReadFrames(dst audio.Buffer) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	k := min(f.n, dst.Frames())
	for i := range dst[0][:k] {
		dst[0][i] = 1
	}
	f.n -= k
	return k, nil
}

func TestPrefetcherDeliversExactly(t *testing.T) {
	want := testutil.ReadAll(t, synth.NewSong(8000, 3, 4), 0)
	for _, bs := range []int{1, 100, 4096} {
		p := audio.NewPrefetcher(synth.NewSong(8000, 3, 4), bs, 3)
		got := testutil.ReadAll(t, p, 77)
		p.Close()
		if testutil.MaxAbsDiff(t, want, got) != 0 {
			t.Fatalf("block %d: frames differ", bs)
		}
	}
	boom := errors.New("boom")
	p := audio.NewPrefetcher(&failing{n: 1000, err: boom}, 64, 2)
	got, err := testutil.ReadAllErr(p, 50)
	p.Close()
	if !errors.Is(err, boom) || got.Frames() != 1000 {
		t.Fatalf("got %d frames, err %v", got.Frames(), err)
	}
	// Closing early stops the goroutine without reading everything.
	p = audio.NewPrefetcher(synth.NewSong(8000, 3600, 1), 64, 2)
	if _, err := p.ReadFrames(audio.NewBuffer(2, 10)); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	p.Close()
}
