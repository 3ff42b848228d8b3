package mp3_test

import (
	"fmt"
	"io"
	"log"
	"os"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/mp3"
)

func ExampleNewDecoder() {
	f, err := os.Open("testdata/sine440-mono-44k-cbr64.mp3")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	d, err := mp3.NewDecoder(f)
	if err != nil {
		log.Fatal(err)
	}
	ok, delay, padding := d.Gapless()
	fmt.Println(d.Format(), "-", d.Length(), "frames")
	fmt.Println("gapless:", ok, "- encoder delay", delay, "padding", padding)

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
	// 44100 Hz, 1 ch, lossy - 4410 frames
	// gapless: true - encoder delay 576 padding 774
	// decoded 4410 frames
}

func ExampleSniff() {
	head := make([]byte, 8192)
	f, err := os.Open("testdata/chirp-stereo-48k-v6.mp3")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	n, _ := io.ReadFull(f, head)
	fmt.Println(mp3.Sniff(head[:n]), mp3.Sniff([]byte("RIFF....WAVEfmt ")))
	// Output: true false
}
