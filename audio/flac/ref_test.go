package flac

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/testutil"
)

// Cross-checks against the reference implementation (the flac command-line
// tool, libFLAC). They skip when flac is not installed, or fail when
// MIXDOWN_REQUIRE_TOOLS=1.

// flacEncode encodes integer samples with the reference encoder (from a WAV
// file) and returns the output.
func flacEncode(t testing.TB, tool string, ints [][]int32, bits, rate int, args ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.wav")
	out := filepath.Join(dir, "out.flac")
	if err := os.WriteFile(in, wavFile(ints, bits, rate), 0o644); err != nil {
		t.Fatal(err)
	}
	testutil.Run(t, tool, append(append([]string{"-s", "-f", "-o", out}, args...), in)...)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// flacDecode checks a stream with the reference decoder (flac -t, which also
// verifies the MD5 signature) and decodes it with flac -d, returning the
// samples and their depth.
func flacDecode(t testing.TB, tool string, data []byte) ([][]int32, int) {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.flac")
	out := filepath.Join(dir, "out.wav")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	testutil.Run(t, tool, "-s", "-t", in)
	testutil.Run(t, tool, "-s", "-f", "-d", "-o", out, in)
	wav, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return parseWAV(t, wav)
}

// refDecode is flacDecode checking the depth.
func refDecode(t testing.TB, tool string, data []byte, bits int) [][]int32 {
	t.Helper()
	ints, b := flacDecode(t, tool, data)
	if b != bits {
		t.Fatalf("flac -d gives %d-bit samples, want %d", b, bits)
	}
	return ints
}

// TestReferenceDecodesOurs: every stream of the round-trip matrix, and
// streams at every level, block size, depth and an odd sample rate, pass
// flac -t and decode with flac -d to exactly the input samples.
func TestReferenceDecodesOurs(t *testing.T) {
	tool := testutil.Tool(t, "flac")
	for i, c := range roundTripMatrix() {
		t.Run(c.name(), func(t *testing.T) {
			ints := gen(c.kind, c.channels, c.frames, c.bits, uint64(i))
			data := encodeInts(t, ints, c.bits, 44100, Options{}, 0)
			compareInts(t, refDecode(t, tool, data, c.bits), ints)
		})
	}
	type variant struct {
		name       string
		bits, rate int
		channels   int
		opt        Options
	}
	var vs []variant
	for lv := 1; lv <= 8; lv++ {
		vs = append(vs, variant{"level" + strconv.Itoa(lv), 16, 44100, 2, Options{Level: lv}})
	}
	for _, bs := range []int{16, 192, 1000, 65535} {
		vs = append(vs, variant{"block" + strconv.Itoa(bs), 24, 44100, 2, Options{BlockSize: bs}})
	}
	for _, bits := range []int{8, 12, 20} {
		vs = append(vs, variant{strconv.Itoa(bits) + "bit", bits, 44100, 2, Options{}})
	}
	for _, rate := range []int{11025, 384000, 705600} {
		vs = append(vs, variant{strconv.Itoa(rate) + "Hz", 16, rate, 1, Options{}})
	}
	vs = append(vs, variant{"8ch", 16, 48000, 8, Options{}})
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			ints := gen(kindSong, v.channels, 70000, v.bits, 99)
			data := encodeInts(t, ints, v.bits, v.rate, v.opt, 0)
			compareInts(t, refDecode(t, tool, data, v.bits), ints)
		})
	}
}

// TestDecodeReference: streams made by the reference encoder at several
// settings decode with our Decoder to exactly what flac -d produces (and to
// the original samples).
func TestDecodeReference(t *testing.T) {
	tool := testutil.Tool(t, "flac")
	type material struct {
		name           string
		kind           string
		channels, bits int
		rate           int
	}
	materials := []material{
		{"song16", kindSong, 2, 16, 44100},
		{"song24", kindSong, 2, 24, 48000},
		{"mono16", kindSong, 1, 16, 44100},
		{"mono24", kindSong, 1, 24, 96000},
		{"surround16", kindSong, 6, 16, 48000},
		{"noise16", kindNoise, 2, 16, 44100},
		{"silence24", kindSilence, 2, 24, 44100},
		{"wasted24", kindWasted, 2, 24, 44100},
		{"song8", kindSong, 2, 8, 22050},
		{"song12", kindSong, 1, 12, 32000},
		{"song20", kindSong, 2, 20, 88200},
		// 18 bits has no frame header code: frames say "see STREAMINFO".
		{"song18", kindSong, 2, 18, 44100},
	}
	settings := [][]string{
		{"-5"},
		{"-8"},
		{"-0"},
		{"-8", "-l", "32", "--lax"},
		{"-5", "-b", "192"},
		{"-5", "-b", "16384", "--lax"},
	}
	for _, m := range materials {
		ints := gen(m.kind, m.channels, 50000, m.bits, 77)
		for _, args := range settings {
			t.Run(m.name+strings.Join(args, ""), func(t *testing.T) {
				if m.bits == 18 {
					args = append(args[:len(args):len(args)], "--lax") // not in the FLAC subset
				}
				data := flacEncode(t, tool, ints, m.bits, m.rate, args...)
				want := refDecode(t, tool, data, m.bits)
				compareInts(t, want, ints) // the tool itself is lossless
				got, f, err := decodeInts(t, data)
				if err != nil {
					t.Fatal(err)
				}
				compareInts(t, got, want)
				if f.SampleRate != m.rate || f.Channels != m.channels || f.Bits != m.bits || f.Type != audio.SampleInt {
					t.Errorf("format %v", f)
				}
			})
		}
	}
}

// TestSizeVsReference checks the compression target: at the default level our
// files are within 2% of flac -5 (and level 8 within 2% of flac -8) on
// music-like material, pink noise and a sum of tones. The reference runs
// without its 8 KiB padding block and seek table, so that only the coded
// audio is compared.
func TestSizeVsReference(t *testing.T) {
	tool := testutil.Tool(t, "flac")
	const seconds = 10
	for _, m := range sizeMaterials(seconds) {
		for _, lv := range []int{5, 8} {
			ours := encodeInts(t, m.ints, m.bits, 44100, Options{Level: lv}, 0)
			ref := flacEncode(t, tool, m.ints, m.bits, 44100, "-"+strconv.Itoa(lv), "--no-padding", "--no-seektable")
			ratio := float64(len(ours)) / float64(len(ref))
			t.Logf("%-8s level %d: ours %8d bytes, flac -%d %8d bytes, ratio %.4f", m.name, lv, len(ours), lv, len(ref), ratio)
			if ratio > 1.02 {
				t.Errorf("%s level %d: %.2f%% larger than flac -%d", m.name, lv, 100*(ratio-1), lv)
			}
		}
	}
}
