package audio_test

import (
	"testing"

	. "github.com/mixdown/mixdown/audio"
)

func TestScale(t *testing.T) {
	b := Buffer{{1, -0.5}, {0.25, 0}}
	b.Scale(0.5)
	want := Buffer{{0.5, -0.25}, {0.125, 0}}
	for c := range b {
		for i := range b[c] {
			if b[c][i] != want[c][i] {
				t.Fatalf("Scale(0.5) gave %v, want %v", b, want)
			}
		}
	}
}
