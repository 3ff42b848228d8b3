package resample

import (
	"fmt"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// BenchmarkProcess converts 10 s of stereo noise per iteration and reports
// throughput as × real time (seconds of input converted per second).
func BenchmarkProcess(b *testing.B) {
	pairs := [][2]int{{44100, 48000}, {48000, 44100}, {44100, 96000}, {96000, 44100}, {96000, 48000}, {192000, 44100}, {192000, 48000}, {88200, 44100}, {48000, 96000}, {44100, 192000}, {44100, 44101}, {88200, 96000}}
	for _, pr := range pairs {
		b.Run(fmt.Sprintf("%dto%d", pr[0], pr[1]), func(b *testing.B) {
			const seconds = 10
			in := synth.WhiteNoise(pr[0], 2, pr[0]*seconds, 0.1, 1)
			r, err := New(pr[0], pr[1], 2)
			if err != nil {
				b.Fatal(err)
			}
			out := audio.NewBuffer(2, 8192)
			sh := make(audio.Buffer, 2)
			b.ResetTimer()
			for range b.N {
				r.Reset()
				for pos := 0; pos < in.Frames(); {
					_, c := r.Process(out, in.Slice(sh, pos, min(pos+4096, in.Frames())))
					pos += c
				}
				for {
					if _, done := r.Flush(out); done {
						break
					}
				}
			}
			b.ReportMetric(float64(seconds*b.N)/b.Elapsed().Seconds(), "x_realtime")
		})
	}
}
