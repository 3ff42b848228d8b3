// Package cli implements the mixdown command line. cmd/mixdown is a thin
// main that calls Main; keeping the commands here lets tests run them
// in-process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mixdown/mixdown/audio"
)

// Exit codes. They are part of the command-line contract (README.md).
const (
	ExitOK          = 0   // success
	ExitFailure     = 1   // an unexpected failure (a bug, or an environment problem)
	ExitUsage       = 2   // bad arguments or flags
	ExitBadInput    = 3   // an input is missing, unreadable, not audio, unsupported, corrupt or truncated
	ExitOutput      = 4   // an output could not be written
	ExitInterrupted = 130 // stopped by SIGINT/SIGTERM; partial outputs were removed
)

// Version is set at build time with -ldflags "-X github.com/mixdown/mixdown/internal/cli.Version=...".
var Version = "0.1.0-dev"

// usageError marks errors in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// outputError marks failures to write results.
type outputError struct{ err error }

func (e outputError) Error() string { return e.err.Error() }
func (e outputError) Unwrap() error { return e.err }

// ExitCode maps an error to the documented exit codes.
func ExitCode(err error) int {
	var ue usageError
	var oe outputError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, &oe):
		return ExitOutput
	case errors.Is(err, audio.ErrNotAudio), errors.Is(err, audio.ErrUnsupported),
		errors.Is(err, audio.ErrCorrupt), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return ExitBadInput
	}
	return ExitFailure
}

// Env is what a command sees of the outside world.
type Env struct {
	Stdout, Stderr io.Writer
	// Progress enables progress bars (stderr is a terminal).
	Progress bool
}

// Main runs the command line with args (without the program name) and
// returns the exit code.
func Main(args []string) int {
	// mixdown reports through its own errors and never through the standard
	// logger; github.com/mewkiz/flac logs a request for sample files on every
	// frame of a 24 or 176.4 kHz FLAC stream, which would flood stderr.
	log.SetOutput(io.Discard)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := Env{Stdout: os.Stdout, Stderr: os.Stderr, Progress: isTerminal(os.Stderr)}
	// MIXDOWN_CPUPROFILE names a file for a CPU profile of the run (for
	// `go tool pprof`; see bench/README.md).
	if path := os.Getenv("MIXDOWN_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(env.Stderr, "mixdown: MIXDOWN_CPUPROFILE: %v\n", err)
			return ExitUsage
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(env.Stderr, "mixdown: MIXDOWN_CPUPROFILE: %v\n", err)
			return ExitUsage
		}
		defer pprof.StopCPUProfile()
	}
	return Run(ctx, env, args)
}

// Run executes one command line in env.
func Run(ctx context.Context, env Env, args []string) int {
	root := newRoot(env)
	root.SetArgs(args)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		code := ExitCode(err)
		if code == ExitUsage {
			fmt.Fprintf(env.Stderr, "mixdown: %v\nRun 'mixdown --help' for usage.\n", err)
		} else {
			fmt.Fprintf(env.Stderr, "mixdown: %v\n", err)
		}
		return code
	}
	return ExitOK
}

func newRoot(env Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "mixdown",
		Short: "Automatic, explainable mixing and mastering",
		Long: `mixdown analyzes, converts, mixes and masters audio.

Exit codes:
  0    success
  1    unexpected failure
  2    bad arguments or flags
  3    an input is missing, unreadable, not audio, unsupported, corrupt or truncated
  4    an output could not be written
  130  interrupted (partial outputs are removed)`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newAnalyzeCmd(env), newConvertCmd(env), newGenerateCmd(env), newMixCmd(env), newCurveCmd(env), newMasterCmd(env), newAlbumCmd(env), newDemoCmd(env), newVersionCmd(env))
	return root
}

// exactArgs is cobra.ExactArgs returning a usage error.
func argsRange(lo, hi int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || (hi >= 0 && len(args) > hi) {
			switch {
			case lo == hi:
				return usagef("%s takes %d argument(s), got %d", cmd.Name(), lo, len(args))
			case hi < 0:
				return usagef("%s takes at least %d argument(s), got %d", cmd.Name(), lo, len(args))
			}
			return usagef("%s takes %d to %d arguments, got %d", cmd.Name(), lo, hi, len(args))
		}
		return nil
	}
}

func newVersionCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  argsRange(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(env.Stdout, "mixdown %s\n", Version)
			return err
		},
	}
}
