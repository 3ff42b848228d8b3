package ogg_test

import (
	"fmt"
	"io"
	"log"
	"os"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/ogg"
)

func ExampleNewDecoder() {
	f, err := os.Open("testdata/tones-5.1-48k-q2.ogg")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	d, err := ogg.NewDecoder(f) // *os.File is an io.Seeker: Length is known
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Format(), "-", d.Format().Layout, "-", d.Length(), "frames")

	buf := audio.NewBuffer(d.Format().Channels, 1024)
	total := 0
	for {
		n, err := d.ReadFrames(buf)
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
	// 48000 Hz, 6 ch, lossy - 5.1 - 2400 frames
	// decoded 2400 frames
}

func ExampleSniff() {
	head := make([]byte, 64)
	f, err := os.Open("testdata/sine440-mono-44k-q0.ogg")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	n, _ := io.ReadFull(f, head)
	fmt.Println(ogg.Sniff(head[:n]), ogg.Sniff([]byte("ID3\x04\x00\x00\x00\x00\x00\x00")))
	// Output: true false
}
