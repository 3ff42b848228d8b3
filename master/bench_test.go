package master

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/internal/synth"
)

// BenchmarkMasterSpotify masters 60 s of a 44.1 kHz 24-bit stereo song to
// the spotify preset, writing 24-bit WAV (bench/master.sh compares the
// command with ffmpeg on 4 minutes).
func BenchmarkMasterSpotify(b *testing.B) {
	const rate, seconds = 44100, 60
	dir := b.TempDir()
	in := filepath.Join(dir, "in.wav")
	w, err := audiofile.Create(in, audio.Format{SampleRate: rate, Channels: 2, Type: audio.SampleInt, Bits: 24}, audiofile.WriteOptions{Dither: audio.DitherTPDF, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.WriteFrames(synth.SongBuffer(rate, seconds, 1)); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	tgt, _ := Preset("spotify")
	o := DefaultOptions(tgt)
	b.SetBytes(seconds * rate * 2 * 3)
	for b.Loop() {
		if _, err := Master(context.Background(), FileSource(in), nil, Output{Path: filepath.Join(dir, "out.wav"), Bits: 24}, o, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N)/seconds, "s/s-audio")
}
