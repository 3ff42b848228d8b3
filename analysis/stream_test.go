package analysis

import (
	"encoding/json"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// defective returns 8 s of material that exercises every measurement:
// 0.5 s of digital silence, then a clipped song with DC and strong 60 Hz
// hum, all on a 16-bit grid (analyzed as a 24-bit file).
func defective(rate int) audio.Buffer {
	s := song(rate, 7.5)
	synth.Gain(s, 2)
	add(s, tones(rate, s.Frames(), []float64{60, 120}, []float64{-12, -18}))
	for _, ch := range s {
		for i, v := range ch {
			v = max(-0.9, min(0.9, v)) + 0.003
			ch[i] = float32(math.Round(float64(v)*32768) / 32768)
		}
	}
	return synth.Concat(synth.Silence(2, rate/2), s)
}

func TestBlockSizeIndependence(t *testing.T) {
	const rate = 44100
	b := defective(rate)
	want := jsonOf(t, run(t, b, rate, Options{SourceBits: 24}, 4096))
	for _, block := range []int{1, 7, 1000, 8192, 16384, 100000} {
		if got := jsonOf(t, run(t, b, rate, Options{SourceBits: 24}, block)); got != want {
			t.Errorf("block %d: report differs\n got %s\nwant %s", block, got, want)
		}
	}
}

func TestGOMAXPROCSIndependence(t *testing.T) {
	const rate = 48000
	b := defective(rate)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var want string
	for _, p := range []int{1, 2, 4, 8} {
		runtime.GOMAXPROCS(p)
		got := jsonOf(t, run(t, b, rate, Options{}, 16384))
		if want == "" {
			want = got
		} else if got != want {
			t.Errorf("GOMAXPROCS %d: report differs", p)
		}
	}
}

func TestWriteAllocs(t *testing.T) {
	const rate = 44100
	b := song(rate, 3)
	a, _ := New(Options{SampleRate: rate, Channels: 2})
	hdr := make(audio.Buffer, 2)
	blk := b.Slice(hdr, 0, 2*maxChunk)
	for range 8 { // warm up
		a.Write(blk)
	}
	n := testing.AllocsPerRun(20, func() { a.Write(blk) })
	t.Logf("%.1f allocations per %d-frame Write (two chunks)", n, blk.Frames())
	// Each chunk starts two goroutines (one allocation each) and the
	// loudness meter starts its own and allocates a few more; nothing else
	// allocates, and nothing scales with the data.
	if n > 16 {
		t.Errorf("%.1f allocations per Write", n)
	}
	small := b.Slice(hdr, 0, 100)
	a.Write(small)
	if n := testing.AllocsPerRun(50, func() { a.Write(small) }); n != 0 {
		t.Errorf("%.1f allocations per 100-frame Write", n)
	}
}

// TestMemoryBounded streams two hours through an Analyzer from a repeating
// buffer and checks the heap does not grow with the length.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("streams two hours of audio")
	}
	const rate = 8000 // keeps the two hours cheap; every code path is the same
	src := song(rate, 10)
	a, _ := New(Options{SampleRate: rate, Channels: 2})
	hdr := make(audio.Buffer, 2)
	var ms runtime.MemStats
	heap := func() uint64 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var base uint64
	for k := range 720 { // 720 × 10 s = 2 h
		if k == 6 {
			base = heap()
		}
		for off := 0; off < src.Frames(); off += 4096 {
			a.Write(src.Slice(hdr, off, min(off+4096, src.Frames())))
		}
	}
	end := heap()
	r := a.Report()
	t.Logf("heap after 1 min %d KB, after 2 h %d KB; analyzed %.0f s", base>>10, end>>10, r.Loudness.DurationS)
	if r.Loudness.DurationS != 7200 {
		t.Errorf("duration %v", r.Loudness.DurationS)
	}
	if end > base+256<<10 || end > 32<<20 {
		t.Errorf("heap grew from %d KB to %d KB", base>>10, end>>10)
	}
}

func TestJSON(t *testing.T) {
	r := run(t, defective(44100), 44100, Options{SourceBits: 24}, 4096)
	js := jsonOf(t, r)
	if !strings.HasPrefix(js, `{"schema":"mixdown.analysis/v1",`) {
		t.Errorf("schema not first: %.60s", js)
	}
	var back Report
	if err := json.Unmarshal([]byte(js), &back); err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, &back); got != js {
		t.Errorf("round trip differs")
	}
	// −∞ encodes as null.
	s := run(t, synth.Silence(2, 1000), 44100, Options{}, 4096)
	js = jsonOf(t, s)
	if !strings.Contains(js, `"integrated_lufs":null`) || !strings.Contains(js, `"sample_peak_dbfs":null`) {
		t.Errorf("silence: %s", js)
	}
	for _, code := range []string{"clipping", "dc_offset", "hum", "silence_head", "bit_depth"} {
		if hasFinding(r, code) == nil {
			t.Errorf("defective material: no %s finding in %+v", code, r.Findings)
		}
	}
}

func TestWriteText(t *testing.T) {
	r := run(t, defective(44100), 44100, Options{SourceBits: 24}, 4096)
	var sb strings.Builder
	if err := r.WriteText(&sb); err != nil {
		t.Fatal(err)
	}
	out := sb.String()
	for _, want := range []string{"Loudness", "integrated", "LUFS", "True peak", "Stereo", "Clipping", "Hum", "60 Hz mains", "Bit depth", "Spectrum", "1000", "Findings", "warning", "clipping"} {
		if !strings.Contains(strings.ToLower(out), strings.ToLower(want)) {
			t.Errorf("text lacks %q", want)
		}
	}
	t.Log("\n" + out)
}
