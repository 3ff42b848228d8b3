// Package testutil holds helpers shared by mixdown's tests: locating the
// independent reference tools (ffmpeg, sox, flac, lame, libebur128) and
// writing scratch files.
package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// RequireEnv is the environment variable that turns a missing reference tool
// from a skipped test into a failed one. The project's test script sets it, so
// CI can never pass by silently skipping a cross-check.
const RequireEnv = "MIXDOWN_REQUIRE_TOOLS"

// Tool returns the path of an external program. If it is not installed the
// test is skipped, or failed when MIXDOWN_REQUIRE_TOOLS=1.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name)
	}
	return p
}

// Missing skips or fails the test (see RequireEnv) because what names is
// absent.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s is required (%s=1) but not installed; run scripts/setup.sh", what, RequireEnv)
	}
	t.Skipf("%s not installed", what)
}

// Run runs a command and fails the test with its combined output if it fails.
func Run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return out
}

// RepoRoot returns the module root (the directory holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("testutil: cannot locate source")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// SharedDir returns ../shared beside the repository (specs and data), failing
// the test if it is absent and MIXDOWN_REQUIRE_TOOLS=1, skipping otherwise.
func SharedDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join(RepoRoot(t), "..", "shared")
	if _, err := os.Stat(d); err != nil {
		Missing(t, "../shared")
	}
	return d
}
