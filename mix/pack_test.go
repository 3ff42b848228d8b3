package mix

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp/fx"
	"github.com/mixdown/mixdown/internal/synth"
)

// TestLazyEdges: edges whose gains are constant are not written but summed
// by their destination straight from their source; the master is the same,
// bit for bit, as when every edge is written (as stems force), whatever the
// pan (hard or not), layouts and sends, and whatever the packing.
func TestLazyEdges(t *testing.T) {
	dir := t.TempDir()
	song := synth.SongBuffer(rate, 2, 6)
	var b strings.Builder
	b.WriteString("tail_s: 0\ntracks:\n")
	pans := []float64{0, -1, 1, 0.3, -0.7, 0.5, 0, 1}
	for i, p := range pans {
		ch := 1 + i%2
		name := fmt.Sprintf("t%d", i)
		buf := audio.NewBuffer(ch, song.Frames())
		for c := range buf {
			copy(buf[c], song[(i+c)%2])
		}
		writeFloat(t, filepath.Join(dir, name+".wav"), buf, rate)
		out := "a"
		if i >= 4 {
			out = "b"
		}
		fmt.Fprintf(&b, "  - {name: %s, file: %s.wav, pan: %g, gain_db: %d, output: %s, inserts: [{type: highpass, freq_hz: 60}, {type: compressor}]", name, name, p, -i, out)
		if i%3 == 0 {
			b.WriteString(", sends: [{to: r, level_db: -6}, {to: m, pre_fader: true}]")
		}
		b.WriteString("}\n")
	}
	b.WriteString("buses:\n  - {name: a, pan: -0.2}\n  - {name: b, layout: mono}\n  - {name: r, inserts: [{type: reverb}]}\n  - {name: m, layout: mono, output: a}\n")
	s := parse(t, dir, b.String())
	lazy, _, _ := render(t, s, Options{})
	written, _, _ := render(t, s, Options{Stems: AllStems})
	bitEqual(t, "lazy edges", lazy, written)
	e, err := Compile(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	n := 0
	for _, nd := range e.nodes {
		for _, ed := range nd.outs {
			if ed.lazy {
				n++
			}
		}
	}
	if n == 0 {
		t.Error("no lazy edge: the test proves nothing")
	}
}

// The 5.1 angle table that automated pans read stays within 3e-5 of
// fx.SurroundPan's exact gains at any angle (about 2.1e-5 at worst, in the
// middle of a step across the 30° front pairs).
func TestSurroundTable(t *testing.T) {
	p := &placement{mode: placeMonoToSurround, layout: audio.Layout5_1}
	p.useTable()
	m := make([]float64, 6)
	worst := 0.0
	for angle := -180.0; angle <= 180; angle += 0.01 {
		p.surround(m, 1, 0, angle)
		exact := fx.SurroundPan(angle, 0, audio.Layout5_1)
		for d := range 6 {
			worst = max(worst, math.Abs(m[d]-exact[d]))
		}
	}
	t.Logf("largest error of the interpolated table: %.3g", worst)
	if worst > 3e-5 {
		t.Errorf("the 5.1 pan table is %.3g off the exact gains (limit 3e-5)", worst)
	}
}
