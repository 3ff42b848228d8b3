package ogg

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/jfreymuth/vorbis"

	"github.com/mixdown/mixdown/audio"
	"github.com/mixdown/mixdown/internal/testutil"
)

// lsbWriter packs Vorbis bit fields, least significant bit first.
type lsbWriter struct {
	b []byte
	n int
}

func (w *lsbWriter) put(v uint32, bits int) {
	for i := 0; i < bits; i++ {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 != 0 {
			w.b[len(w.b)-1] |= 1 << uint(w.n%8)
		}
		w.n++
	}
}

// book describes a codebook for setupPacket.
type book struct {
	dims    int
	lengths []int // codeword length per entry, 0 = unused (makes it sparse)
	entries int   // if > len(lengths): an ordered codebook of this many entries, all of length lengths[0]
	runs    []int // if set: an ordered codebook with runs[i] entries of length lengths[0]+i
	lookup  int
	values  int // multiplicands written (lookup 1 or 2)
}

// setupSpec is a small but complete setup header: books, one floor 1 (with
// partitions partitions of class 0), one residue using resBook, one mapping
// and one mode per entry of modes.
type setupSpec struct {
	books      []book
	floorBook  int // subclass book of the floor's class, -1 for none
	partitions int
	resBook    int
	couple     [2]int // coupling step magnitude/angle, or {-1, -1}
	rangeBits  int    // floor X range is 2^rangeBits
	modes      []bool
}

func defaultSpec() setupSpec {
	return setupSpec{
		books:      []book{{dims: 1, lengths: []int{1, 1}, lookup: 1, values: 2}},
		floorBook:  0,
		partitions: 1,
		resBook:    0,
		couple:     [2]int{-1, -1},
		rangeBits:  7,
		modes:      []bool{false, true},
	}
}

func setupPacket(s setupSpec) []byte {
	var w lsbWriter
	w.put(uint32(len(s.books)-1), 8)
	for _, b := range s.books {
		w.put(0x564342, 24)
		w.put(uint32(b.dims), 16)
		if b.entries > len(b.lengths) {
			runs := b.runs
			if runs == nil {
				runs = []int{b.entries}
			}
			w.put(uint32(b.entries), 24)
			w.put(1, 1) // ordered
			w.put(uint32(b.lengths[0]-1), 5)
			cur := 0
			for _, n := range runs {
				w.put(uint32(n), int(ilog(b.entries-cur)))
				cur += n
			}
		} else {
			w.put(uint32(len(b.lengths)), 24)
			w.put(0, 1) // unordered
			sparse := false
			for _, l := range b.lengths {
				sparse = sparse || l == 0
			}
			w.put(map[bool]uint32{false: 0, true: 1}[sparse], 1)
			for _, l := range b.lengths {
				if sparse {
					w.put(map[bool]uint32{false: 0, true: 1}[l > 0], 1)
				}
				if l > 0 {
					w.put(uint32(l-1), 5)
				}
			}
		}
		w.put(uint32(b.lookup), 4)
		if b.lookup > 0 {
			w.put(0, 32)
			w.put(0x60000000, 32)
			w.put(0, 4) // 1-bit values
			w.put(0, 1)
			for i := 0; i < b.values; i++ {
				w.put(1, 1)
			}
		}
	}
	w.put(0, 6) // one time transform
	w.put(0, 16)
	w.put(0, 6)  // one floor
	w.put(1, 16) // type 1
	w.put(uint32(s.partitions), 5)
	for i := 0; i < s.partitions; i++ {
		w.put(0, 4)
	}
	if s.partitions > 0 {
		w.put(0, 3) // class 0: dimension 1
		w.put(0, 2) // no subclasses
		w.put(uint32(s.floorBook+1), 8)
	}
	w.put(0, 2) // multiplier 1
	w.put(uint32(s.rangeBits), 4)
	for i := 0; i < s.partitions; i++ {
		w.put(uint32(3+i), s.rangeBits)
	}
	w.put(0, 6)  // one residue
	w.put(0, 16) // type 0
	w.put(0, 24)
	w.put(64, 24)
	w.put(15, 24) // partition size 16
	w.put(0, 6)   // one classification
	w.put(0, 8)   // classbook 0
	w.put(1, 3)   // cascade: pass 0
	w.put(0, 1)
	w.put(uint32(s.resBook), 8)
	w.put(0, 6)  // one mapping
	w.put(0, 16) // type 0
	w.put(0, 1)  // one submap
	if s.couple[0] >= 0 {
		w.put(1, 1)
		w.put(0, 8)
		w.put(uint32(s.couple[0]), 1)
		w.put(uint32(s.couple[1]), 1)
	} else {
		w.put(0, 1)
	}
	w.put(0, 2)
	w.put(0, 8)
	w.put(0, 8) // floor 0
	w.put(0, 8) // residue 0
	w.put(uint32(len(s.modes)-1), 6)
	for _, long := range s.modes {
		w.put(map[bool]uint32{false: 0, true: 1}[long], 1)
		w.put(0, 16)
		w.put(0, 16)
		w.put(0, 8)
	}
	w.put(1, 1) // framing
	return append([]byte("\x05vorbis"), w.b...)
}

// identPacket is a stereo 44.1 kHz identification header with block sizes
// 256 and 2048.
func identPacket() []byte {
	p := append([]byte("\x01vorbis\x00\x00\x00\x00\x02\x44\xac\x00\x00"), make([]byte, 12)...)
	return append(p, 0xB8, 1)
}

func TestSetupValidation(t *testing.T) {
	mod := func(f func(*setupSpec)) []byte {
		s := defaultSpec()
		f(&s)
		return setupPacket(s)
	}
	valid := setupPacket(defaultSpec())
	for name, c := range map[string]struct {
		packet []byte
		want   error
	}{
		"valid":            {valid, nil},
		"no partitions":    {mod(func(s *setupSpec) { s.partitions = 0 }), nil},
		"coupled":          {mod(func(s *setupSpec) { s.couple = [2]int{0, 1} }), nil},
		"self coupled":     {mod(func(s *setupSpec) { s.couple = [2]int{1, 1} }), audio.ErrCorrupt},
		"no codewords":     {mod(func(s *setupSpec) { s.books = append(s.books, book{dims: 1, lengths: []int{0, 0}}) }), nil},
		"incomplete tree":  {mod(func(s *setupSpec) { s.books = append(s.books, book{dims: 1, lengths: []int{2, 2}}); s.floorBook = 1 }), audio.ErrCorrupt},
		"overfull tree":    {mod(func(s *setupSpec) { s.books = append(s.books, book{dims: 1, lengths: []int{1, 1, 1}}) }), audio.ErrCorrupt},
		"single codeword":  {mod(func(s *setupSpec) { s.books = append(s.books, book{dims: 1, lengths: []int{0, 1, 0}}); s.floorBook = 1 }), nil},
		"long single word": {mod(func(s *setupSpec) { s.books = append(s.books, book{dims: 1, lengths: []int{3, 0}}); s.floorBook = 1 }), audio.ErrUnsupported},
		"one-entry book":   {mod(func(s *setupSpec) { s.books = append(s.books, book{dims: 1, lengths: []int{1}}) }), audio.ErrUnsupported},
		"huge book":        {mod(func(s *setupSpec) { s.books = append(s.books, book{dims: 1, lengths: []int{20}, entries: 1 << 20}) }), audio.ErrUnsupported},
		"too many tables": {mod(func(s *setupSpec) {
			s.books = append(s.books, book{dims: 600, lengths: []int{16}, entries: 1 << 16, lookup: 1, values: 1})
		}), audio.ErrUnsupported},
		"values past end": {mod(func(s *setupSpec) { s.books[0].lookup = 2; s.books[0].dims = 60000 }), audio.ErrCorrupt},
		"lookup1 rounding": {mod(func(s *setupSpec) {
			s.books = append(s.books, book{dims: 3, lengths: []int{9}, entries: 1000, runs: []int{24, 976}, lookup: 1, values: 10})
		}), audio.ErrUnsupported},
		"floor book range": {mod(func(s *setupSpec) { s.floorBook = 9 }), audio.ErrCorrupt},
		"residue book":     {mod(func(s *setupSpec) { s.books = append(s.books, book{dims: 1, lengths: []int{1, 1}}); s.resBook = 1 }), audio.ErrCorrupt},
		"truncated":        {valid[:len(valid)-3], audio.ErrCorrupt},
		"not a setup":      {append([]byte("\x03vorbis"), valid[7:]...), audio.ErrCorrupt},
	} {
		t.Run(name, func(t *testing.T) {
			v, err := parseIdent(identPacket())
			if err != nil {
				t.Fatal(err)
			}
			lib, err := parseSetup(c.packet, &v)
			if c.want != nil {
				if !errors.Is(err, c.want) {
					t.Fatalf("got %v, want %v", err, c.want)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(v.modeLong) != 2 || v.modeLong[0] || !v.modeLong[1] || v.modeBits != 1 {
				t.Errorf("modes %v, %d bits", v.modeLong, v.modeBits)
			}
			// The library must accept what was accepted.
			var d vorbis.Decoder
			if err := d.ReadHeader(identPacket()); err != nil {
				t.Fatal(err)
			}
			if err := d.ReadHeader(lib); err != nil {
				t.Fatalf("library rejects an accepted setup header: %v", err)
			}
		})
	}
}

// TestIdentValidation checks the identification header limits.
func TestIdentValidation(t *testing.T) {
	set := func(kv ...int) []byte {
		p := identPacket()
		for i := 0; i < len(kv); i += 2 {
			p[kv[i]] = byte(kv[i+1])
		}
		return p
	}
	for name, c := range map[string]struct {
		packet []byte
		want   error
	}{
		"valid":          {identPacket(), nil},
		"short":          {identPacket()[:29], audio.ErrCorrupt},
		"version":        {set(7, 1), audio.ErrUnsupported},
		"no channels":    {set(11, 0), audio.ErrCorrupt},
		"255 channels":   {set(11, 255), audio.ErrUnsupported},
		"rate 0":         {set(12, 0, 13, 0), audio.ErrCorrupt},
		"rate 500 Hz":    {set(12, 0xF4, 13, 1), audio.ErrUnsupported},
		"block too big":  {set(28, 0xE8), audio.ErrCorrupt},
		"short > long":   {set(28, 0x8B), audio.ErrCorrupt},
		"no framing bit": {set(29, 0), audio.ErrCorrupt},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseIdent(c.packet)
			if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

// TestHangingCodebookRejected: the library's Huffman walk never ends on a
// codebook without codewords (every branch leads back to the root). Such a
// stream must be rejected before the library decodes any audio.
func TestHangingCodebookRejected(t *testing.T) {
	s := defaultSpec()
	s.books = append(s.books, book{dims: 1, lengths: []int{0, 0}})
	s.floorBook = 1
	stream := mux(9, [][]byte{identPacket(), []byte("\x03vorbis\x00\x00\x00\x00\x00\x00\x00\x00\x01"), setupPacket(s), {0x02, 0xFF, 0xFF}, {0x02, 0xFF}}, 500)
	_, _, err := decodeAll(t, stream)
	testutil.WantErr(t, err, audio.ErrCorrupt)
	t.Log(err)
}

func TestApplyBitEdits(t *testing.T) {
	var w lsbWriter
	w.put(0b1011, 4)
	w.put(0xFFFF, 16)
	got := applyBitEdits(w.b, []bitEdit{{At: 2, Insert: 5}, {At: 10, Insert: 5}})
	var want lsbWriter
	want.put(0b11, 2)
	want.put(0, 5)
	want.put(0b10, 2)
	want.put(0x3F, 6) // bits 4..9 of the input: ones
	want.put(0, 5)
	want.put(0x3FF, 10)
	if !bytes.Equal(got[:len(want.b)], want.b) {
		t.Fatalf("got % x, want % x", got, want.b)
	}
}

// TestLibraryPanicRecovered: a floor whose X range (256) exceeds the short
// block's spectrum (128 lines) makes the library index past its buffer when
// it renders the floor. libvorbis clips the line instead; here the panic is
// recovered and reported as audio.ErrCorrupt.
func TestLibraryPanicRecovered(t *testing.T) {
	s := defaultSpec()
	s.rangeBits = 8
	audioPacket := append([]byte{0xFC}, bytes.Repeat([]byte{0xFF}, 40)...) // mode 0 (short), floor in use
	stream := mux(9, [][]byte{identPacket(), []byte("\x03vorbis\x00\x00\x00\x00\x00\x00\x00\x00\x01"), setupPacket(s), audioPacket, audioPacket}, 500)
	_, _, err := decodeAll(t, stream)
	testutil.WantErr(t, err, audio.ErrCorrupt)
	if !strings.Contains(err.Error(), "decoder failed on malformed data") {
		t.Errorf("error %q does not come from a recovered panic", err)
	}
	t.Log(err)
}
