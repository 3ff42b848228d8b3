// Command resamplebench converts a PCM WAV file to raw little-endian
// float32 at another sample rate with audio/resample, so that bench/resample.sh
// can time it against `sox in.wav -t f32 out.f32 rate -v RATE` on the same
// work: both read the WAV, resample, and write raw interleaved float32.
// It stands in for `mixdown convert` until that exists.
//
//	resamplebench -r 48000 in.wav out.f32
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"time"
	"unsafe"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/resample"
)

func main() {
	rate := flag.Int("r", 48000, "output sample rate in Hz")
	parallel := flag.Bool("parallel", false, "let the resampler use helper goroutines")
	verbose := flag.Bool("v", false, "print timing to stderr")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: resamplebench [-r rate] [-parallel] [-v] in.wav out.f32")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1), *rate, *parallel, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "resamplebench:", err)
		os.Exit(1)
	}
}

func run(inPath, outPath string, outRate int, parallel, verbose bool) error {
	start := time.Now()
	in, err := os.Open(inPath)
	if err != nil {
		return err
	}
	defer in.Close()
	br := bufio.NewReaderSize(in, 1<<16)
	f, p, dataLen, err := readWAVHeader(br)
	if err != nil {
		return fmt.Errorf("%s: %w", inPath, err)
	}
	out, err := os.Create(outPath)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(out, 1<<16)

	rs, err := resample.New(f.SampleRate, outRate, f.Channels)
	if err != nil {
		return err
	}
	rs.SetParallel(parallel)
	const block = 4096
	nc := f.Channels
	frameBytes := nc * p.Bytes
	raw := make([]byte, block*frameBytes)
	src := audio.NewBuffer(nc, block)
	dst := audio.NewBuffer(nc, block*(outRate/f.SampleRate+2))
	inter := make([]float32, dst.Frames()*nc)
	obytes := make([]byte, len(inter)*4)
	sh, bh, ph := make(audio.Buffer, nc), make(audio.Buffer, nc), make(audio.Buffer, nc)
	write := func(n int) error {
		if n == 0 {
			return nil
		}
		s := dst.Head(sh, n).Interleave(inter)
		if littleEndian {
			_, err := bw.Write(unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 4*len(s)))
			return err
		}
		for i, v := range s {
			binary.LittleEndian.PutUint32(obytes[4*i:], math.Float32bits(v))
		}
		_, err := bw.Write(obytes[:4*len(s)])
		return err
	}
	var total int64
	remaining := dataLen
	for remaining > 0 {
		want := min(int64(block), remaining/int64(frameBytes))
		if want == 0 {
			break
		}
		if _, err := io.ReadFull(br, raw[:int(want)*frameBytes]); err != nil {
			return fmt.Errorf("%s: reading samples: %w", inPath, err)
		}
		remaining -= want * int64(frameBytes)
		buf := src.Head(bh, int(want))
		audio.DecodePCM(buf, raw, p)
		total += want
		for pos := 0; pos < int(want); {
			n, c := rs.Process(dst, buf.Slice(ph, pos, int(want)))
			if err := write(n); err != nil {
				return err
			}
			pos += c
		}
	}
	for {
		n, done := rs.Flush(dst)
		if err := write(n); err != nil {
			return err
		}
		if done {
			break
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	if verbose {
		el := time.Since(start).Seconds()
		fmt.Fprintf(os.Stderr, "%d frames %d→%d Hz in %.3f s (%.0f× real time)\n",
			total, f.SampleRate, outRate, el, float64(total)/float64(f.SampleRate)/el)
	}
	return nil
}

// littleEndian reports whether float32 values are laid out in memory as
// raw little-endian float32 files store them.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// readWAVHeader parses a RIFF/WAVE header up to the start of the data chunk
// and returns the format, the sample layout and the data length in bytes.
// It handles PCM and IEEE float, plain or WAVE_FORMAT_EXTENSIBLE.
func readWAVHeader(r io.Reader) (audio.Format, audio.PCM, int64, error) {
	var f audio.Format
	var p audio.PCM
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return f, p, 0, err
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return f, p, 0, errors.New("not a RIFF/WAVE file")
	}
	haveFmt := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return f, p, 0, fmt.Errorf("no data chunk: %w", err)
		}
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch string(ch[:4]) {
		case "fmt ":
			if size < 16 || size > 1024 {
				return f, p, 0, fmt.Errorf("fmt chunk of %d bytes", size)
			}
			b := make([]byte, size+size&1)
			if _, err := io.ReadFull(r, b); err != nil {
				return f, p, 0, err
			}
			tag := binary.LittleEndian.Uint16(b[0:])
			f.Channels = int(binary.LittleEndian.Uint16(b[2:]))
			f.SampleRate = int(binary.LittleEndian.Uint32(b[4:]))
			align := int(binary.LittleEndian.Uint16(b[12:]))
			f.Bits = int(binary.LittleEndian.Uint16(b[14:]))
			if tag == 0xFFFE && size >= 40 {
				tag = binary.LittleEndian.Uint16(b[24:])
			}
			switch tag {
			case 1:
				p.Type, f.Type = audio.SampleInt, audio.SampleInt
			case 3:
				p.Type, f.Type = audio.SampleFloat, audio.SampleFloat
			default:
				return f, p, 0, fmt.Errorf("WAVE format tag %#x: %w", tag, audio.ErrUnsupported)
			}
			if f.Channels < 1 || align%f.Channels != 0 {
				return f, p, 0, fmt.Errorf("%d channels, block align %d: %w", f.Channels, align, audio.ErrCorrupt)
			}
			p.Bytes = align / f.Channels
			p.Unsigned8 = p.Bytes == 1
			if err := p.Validate(); err != nil {
				return f, p, 0, err
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return f, p, 0, errors.New("data chunk before fmt chunk")
			}
			if err := f.Validate(); err != nil {
				return f, p, 0, err
			}
			return f, p, size, nil
		default:
			if _, err := io.CopyN(io.Discard, r, size+size&1); err != nil {
				return f, p, 0, err
			}
		}
	}
}
