package fx

// symFIRAVX2 is symFIR for n outputs (a multiple of 4); lo points at the
// value for i = j = 0 and init may be nil.
//
//go:noescape
func symFIRAVX2(out, init, hi, lo, t *float64, nt, n int)
