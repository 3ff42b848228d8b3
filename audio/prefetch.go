package audio

import (
	"io"
	"sync"
)

// Prefetcher reads ahead from a Reader on its own goroutine, so that the
// work behind the source (decoding, resampling) overlaps with the caller's
// (analysis, encoding). The frames delivered are exactly the source's, in
// order, so results do not depend on scheduling. Memory is depth blocks of
// the given size. Close stops the goroutine; it must be called.
type Prefetcher struct {
	src    Reader
	full   chan block
	free   chan Buffer
	cur    block
	off    int
	done   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
	err    error
	format Format
}

type block struct {
	buf Buffer
	n   int
	err error
}

// NewPrefetcher starts reading src in blocks of frames frames, keeping up
// to depth blocks ready.
func NewPrefetcher(src Reader, frames, depth int) *Prefetcher {
	if frames <= 0 || depth <= 0 {
		panic("audio: NewPrefetcher with non-positive size")
	}
	p := &Prefetcher{
		src:    src,
		full:   make(chan block, depth),
		free:   make(chan Buffer, depth+1),
		done:   make(chan struct{}),
		format: src.Format(),
	}
	for i := 0; i < depth+1; i++ {
		p.free <- NewBuffer(p.format.Channels, frames)
	}
	p.wg.Add(1)
	go p.run()
	return p
}

func (p *Prefetcher) run() {
	defer p.wg.Done()
	defer close(p.full)
	for {
		var buf Buffer
		select {
		case buf = <-p.free:
		case <-p.done:
			return
		}
		n, err := ReadFull(p.src, buf)
		select {
		case p.full <- block{buf, n, err}:
		case <-p.done:
			return
		}
		if err != nil || n < buf.Frames() {
			return
		}
	}
}

// Format returns the source's format.
func (p *Prefetcher) Format() Format { return p.format }

// Length passes through the source's declared length, if it has one.
func (p *Prefetcher) Length() int64 {
	if l, ok := p.src.(Lengther); ok {
		return l.Length()
	}
	return -1
}

// ReadFrames copies prefetched frames into dst.
func (p *Prefetcher) ReadFrames(dst Buffer) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	for p.cur.buf == nil || p.off == p.cur.n {
		if p.cur.buf != nil {
			if p.cur.err != nil || p.cur.n < p.cur.buf.Frames() {
				p.err = p.cur.err
				if p.err == nil {
					p.err = io.EOF
				}
				return 0, p.err
			}
			p.free <- p.cur.buf
		}
		b, ok := <-p.full
		if !ok {
			p.err = io.EOF
			return 0, io.EOF
		}
		p.cur, p.off = b, 0
	}
	n := min(dst.Frames(), p.cur.n-p.off)
	for c := range dst {
		copy(dst[c][:n], p.cur.buf[c][p.off:p.off+n])
	}
	p.off += n
	return n, nil
}

// Close stops reading ahead and waits for the goroutine to finish. It does
// not close the source.
func (p *Prefetcher) Close() error {
	p.once.Do(func() { close(p.done) })
	p.wg.Wait()
	return nil
}
