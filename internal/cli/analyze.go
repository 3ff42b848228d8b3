package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mixdown/mixdown/analysis"
	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/internal/atomicfile"
)

// AnalyzeSchema identifies the JSON document `mixdown analyze --json` writes.
const AnalyzeSchema = "mixdown.analyze/v1"

// AnalyzeDoc is the JSON document of `mixdown analyze --json`.
type AnalyzeDoc struct {
	Schema string        `json:"schema"`
	Files  []AnalyzeFile `json:"files"`
}

// AnalyzeFile is one file's entry: either Report or Error is set.
type AnalyzeFile struct {
	Path       string           `json:"path"`
	Codec      string           `json:"codec,omitempty"`
	SampleRate int              `json:"sample_rate_hz,omitempty"`
	Channels   int              `json:"channels,omitempty"`
	Layout     string           `json:"layout,omitempty"`
	SampleType string           `json:"sample_type,omitempty"`
	Bits       int              `json:"bits,omitempty"`
	SizeBytes  int64            `json:"size_bytes,omitempty"`
	Report     *analysis.Report `json:"report,omitempty"`
	Error      string           `json:"error,omitempty"`
}

type analyzeOpts struct {
	json   bool
	output string
}

func newAnalyzeCmd(env Env) *cobra.Command {
	var o analyzeOpts
	cmd := &cobra.Command{
		Use:   "analyze FILE...",
		Short: "Measure loudness (EBU R128 / BS.1770), spectrum, stereo image and defects",
		Long: `analyze streams each FILE ("-" for standard input) once and reports:
integrated loudness, loudness range, maximum momentary and short-term
loudness, sample and true peak, PLR; the 1/3-octave long-term spectrum;
crest factor; stereo correlation, side/mid ratio and mono-fold loudness drop;
and defects: DC offset, clipped runs, digital silence at head and tail, noise
floor, mains hum, real bit depth and bandwidth.

The JSON (--json) follows schema "` + AnalyzeSchema + `", documented in
analysis/SCHEMA.md. A file that cannot be analyzed gets an "error" entry and
the exit code is 3; the other files are still analyzed.`,
		Args: argsRange(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return analyze(cmd.Context(), env, args, o)
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "write JSON instead of tables")
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write the report to this file instead of standard output")
	return cmd
}

func analyze(ctx context.Context, env Env, paths []string, o analyzeOpts) error {
	doc := AnalyzeDoc{Schema: AnalyzeSchema}
	var text bytes.Buffer
	var firstErr error
	for i, p := range paths {
		entry, err := AnalyzeFileReport(ctx, env, p)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			entry.Error = err.Error()
			if firstErr == nil {
				firstErr = err
			}
			fmt.Fprintf(env.Stderr, "mixdown: %v\n", err)
		}
		doc.Files = append(doc.Files, entry)
		if !o.json && entry.Report != nil {
			if i > 0 {
				text.WriteString("\n")
			}
			fmt.Fprintf(&text, "== %s (%s, %s)\n", p, entry.Codec, describeFormat(entry))
			if err := entry.Report.WriteText(&text); err != nil {
				return err
			}
		}
	}
	var out []byte
	if o.json {
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		out = append(b, '\n')
	} else {
		out = text.Bytes()
	}
	if o.output != "" {
		if err := writeFileAtomic(o.output, out); err != nil {
			return outputError{err}
		}
	} else if _, err := env.Stdout.Write(out); err != nil {
		return outputError{err}
	}
	if firstErr != nil {
		// Already printed per file; return a summary carrying the kind.
		return reported{firstErr}
	}
	return nil
}

// reported is an error whose message was already printed.
type reported struct{ err error }

func (r reported) Error() string { return fmt.Sprintf("%v (and possibly other files)", r.err) }
func (r reported) Unwrap() error { return r.err }

func describeFormat(e AnalyzeFile) string {
	s := fmt.Sprintf("%d Hz, %d ch", e.SampleRate, e.Channels)
	switch e.SampleType {
	case "int":
		s += fmt.Sprintf(", %d-bit", e.Bits)
	case "float":
		s += fmt.Sprintf(", %d-bit float", e.Bits)
	}
	return s
}

// AnalyzeFileReport opens and analyzes one file.
func AnalyzeFileReport(ctx context.Context, env Env, path string) (AnalyzeFile, error) {
	entry := AnalyzeFile{Path: path}
	f, err := audiofile.Open(path)
	if err != nil {
		return entry, err
	}
	defer f.Close()
	info := f.Info()
	fm := info.Format
	entry.Codec, entry.SampleRate, entry.Channels = info.Codec, fm.SampleRate, fm.Channels
	entry.Layout, entry.SampleType, entry.Bits, entry.SizeBytes = fm.ChannelLayout().String(), fm.Type.String(), fm.Bits, max(info.Size, 0)
	// Decode ahead on another goroutine while the analyzer works.
	pf := audio.NewPrefetcher(f, 16384, 4)
	defer pf.Close()
	rep, err := AnalyzeStream(ctx, env, pf, filepath.Base(path), info.Frames)
	if err != nil {
		return entry, err
	}
	entry.Report = rep
	return entry, nil
}

// AnalyzeStream runs the analyzer over a stream.
func AnalyzeStream(ctx context.Context, env Env, r audio.Reader, label string, frames int64) (*analysis.Report, error) {
	fm := r.Format()
	a, err := analysis.New(analysis.Options{
		SampleRate:  fm.SampleRate,
		Channels:    fm.Channels,
		Layout:      fm.Layout,
		SourceBits:  sourceBits(fm),
		SourceFloat: fm.Type == audio.SampleFloat,
	})
	if err != nil {
		return nil, err
	}
	bar := newProgress(env, env.Stderr, label, frames, fm.SampleRate)
	buf := audio.NewBuffer(fm.Channels, 16384)
	hdr := make(audio.Buffer, len(buf))
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := r.ReadFrames(buf)
		if n > 0 {
			a.Write(buf.Head(hdr, n))
			total += int64(n)
			bar.set(total)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	bar.done()
	return a.Report(), nil
}

func sourceBits(f audio.Format) int {
	if f.Type == audio.SampleLossy {
		return 0
	}
	return f.Bits
}

// writeFileAtomic writes data to path through a temporary file and rename.
func writeFileAtomic(path string, data []byte) error { return atomicfile.Write(path, data) }

// writeJSON writes v as indented JSON to path, atomically; a failure to
// write is an outputError.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, append(b, '\n')); err != nil {
		return outputError{err}
	}
	return nil
}
