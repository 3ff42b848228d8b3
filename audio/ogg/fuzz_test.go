package ogg

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
)

func seedFiles(f *testing.F) [][]byte {
	files, _ := filepath.Glob("testdata/*.ogg")
	var out [][]byte
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	if len(out) == 0 {
		f.Fatal("no seed files in testdata")
	}
	return out
}

// FuzzDecode decodes arbitrary input and checks the contract: no panic or
// hang, errors with the package prefix that wrap a known sentinel, finite
// samples and no more frames than the input can hold.
func FuzzDecode(f *testing.F) {
	for _, data := range seedFiles(f) {
		f.Add(data)
		f.Add(data[:len(data)/2])
		f.Add(data[:200])
	}
	// Crafted streams from the regression tests: a setup header with a
	// codebook that would hang the library, and a floor that makes it panic.
	comment := []byte("\x03vorbis\x00\x00\x00\x00\x00\x00\x00\x00\x01")
	hang := defaultSpec()
	hang.books = append(hang.books, book{dims: 1, lengths: []int{0, 0}})
	hang.floorBook = 1
	f.Add(mux(9, [][]byte{identPacket(), comment, setupPacket(hang), {0x02, 0xFF, 0xFF}}, 500))
	wide := defaultSpec()
	wide.rangeBits = 8
	pkt := append([]byte{0xFC}, bytes.Repeat([]byte{0xFF}, 40)...)
	f.Add(mux(9, [][]byte{identPacket(), comment, setupPacket(wide), pkt, pkt}, 500))
	f.Add(mux(9, [][]byte{identPacket(), comment, setupPacket(defaultSpec()), pkt, pkt}, 500))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
	})
}

// FuzzPackets keeps the container valid and replaces one packet of a seed
// stream (a header or an audio packet) with arbitrary bytes, so that the
// input reaches the Vorbis header checks and the library's packet decoder.
func FuzzPackets(f *testing.F) {
	seeds := seedFiles(f)
	var streams [][][]byte
	for _, data := range seeds {
		pr := &pageReader{br: bufioReader(data)}
		var first page
		if err := pr.next(&first); err != nil {
			f.Fatal(err)
		}
		r := packetReader{pr: pr}
		r.start(&first)
		var pk [][]byte
		for {
			p, err := r.next(false)
			if err != nil {
				break
			}
			pk = append(pk, bytes.Clone(p.data))
		}
		streams = append(streams, pk)
	}
	for i, pk := range streams {
		f.Add(uint8(i), uint8(3), pk[3])
		f.Add(uint8(i), uint8(4), pk[4][:len(pk[4])/2])
		f.Add(uint8(i), uint8(2), pk[2])
	}
	f.Fuzz(func(t *testing.T, which, index uint8, packet []byte) {
		pk := streams[int(which)%len(streams)]
		pk = append([][]byte(nil), pk...)
		if len(packet) > 60000 {
			packet = packet[:60000]
		}
		pk[int(index)%len(pk)] = packet
		checkDecode(t, mux(1, pk, 100000))
	})
}

func checkDecode(t *testing.T, data []byte) {
	checkErr := func(err error) {
		t.Helper()
		if !strings.HasPrefix(err.Error(), "ogg: ") {
			t.Fatalf("error %q lacks the package prefix", err)
		}
		for _, target := range []error{audio.ErrCorrupt, audio.ErrNotAudio, audio.ErrUnsupported, io.ErrUnexpectedEOF} {
			if errors.Is(err, target) {
				return
			}
		}
		t.Fatalf("error %q wraps no sentinel", err)
	}
	d, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		checkErr(err)
		return
	}
	// A packet of at least one byte decodes to at most 4096 frames.
	limit := (len(data) + 1) * 4096
	buf := audio.NewBuffer(d.Format().Channels, 999)
	total := 0
	for {
		n, err := d.ReadFrames(buf)
		total += n
		for _, ch := range buf {
			for _, v := range ch[:n] {
				if !(math.Abs(float64(v)) <= audio.MaxFloatSample) {
					t.Fatalf("sample %v", v)
				}
			}
		}
		if total > limit {
			t.Fatalf("%d frames from %d bytes", total, len(data))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			checkErr(err)
			break
		}
	}
}
