package dynamics

import (
	"fmt"
	"math"
	"syscall"
	"testing"
	"time"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/internal/synth"
)

// benchProcessor runs p over 10 s of 44.1 kHz stereo music raised by 12 dB
// (so a limiter works most of the time) in 512-frame blocks and reports
// the speed as a multiple of real time.
func benchProcessor(b *testing.B, p dsp.Processor) {
	const rate = 44100
	src := synth.SongBuffer(rate, 10, 7)
	synth.Gain(src, math.Pow(10, 12.0/20))
	if err := p.Prepare(dsp.Spec{SampleRate: rate, Channels: 2, MaxFrames: 512}); err != nil {
		b.Fatal(err)
	}
	buf := audio.NewBuffer(2, src.Frames())
	hdr := make(audio.Buffer, 2)
	b.SetBytes(int64(src.Frames() * 2 * 4))
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		audio.Copy(buf, src)
		for off := 0; off < buf.Frames(); off += 512 {
			p.Process(buf.Slice(hdr, off, min(off+512, buf.Frames())))
		}
	}
	// On a shared machine wall time varies with the load; the process's CPU
	// time is steadier. Both are reported as multiples of real time.
	sec := b.Elapsed().Seconds() / float64(b.N)
	cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
	b.ReportMetric(10/sec, "x_realtime")
	b.ReportMetric(10/cpu, "x_realtime_cpu")
}

func BenchmarkLimiter(b *testing.B) {
	for _, os := range []int{1, 4, 8, 16} {
		b.Run(fmt.Sprintf("44100Hz_stereo_%dx", os), func(b *testing.B) {
			p := DefaultLimiterParams()
			p.Oversampling = os
			benchProcessor(b, NewLimiter(p))
		})
	}
}

func BenchmarkCompressor(b *testing.B) {
	benchProcessor(b, NewCompressor(DefaultCompressorParams()))
}

// cpuTime returns the CPU time (user + system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
