package dynamics

import (
	"fmt"
	"math"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/internal/synth"
)

// refProcessKeyed is the compressor's arithmetic one frame at a time,
// through its per-frame helpers: the reference the block-wise
// processLinked must reproduce bit for bit.
func refProcessKeyed(c *Compressor, buf, key audio.Buffer) {
	n := buf.Frames()
	kc := key.Channels()
	perChannel := !c.p.StereoLink && kc == len(buf)
	la := c.Latency()
	for i := 0; i < n; i++ {
		var grMax float64
		if perChannel {
			for ch := range buf {
				gr := c.smooth(ch, c.target(c.keyPower(ch, float64(key[ch][i]))))
				grMax = max(grMax, gr)
				c.apply(buf, ch, i, c.factor(ch, gr))
			}
		} else {
			pw := 0.0
			for k := 0; k < kc; k++ {
				pw = max(pw, c.keyPower(k, float64(key[k][i])))
			}
			gr := c.smooth(0, c.target(pw))
			grMax = gr
			g := c.factor(0, gr)
			for ch := range buf {
				c.apply(buf, ch, i, g)
			}
		}
		if la > 0 {
			c.pos++
			if c.pos == la {
				c.pos = 0
			}
		}
		c.stats.add(grMax)
	}
}

// TestCompressorMatchesReference runs the compressor and the per-frame
// reference over the same programme and key, for every detector and
// option, in odd block sizes, and requires identical samples and
// statistics.
func TestCompressorMatchesReference(t *testing.T) {
	const rate = 48000
	song := synth.SongBuffer(rate, 2, 11)
	synth.Gain(song, 2)
	variants := []func(p *CompressorParams){
		func(p *CompressorParams) {},
		func(p *CompressorParams) { p.Detector = DetectorRMS },
		func(p *CompressorParams) { p.SidechainHPHz = 150 },
		func(p *CompressorParams) { p.LookaheadMS = 3 },
		func(p *CompressorParams) { p.Mix, p.MakeupDB = 0.6, 4 },
		func(p *CompressorParams) { p.KneeDB, p.Ratio = 0, math.Inf(1) },
		func(p *CompressorParams) { p.StereoLink = false },
		func(p *CompressorParams) { p.AutoMakeup, p.AttackMS = true, 0 },
	}
	for vi, v := range variants {
		for _, keyCh := range []int{1, 2, 3} {
			for _, progCh := range []int{1, 2} {
				p := DefaultCompressorParams()
				p.ThresholdDB = -24
				v(&p)
				name := fmt.Sprintf("variant %d, %d-channel key, %d-channel programme", vi, keyCh, progCh)
				spec := dsp.Spec{SampleRate: rate, Channels: progCh, MaxFrames: 700}
				fast, ref := NewCompressor(p), NewCompressor(p)
				if err := fast.Prepare(spec); err != nil {
					t.Fatal(err)
				}
				if err := ref.Prepare(spec); err != nil {
					t.Fatal(err)
				}
				a := audio.NewBuffer(progCh, song.Frames())
				b := audio.NewBuffer(progCh, song.Frames())
				key := audio.NewBuffer(keyCh, song.Frames())
				for ch := range a {
					copy(a[ch], song[ch%2])
					copy(b[ch], song[ch%2])
				}
				for ch := range key {
					copy(key[ch], song[(ch+1)%2])
				}
				ha, hb, hk := make(audio.Buffer, progCh), make(audio.Buffer, progCh), make(audio.Buffer, keyCh)
				for off, k := 0, 0; off < song.Frames(); k++ {
					end := min(off+[]int{700, 1, 333, 64}[k%4], song.Frames())
					fast.ProcessKeyed(a.Slice(ha, off, end), key.Slice(hk, off, end))
					refProcessKeyed(ref, b.Slice(hb, off, end), key.Slice(hk, off, end))
					off = end
				}
				for ch := range a {
					for i := range a[ch] {
						if math.Float32bits(a[ch][i]) != math.Float32bits(b[ch][i]) {
							t.Fatalf("%s: channel %d frame %d: %g, reference %g", name, ch, i, a[ch][i], b[ch][i])
						}
					}
				}
				if fast.Stats() != ref.Stats() || fast.GainReductionDB() != ref.GainReductionDB() {
					t.Errorf("%s: stats %v, reference %v", name, fast.Stats(), ref.Stats())
				}
				if fast.Stats().MaxDB < 1 {
					t.Errorf("%s: the compressor hardly worked (%v): the comparison proves little", name, fast.Stats())
				}
			}
		}
	}
}
