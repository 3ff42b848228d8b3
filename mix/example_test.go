package mix

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mixdown/mixdown/audio"

	"go.yaml.in/yaml/v3"

	"github.com/mixdown/mixdown/mix/session"
)

// exampleAsJSON returns example.yaml decoded as JSON would decode it.
func exampleAsJSON(t *testing.T) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(Example, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExampleParses(t *testing.T) {
	s, err := session.Parse("example.yaml", Example)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tracks) == 0 || len(s.Buses) == 0 {
		t.Fatal("example has no tracks or buses")
	}
	// It survives a round trip through Marshal.
	data, err := session.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := session.Parse("marshalled", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if !session.Equal(s, back) {
		t.Fatalf("round trip changed the session:\n%s", data)
	}
}

// ExampleRenderFile writes the demo song (stems and session) and renders
// it to a 24-bit WAV file.
func ExampleRenderFile() {
	dir, err := os.MkdirTemp("", "mixdown-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	sessionPath, err := WriteDemo(dir, 6)
	if err != nil {
		panic(err)
	}
	rep, err := RenderFile(context.Background(), sessionPath, filepath.Join(dir, "mix.wav"), FileOptions{
		Type: audio.SampleInt, Bits: 24, Dither: audio.DitherTPDF,
	})
	if err != nil {
		panic(err)
	}
	// The render runs on after the 6 s of the stems while the reverb and
	// the echo ring out.
	fmt.Printf("%d tracks, %d buses; longer than the stems: %v; master at most -0.9 dBTP: %v; warnings: %d\n",
		len(rep.Tracks), len(rep.Buses), rep.Seconds > 6, float64(rep.Master.TruePeakDBTP) <= -0.9, len(rep.Warnings))
	// Output: 6 tracks, 4 buses; longer than the stems: true; master at most -0.9 dBTP: true; warnings: 0
}
