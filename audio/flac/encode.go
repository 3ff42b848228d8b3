package flac

import (
	"bufio"
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"io"

	mflac "github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
	"github.com/mewkiz/flac/meta"

	"github.com/mixdown/mixdown/audio"
)

// Options controls an Encoder.
type Options struct {
	// Dither is applied when quantizing float input to the output depth.
	// audio.DitherNone (the zero value) rounds to the nearest step, which is
	// exact for input already on the output grid (decoded 16-bit audio
	// re-encoded at 16 bits); use audio.DitherTPDF or audio.DitherShaped
	// when reducing word length.
	Dither audio.Dither
	// Seed makes the dither noise reproducible.
	Seed uint64
	// BlockSize is the number of frames per FLAC frame, 16 to 65535; 0 means
	// 4096 (the reference encoder's default at 44.1 and 48 kHz).
	BlockSize int
	// Level trades encoding time for size, 1 to 8 like the reference
	// encoder's -1 to -8; 0 means 5.
	//
	//	1, 2  fixed predictors only; Rice partition order up to 3 (1) or 4 (2)
	//	3     LPC up to order 6, partition order up to 4
	//	4     LPC up to order 8, partition order up to 4
	//	5     LPC up to order 8, partition order up to 5, the two most
	//	      promising orders costed exactly (the default, near flac -5)
	//	6     as 5 with partition order up to 6 and extra analysis windows
	//	      over each half of the block
	//	7     as 6 with LPC up to order 12, three orders costed per window
	//	8     as 7 with four orders costed per window, more windows (over
	//	      thirds of the block too), and the winning predictor
	//	      requantized at five other coefficient precisions (about 6
	//	      times slower than 5)
	//
	// Every level tries constant, verbatim and fixed predictors, escape codes,
	// and all four stereo modes (left/right, left/side, side/right,
	// mid/side) for two-channel input.
	Level int
}

// Encoder writes a FLAC stream. It implements audio.Writer.
type Encoder struct {
	w      io.WriteSeeker
	ew     *errWriter    // records the first error of w
	bw     *bufio.Writer // buffers mewkiz's small writes
	cw     *countWriter  // counts the bytes of each frame
	mw     *mflac.Encoder
	base   int64 // offset of the stream in w
	info   streamInfo
	header frame.Header
	q      *audio.Quantizer
	an     *analyzer

	buf   [][]int32 // one block of quantized samples per channel
	chans [][]int32 // scratch: the filled part of buf
	fill  int       // frames in buf
	mid   []int32   // stereo decorrelation scratch
	side  []int32

	plans   []plan
	subs    []*frame.Subframe
	md5     hash.Hash
	md5buf  []byte
	written uint64 // frames per channel encoded
	closed  bool
	err     error // sticky
}

// errWriter passes writes through and remembers the first error, so that it
// survives mewkiz's error wrapping (which drops the error chain).
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = err
	}
	return n, err
}

// countWriter counts bytes on their way to w.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Encoding limits.
const (
	maxChannels    = 8       // FLAC's channel assignments cover 1 to 8
	maxRate        = 1048575 // the 20-bit STREAMINFO field, Hz
	minBlockSize   = 16
	maxBlockSize   = 65535
	defaultBlockSz = 4096
)

// NewEncoder writes a FLAC header for format f to w at its current position
// and returns an Encoder for the audio. f.Bits must be 8, 12, 16, 20 or 24
// (the depths a FLAC frame header can name; f.Type is ignored, FLAC stores
// integers), f.Channels 1 to 8, and f.SampleRate at most 1048575 Hz. If
// f.Layout is set and differs from FLAC's default order for the channel count,
// it is recorded in a WAVEFORMATEXTENSIBLE_CHANNEL_MASK comment. w must stay
// seekable: Close rewrites the header.
func NewEncoder(w io.WriteSeeker, f audio.Format, opt Options) (*Encoder, error) {
	if err := validateEncode(f, &opt); err != nil {
		return nil, err
	}
	base, err := w.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("flac: output is not seekable: %w", err)
	}
	lv := &levels[opt.Level]
	e := &Encoder{
		w:    w,
		base: base,
		info: streamInfo{
			minBlock: opt.BlockSize, maxBlock: opt.BlockSize,
			rate: f.SampleRate, channels: f.Channels, bps: f.Bits,
		},
		q:     audio.NewQuantizer(f.Bits, f.Channels, f.SampleRate, opt.Dither, opt.Seed),
		an:    newAnalyzer(lv, opt.BlockSize),
		md5:   md5.New(),
		plans: make([]plan, max(4, f.Channels)),
	}
	e.ew = &errWriter{w: w}
	e.bw = bufio.NewWriterSize(e.ew, 64<<10)
	e.cw = &countWriter{w: e.bw}
	e.chans = make([][]int32, f.Channels)
	e.buf = make([][]int32, f.Channels)
	for c := range e.buf {
		e.buf[c] = make([]int32, opt.BlockSize)
	}
	if f.Channels == 2 {
		e.mid = make([]int32, opt.BlockSize)
		e.side = make([]int32, opt.BlockSize)
	}
	e.subs = make([]*frame.Subframe, f.Channels)
	for c := range e.subs {
		e.subs[c] = &frame.Subframe{SubHeader: frame.SubHeader{
			Coeffs:       make([]int32, 0, maxLPCOrder),
			RiceSubframe: &frame.RiceSubframe{Partitions: make([]frame.RicePartition, 0, 1<<maxPartOrder)},
		}}
	}
	e.header = frame.Header{
		HasFixedBlockSize: true,
		SampleRate:        headerRate(f.SampleRate),
		BitsPerSample:     uint8(f.Bits),
	}

	var blocks []*meta.Block
	if f.Layout != 0 && f.Layout != flacLayout(f.Channels) {
		blocks = append(blocks, &meta.Block{
			Header: meta.Header{Type: meta.TypeVorbisComment, Length: 1}, // mewkiz computes the real length
			Body: &meta.VorbisComment{
				Vendor: "mixdown",
				Tags:   [][2]string{{channelMaskTag, fmt.Sprintf("0x%04X", uint32(f.Layout))}},
			},
		})
	}
	// mewkiz writes the signature and a provisional STREAMINFO; Close
	// rewrites STREAMINFO with the final counts and signature.
	si := &meta.StreamInfo{
		BlockSizeMin: uint16(opt.BlockSize), BlockSizeMax: uint16(opt.BlockSize),
		SampleRate: uint32(f.SampleRate), NChannels: uint8(f.Channels), BitsPerSample: uint8(f.Bits),
	}
	e.mw, err = mflac.NewEncoder(e.cw, si, blocks...)
	if err != nil {
		return nil, e.writeError("writing the header", err)
	}
	e.mw.EnablePredictionAnalysis(false)
	return e, nil
}

// validateEncode checks f and normalizes opt.
func validateEncode(f audio.Format, opt *Options) error {
	switch f.Bits {
	case 8, 12, 16, 20, 24:
	default:
		return fmt.Errorf("flac: cannot encode %d-bit samples (supported: 8, 12, 16, 20, 24): %w", f.Bits, audio.ErrUnsupported)
	}
	if f.Channels < 1 || f.Channels > maxChannels {
		return fmt.Errorf("flac: cannot encode %d channels (supported: 1 to %d): %w", f.Channels, maxChannels, audio.ErrUnsupported)
	}
	if f.SampleRate < 1 || f.SampleRate > maxRate {
		return fmt.Errorf("flac: cannot encode a sample rate of %d Hz (supported: 1 to %d): %w", f.SampleRate, maxRate, audio.ErrUnsupported)
	}
	if f.Layout != 0 && f.Layout.Count() != f.Channels {
		return fmt.Errorf("flac: channel layout %s names %d channels, format has %d: %w", f.Layout, f.Layout.Count(), f.Channels, audio.ErrUnsupported)
	}
	if opt.BlockSize == 0 {
		opt.BlockSize = defaultBlockSz
	}
	if opt.BlockSize < minBlockSize || opt.BlockSize > maxBlockSize {
		return fmt.Errorf("flac: block size %d frames (supported: %d to %d): %w", opt.BlockSize, minBlockSize, maxBlockSize, audio.ErrUnsupported)
	}
	if opt.Level == 0 {
		opt.Level = defaultLevel
	}
	if opt.Level < 1 || opt.Level >= len(levels) {
		return fmt.Errorf("flac: compression level %d (supported: 0 to %d): %w", opt.Level, len(levels)-1, audio.ErrUnsupported)
	}
	return nil
}

// headerRate returns the sample rate to put in frame headers: the rate if a
// frame header can code it, else 0 ("see STREAMINFO").
func headerRate(r int) uint32 {
	switch {
	case r == 88200 || r == 176400 || r == 192000 || r == 8000 || r == 16000 || r == 22050 ||
		r == 24000 || r == 32000 || r == 44100 || r == 48000 || r == 96000:
	case r%1000 == 0 && r <= 255000:
	case r <= 65535:
	case r%10 == 0 && r <= 655350:
	default:
		return 0
	}
	return uint32(r)
}

// WriteFrames quantizes src (full scale ±1.0; louder samples clip) to the
// output depth and encodes every complete block. src must have the
// encoder's channel count; it panics otherwise.
func (e *Encoder) WriteFrames(src audio.Buffer) error {
	if len(src) != len(e.buf) {
		panic(fmt.Sprintf("flac: WriteFrames with %d channels to an encoder of %d", len(src), len(e.buf)))
	}
	if e.closed {
		return errors.New("flac: WriteFrames after Close")
	}
	if e.err != nil {
		return e.err
	}
	n := src.Frames()
	bs := len(e.buf[0])
	for off := 0; off < n; {
		k := min(bs-e.fill, n-off)
		for c, ch := range src {
			e.q.Quantize(e.buf[c][e.fill:e.fill+k], ch[off:off+k], c)
		}
		e.fill += k
		off += k
		if e.fill == bs {
			if err := e.encodeBlock(); err != nil {
				e.err = err
				return err
			}
		}
	}
	return nil
}

// Clipped returns how many samples so far were outside full scale and were
// clipped by quantization.
func (e *Encoder) Clipped() int64 { return e.q.Clipped() }

// encodeBlock encodes the e.fill frames in e.buf as one FLAC frame.
func (e *Encoder) encodeBlock() error {
	n := e.fill
	e.fill = 0
	nc := len(e.buf)
	chans := e.chans[:nc]
	for c := range chans {
		chans[c] = e.buf[c][:n]
	}
	e.hash(chans, n)

	bps := e.info.bps
	assign := frame.Channels(nc - 1) // independent channels
	if nc == 2 {
		assign = e.planStereo(chans, bps)
	} else {
		for c, x := range chans {
			e.an.analyze(x, bps, &e.plans[c])
		}
	}
	for c, sf := range e.subs {
		e.plans[c].fill(sf, chans[c])
	}

	f := &frame.Frame{Header: e.header, Subframes: e.subs}
	f.BlockSize = uint16(n)
	f.Channels = assign
	start := e.cw.n
	if err := e.mw.WriteFrame(f); err != nil {
		return e.writeError("writing a frame", err)
	}
	size := int(e.cw.n - start)
	if e.info.minFrame == 0 || size < e.info.minFrame {
		e.info.minFrame = size
	}
	e.info.maxFrame = max(e.info.maxFrame, size)
	e.written += uint64(n)
	return nil
}

// planStereo plans left, right, mid and side and returns the cheapest channel
// assignment, with its two plans in e.plans[0:2]. mewkiz's frame writer
// derives mid and side from left and right itself, using the same formulas.
func (e *Encoder) planStereo(chans [][]int32, bps int) frame.Channels {
	l, r := chans[0], chans[1]
	n := len(l)
	mid, side := e.mid[:n], e.side[:n]
	for i := range l {
		mid[i] = int32((int64(l[i]) + int64(r[i])) >> 1)
		side[i] = l[i] - r[i]
	}
	p := e.plans
	e.an.analyze(l, bps, &p[0])
	e.an.analyze(r, bps, &p[1])
	e.an.analyze(mid, bps, &p[2])
	e.an.analyze(side, bps+1, &p[3])
	lr := p[0].bits + p[1].bits
	ls := p[0].bits + p[3].bits
	sr := p[3].bits + p[1].bits
	ms := p[2].bits + p[3].bits
	switch min(lr, ls, sr, ms) {
	case lr:
		return frame.ChannelsLR
	case ls:
		p[1] = p[3]
		return frame.ChannelsLeftSide
	case sr:
		p[0] = p[3]
		return frame.ChannelsSideRight
	}
	p[0], p[1] = p[2], p[3]
	return frame.ChannelsMidSide
}

// fill sets up sf to code samples (the channel before any stereo
// decorrelation, which mewkiz applies) as planned.
func (p *plan) fill(sf *frame.Subframe, samples []int32) {
	sf.Samples = samples
	sf.NSamples = len(samples)
	sf.Pred = p.pred
	sf.Order = p.order
	sf.Wasted = uint(p.wasted)
	sf.CoeffPrec = uint(p.prec)
	sf.CoeffShift = int32(p.shift)
	sf.Coeffs = append(sf.Coeffs[:0], p.coeffs[:p.order]...)
	if p.pred != frame.PredFIR {
		sf.Coeffs = sf.Coeffs[:0]
	}
	sf.ResidualCodingMethod = p.method
	rs := sf.RiceSubframe
	rs.PartOrder = p.partOrder
	rs.Partitions = rs.Partitions[:0]
	for i := range 1 << p.partOrder {
		rs.Partitions = append(rs.Partitions, frame.RicePartition{
			Param: uint(p.params[i]), EscapedBitsPerSample: uint(p.escBits[i]),
		})
	}
}

// hash adds a block to the MD5 signature of the audio.
func (e *Encoder) hash(chans [][]int32, n int) {
	bytesPer := (e.info.bps + 7) / 8
	size := n * len(chans) * bytesPer
	if cap(e.md5buf) < size {
		e.md5buf = make([]byte, size)
	}
	e.md5.Write(packLE(e.md5buf[:size], chans, n, bytesPer))
}

// writeError wraps an error from mewkiz, preferring the output's own error
// (which mewkiz's wrapping hides from errors.Is).
func (e *Encoder) writeError(what string, err error) error {
	if e.ew.err != nil {
		return fmt.Errorf("flac: %s: %w", what, e.ew.err)
	}
	return fmt.Errorf("flac: %s: %v", what, err)
}

// Close encodes the last, partial block, then rewrites STREAMINFO with the
// total length, the MD5 signature of the audio and the minimum and maximum
// frame sizes, and leaves w positioned at the end of the stream. It does not
// close w. Calling Close again returns the first call's result.
func (e *Encoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err != nil {
		return e.err
	}
	e.err = e.finish()
	return e.err
}

func (e *Encoder) finish() error {
	if e.fill > 0 {
		if err := e.encodeBlock(); err != nil {
			return err
		}
	}
	if err := e.bw.Flush(); err != nil {
		return fmt.Errorf("flac: writing: %w", err)
	}
	e.info.total = e.written
	e.md5.Sum(e.info.md5[:0])
	end := e.base + e.cw.n
	body := appendStreamInfo(nil, &e.info)
	// STREAMINFO's body follows the signature and its block header.
	if _, err := e.w.Seek(e.base+int64(len(signature)+blockHeaderLen), io.SeekStart); err != nil {
		return fmt.Errorf("flac: seeking to rewrite STREAMINFO: %w", err)
	}
	if _, err := e.w.Write(body); err != nil {
		return fmt.Errorf("flac: rewriting STREAMINFO: %w", err)
	}
	if _, err := e.w.Seek(end, io.SeekStart); err != nil {
		return fmt.Errorf("flac: seeking to the end of the stream: %w", err)
	}
	return nil
}
