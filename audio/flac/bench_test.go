package flac

import (
	"bytes"
	"io"
	"strconv"
	"testing"

	"github.com/mixdown/mixdown/audio"
)

// benchSeconds is the length of the benchmark material: 44.1 kHz stereo.
const benchSeconds = 10

// BenchmarkEncode encodes 10 s of 16-bit 44.1 kHz stereo music-like material
// per iteration at each level; the x_realtime metric is seconds of audio
// encoded per second of CPU time.
func BenchmarkEncode(b *testing.B) {
	ints := songInts(44100, benchSeconds, 1, 16)
	buf := toFloat(ints, 16)
	f := audio.Format{SampleRate: 44100, Channels: 2, Type: audio.SampleInt, Bits: 16}
	for _, lv := range []int{1, 5, 8} {
		b.Run("level"+strconv.Itoa(lv), func(b *testing.B) {
			var m memFile
			hdr := make(audio.Buffer, 2)
			b.SetBytes(int64(buf.Frames() * 4))
			for b.Loop() {
				m.b, m.pos = m.b[:0], 0
				e, err := NewEncoder(&m, f, Options{Level: lv})
				if err != nil {
					b.Fatal(err)
				}
				for off := 0; off < buf.Frames(); off += 4096 {
					if err := e.WriteFrames(buf.Slice(hdr, off, min(off+4096, buf.Frames()))); err != nil {
						b.Fatal(err)
					}
				}
				if err := e.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(benchSeconds*b.N)/b.Elapsed().Seconds(), "x_realtime")
		})
	}
}

// BenchmarkDecode decodes 10 s of 16-bit 44.1 kHz stereo encoded at the
// default level; x_realtime is seconds of audio decoded per second.
func BenchmarkDecode(b *testing.B) {
	ints := songInts(44100, benchSeconds, 1, 16)
	data := encodeInts(b, ints, 16, 44100, Options{}, 0)
	buf := audio.NewBuffer(2, 4096)
	b.SetBytes(int64(len(ints[0]) * 4))
	for b.Loop() {
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
	b.ReportMetric(float64(benchSeconds*b.N)/b.Elapsed().Seconds(), "x_realtime")
}
