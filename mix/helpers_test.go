package mix

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/audio/audiofile"
	"github.com/mixdown/mixdown/mix/session"
)

// writeFloat writes b as a 32-bit float WAV (exact).
func writeFloat(t testing.TB, path string, b audio.Buffer, rate int) {
	t.Helper()
	writeAudio(t, path, b, audio.Format{SampleRate: rate, Channels: b.Channels(), Type: audio.SampleFloat, Bits: 32})
}

func writeAudio(t testing.TB, path string, b audio.Buffer, f audio.Format) {
	t.Helper()
	w, err := audiofile.Create(path, f, audiofile.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrames(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// memWriter collects frames in memory.
type memWriter struct{ b audio.Buffer }

func (m *memWriter) WriteFrames(src audio.Buffer) error {
	if m.b == nil {
		m.b = make(audio.Buffer, src.Channels())
	}
	for c := range src {
		m.b[c] = append(m.b[c], src[c]...)
	}
	return nil
}

func (m *memWriter) Close() error { return nil }

// parse writes yaml to dir/session.yaml and loads it.
func parse(t testing.TB, dir, yaml string) *session.Session {
	t.Helper()
	p := filepath.Join(dir, "session.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := session.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// render compiles and renders s, returning the master, the stems and the
// report.
func render(t testing.TB, s *session.Session, opt Options) (audio.Buffer, []audio.Buffer, *Report) {
	t.Helper()
	e, err := Compile(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var master memWriter
	stems := make([]audio.Writer, len(e.Stems()))
	mems := make([]*memWriter, len(stems))
	for i := range stems {
		mems[i] = &memWriter{}
		stems[i] = mems[i]
	}
	rep, err := e.Render(context.Background(), &master, stems, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]audio.Buffer, len(mems))
	for i, m := range mems {
		out[i] = m.b
	}
	if master.b == nil {
		master.b = audio.NewBuffer(e.Format().Channels, 0)
	}
	return master.b, out, rep
}

func loadSession(t testing.TB, path string) *session.Session {
	t.Helper()
	s, err := session.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
