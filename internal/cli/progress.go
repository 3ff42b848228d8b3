package cli

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// minProgressSeconds: shorter inputs finish before a bar is worth drawing.
const minProgressSeconds = 60

// progress reports frames processed on a bar on stderr, when enabled and
// the input is long enough. A nil *progress is valid and does nothing.
type progress struct{ bar *progressbar.ProgressBar }

func newProgress(env Env, w io.Writer, label string, frames int64, rate int) *progress {
	if !env.Progress || frames <= 0 || rate <= 0 || frames < int64(minProgressSeconds*rate) {
		return nil
	}
	bar := progressbar.NewOptions64(frames,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
	)
	return &progress{bar: bar}
}

func (p *progress) set(frames int64) {
	if p != nil {
		_ = p.bar.Set64(frames)
	}
}

func (p *progress) done() {
	if p != nil {
		_ = p.bar.Finish()
	}
}
