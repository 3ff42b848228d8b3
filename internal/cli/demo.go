package cli

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/audio/resample"
	"github.com/mixdown/mixdown/internal/synth"
	"github.com/mixdown/mixdown/master"
	"github.com/mixdown/mixdown/mix"
)

func newDemoCmd(env Env) *cobra.Command {
	var seconds float64
	cmd := &cobra.Command{
		Use:   "demo [DIR]",
		Short: "Mix, master and analyze a generated demo song (no input needed)",
		Long: `demo runs the whole job on generated material, in DIR (default "mixdown-demo"):

  multitrack/   a multitrack song generated in code (drums, bass, chords, a lead
                line as separate stems) and its session.yaml, with drum and music
                buses, reverb and echo sends, EQ, compression, a sidechain and
                automation
  mix.wav       the session rendered (32-bit float), mix-report.txt/.json its
                meters, and stems/ every bus as its own file
  master.wav    the mix mastered for Spotify (-14 LUFS, -1 dBTP, 24-bit),
                master-report.txt/.json the decisions and the proof, preview/
                level-matched before/after clips
  signals/      test signals: a music-like song (WAV and FLAC), the EBU R128
                calibration tone, a copy with typical defects (DC offset, mains
                hum, leading silence, clipping), a 16-bit-in-24 and an upsampled
                copy, analyzed in report.txt and report.json

Re-run any step by hand: mixdown mix DIR/multitrack/session.yaml -o mix.wav,
mixdown master mix.wav -o master.wav --preset spotify, mixdown analyze FILE.`,
		Args: argsRange(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "mixdown-demo"
			if len(args) == 1 {
				dir = args[0]
			}
			return demo(cmd.Context(), env, dir, seconds)
		},
	}
	cmd.Flags().Float64Var(&seconds, "seconds", 30, "length of the generated song in seconds")
	return cmd
}

// demoFile is one generated signal.
type demoFile struct {
	name   string
	about  string
	make   func() (audio.Reader, audio.Format)
	dither audio.Dither
}

func demo(ctx context.Context, env Env, dir string, seconds float64) error {
	if seconds <= 0 || seconds > 3600 {
		return usagef("--seconds %g: use 0 < seconds <= 3600", seconds)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return outputError{err}
	}
	if err := demoMixMaster(ctx, env, dir, seconds); err != nil {
		return err
	}
	dir = filepath.Join(dir, "signals")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return outputError{err}
	}
	const rate = 44100
	song := func() audio.Reader { return synth.NewSong(rate, seconds, 1) }
	int24 := audio.Format{SampleRate: rate, Channels: 2, Type: audio.SampleInt, Bits: 24}
	files := []demoFile{
		{"song.wav", "generated music-like song, 24-bit", func() (audio.Reader, audio.Format) { return song(), int24 }, audio.DitherTPDF},
		{"song.flac", "the same song as FLAC", func() (audio.Reader, audio.Format) { return song(), int24 }, audio.DitherTPDF},
		{"tone-1k-minus23.wav", "EBU calibration: 1 kHz stereo sine at -23 dBFS, reads -23 LUFS", func() (audio.Reader, audio.Format) {
			return synth.NewSine(48000, 2, 20, 1000, math.Pow(10, -23.0/20)), audio.Format{SampleRate: 48000, Channels: 2, Type: audio.SampleInt, Bits: 24}
		}, audio.DitherTPDF},
		{"song-defects.wav", "the song with 1 s of digital silence, +0.01 DC, 50 Hz hum at -50 dBFS (exposed in a quiet passage) and clipping; 32-bit float", func() (audio.Reader, audio.Format) {
			return newDefects(song()), audio.Format{SampleRate: rate, Channels: 2, Type: audio.SampleFloat, Bits: 32}
		}, audio.DitherNone},
		{"song-16bit-in-24.wav", "the song quantized to 16 bits, stored as 24-bit", func() (audio.Reader, audio.Format) {
			return &quantize16{r: song()}, int24
		}, audio.DitherNone}, // already on the 16-bit grid, hence on the 24-bit one
		{"song-upsampled-96k.wav", "the song at 44.1 kHz resampled to 96 kHz (empty top octave)", func() (audio.Reader, audio.Format) {
			r, err := resample.NewReader(song(), 96000)
			if err != nil {
				panic(err)
			}
			return r, audio.Format{SampleRate: 96000, Channels: 2, Type: audio.SampleInt, Bits: 24}
		}, audio.DitherTPDF},
	}
	var paths []string
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		src, fm := f.make()
		w, err := audiofile.Create(path, fm, audiofile.WriteOptions{Dither: f.dither, Seed: 1})
		if err != nil {
			return outputError{err}
		}
		err = copyFrames(ctx, w, src, nil)
		if err == nil {
			err = w.Close()
		} else {
			w.Abort()
		}
		if err != nil {
			return outputError{err}
		}
		fmt.Fprintf(env.Stdout, "wrote %-28s %s\n", path, f.about)
		paths = append(paths, path)
	}
	doc := AnalyzeDoc{Schema: AnalyzeSchema}
	var text []byte
	for _, p := range paths {
		entry, err := AnalyzeFileReport(ctx, env, p)
		if err != nil {
			return err
		}
		doc.Files = append(doc.Files, entry)
		var b bytesWriter
		fmt.Fprintf(&b, "== %s (%s, %s)\n", p, entry.Codec, describeFormat(entry))
		if err := entry.Report.WriteText(&b); err != nil {
			return err
		}
		text = append(append(text, b...), '\n')
	}
	if err := writeReports(dir, "report", doc, text); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %-28s analysis of every file above (schema %s)\n", filepath.Join(dir, "report.json"), AnalyzeSchema)
	fmt.Fprintf(env.Stdout, "wrote %-28s the same as tables\n\n", filepath.Join(dir, "report.txt"))
	_, err := env.Stdout.Write(text)
	return err
}

// demoMixMaster generates the multitrack demo, mixes it and masters the
// mix, writing the reports.
func demoMixMaster(ctx context.Context, env Env, dir string, seconds float64) error {
	sess, err := mix.WriteDemo(filepath.Join(dir, "multitrack"), seconds)
	if err != nil {
		return outputError{err}
	}
	fmt.Fprintf(env.Stdout, "wrote %-28s generated stems and the session that mixes them\n", filepath.Join(dir, "multitrack"))
	mixPath := filepath.Join(dir, "mix.wav")
	mrep, err := mix.RenderFile(ctx, sess, mixPath, mix.FileOptions{StemDir: filepath.Join(dir, "stems")})
	if err != nil {
		return err
	}
	var mt bytesWriter
	if err := mrep.WriteText(&mt); err != nil {
		return err
	}
	if err := writeReports(dir, "mix-report", mrep, mt); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %-28s the mix (32-bit float), its meters in mix-report.txt/.json, bus stems in stems/\n", mixPath)

	tgt, err := master.Preset("spotify")
	if err != nil {
		return err
	}
	opt := master.DefaultOptions(tgt)
	masterPath := filepath.Join(dir, "master.wav")
	preview := filepath.Join(dir, "preview")
	res, err := master.Master(ctx, master.FileSource(mixPath), nil, master.Output{Path: masterPath, Bits: 24, PreviewDir: preview}, opt, nil)
	if err != nil {
		return err
	}
	rep := master.NewReport(res, opt, mixPath, masterPath, "")
	rep.Preview = &master.Preview{Before: filepath.Join(preview, "preview-before.wav"), After: filepath.Join(preview, "preview-after.wav"), StartS: res.PreviewStartS, LengthS: 30}
	var t bytesWriter
	if err := rep.WriteText(&t); err != nil {
		return err
	}
	if err := writeReports(dir, "master-report", rep, t); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %-28s the master for Spotify; why and how in master-report.txt/.json\n\n", masterPath)
	_, err = env.Stdout.Write(t)
	fmt.Fprintln(env.Stdout)
	return err
}

// writeReports writes NAME.json and NAME.txt in dir.
func writeReports(dir, name string, v any, text []byte) error {
	if err := writeJSON(filepath.Join(dir, name+".json"), v); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, name+".txt"), text); err != nil {
		return outputError{err}
	}
	return nil
}

type bytesWriter []byte

func (b *bytesWriter) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }

// defects adds typical faults to a stream: 1 s of digital silence first,
// then the signal with +0.01 DC, 50/100/150 Hz hum at -50 dBFS, 3 dB of
// gain from 5 s to 6 s hard-clipped at full scale, and a near-silent pause
// (the music 60 dB down from 8 s to 20 s) where the hum is exposed, as in a
// real recording's pauses: under the full song the drums' own 50 Hz lines
// would mask it.
type defects struct {
	r    audio.Reader
	pos  int64
	lead int64
}

func newDefects(r audio.Reader) *defects { return &defects{r: r, lead: int64(r.Format().SampleRate)} }

func (d *defects) Format() audio.Format { return d.r.Format() }

func (d *defects) ReadFrames(dst audio.Buffer) (int, error) {
	rate := float64(d.r.Format().SampleRate)
	if d.pos < d.lead {
		n := int(min(int64(dst.Frames()), d.lead-d.pos))
		for c := range dst {
			clear(dst[c][:n])
		}
		d.pos += int64(n)
		return n, nil
	}
	n, err := d.r.ReadFrames(dst)
	hum := math.Pow(10, -50.0/20)
	for i := 0; i < n; i++ {
		t := float64(d.pos+int64(i)-d.lead) / rate
		h := hum * (math.Sin(2*math.Pi*50*t) + 0.5*math.Sin(2*math.Pi*100*t) + 0.3*math.Sin(2*math.Pi*150*t))
		g := 1.0
		switch {
		case t >= 5 && t < 6:
			g = 1.41
		case t >= 8 && t < 20:
			g = 0.001
		}
		for c := range dst {
			v := g*float64(dst[c][i]) + 0.01 + h
			dst[c][i] = float32(max(-1, min(1, v)))
		}
	}
	d.pos += int64(n)
	return n, err
}

// quantize16 rounds a stream to the 16-bit grid (with TPDF dither), so that a
// 24-bit file written from it holds 16-bit content.
type quantize16 struct {
	r audio.Reader
	q *audio.Quantizer
	b []int32
}

func (q *quantize16) Format() audio.Format { return q.r.Format() }

func (q *quantize16) ReadFrames(dst audio.Buffer) (int, error) {
	n, err := q.r.ReadFrames(dst)
	if q.q == nil {
		q.q = audio.NewQuantizer(16, len(dst), q.r.Format().SampleRate, audio.DitherTPDF, 7)
	}
	if cap(q.b) < n {
		q.b = make([]int32, n)
	}
	for c := range dst {
		ints := q.q.Quantize(q.b[:n], dst[c][:n], c)
		for i, v := range ints {
			dst[c][i] = float32(v) / 32768
		}
	}
	return n, err
}
