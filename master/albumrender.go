package master

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/mixdown/mixdown/analysis"
	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/audio/wav"
	"github.com/mixdown/mixdown/dsp"
	"github.com/mixdown/mixdown/dsp/dynamics"
	"github.com/mixdown/mixdown/internal/atomicfile"
	"github.com/mixdown/mixdown/loudness"
)

// AlbumOutput says where and how an album is written.
type AlbumOutput struct {
	Dir string
	// SampleRate, Bits and Dither as in Output (Bits 32 = float).
	SampleRate int
	Bits       int
	Dither     audio.Dither
	// Container of every file (default WAV).
	Container audiofile.Container
	TempDir   string
}

// AlbumTrackResult is one song's outcome.
type AlbumTrackResult struct {
	File       string  `json:"file"`
	Title      string  `json:"title,omitempty"`
	Output     string  `json:"output"`
	InputLUFS  float64 `json:"input_lufs"`
	TargetLUFS float64 `json:"target_lufs"`
	// LUFS and TruePeakDBTP are measured on the album file's slice.
	LUFS         float64 `json:"lufs"`
	TruePeakDBTP float64 `json:"true_peak_dbtp"`
	StartS       float64 `json:"start_s"`
	LengthS      float64 `json:"length_s"`
	Report       *Report `json:"report"`
}

// AlbumResult describes a rendered album.
type AlbumResult struct {
	Schema       string             `json:"schema"`
	Mode         AlbumMode          `json:"mode"`
	AlbumFile    string             `json:"album_file"`
	CUEFile      string             `json:"cue_file"`
	SampleRate   int                `json:"sample_rate_hz"`
	Bits         int                `json:"bits"`
	TargetLUFS   float64            `json:"target_lufs"`
	CeilingDBTP  float64            `json:"ceiling_dbtp"`
	AlbumLUFS    float64            `json:"album_lufs"`
	TruePeakDBTP float64            `json:"true_peak_dbtp"`
	Tracks       []AlbumTrackResult `json:"tracks"`
	Checks       []Check            `json:"checks"`
}

// AlbumSchema identifies the album report JSON.
const AlbumSchema = "mixdown.album/v1"

// RenderAlbum masters every song of spec and assembles the album: a
// continuous file, one file per track (cut at the CUE indexes, so that the
// track files played in order are the album, sample for sample) and a CUE
// sheet. In ModeAlbum the loudest song is mastered to the target and every
// other song keeps its loudness difference to it (AES TD1008); in
// ModeTrack every song meets the target.
func RenderAlbum(ctx context.Context, spec *AlbumSpec, o Options, out AlbumOutput, progress Progress) (*AlbumResult, error) {
	n := len(spec.Tracks)
	ins := make([]*analysis.Report, n)
	loudest := math.Inf(-1)
	for i := range spec.Tracks {
		r, err := Analyze(ctx, FileSource(spec.Path(i)))
		if err != nil {
			return nil, err
		}
		if !isFinite(num(r.Loudness.IntegratedLUFS)) {
			return nil, fmt.Errorf("%s: silent: %w", spec.Path(i), ErrSilent)
		}
		ins[i] = r
		loudest = math.Max(loudest, num(r.Loudness.IntegratedLUFS))
	}
	rate := out.SampleRate
	if rate == 0 {
		rate = o.Target.SampleRate
	}
	if rate == 0 {
		rate = ins[0].Format.SampleRateHz
	}
	if rate%75 != 0 {
		return nil, fmt.Errorf("album sample rate %d Hz is not a multiple of 75: CUE indexes could not be sample-exact (use --rate 44100 or 48000)", rate)
	}
	channels := ins[0].Format.Channels
	for i, r := range ins {
		if r.Format.Channels != channels {
			return nil, fmt.Errorf("%s has %d channels, the album %d", spec.Path(i), r.Format.Channels, channels)
		}
	}
	bits := out.Bits
	if bits == 0 {
		bits = o.Target.Bits
	}
	if bits == 0 {
		bits = 24
	}
	target, ceiling := o.Target.Resolve(channels)
	res := &AlbumResult{Schema: AlbumSchema, Mode: spec.Mode, SampleRate: rate, Bits: bits, TargetLUFS: target, CeilingDBTP: ceiling}

	// Master every song into a temporary float file.
	temps := make([]string, n)
	defer func() {
		for _, t := range temps {
			if t != "" {
				os.Remove(t)
			}
		}
	}()
	lengths := make([]int64, n)
	for i := range spec.Tracks {
		oi := o
		oi.Target.LUFS = target
		if spec.Mode == ModeAlbum {
			oi.Target.LUFS = target + num(ins[i].Loudness.IntegratedLUFS) - loudest
		}
		oi.Target.MonoLUFS, oi.Target.LoudCeilingDBTP = 0, 0
		oi.Target.CeilingDBTP = ceiling
		f, err := os.CreateTemp(out.TempDir, "mixdown-album-*.wav")
		if err != nil {
			return nil, err
		}
		f.Close()
		temps[i] = f.Name()
		mr, err := Master(ctx, FileSource(spec.Path(i)), ins[i], Output{Path: temps[i], Container: audiofile.WAV, SampleRate: rate, Bits: 32, TempDir: out.TempDir}, oi, progress)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", spec.Path(i), err)
		}
		lengths[i] = mr.Output.Loudness.Frames
		res.Tracks = append(res.Tracks, AlbumTrackResult{File: spec.Tracks[i].File, Title: spec.Tracks[i].Title,
			InputLUFS: round2(num(ins[i].Loudness.IntegratedLUFS)), TargetLUFS: round2(oi.Target.LUFS),
			Report: NewReport(mr, oi, spec.Path(i), "", "")})
	}
	layout, err := PlanLayout(spec, lengths, rate)
	if err != nil {
		return nil, err
	}
	if err := assemble(ctx, spec, layout, temps, res, out, channels, ceiling, progress); err != nil {
		return nil, err
	}
	res.Checks = albumChecks(res, spec.Mode)
	return res, nil
}

func trackFileName(i int, t AlbumTrack, ext string) string {
	name := t.Title
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(t.File), filepath.Ext(t.File))
	}
	return fmt.Sprintf("%02d - %s%s", i+1, safeName(name), ext)
}

// safeName replaces characters that file systems reject.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < 32 {
			return '_'
		}
		return r
	}, s)
}

// assemble streams the album timeline: gaps of silence, equal-power
// crossfades, then (when any crossfade can sum above the ceiling) a
// true-peak limiter, one quantization for everything, and the album and
// track files.
func assemble(ctx context.Context, spec *AlbumSpec, l *Layout, temps []string, res *AlbumResult, out AlbumOutput, channels int, ceiling float64, progress Progress) error {
	n := len(temps)
	rate := res.SampleRate
	container := out.Container
	if container == "" {
		container = audiofile.WAV
	}
	ext := "." + string(container)
	if err := os.MkdirAll(out.Dir, 0o755); err != nil {
		return err
	}
	albumName := "album" + ext
	if spec.Title != "" {
		albumName = safeName(spec.Title) + ext
	}
	res.AlbumFile = filepath.Join(out.Dir, albumName)
	outFmt := audio.Format{SampleRate: rate, Channels: channels, Type: audio.SampleInt, Bits: res.Bits}
	if res.Bits == 32 {
		outFmt.Type = audio.SampleFloat
	}
	albumW, err := audiofile.Create(res.AlbumFile, outFmt, audiofile.WriteOptions{Container: container})
	if err != nil {
		return err
	}
	defer albumW.Abort()
	var q *audio.Quantizer
	if outFmt.Type == audio.SampleInt {
		d := out.Dither
		if d == audio.DitherNone {
			d = audio.DitherTPDF
		}
		q = audio.NewQuantizer(res.Bits, channels, rate, d, 1)
	}

	// Readers of the mastered tracks, opened as the timeline reaches them.
	readers := make([]audio.Reader, n)
	files := make([]*os.File, n)
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	open := func(i int) error {
		f, err := os.Open(temps[i])
		if err != nil {
			return err
		}
		d, err := wav.NewDecoder(f)
		if err != nil {
			f.Close()
			return err
		}
		files[i], readers[i] = f, d
		return nil
	}

	needLimiter := false
	for i := 0; i < n-1; i++ {
		needLimiter = needLimiter || l.Overlap[i] > 0
	}
	spec2 := dsp.Spec{SampleRate: float64(rate), Channels: channels, MaxFrames: blockFrames}
	var lim dsp.Processor
	lat := 0
	if needLimiter {
		lp := dynamics.DefaultLimiterParams()
		lp.CeilingDBTP = ceiling
		lim = dynamics.NewLimiter(lp)
		if err := lim.Prepare(spec2); err != nil {
			return err
		}
		lat = lim.Latency()
	}

	// Per-track writers and meters, fed with the quantized album stream.
	trackW := make([]*audiofile.Writer, n)
	meters := make([]*loudness.Meter, n)
	albumMeter, err := loudness.New(loudness.Options{SampleRate: rate, Channels: channels, TruePeak: true, TruePeakFilter: verifyFilter()})
	if err != nil {
		return err
	}
	for i := range trackW {
		res.Tracks[i].Output = filepath.Join(out.Dir, trackFileName(i, spec.Tracks[i], ext))
		res.Tracks[i].StartS = float64(l.Start[i]) / float64(rate)
		end := l.Total
		if i+1 < n {
			end = l.Start[i+1]
		}
		res.Tracks[i].LengthS = float64(end-l.Start[i]) / float64(rate)
		w, err := audiofile.Create(res.Tracks[i].Output, outFmt, audiofile.WriteOptions{Container: container})
		if err != nil {
			return err
		}
		defer w.Abort()
		trackW[i] = w
		if meters[i], err = loudness.New(loudness.Options{SampleRate: rate, Channels: channels, TruePeak: true, TruePeakFilter: verifyFilter()}); err != nil {
			return err
		}
	}

	mix := audio.NewBuffer(channels, blockFrames)
	tmpb := audio.NewBuffer(channels, blockFrames)
	ints := make([]int32, blockFrames)
	hdr, thdr := make(audio.Buffer, channels), make(audio.Buffer, channels)
	var pos, written int64 // timeline position of mix[0], frames written
	total := l.Total + int64(lat)
	cur := 0 // current track for output slicing
	for pos < total {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := int(min(int64(blockFrames), total-pos))
		b := mix.Head(hdr, k)
		b.Zero()
		for i := 0; i < n; i++ {
			s, e := l.Start[i], l.Start[i]+l.Length[i]
			lo, hi := max(pos, s), min(pos+int64(k), e)
			if lo >= hi {
				continue
			}
			if readers[i] == nil {
				if err := open(i); err != nil {
					return err
				}
			}
			t := tmpb.Head(thdr, int(hi-lo))
			m, err := audio.ReadFull(readers[i], t)
			if err != nil && err != io.EOF {
				return err
			}
			for j := 0; j < m; j++ {
				f := lo + int64(j)
				g := 1.0
				if i > 0 && l.Overlap[i-1] > 0 && f < s+l.Overlap[i-1] {
					g = math.Sin(0.5 * math.Pi * (float64(f-s) + 0.5) / float64(l.Overlap[i-1]))
				}
				if ov := l.Overlap[i]; ov > 0 && f >= e-ov {
					g = math.Cos(0.5 * math.Pi * (float64(f-(e-ov)) + 0.5) / float64(ov))
				}
				for c := range b {
					b[c][f-pos+0] += float32(g) * t[c][j]
				}
			}
			if hi == e {
				files[i].Close()
				files[i], readers[i] = nil, nil
			}
		}
		if lim != nil {
			lim.Process(b)
		}
		// Drop the limiter's latency from the start.
		start := 0
		if drop := int64(lat) - pos; drop > 0 {
			start = int(min(drop, int64(k)))
		}
		out := b.Slice(thdr, start, k)
		if q != nil {
			for c := range out {
				vs := q.Quantize(ints[:out.Frames()], out[c], c)
				scale := math.Ldexp(1, -(res.Bits - 1))
				for j, v := range vs {
					out[c][j] = float32(float64(v) * scale)
				}
			}
		}
		if err := albumW.WriteFrames(out); err != nil {
			return err
		}
		albumMeter.Write(out)
		// Slice into track files at the index points.
		for off := 0; off < out.Frames(); {
			for cur+1 < n && written >= l.Start[cur+1] {
				cur++
			}
			end := l.Total
			if cur+1 < n {
				end = l.Start[cur+1]
			}
			m := int(min(int64(out.Frames()-off), end-written))
			piece := out.Slice(make(audio.Buffer, channels), off, off+m)
			if err := trackW[cur].WriteFrames(piece); err != nil {
				return err
			}
			meters[cur].Write(piece)
			off += m
			written += int64(m)
		}
		pos += int64(k)
		if progress != nil {
			progress("album", float64(pos)/float64(total))
		}
	}
	for _, w := range trackW {
		if err := w.Close(); err != nil {
			return err
		}
	}
	if err := albumW.Close(); err != nil {
		return err
	}
	for i, m := range meters {
		res.Tracks[i].LUFS, _ = m.Integrated()
		res.Tracks[i].LUFS = round2(res.Tracks[i].LUFS)
		res.Tracks[i].TruePeakDBTP = round3(peakDB(m, channels))
	}
	res.AlbumLUFS, _ = albumMeter.Integrated()
	res.AlbumLUFS = round2(res.AlbumLUFS)
	res.TruePeakDBTP = round3(peakDB(albumMeter, channels))
	res.CUEFile = strings.TrimSuffix(res.AlbumFile, ext) + ".cue"
	return atomicfile.Write(res.CUEFile, []byte(CUE(spec, l, rate, res.AlbumFile)))
}

func peakDB(m *loudness.Meter, channels int) float64 {
	p := 0.0
	for c := 0; c < channels; c++ {
		p = math.Max(p, m.TruePeak(c))
	}
	return 20 * math.Log10(p)
}

func albumChecks(r *AlbumResult, mode AlbumMode) []Check {
	var c []Check
	loudest := math.Inf(-1)
	for _, t := range r.Tracks {
		loudest = math.Max(loudest, t.LUFS)
		c = append(c, Check{fmt.Sprintf("%s: true peak under %.1f dBTP", t.Output, r.CeilingDBTP), t.TruePeakDBTP <= r.CeilingDBTP, fmt.Sprintf("%.2f dBTP", t.TruePeakDBTP)})
		if mode == ModeTrack {
			c = append(c, Check{fmt.Sprintf("%s: within 0.1 LU of %.1f LUFS", t.Output, r.TargetLUFS), math.Abs(t.Report.Loudness.ReachedLUFS-r.TargetLUFS) <= 0.1, fmt.Sprintf("%.2f LUFS mastered", t.Report.Loudness.ReachedLUFS)})
		} else {
			want := t.InputLUFS - (r.Tracks[0].InputLUFS - r.Tracks[0].TargetLUFS)
			c = append(c, Check{fmt.Sprintf("%s: keeps its place (%.1f LUFS)", t.Output, want), math.Abs(t.Report.Loudness.ReachedLUFS-want) <= 0.1, fmt.Sprintf("%.2f LUFS mastered", t.Report.Loudness.ReachedLUFS)})
		}
	}
	if mode == ModeAlbum {
		best := math.Inf(-1)
		for _, t := range r.Tracks {
			best = math.Max(best, t.Report.Loudness.ReachedLUFS)
		}
		c = append(c, Check{fmt.Sprintf("the loudest song is at %.1f LUFS", r.TargetLUFS), math.Abs(best-r.TargetLUFS) <= 0.1, fmt.Sprintf("%.2f LUFS", best)})
	}
	c = append(c, Check{"album true peak under the ceiling", r.TruePeakDBTP <= r.CeilingDBTP, fmt.Sprintf("%.2f dBTP", r.TruePeakDBTP)})
	return c
}
