package wav_test

import (
	"fmt"
	"io"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/wav"
	"github.com/mixdown/mixdown/internal/testutil"
)

// A 24-bit stereo file written and read back: integer formats up to 24 bits
// round-trip exactly through float32.
func Example() {
	var f testutil.MemFile // any io.WriteSeeker, usually an *os.File
	enc, err := wav.NewEncoder(&f, audio.Format{SampleRate: 48000, Channels: 2, Type: audio.SampleInt, Bits: 24}, wav.Options{})
	if err != nil {
		panic(err)
	}
	_ = enc.WriteFrames(audio.Buffer{{0.25, -1}, {0.5, 0}})
	_ = enc.Close()

	_, _ = f.Seek(0, io.SeekStart)
	dec, err := wav.NewDecoder(&f)
	if err != nil {
		panic(err)
	}
	buf := audio.NewBuffer(2, 16)
	n, _ := dec.ReadFrames(buf)
	fmt.Println(dec.Format(), dec.Length(), n, buf[0][:n], buf[1][:n])
	// Output: 48000 Hz, 2 ch, 24-bit int 2 2 [0.25 -1] [0.5 0]
}
