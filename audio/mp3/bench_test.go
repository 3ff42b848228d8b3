package mp3

import (
	"bytes"
	"io"
	"testing"

	"github.com/mixdown/mixdown/audio"
)

// BenchmarkDecode decodes 10 s of 44.1 kHz stereo; the x_realtime metric is
// seconds of audio decoded per second of CPU time on one core.
func BenchmarkDecode(b *testing.B) {
	for _, c := range []struct {
		name     string
		channels int
		opts     []string
	}{
		{"stereo_V2", 2, []string{"-V", "2"}},
		{"stereo_b128", 2, []string{"-b", "128"}},
		{"mono_b96", 1, []string{"-b", "96"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			const rate, seconds = 44100, 10
			data, _ := lameEncode(b, b.TempDir(), "bench", source(rate, c.channels, rate*seconds, 1), rate, c.opts...)
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
