package mp3

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	gomp3 "github.com/hajimehoshi/go-mp3"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/testutil"
)

// Tolerances against ffmpeg's float decoder. go-mp3 is an independent
// implementation that computes in float32 and rounds to 16 bits; on mono and
// plain-stereo streams it agrees with ffmpeg to about 3e-5 (-78 dB).
//
// Joint stereo is looser because of a bug in go-mp3 v0.3.4: it applies the
// mid/side matrix only up to the last non-zero line of the louder channel in
// the bitstream's order (Count1), but for short blocks the lines are
// reordered first, so a few lines past that index stay untransformed. The
// error (up to about 1e-2 on transients, -55 dB overall on LAME -b 128) sits
// in the side signal of granules with short blocks; patching go-mp3 to
// transform all 576 lines brings those streams to -78 dB as well.
const (
	maxDiffVsFFmpeg   = 1e-4 // largest sample difference, mono and L/R stereo
	relDiffVsFFmpeg   = -75  // RMS difference relative to the signal, dB
	maxDiffJointTol   = 2.5e-2
	relDiffJointTol   = -50
	lagSearch         = 2000 // ± frames searched for the alignment
	correlationWindow = 20000
)

// tolerance returns the allowed difference from ffmpeg for a stream.
func tolerance(channels int, opts []string) (maxAbs, relDB float64) {
	if channels == 2 && !strings.Contains(strings.Join(opts, " "), "-m s") {
		return maxDiffJointTol, relDiffJointTol
	}
	return maxDiffVsFFmpeg, relDiffVsFFmpeg
}

type lameCase struct {
	rate, channels int
	opts           []string
}

func (c lameCase) String() string { return fmt.Sprintf("%dHz_%dch_%v", c.rate, c.channels, c.opts) }

// TestLAMEGapless encodes known material with lame and checks that the
// decoded stream has exactly the source's length and alignment, and matches
// ffmpeg's decode of the same file.
func TestLAMEGapless(t *testing.T) {
	cases := []lameCase{
		{44100, 2, []string{"-b", "128"}},
		{44100, 2, []string{"-V", "2"}},
		{44100, 1, []string{"-b", "128"}},
		{44100, 1, []string{"-V", "2"}},
		{48000, 2, []string{"-b", "128"}},
		{48000, 2, []string{"-V", "2"}},
		{48000, 1, []string{"-b", "128"}},
		{48000, 1, []string{"-V", "2"}},
		{32000, 2, []string{"-b", "96"}},
		{24000, 2, []string{"-V", "4"}},                                  // MPEG-2: 576 frames per MP3 frame
		{22050, 1, []string{"-b", "64"}},                                 // MPEG-2 mono (at 32 kbit/s the frame is too small for a LAME tag and lame writes none)
		{44100, 2, []string{"-b", "192", "-p"}},                          // CRC-protected frames
		{44100, 2, []string{"-b", "128", "-m", "s"}},                     // plain stereo
		{44100, 2, []string{"-V", "0", "--resample", "44.1"}},            // high-rate VBR
		{48000, 2, []string{"--abr", "160", "--add-id3v2", "--tt", "x"}}, // ABR with ID3v2 tag
	}
	dir := t.TempDir()
	for i, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			frames := c.rate*2 + 1234 + 97*i // odd lengths: non-trivial padding
			src := source(c.rate, c.channels, frames, uint64(i+1))
			data, path := lameEncode(t, dir, fmt.Sprintf("case%d", i), src, c.rate, c.opts...)

			got, d, err := decodeAll(t, data)
			if err != nil {
				t.Fatal(err)
			}
			if f := d.Format(); f.SampleRate != c.rate || f.Channels != c.channels || f.Type != audio.SampleLossy || f.Bits != 0 {
				t.Fatalf("format %+v", f)
			}
			ok, delay, pad := d.Gapless()
			if !ok {
				t.Fatal("no LAME tag found")
			}
			// (a) exact length, also as announced.
			if got.Frames() != frames || d.Length() != int64(frames) {
				t.Fatalf("decoded %d frames, Length %d, source has %d (delay %d, padding %d)",
					got.Frames(), d.Length(), frames, delay, pad)
			}
			// (b) alignment: best cross-correlation lag is 0 on every channel.
			for ch := range src {
				if lag := testutil.BestLag(src[ch], got[ch], c.rate/2, correlationWindow, lagSearch); lag != 0 {
					t.Errorf("channel %d: best lag %d, want 0", ch, lag)
				}
			}
			// (c) waveform against ffmpeg, which also trims by the LAME tag.
			ref := testutil.FFmpegDecode(t, path, c.channels)
			if ref.Frames() != frames {
				t.Errorf("ffmpeg decoded %d frames, source has %d", ref.Frames(), frames)
			}
			maxAbs, rel := testutil.Diff(ref, got)
			coding, _ := testutil.Diff(src, got)
			t.Logf("%s: %s delay %d padding %d, %d frames; vs ffmpeg: max |diff| %.2e, rel RMS %.1f dB (vs source max %.2e)",
				c, d.Encoder(), delay, pad, frames, maxAbs, rel, coding)
			if tm, tr := tolerance(c.channels, c.opts); maxAbs > tm || rel > tr {
				t.Errorf("differs from ffmpeg: max %.2e (limit %.1e), rel %.1f dB (limit %.0f)", maxAbs, tm, rel, tr)
			}
		})
	}
}

// TestNoLAMETag checks the documented behaviour without a LAME tag ("lame
// -t" writes no Xing/Info frame): nothing is trimmed, exactly like ffmpeg, so
// the output is a whole number of MP3 frames and starts 576+529 frames late.
func TestNoLAMETag(t *testing.T) {
	const rate, frames = 44100, 70000
	src := source(rate, 2, frames, 7)
	data, path := lameEncode(t, t.TempDir(), "notag", src, rate, "-b", "128", "-m", "s", "-t")
	got, d, err := decodeAll(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := d.Gapless(); ok || d.Length() != -1 {
		t.Fatalf("Gapless %v, Length %d; want no tag, -1", ok, d.Length())
	}
	if got.Frames()%1152 != 0 || got.Frames() < frames+576+529 {
		t.Fatalf("decoded %d frames, want whole MP3 frames covering %d", got.Frames(), frames+576+529)
	}
	ref := testutil.FFmpegDecode(t, path, 2)
	if ref.Frames() != got.Frames() {
		t.Errorf("decoded %d frames, ffmpeg %d", got.Frames(), ref.Frames())
	}
	maxAbs, rel := testutil.Diff(ref, got)
	t.Logf("no tag: %d frames; vs ffmpeg max |diff| %.2e, rel %.1f dB", got.Frames(), maxAbs, rel)
	if maxAbs > maxDiffVsFFmpeg || rel > relDiffVsFFmpeg {
		t.Errorf("differs from ffmpeg: max %.2e, rel %.1f dB", maxAbs, rel)
	}
	if lag := testutil.BestLag(src[0], got[0], rate/2, correlationWindow, lagSearch); lag != 576+529 {
		t.Errorf("best lag %d, want LAME's 576 + the decoder's 529", lag)
	}
}

// TestGoMP3EmitsInfoFrame documents why the Decoder withholds the Xing/Info
// frame from go-mp3: fed a raw LAME file, go-mp3 decodes the tag frame as
// 1152 frames of silence ahead of the audio.
func TestGoMP3EmitsInfoFrame(t *testing.T) {
	const rate, frames = 44100, 30000
	src := source(rate, 2, frames, 3)
	data, _ := lameEncode(t, t.TempDir(), "info", src, rate, "-b", "128")
	tag, ok := parseInfoTag(data[:417], frameHeader{version: mpeg1, layer: 3, mode: 1})
	if !ok || tag.kind != "Info" {
		t.Fatalf("no Info tag in lame output: %+v", tag)
	}
	lib, err := gomp3.NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	pcm, err := io.ReadAll(lib)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := int64(len(pcm)/4), (tag.frames+1)*1152; got != want {
		t.Fatalf("go-mp3 decoded %d frames, want (%d audio + 1 tag frame) × 1152 = %d", got, tag.frames, want)
	}
	for i, b := range pcm[:1152*4] {
		if b != 0 {
			t.Fatalf("tag frame decoded to a non-zero sample at byte %d", i)
		}
	}
}
