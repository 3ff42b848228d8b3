package master

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/synth"
)

type nopCloser struct{ audio.Reader }

func (nopCloser) Close() error { return nil }

// peakHeap masters a generated programme of the given length and returns
// the largest heap in use seen while it ran (sampled every 20 ms).
func peakHeap(t *testing.T, minutes float64) uint64 {
	t.Helper()
	src := func() (audio.ReadCloser, error) { return nopCloser{synth.NewSong(44100, minutes*60, 5)}, nil }
	runtime.GC()
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				mu.Lock()
				peak = max(peak, ms.HeapInuse)
				mu.Unlock()
			}
		}
	}()
	tgt, _ := Preset("spotify")
	_, err := Master(context.Background(), src, nil, Output{TempDir: t.TempDir()}, DefaultOptions(tgt), nil)
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return peak
}

// TestMemoryBoundedByLookahead: mastering 4 minutes takes no more heap
// than mastering 1 minute (plus a small allowance for per-second
// statistics), so a 2-hour programme masters in bounded memory.
// bench/master.sh measures the process's peak RSS on a 2-hour file.
func TestMemoryBoundedByLookahead(t *testing.T) {
	if testing.Short() {
		t.Skip("masters 5 minutes of audio")
	}
	short := peakHeap(t, 1)
	long := peakHeap(t, 4)
	t.Logf("peak heap in use: 1 min %.1f MiB, 4 min %.1f MiB", float64(short)/(1<<20), float64(long)/(1<<20))
	if long > short+4<<20 {
		t.Errorf("heap grows with the programme: %.1f MiB for 1 min, %.1f MiB for 4 min", float64(short)/(1<<20), float64(long)/(1<<20))
	}
	if long > 64<<20 {
		t.Errorf("peak heap %.1f MiB (budget 64 MiB of the 128 MB process limit)", float64(long)/(1<<20))
	}
}
