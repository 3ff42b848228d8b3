package ogg

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
	"github.com/mixdown/mixdown/internal/testutil"
)

// source returns deterministic music-like material of the given shape:
// synth.NewSong at -6 dB, rounded to 16-bit values as the WAV file given to
// the encoder stores them. Mono takes the left channel; channels beyond two
// repeat the song with other seeds, delayed, so that they differ.
func source(rate, channels, frames int, seed uint64) audio.Buffer {
	out := audio.NewBuffer(channels, frames)
	for c := 0; c < channels; c += 2 {
		song := synth.NewSong(rate, 0, seed+uint64(c))
		st := audio.NewBuffer(2, frames+c*100)
		if _, err := audio.ReadFull(song, st); err != nil {
			panic(err)
		}
		for k := c; k < min(c+2, channels); k++ {
			for i, v := range st[k-c][c*100:] {
				out[k][i] = float32(math.Round(float64(v)*0.5*32768) / 32768)
			}
		}
	}
	return out
}

// decodeAll decodes a whole stream with small, odd-sized reads and returns the
// frames, the decoder and the error that ended decoding (nil at a clean end).
func decodeAll(t testing.TB, data []byte) (audio.Buffer, *Decoder, error) {
	t.Helper()
	d, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	nc := d.Format().Channels
	out := make(audio.Buffer, nc)
	buf := audio.NewBuffer(nc, 1013)
	for {
		n, err := d.ReadFrames(buf)
		for c := range out {
			out[c] = append(out[c], buf[c][:n]...)
		}
		if err == io.EOF {
			return out, d, nil
		}
		if err != nil {
			return out, d, err
		}
	}
}

// encode writes src as a WAV file in dir and encodes it to Ogg Vorbis with
// the given encoder ("oggenc" or "ffmpeg") and options, returning the bytes
// and path.
func encode(t testing.TB, dir, name string, src audio.Buffer, rate int, encoder string, opts ...string) ([]byte, string) {
	t.Helper()
	tool := testutil.Tool(t, encoder)
	wav := filepath.Join(dir, name+".wav")
	ogg := filepath.Join(dir, name+".ogg")
	testutil.WriteWAV16(t, wav, src, rate)
	var args []string
	switch encoder {
	case "oggenc":
		args = append(append([]string{"--quiet"}, opts...), "-o", ogg, wav)
	case "ffmpeg":
		args = append(append([]string{"-v", "error", "-y", "-i", wav, "-c:a", "libvorbis"}, opts...), ogg)
	default:
		t.Fatalf("unknown encoder %s", encoder)
	}
	testutil.Run(t, tool, args...)
	data, err := os.ReadFile(ogg)
	if err != nil {
		t.Fatal(err)
	}
	return data, ogg
}

// oggdecFrames decodes path with oggdec (libvorbisfile, the reference
// decoder) and returns the number of frames it produces.
func oggdecFrames(t testing.TB, path string, channels int) int {
	t.Helper()
	tool := testutil.Tool(t, "oggdec")
	raw := path + ".raw"
	testutil.Run(t, tool, "--quiet", "--raw", "--bits", "16", "-o", raw, path)
	st, err := os.Stat(raw)
	if err != nil {
		t.Fatal(err)
	}
	return int(st.Size()) / 2 / channels
}
