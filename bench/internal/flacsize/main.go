// Command flacsize compares audio/flac's encoder with the reference encoder
// on the same WAV files: for each file it encodes with our encoder (in
// process) and with `flac -LEVEL`, checks our output with `flac -t`, and
// prints both sizes, their ratio and the time each took. bench/flacsize.sh
// drives it; it stands in for `mixdown convert --format flac` until that
// exists.
//
//	flacsize [-level 5] [-flac flac] in.wav...   compare
//	flacsize -gen DIR [-seconds 30]              write test WAVs to DIR
//
// The reference encoder adds an 8 KiB PADDING block and a SEEKTABLE by
// default, which have nothing to do with compression; the "flac" column is
// therefore measured with --no-padding --no-seektable, and the default file
// size is printed alongside.
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/flac"
	"github.com/mixdown/mixdown/internal/synth"
)

func main() {
	level := flag.Int("level", 5, "compression level for both encoders (1 to 8)")
	tool := flag.String("flac", "flac", "reference encoder")
	gen := flag.String("gen", "", "write the test WAVs to this directory and exit")
	seconds := flag.Float64("seconds", 30, "length of generated WAVs in seconds")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: flacsize [-level N] [-flac PATH] in.wav...\n       flacsize -gen DIR [-seconds S]")
		flag.PrintDefaults()
	}
	flag.Parse()
	var err error
	switch {
	case *gen != "":
		err = generate(*gen, *seconds)
	case flag.NArg() > 0:
		err = compare(flag.Args(), *level, *tool)
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "flacsize:", err)
		os.Exit(1)
	}
}

// compare prints one line per file and a total.
func compare(paths []string, level int, tool string) error {
	tmp, err := os.MkdirTemp("", "flacsize")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fmt.Printf("%-14s %10s %10s %8s %12s %9s %9s\n", "file", "ours", "flac", "ratio", "flac default", "ours xRT", "flac xRT")
	var totOurs, totRef int64
	for _, p := range paths {
		ours := filepath.Join(tmp, "ours.flac")
		secs, dur, err := encodeOurs(p, ours, level)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if out, err := exec.Command(tool, "-s", "-t", ours).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: flac -t rejects our output: %v\n%s", p, err, out)
		}
		ref := filepath.Join(tmp, "ref.flac")
		lv := "-" + strconv.Itoa(level)
		start := time.Now()
		if out, err := exec.Command(tool, "-s", "-f", lv, "--no-padding", "--no-seektable", "-o", ref, p).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %s: %v\n%s", p, tool, err, out)
		}
		refDur := time.Since(start)
		def := filepath.Join(tmp, "default.flac")
		if out, err := exec.Command(tool, "-s", "-f", lv, "-o", def, p).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %s: %v\n%s", p, tool, err, out)
		}
		so, sr, sd := size(ours), size(ref), size(def)
		totOurs += so
		totRef += sr
		fmt.Printf("%-14s %10d %10d %8.4f %12d %9.0f %9.0f\n", filepath.Base(p), so, sr, float64(so)/float64(sr), sd,
			secs/dur.Seconds(), secs/refDur.Seconds())
	}
	fmt.Printf("%-14s %10d %10d %8.4f\n", "total", totOurs, totRef, float64(totOurs)/float64(totRef))
	fmt.Printf("(flac = flac -%d --no-padding --no-seektable; ratio = ours/flac; xRT = seconds of audio per second, flac timed with process start-up)\n", level)
	return nil
}

func size(p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		return -1
	}
	return st.Size()
}

// encodeOurs encodes a WAV file with audio/flac and returns the audio's
// length in seconds and the time taken (reading the WAV included).
func encodeOurs(in, out string, level int) (float64, time.Duration, error) {
	start := time.Now()
	r, err := os.Open(in)
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<16)
	f, p, dataLen, err := readWAVHeader(br)
	if err != nil {
		return 0, 0, err
	}
	w, err := os.Create(out)
	if err != nil {
		return 0, 0, err
	}
	defer w.Close()
	enc, err := flac.NewEncoder(w, f, flac.Options{Level: level})
	if err != nil {
		return 0, 0, err
	}
	const block = 4096
	frameBytes := f.Channels * p.Bytes
	raw := make([]byte, block*frameBytes)
	buf := audio.NewBuffer(f.Channels, block)
	hdr := make(audio.Buffer, f.Channels)
	frames := int64(0)
	for left := dataLen / int64(frameBytes); left > 0; {
		n := int(min(left, block))
		if _, err := io.ReadFull(br, raw[:n*frameBytes]); err != nil {
			return 0, 0, fmt.Errorf("reading samples: %w", err)
		}
		b := buf.Head(hdr, n)
		audio.DecodePCM(b, raw, p)
		if err := enc.WriteFrames(b); err != nil {
			return 0, 0, err
		}
		left -= int64(n)
		frames += int64(n)
	}
	if err := enc.Close(); err != nil {
		return 0, 0, err
	}
	return float64(frames) / float64(f.SampleRate), time.Since(start), w.Close()
}

// readWAVHeader reads a PCM WAV header (plain or WAVE_FORMAT_EXTENSIBLE) up
// to the start of the data chunk. The format's Bits is the valid bits per
// sample; p describes the containers.
func readWAVHeader(r io.Reader) (audio.Format, audio.PCM, int64, error) {
	var f audio.Format
	var p audio.PCM
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil {
		return f, p, 0, err
	}
	if string(riff[:4]) != "RIFF" || string(riff[8:]) != "WAVE" {
		return f, p, 0, errors.New("not a RIFF/WAVE file")
	}
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
			tag := binary.LittleEndian.Uint16(b)
			f.Channels = int(binary.LittleEndian.Uint16(b[2:]))
			f.SampleRate = int(binary.LittleEndian.Uint32(b[4:]))
			container := int(binary.LittleEndian.Uint16(b[14:]))
			f.Type, f.Bits = audio.SampleInt, container
			if tag == 0xFFFE && size >= 40 {
				f.Bits = int(binary.LittleEndian.Uint16(b[18:]))
				tag = binary.LittleEndian.Uint16(b[24:])
			}
			if tag != 1 {
				return f, p, 0, fmt.Errorf("WAVE format tag %#x (only integer PCM)", tag)
			}
			p = audio.PCM{Type: audio.SampleInt, Bytes: container / 8, Unsigned8: container == 8}
		case "data":
			if f.Channels == 0 {
				return f, p, 0, errors.New("data chunk before fmt chunk")
			}
			return f, p, size, nil
		default:
			if _, err := io.CopyN(io.Discard, r, size+size&1); err != nil {
				return f, p, 0, err
			}
		}
	}
}

// generate writes the standard comparison material to dir: 44.1 kHz stereo
// music-like material at 16 and 24 bits, pink noise, and a sum of tones.
func generate(dir string, seconds float64) error {
	n := int(seconds * 44100)
	song := func(seed uint64) audio.Buffer {
		s := synth.NewSong(44100, seconds, seed)
		b := audio.NewBuffer(2, n)
		if _, err := audio.ReadFull(s, b); err != nil {
			panic(err)
		}
		return b
	}
	tones := audio.NewBuffer(2, n)
	for _, hz := range []float64{110, 220.5, 331, 440, 1234} {
		s := synth.Sine(44100, 2, n, hz, 0.15, hz)
		for c := range tones {
			for i := range tones[c] {
				tones[c][i] += s[c][i]
			}
		}
	}
	files := []struct {
		name string
		buf  audio.Buffer
		bits int
	}{
		{"song16.wav", song(1), 16},
		{"song24.wav", song(2), 24},
		{"pink16.wav", synth.PinkNoise(44100, 2, n, 0.1, 7), 16},
		{"tones16.wav", tones, 16},
	}
	for _, f := range files {
		if err := writeWAV(filepath.Join(dir, f.name), f.buf, f.bits, 44100); err != nil {
			return err
		}
	}
	return nil
}

// writeWAV writes b as plain integer PCM, rounded without dither.
func writeWAV(path string, b audio.Buffer, bits, rate int) error {
	p := audio.PCM{Type: audio.SampleInt, Bytes: bits / 8}
	q := audio.NewQuantizer(bits, len(b), rate, audio.DitherNone, 0)
	data := audio.EncodePCM(make([]byte, b.Frames()*len(b)*p.Bytes), b, p, q)
	le32, le16 := binary.LittleEndian.AppendUint32, binary.LittleEndian.AppendUint16
	h := []byte("RIFF")
	h = le32(h, uint32(36+len(data)))
	h = append(h, "WAVEfmt "...)
	h = le32(h, 16)
	h = le16(h, 1)
	h = le16(h, uint16(len(b)))
	h = le32(h, uint32(rate))
	h = le32(h, uint32(rate*len(b)*p.Bytes))
	h = le16(h, uint16(len(b)*p.Bytes))
	h = le16(h, uint16(bits))
	h = append(h, "data"...)
	h = le32(h, uint32(len(data)))
	return os.WriteFile(path, append(h, data...), 0o644)
}
