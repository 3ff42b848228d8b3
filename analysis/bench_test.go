package analysis

import (
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// benchAnalyzer streams 60 s of music-like 44.1 kHz stereo through an
// Analyzer in 16384-frame blocks (as the CLI does) and reports the speed
// as a multiple of real time. part selects what runs: "all", or for
// profiling one component on the caller's goroutine.
func benchAnalyzer(b *testing.B, part string) {
	const rate, seconds = 44100, 60
	block := 16384
	if part != "all" {
		block = maxChunk
	}
	src := synth.SongBuffer(rate, seconds, 1)
	hdr := make(audio.Buffer, 2)
	b.ResetTimer()
	for b.Loop() {
		a, _ := New(Options{SampleRate: rate, Channels: 2, SourceBits: 24})
		for off := 0; off < src.Frames(); off += block {
			c := src.Slice(hdr, off, min(off+block, src.Frames()))
			switch part {
			case "all":
				a.Write(c)
			case "scan":
				a.scan(c)
			case "spectrum":
				a.scan(c)
				a.spec.write(a.mid[:c.Frames()], a.side[:c.Frames()])
			case "hum":
				a.scan(c)
				a.hum.write(a.mid[:c.Frames()])
			case "own":
				a.scan(c)
				a.spec.write(a.mid[:c.Frames()], a.side[:c.Frames()])
				a.hum.write(a.mid[:c.Frames()])
				a.fold.Write(audio.Buffer{a.mid[:c.Frames()]})
			case "fold":
				a.scan(c)
				a.fold.Write(audio.Buffer{a.mid[:c.Frames()]})
			case "meter":
				a.meter.Write(c)
			}
			a.frames += int64(c.Frames())
		}
		if part == "all" {
			a.Report()
		}
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}

// BenchmarkAnalyzer is the whole analysis, meter included.
func BenchmarkAnalyzer(b *testing.B) { benchAnalyzer(b, "all") }

// BenchmarkPartOwn is everything but the loudness meter, on one goroutine:
// the cost this package adds to the meter's.
func BenchmarkPartOwn(b *testing.B) { benchAnalyzer(b, "own") }

// BenchmarkPart* time components alone (scan is included in the others,
// since they consume its mid/side output).
func BenchmarkPartScan(b *testing.B)     { benchAnalyzer(b, "scan") }
func BenchmarkPartSpectrum(b *testing.B) { benchAnalyzer(b, "spectrum") }
func BenchmarkPartHum(b *testing.B)      { benchAnalyzer(b, "hum") }
func BenchmarkPartFold(b *testing.B)     { benchAnalyzer(b, "fold") }
func BenchmarkPartMeter(b *testing.B)    { benchAnalyzer(b, "meter") }
