package master

import (
	"encoding/binary"
	"math"
	"os"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// TestTempFloat: a render written in blocks of any size reads back bit for
// bit (NaN payloads and signed zeros included) in blocks of any size; a
// damaged file is an error, not a panic.
func TestTempFloat(t *testing.T) {
	src := synth.SongBuffer(8000, 3, 1)
	src[0][5] = float32(math.Copysign(0, -1))
	src[1][7] = math.Float32frombits(0x7fc00123)
	tf, err := newTempFloat(t.TempDir(), 8000, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer tf.remove()
	for off, step := 0, 1; off < src.Frames(); off, step = off+step, step*3+1 {
		step = min(step, 9000)
		if err := tf.write(src.Slice(make(audio.Buffer, 2), off, min(off+step, src.Frames()))); err != nil {
			t.Fatal(err)
		}
	}
	if err := tf.finish(); err != nil {
		t.Fatal(err)
	}
	if tf.frames != int64(src.Frames()) {
		t.Fatalf("%d frames written, want %d", tf.frames, src.Frames())
	}
	for _, block := range []int{1, 777, blockFrames} {
		r, err := tf.reader()
		if err != nil {
			t.Fatal(err)
		}
		got := audio.NewBuffer(2, 0)
		buf := audio.NewBuffer(2, block)
		for {
			n, err := audio.ReadFull(r, buf)
			for c := range got {
				got[c] = append(got[c], buf[c][:n]...)
			}
			if err != nil || n < block {
				break
			}
		}
		if got.Frames() != src.Frames() {
			t.Fatalf("blocks of %d: read %d frames, want %d", block, got.Frames(), src.Frames())
		}
		for c := range src {
			for i := range src[c] {
				if math.Float32bits(got[c][i]) != math.Float32bits(src[c][i]) {
					t.Fatalf("blocks of %d: channel %d frame %d: %x, want %x", block, c, i, math.Float32bits(got[c][i]), math.Float32bits(src[c][i]))
				}
			}
		}
	}
	if err := tf.write(audio.NewBuffer(1, 10)); err == nil {
		t.Error("a mono block written to a stereo render")
	}
	// Damage: a chunk header claiming more than a block.
	if _, err := tf.f.WriteAt([]byte{0xff, 0xff, 0xff, 0x7f}, 0); err != nil {
		t.Fatal(err)
	}
	r, err := tf.reader()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadFrames(audio.NewBuffer(2, 100)); err == nil {
		t.Error("a corrupt chunk header read without error")
	}
	// Truncation (after mending the header: the first chunk held 1 frame).
	var one [4]byte
	binary.NativeEndian.PutUint32(one[:], 1)
	if _, err := tf.f.WriteAt(one[:], 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(tf.f.Name(), 100); err != nil {
		t.Fatal(err)
	}
	r, _ = tf.reader()
	if _, err := audio.ReadFull(r, audio.NewBuffer(2, blockFrames)); err == nil {
		t.Error("a truncated render read without error")
	}
}
