package ogg

import (
	"bytes"
	"io"
	"testing"

	"github.com/mixdown/mixdown/audio"
)

// BenchmarkDecode decodes 10 s of 44.1 kHz audio; the x_realtime metric is
// seconds of audio decoded per second of CPU time on one core.
func BenchmarkDecode(b *testing.B) {
	for _, c := range []struct {
		name     string
		channels int
		opts     []string
	}{
		{"stereo_q3", 2, []string{"-q", "3"}},
		{"stereo_q8", 2, []string{"-q", "8"}},
		{"mono_q3", 1, []string{"-q", "3"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			const rate, seconds = 44100, 10
			data, _ := encode(b, b.TempDir(), "bench", source(rate, c.channels, rate*seconds, 1), rate, "oggenc", c.opts...)
			buf := audio.NewBuffer(c.channels, 4096)
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for range b.N {
				d, err := NewDecoder(bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				for {
					_, err := d.ReadFrames(buf)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(seconds*b.N)/b.Elapsed().Seconds(), "x_realtime")
		})
	}
}
