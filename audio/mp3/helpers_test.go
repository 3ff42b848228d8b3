package mp3

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
// synth.NewSong at -6 dB (so that coding overshoot stays below full scale,
// where the 16-bit decoder would clip), rounded to 16-bit values as the WAV
// file given to the encoder stores them. Mono takes the left channel.
func source(rate, channels, frames int, seed uint64) audio.Buffer {
	song := synth.NewSong(rate, 0, seed)
	st := audio.NewBuffer(2, frames)
	if _, err := audio.ReadFull(song, st); err != nil {
		panic(err)
	}
	out := audio.NewBuffer(channels, frames)
	for c := range out {
		for i, v := range st[c] {
			out[c][i] = float32(math.Round(float64(v)*0.5*32768) / 32768)
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

// lameEncode writes src as a WAV file in dir and encodes it with lame and the
// given options, returning the MP3 bytes and path.
func lameEncode(t testing.TB, dir, name string, src audio.Buffer, rate int, opts ...string) ([]byte, string) {
	t.Helper()
	lame := testutil.Tool(t, "lame")
	wav := filepath.Join(dir, name+".wav")
	mp3 := filepath.Join(dir, name+".mp3")
	testutil.WriteWAV16(t, wav, src, rate)
	args := append([]string{"--quiet", "--noreplaygain"}, opts...)
	testutil.Run(t, lame, append(args, wav, mp3)...)
	data, err := os.ReadFile(mp3)
	if err != nil {
		t.Fatal(err)
	}
	return data, mp3
}
