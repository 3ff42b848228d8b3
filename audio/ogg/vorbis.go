package ogg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/mixdown/mixdown/audio"
)

// vorbisInfo is what mixdown needs from the three Vorbis header packets.
type vorbisInfo struct {
	channels   int
	sampleRate int
	blocksize  [2]int // short and long block sizes in samples
	modeLong   []bool // per mode: whether it uses the long block
	modeBits   uint   // bits of the mode number at the start of an audio packet
	libBytes   int64  // estimated memory the decoder library allocates for the setup
	entries    int    // codebook entries, all codebooks
	codebooks  int    // number of codebooks
}

// Limits on what a setup header may make the decoder library allocate. Real
// encoders stay far below them (libvorbis at its highest quality uses under
// 30 000 codebook entries and well under a megabyte in all).
const (
	maxBookEntries = 1 << 16  // entries in one codebook
	maxLibBytes    = 32 << 20 // estimated library allocation for the setup, bytes
)

// parseIdent checks a Vorbis identification header packet.
func parseIdent(p []byte) (vorbisInfo, error) {
	var v vorbisInfo
	if len(p) < 30 || string(p[:7]) != "\x01vorbis" {
		return v, fmt.Errorf("ogg: the first packet of the Vorbis stream is not an identification header: %w", audio.ErrCorrupt)
	}
	le := binary.LittleEndian
	if ver := le.Uint32(p[7:]); ver != 0 {
		return v, fmt.Errorf("ogg: Vorbis version %d: %w", ver, audio.ErrUnsupported)
	}
	v.channels = int(p[11])
	rate := le.Uint32(p[12:])
	e0, e1 := p[28]&0xF, p[28]>>4
	switch {
	case v.channels == 0:
		return v, fmt.Errorf("ogg: Vorbis header gives 0 channels: %w", audio.ErrCorrupt)
	case rate == 0:
		return v, fmt.Errorf("ogg: Vorbis header gives a sample rate of 0: %w", audio.ErrCorrupt)
	case e0 < 6 || e1 > 13 || e0 > e1:
		return v, fmt.Errorf("ogg: Vorbis block sizes 2^%d and 2^%d (allowed: 64 to 8192, short <= long): %w", e0, e1, audio.ErrCorrupt)
	case p[29]&1 == 0:
		return v, fmt.Errorf("ogg: Vorbis identification header lacks its framing bit: %w", audio.ErrCorrupt)
	}
	if rate > math.MaxInt32 {
		rate = math.MaxInt32
	}
	v.sampleRate = int(rate)
	v.blocksize = [2]int{1 << e0, 1 << e1}
	if err := (audio.Format{SampleRate: v.sampleRate, Channels: v.channels}).Validate(); err != nil {
		return v, fmt.Errorf("ogg: Vorbis stream: %w", err)
	}
	return v, nil
}

// bitReader reads Vorbis bit fields: least significant bit first.
type bitReader struct {
	p   []byte
	pos int // in bits
}

var errEnd = errors.New("header ends early")

func (r *bitReader) read(n uint) (uint32, error) {
	if r.pos+int(n) > len(r.p)*8 {
		return 0, errEnd
	}
	var v uint32
	for i := uint(0); i < n; i++ {
		b := r.p[r.pos>>3] >> (r.pos & 7) & 1
		v |= uint32(b) << i
		r.pos++
	}
	return v, nil
}

func (r *bitReader) left() int { return len(r.p)*8 - r.pos }

// ilog is the number of bits needed to represent x (0 for x <= 0).
func ilog(x int) uint {
	if x <= 0 {
		return 0
	}
	return uint(bits.Len(uint(x)))
}

// setupError is a malformed setup header.
func setupError(format string, args ...any) error {
	return fmt.Errorf("ogg: Vorbis setup header: "+format+": %w", append(args, audio.ErrCorrupt)...)
}

// parseSetup walks the setup header exactly as the decoder library will, and
// rejects anything that would make it panic, loop or allocate without bound:
// codebooks that cannot decode (incomplete or overfull Huffman trees, no
// codewords, zero dimensions), sizes beyond the limits above, and references
// to codebooks, floors, residues, mappings or channels that do not exist. It
// records the block flag of each mode in v and returns the packet to give the
// library, which differs from p only where the library departs from the
// specification:
//   - it reads a class configuration for type-1 floors without partitions,
//     so an unused one (13 zero bits: dimension 1, no subclasses, no book) is
//     inserted there;
//   - it loops forever building a codebook whose entries are all unused
//     (legal, and written by libvorbis for residue books a stream never
//     needs), so such a book is given two 1-bit codewords instead: a
//     complete code the library can build, never read by a valid stream.
func parseSetup(p []byte, v *vorbisInfo) (lib []byte, err error) {
	var edits []bitEdit
	if err := checkSetup(p, v, &edits); err != nil {
		return nil, err
	}
	if len(edits) == 0 {
		return p, nil
	}
	return append([]byte("\x05vorbis"), applyBitEdits(p[7:], edits)...), nil
}

// bitEdit changes the LSB-first bit string at bit position At: Insert zero
// bits go in before it, then the bit itself is copied, forced to 1 if Set.
type bitEdit struct {
	At     int
	Insert int
	Set    bool
}

// applyBitEdits returns an edited copy of b; edits are in ascending At order.
func applyBitEdits(b []byte, edits []bitEdit) []byte {
	extra := 0
	for _, e := range edits {
		extra += e.Insert
	}
	out := make([]byte, len(b)+(extra+7)/8)
	o := 0
	for i := 0; i < len(b)*8; i++ {
		set := false
		for len(edits) > 0 && edits[0].At == i {
			o += edits[0].Insert
			set = set || edits[0].Set
			edits = edits[1:]
		}
		if set || b[i>>3]>>(i&7)&1 == 1 {
			out[o>>3] |= 1 << (o & 7)
		}
		o++
	}
	return out
}

// checkSetup does the work of parseSetup; edits receives the changes (bit
// positions after the 7-byte packet prefix) the library's copy needs.
func checkSetup(p []byte, v *vorbisInfo, edits *[]bitEdit) (err error) {
	if len(p) < 7 || string(p[:7]) != "\x05vorbis" {
		return fmt.Errorf("ogg: the third packet of the Vorbis stream is not a setup header: %w", audio.ErrCorrupt)
	}
	r := &bitReader{p: p[7:]}
	// Every read below goes through get; the first failure is kept and
	// reported, and later reads return 0.
	var rerr error
	get := func(n uint) int {
		if rerr != nil {
			return 0
		}
		x, e := r.read(n)
		rerr = e
		return int(x)
	}
	defer func() {
		if err == nil && rerr != nil {
			err = setupError("%v", rerr)
		}
	}()

	nbooks := get(8) + 1
	v.codebooks = nbooks
	hasLookup := make([]bool, nbooks)
	for b := 0; b < nbooks && rerr == nil; b++ {
		lk, err := parseCodebook(r, get, &rerr, v, b, edits)
		if err != nil {
			return err
		}
		hasLookup[b] = lk
	}
	if rerr != nil {
		return nil
	}
	book := func(what string, b int, needLookup bool) error {
		if b >= nbooks {
			return setupError("%s uses codebook %d of %d", what, b, nbooks)
		}
		if needLookup && !hasLookup[b] {
			return setupError("%s uses codebook %d, which has no value table", what, b)
		}
		return nil
	}

	for i, n := 0, get(6)+1; i < n; i++ {
		if get(16) != 0 {
			return setupError("time-domain transform type is not 0")
		}
	}

	nfloors := get(6) + 1
	for i := 0; i < nfloors && rerr == nil; i++ {
		switch typ := get(16); typ {
		case 0:
			order, rate, bark := get(8), get(16), get(16)
			get(6) // amplitude bits
			get(8) // amplitude offset
			if rerr == nil && (order < 1 || rate < 1 || bark < 1) {
				return setupError("floor %d (type 0) has order %d, rate %d, bark map size %d", i, order, rate, bark)
			}
			for j, nb := 0, get(4)+1; j < nb && rerr == nil; j++ {
				if err := book(fmt.Sprintf("floor %d", i), get(8), true); err != nil {
					return err
				}
			}
		case 1:
			if err := parseFloor1(r, get, &rerr, i, book, edits); err != nil {
				return err
			}
		default:
			if rerr == nil {
				return setupError("floor %d has type %d", i, typ)
			}
		}
	}

	nres := get(6) + 1
	for i := 0; i < nres && rerr == nil; i++ {
		if typ := get(16); typ > 2 {
			return setupError("residue %d has type %d", i, typ)
		}
		get(24) // begin
		get(24) // end
		get(24) // partition size - 1
		classes := get(6) + 1
		if err := book(fmt.Sprintf("residue %d classbook", i), get(8), false); err != nil && rerr == nil {
			return err
		}
		cascade := make([]int, classes)
		for c := range cascade {
			cascade[c] = get(3)
			if get(1) == 1 {
				cascade[c] |= get(5) << 3
			}
		}
		for c := range cascade {
			for j := 0; j < 8; j++ {
				if cascade[c]>>j&1 == 1 {
					if err := book(fmt.Sprintf("residue %d", i), get(8), true); err != nil && rerr == nil {
						return err
					}
				}
			}
		}
	}

	nmaps := get(6) + 1
	for i := 0; i < nmaps && rerr == nil; i++ {
		if get(16) != 0 {
			return setupError("mapping %d has a type other than 0", i)
		}
		submaps := 1
		if get(1) == 1 {
			submaps = get(4) + 1
		}
		if get(1) == 1 {
			cb := ilog(v.channels - 1)
			for j, steps := 0, get(8)+1; j < steps && rerr == nil; j++ {
				mag, ang := get(cb), get(cb)
				if rerr == nil && (mag == ang || mag >= v.channels || ang >= v.channels) {
					return setupError("mapping %d couples channels %d and %d of %d", i, mag, ang, v.channels)
				}
			}
		}
		if get(2) != 0 && rerr == nil {
			return setupError("mapping %d has non-zero reserved bits", i)
		}
		if submaps > 1 {
			for c := 0; c < v.channels; c++ {
				if m := get(4); m >= submaps && rerr == nil {
					return setupError("mapping %d sends channel %d to submap %d of %d", i, c, m, submaps)
				}
			}
		}
		for j := 0; j < submaps; j++ {
			get(8) // unused time configuration
			fl, rs := get(8), get(8)
			if rerr == nil && (fl >= nfloors || rs >= nres) {
				return setupError("mapping %d uses floor %d of %d and residue %d of %d", i, fl, nfloors, rs, nres)
			}
		}
	}

	nmodes := get(6) + 1
	v.modeLong = make([]bool, 0, nmodes)
	for i := 0; i < nmodes && rerr == nil; i++ {
		long := get(1) == 1
		if window, transform := get(16), get(16); (window != 0 || transform != 0) && rerr == nil {
			return setupError("mode %d has window type %d and transform type %d (both must be 0)", i, window, transform)
		}
		if m := get(8); m >= nmaps && rerr == nil {
			return setupError("mode %d uses mapping %d of %d", i, m, nmaps)
		}
		v.modeLong = append(v.modeLong, long)
	}
	v.modeBits = ilog(nmodes - 1)
	if get(1) != 1 && rerr == nil {
		return setupError("framing bit is not set")
	}
	// Decoder state: overlap, window, transform and per-channel buffers.
	v.libBytes += int64(v.channels) * int64(v.blocksize[1]) * 4 * 4
	if v.libBytes > maxLibBytes {
		return fmt.Errorf("ogg: Vorbis setup header needs about %d MiB of decoder tables (limit %d MiB): %w",
			v.libBytes>>20, maxLibBytes>>20, audio.ErrUnsupported)
	}
	return nil
}

// parseCodebook reads codebook b and reports whether it has a value table
// (lookup type 1 or 2). It checks that the codeword lengths form a complete
// prefix code (or a single codeword), as the library's tree walk needs.
func parseCodebook(r *bitReader, get func(uint) int, rerr *error, v *vorbisInfo, b int, edits *[]bitEdit) (bool, error) {
	if get(24) != 0x564342 {
		if *rerr != nil {
			return false, nil
		}
		return false, setupError("codebook %d lacks its sync pattern", b)
	}
	dims, entries := get(16), get(24)
	if *rerr != nil {
		return false, nil
	}
	switch {
	case dims == 0 || entries == 0:
		return false, setupError("codebook %d has %d dimensions and %d entries", b, dims, entries)
	case entries > maxBookEntries:
		return false, fmt.Errorf("ogg: Vorbis codebook %d has %d entries (limit %d): %w", b, entries, maxBookEntries, audio.ErrUnsupported)
	}
	// Kraft sum of the codeword lengths, in units of 2^-32.
	var kraft uint64
	used, onlyLen := 0, 0
	add := func(length int) {
		kraft += 1 << (32 - length)
		used++
		onlyLen = length
	}
	if get(1) == 0 { // not ordered
		sparse := get(1) == 1
		if need := entries * map[bool]int{false: 5, true: 1}[sparse]; r.left() < need {
			return false, setupError("codebook %d claims %d entries, more than the header holds", b, entries)
		}
		var flagAt [2]int
		for i := 0; i < entries && *rerr == nil; i++ {
			if sparse && i < 2 {
				flagAt[i] = r.pos
			}
			if !sparse || get(1) == 1 {
				add(get(5) + 1)
			}
		}
		if sparse && used == 0 && entries >= 2 && *rerr == nil {
			// Every entry unused: give the library two 1-bit codewords
			// (flag set, then a 5-bit length of 0) for entries 0 and 1.
			*edits = append(*edits, bitEdit{At: flagAt[0], Set: true}, bitEdit{At: flagAt[1], Insert: 5, Set: true}, bitEdit{At: flagAt[1] + 1, Insert: 5})
			used, kraft = 2, 1<<32
		}
	} else {
		length := get(5) + 1
		for cur := 0; cur < entries && *rerr == nil; length++ {
			if length > 32 {
				return false, setupError("codebook %d has codewords longer than 32 bits", b)
			}
			num := get(ilog(entries - cur))
			if cur+num > entries {
				return false, setupError("codebook %d assigns lengths to %d entries of %d", b, cur+num, entries)
			}
			for k := 0; k < num; k++ {
				add(length)
			}
			cur += num
		}
	}
	if *rerr != nil {
		return false, nil
	}
	switch {
	case used == 0:
		return false, setupError("codebook %d has no codewords", b)
	case used == 1 && entries == 1:
		// The library sizes its tree as 2*entries-2 nodes and cannot hold a
		// one-entry codebook.
		return false, fmt.Errorf("ogg: Vorbis codebook %d has a single entry: %w", b, audio.ErrUnsupported)
	case used == 1 && onlyLen > entries-1:
		// A lone codeword is legal, but the library's tree (2*entries-2
		// nodes) only has room for one of length up to entries-1.
		return false, fmt.Errorf("ogg: Vorbis codebook %d has a single codeword of %d bits in %d entries: %w",
			b, onlyLen, entries, audio.ErrUnsupported)
	case used == 1:
	case kraft != 1<<32:
		return false, setupError("codebook %d has an incomplete or overfull Huffman code", b)
	}
	v.entries += entries
	v.libBytes += int64(entries) * 9 // tree nodes and length table

	lookup := get(4)
	switch lookup {
	case 0:
		return false, nil
	case 1, 2:
	default:
		if *rerr != nil {
			return false, nil
		}
		return false, setupError("codebook %d has lookup type %d", b, lookup)
	}
	get(32) // minimum value
	get(32) // delta value
	valueBits := get(4) + 1
	get(1) // sequence flag
	var values int
	if lookup == 1 {
		values = lookup1Values(entries, dims)
		// The library computes this with floating point; if it would get a
		// different count it would read the rest of the header misaligned.
		if lib := int(math.Floor(math.Pow(float64(entries), 1/float64(dims)))); lib != values {
			return false, fmt.Errorf("ogg: Vorbis codebook %d: value count %d is computed as %d by the decoder library: %w",
				b, values, lib, audio.ErrUnsupported)
		}
	} else {
		values = entries * dims
	}
	if int64(values)*int64(valueBits) > int64(r.left()) {
		return false, setupError("codebook %d claims %d values, more than the header holds", b, values)
	}
	r.pos += values * valueBits
	v.libBytes += int64(values)*4 + int64(entries)*int64(dims)*4
	if v.libBytes > maxLibBytes {
		return false, fmt.Errorf("ogg: Vorbis codebooks need more than %d MiB of decoder tables: %w", maxLibBytes>>20, audio.ErrUnsupported)
	}
	return true, nil
}

// lookup1Values is the largest r with r^dims <= entries.
func lookup1Values(entries, dims int) int {
	if dims == 1 {
		return entries
	}
	r := int(math.Floor(math.Pow(float64(entries), 1/float64(dims))))
	pow := func(x int) (int, bool) { // x^dims, and whether it stayed <= entries
		p := 1
		for i := 0; i < dims; i++ {
			p *= x
			if p > entries {
				return p, false
			}
		}
		return p, true
	}
	for r > 0 {
		if _, ok := pow(r); ok {
			break
		}
		r--
	}
	for {
		if _, ok := pow(r + 1); !ok {
			return r
		}
		r++
	}
}

// parseFloor1 reads a type-1 floor configuration.
func parseFloor1(r *bitReader, get func(uint) int, rerr *error, i int, book func(string, int, bool) error, edits *[]bitEdit) error {
	name := fmt.Sprintf("floor %d", i)
	parts := get(5)
	if parts == 0 && *rerr == nil {
		// The library reads one class configuration even when no partition
		// refers to it (libvorbis writes such floors for the LFE channel);
		// note where to insert an unused one for it.
		*edits = append(*edits, bitEdit{At: r.pos, Insert: 13})
	}
	classOf := make([]int, parts)
	maxClass := -1
	for j := range classOf {
		classOf[j] = get(4)
		maxClass = max(maxClass, classOf[j])
	}
	dims := make([]int, maxClass+1)
	for c := range dims {
		dims[c] = get(3) + 1
		sub := get(2)
		if sub > 0 {
			if err := book(name, get(8), false); err != nil && *rerr == nil {
				return err
			}
		}
		for j := 0; j < 1<<sub; j++ {
			if bk := get(8) - 1; bk >= 0 {
				if err := book(name, bk, false); err != nil && *rerr == nil {
					return err
				}
			}
		}
	}
	get(2) // multiplier - 1
	rangeBits := uint(get(4))
	xs := map[int]bool{0: true, 1 << rangeBits: true}
	n := 2
	for _, c := range classOf {
		for k := 0; k < dims[c]; k++ {
			x := get(rangeBits)
			if *rerr != nil {
				return nil
			}
			if xs[x] {
				return setupError("%s repeats the X value %d", name, x)
			}
			xs[x] = true
			n++
		}
	}
	if n > 65 {
		return setupError("%s has %d points (limit 65)", name, n)
	}
	return nil
}
