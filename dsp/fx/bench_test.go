package fx

import (
	"syscall"
	"testing"
	"time"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/internal/synth"
)

// benchmark processes 44.1 kHz stereo music in 512-frame blocks and
// reports the speed as a multiple of real time.
func benchmark(b *testing.B, p dsp.Processor) {
	const fs, block = 44100, 512
	spec := dsp.Spec{SampleRate: fs, Channels: 2, MaxFrames: block}
	if err := p.Prepare(spec); err != nil {
		b.Fatal(err)
	}
	src := synth.SongBuffer(fs, 2, 1)
	buf := audio.NewBuffer(2, block)
	hdr := make(audio.Buffer, 2)
	b.SetBytes(2 * 4 * block)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		off := (i * block) % (src.Frames() - block)
		audio.Copy(buf, src.Slice(hdr, off, off+block))
		p.Process(buf)
	}
	b.StopTimer()
	audioS := float64(b.N*block) / fs
	b.ReportMetric(audioS/b.Elapsed().Seconds(), "x_realtime")
	// On a shared machine wall time includes waiting for a core; the
	// process's CPU time does not.
	if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(audioS/cpu, "x_realtime_cpu")
	}
}

// cpuTime returns the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkReverb(b *testing.B) { benchmark(b, NewReverb(DefaultReverbParams())) }

func BenchmarkReverbNoModulation(b *testing.B) {
	p := DefaultReverbParams()
	p.ModulationDepthMS = 0
	benchmark(b, NewReverb(p))
}

func BenchmarkDelay(b *testing.B) { benchmark(b, NewDelay(DefaultDelayParams())) }

func BenchmarkDelayPingPong(b *testing.B) {
	p := DefaultDelayParams()
	p.PingPong = true
	benchmark(b, NewDelay(p))
}

// benchNetwork times the feedback delay network alone (reads, absorption,
// matrix, writes), per frame, with the assembly or the Go kernel.
func benchNetwork(b *testing.B, asm bool) {
	if asm && !useAVX2 {
		b.Skip("no AVX2 kernel on this machine")
	}
	old := useAVX2
	useAVX2 = asm
	defer func() { useAVX2 = old }()
	r := NewReverb(DefaultReverbParams())
	if err := r.Prepare(dsp.Spec{SampleRate: 44100, Channels: 2, MaxFrames: 512}); err != nil {
		b.Fatal(err)
	}
	for j := range fdnChunk {
		r.u[0][j], r.u[1][j] = float64(j%7)*0.01, float64(j%5)*0.01
	}
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.startStep()
		r.net.run(fdnChunk, 0, &r.u, &r.o)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*fdnChunk), "ns/frame")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*fdnChunk), "cpu_ns/frame")
}

func BenchmarkReverbNetworkAsm(b *testing.B) { benchNetwork(b, true) }
func BenchmarkReverbNetworkGo(b *testing.B)  { benchNetwork(b, false) }

// BenchmarkSaturation runs the default (4x oversampled tanh) saturation
// with the half-band filters on the AVX2 kernel where there is one, and
// on the portable loop.
func BenchmarkSaturation(b *testing.B) {
	for _, avx := range []bool{useAVX2, false} {
		name := "go"
		if avx {
			name = "avx2"
		}
		b.Run(name, func(b *testing.B) {
			saved := useAVX2
			useAVX2 = avx
			defer func() { useAVX2 = saved }()
			benchmark(b, NewSaturation(DefaultSaturationParams()))
		})
	}
}
