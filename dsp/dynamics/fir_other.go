//go:build !amd64

package dynamics

// firAbs computes out[i] = |Σ_k r[k]·w[i+k]| for i < len(out); w holds
// len(out)+len(r)-1 values.
func firAbs(out, w, r []float64) { firAbsGo(out, w, r) }

// peakMax computes q[i] = max(q[i], min(a[i] + |lo[i] − hi[i]|/8,
// a[i]·clamp)) for i < len(q).
func peakMax(q, a, lo, hi []float64, clamp float64) { peakMaxGo(q, a, lo, hi, clamp) }
