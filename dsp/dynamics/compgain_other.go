//go:build !amd64

package dynamics

// useAVX2 is false: there are no assembly kernels here.
var useAVX2 = false

// compGain runs the gain computer over the interleaved four-lane arrays
// (len(pw)/4 frames; gains and grs at least as long).
func compGain(k *compLanes, pw, gains []float32, grs []float64) { compGainGo(k, pw, gains, grs) }

// compGain2 is compGain for two groups of lanes.
func compGain2(k1, k2 *compLanes, pw1, gains1 []float32, grs1 []float64, pw2, gains2 []float32, grs2 []float64) {
	compGainGo(k1, pw1, gains1, grs1)
	compGainGo(k2, pw2, gains2, grs2)
}

func detect4(pw []float32, x *[8][]float32, frames int)   { detect4Go(pw, x, frames) }
func apply4(gains []float32, x *[8][]float32, frames int) { apply4Go(gains, x, frames) }
