package mix

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/mix/session"
)

// FileOptions control RenderFile. The zero value renders the master only,
// as 32-bit float, on every CPU.
type FileOptions struct {
	// Options are the engine's (block size, workers, track true peak).
	// Options.Stems is ignored: StemDir and StemTracks decide the stems.
	Options
	// Type and Bits are the sample format of the output and stem files
	// (audio.SampleInt with 16, 24 or 32 bits, or audio.SampleFloat with
	// 32 or 64). Bits 0 means 32-bit float, which keeps the mix's headroom
	// above full scale for a mastering stage.
	Type audio.SampleType
	Bits int
	// Container of the files (audiofile.WAV, FLAC or AIFF); "" picks it
	// from the output's extension.
	Container audiofile.Container
	// Dither for integer output (ignored for float), and its seed: the
	// master uses Seed, stem i Seed+i+1, so every file is reproducible.
	Dither audio.Dither
	Seed   uint64
	// StemDir, when set, receives every bus as its own file (named
	// "bus-NAME"), after its fader and pan, sample-aligned with the master;
	// with StemTracks every track as well ("track-NAME").
	StemDir    string
	StemTracks bool
	// Progress, if non-nil, is called after every block written.
	Progress func(Progress)
}

// Progress reports how far a render has come.
type Progress struct {
	// Frames is the number of output frames written so far.
	Frames int64
	// TotalFrames is the expected length in frames: the end of the
	// sources, or length_s; -1 while unknown. The tail after the sources
	// is decided while rendering, so Frames may pass it.
	TotalFrames int64
	// SampleRate of the render in Hz.
	SampleRate int
}

// RenderFile loads the session file at sessionPath, renders it to
// outPath (and the stems to opt.StemDir) and returns the report, with a
// warning for every file whose samples exceeded full scale and were
// clipped when written as integers.
//
// Errors: an invalid session (syntax, values, routing, missing or
// unreadable sources) wraps session.ErrInvalid and names the file and
// line; a file that cannot be created or written is a *WriteError. No
// output file is left behind when the render fails.
func RenderFile(ctx context.Context, sessionPath, outPath string, opt FileOptions) (*Report, error) {
	if opt.Bits == 0 {
		opt.Type, opt.Bits = audio.SampleFloat, 32
	}
	if opt.Type != audio.SampleInt {
		opt.Dither = audio.DitherNone
	}
	container := opt.Container
	if container == "" {
		c, err := audiofile.ContainerFor(outPath)
		if err != nil {
			return nil, &WriteError{Target: "master", Err: err}
		}
		container = c
	}
	s, err := session.Load(sessionPath)
	if err != nil {
		return nil, err
	}
	eopt := opt.Options
	eopt.Stems = NoStems
	if opt.StemDir != "" {
		eopt.Stems = BusStems
		if opt.StemTracks {
			eopt.Stems = AllStems
		}
	}
	eng, err := Compile(s, eopt)
	if err != nil {
		return nil, err
	}
	defer eng.Close()

	outFmt := eng.Format()
	outFmt.Type, outFmt.Bits = opt.Type, opt.Bits
	wopt := audiofile.WriteOptions{Container: container, Dither: opt.Dither, Seed: opt.Seed}
	w, err := audiofile.Create(outPath, outFmt, wopt)
	if err != nil {
		return nil, &WriteError{Target: "master", Err: err}
	}
	defer w.Abort() // removes the temporary file unless Close succeeded

	stemInfo := eng.Stems()
	var stemFiles []*audiofile.Writer
	var stemPaths []string
	var stems []audio.Writer
	if opt.StemDir != "" {
		if err := os.MkdirAll(opt.StemDir, 0o755); err != nil {
			return nil, &WriteError{Target: "stems", Err: err}
		}
		ext := "." + string(container)
		for i, st := range stemInfo {
			sf := st.Format
			sf.Type, sf.Bits = opt.Type, opt.Bits
			sopt := wopt
			sopt.Seed = opt.Seed + uint64(i) + 1
			path := filepath.Join(opt.StemDir, st.FileName+ext)
			sw, err := audiofile.Create(path, sf, sopt)
			if err != nil {
				return nil, &WriteError{Target: st.Name, Err: err}
			}
			defer sw.Abort()
			stemFiles = append(stemFiles, sw)
			stemPaths = append(stemPaths, path)
			stems = append(stems, sw)
		}
	}

	var progress func(int64)
	if opt.Progress != nil {
		total, rate := eng.EstimatedFrames(), eng.Format().SampleRate
		progress = func(n int64) { opt.Progress(Progress{Frames: n, TotalFrames: total, SampleRate: rate}) }
	}
	rep, err := eng.Render(ctx, w, stems, progress)
	if err != nil {
		return nil, err
	}
	// The stems are committed first and the master last, so that a failed
	// close removes every file already in place and the deferred Aborts
	// the rest.
	var committed []string
	removeCommitted := func() {
		for _, p := range committed {
			os.Remove(p)
		}
	}
	for i, sw := range stemFiles {
		if err := sw.Close(); err != nil {
			removeCommitted()
			return nil, &WriteError{Target: stemInfo[i].Name, Err: err}
		}
		committed = append(committed, stemPaths[i])
	}
	if err := w.Close(); err != nil {
		removeCommitted()
		return nil, &WriteError{Target: "master", Err: err}
	}
	if n := w.Clipped(); n > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: %d samples exceeded full scale and were clipped", outPath, n))
	}
	for i, sw := range stemFiles {
		if n := sw.Clipped(); n > 0 {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("stem %s: %d samples exceeded full scale and were clipped", stemInfo[i].Name, n))
		}
	}
	return rep, nil
}

// IsWriteError reports whether err is a failure to create or write an
// output file (as opposed to a problem with the session or its sources).
func IsWriteError(err error) bool {
	var we *WriteError
	return errors.As(err, &we)
}
