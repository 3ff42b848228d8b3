package analysis_test

import (
	"fmt"

	"github.com/mixdown/mixdown/analysis"
	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

// Analyze ten seconds of a 997 Hz sine at −20 dBFS with a DC offset,
// streamed in blocks as a decoder would deliver them.
func Example() {
	const rate = 48000
	a, err := analysis.New(analysis.Options{SampleRate: rate, Channels: 2, SourceBits: 24})
	if err != nil {
		panic(err)
	}
	src := synth.Sine(rate, 2, 10*rate, 997, 0.1, 0)
	for _, ch := range src {
		for i := range ch {
			ch[i] += 0.01
		}
	}
	hdr := make(audio.Buffer, 2)
	for off := 0; off < src.Frames(); off += 4096 {
		a.Write(src.Slice(hdr, off, min(off+4096, src.Frames())))
	}
	r := a.Report()
	fmt.Printf("integrated %.1f LUFS, true peak %.1f dBTP\n", r.Loudness.IntegratedLUFS, r.Loudness.TruePeakDBTP)
	fmt.Printf("crest %.2f dB, correlation %.2f\n", r.Dynamics.CrestDB, r.Stereo.Correlation)
	for _, b := range r.Spectrum.Bands {
		if b.CentreHz == 1000 {
			fmt.Printf("1 kHz band %.1f dB\n", b.MidDB)
		}
	}
	for _, f := range r.Findings {
		fmt.Println(f.Severity, f.Code)
	}
	// Output:
	// integrated -20.0 LUFS, true peak -19.2 dBTP
	// crest 3.75 dB, correlation 1.00
	// 1 kHz band -20.0 dB
	// warning dc_offset
	// info mono_content
}
