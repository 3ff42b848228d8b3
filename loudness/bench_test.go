package loudness

import (
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// benchMeter measures 60 s of music-like 44.1 kHz stereo through the meter.
func benchMeter(b *testing.B, tp bool) {
	const rate, seconds = 44100, 60
	src := synth.SongBuffer(rate, seconds, 1)
	hdr := make(audio.Buffer, 2)
	b.ResetTimer()
	for b.Loop() {
		m, _ := New(Options{SampleRate: rate, Channels: 2, TruePeak: tp})
		for off := 0; off < src.Frames(); off += 4096 {
			m.Write(src.Slice(hdr, off, min(off+4096, src.Frames())))
		}
		m.Integrated()
		m.LoudnessRange()
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}

func BenchmarkMeter(b *testing.B)         { benchMeter(b, false) }
func BenchmarkMeterTruePeak(b *testing.B) { benchMeter(b, true) }
