package flac_test

import (
	"fmt"
	"io"
	"log"
	"math"
	"os"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/flac"
)

// Encode one second of a stereo tone as 16-bit FLAC, then decode it.
func Example() {
	f, err := os.CreateTemp("", "example-*.flac")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()

	format := audio.Format{SampleRate: 44100, Channels: 2, Type: audio.SampleInt, Bits: 16}
	tone := audio.NewBuffer(2, 44100)
	for i := range tone[0] {
		v := float32(0.5 * math.Sin(2*math.Pi*440*float64(i)/44100))
		tone[0][i], tone[1][i] = v, -v
	}
	enc, err := flac.NewEncoder(f, format, flac.Options{}) // default level, no dither
	if err != nil {
		log.Fatal(err)
	}
	if err := enc.WriteFrames(tone); err != nil {
		log.Fatal(err)
	}
	if err := enc.Close(); err != nil { // writes the final STREAMINFO; f stays open
		log.Fatal(err)
	}

	if _, err := f.Seek(0, io.SeekStart); err != nil {
		log.Fatal(err)
	}
	dec, err := flac.NewDecoder(f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(dec.Format(), "-", dec.Length(), "frames")
	buf := audio.NewBuffer(2, 4096)
	total := 0
	for {
		n, err := dec.ReadFrames(buf)
		total += n
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("decoded", total, "frames")
	// Output:
	// 44100 Hz, 2 ch, 16-bit int - 44100 frames
	// decoded 44100 frames
}
