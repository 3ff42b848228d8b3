package dynamics

// The three passes of compGainGo (see compgain_amd64.s): frames frames
// of the interleaved arrays; t holds the targets between passes A and B.
//
//go:noescape
func compPassAAVX2(k *compLanes, pw, t *float32, frames int)

//go:noescape
func compPassBAVX2(k *compLanes, t *float32, grs *float64, frames int)

//go:noescape
func compPassCAVX2(k *compLanes, grs *float64, gains *float32, frames int)

//go:noescape
func compPassB2AVX2(k1, k2 *compLanes, t1, t2 *float32, grs1, grs2 *float64, frames int)

// compGain runs the gain computer over the interleaved four-lane arrays
// (len(pw)/4 frames; gains and grs at least as long).
func compGain(k *compLanes, pw, gains []float32, grs []float64) {
	frames := len(pw) / 4
	if !useAVX2 || frames == 0 {
		compGainGo(k, pw, gains, grs)
		return
	}
	_, _ = gains[4*frames-1], grs[4*frames-1]
	compPassAAVX2(k, &pw[0], &gains[0], frames)
	compPassBAVX2(k, &gains[0], &grs[0], frames)
	compPassCAVX2(k, &grs[0], &gains[0], frames)
}

// compGain2 is compGain for two groups of lanes (the same number of
// frames), their smoothing interleaved.
func compGain2(k1, k2 *compLanes, pw1, gains1 []float32, grs1 []float64, pw2, gains2 []float32, grs2 []float64) {
	frames := len(pw1) / 4
	if !useAVX2 || frames == 0 {
		compGainGo(k1, pw1, gains1, grs1)
		compGainGo(k2, pw2, gains2, grs2)
		return
	}
	_, _ = gains1[4*frames-1], grs1[4*frames-1]
	_, _, _ = pw2[4*frames-1], gains2[4*frames-1], grs2[4*frames-1]
	compPassAAVX2(k1, &pw1[0], &gains1[0], frames)
	compPassAAVX2(k2, &pw2[0], &gains2[0], frames)
	compPassB2AVX2(k1, k2, &gains1[0], &gains2[0], &grs1[0], &grs2[0], frames)
	compPassCAVX2(k1, &grs1[0], &gains1[0], frames)
	compPassCAVX2(k2, &grs2[0], &gains2[0], frames)
}

// detect4AVX2 and apply4AVX2 are detect4Go and apply4Go.
//
//go:noescape
func detect4AVX2(pw *float32, x *[8]*float32, frames int)

//go:noescape
func apply4AVX2(gains *float32, x *[8]*float32, frames int)

// detect4 writes max(x[2l][i]², x[2l+1][i]²) to pw[4i+l] for frames
// frames (see detect4Go).
func detect4(pw []float32, x *[8][]float32, frames int) {
	if !useAVX2 || frames == 0 {
		detect4Go(pw, x, frames)
		return
	}
	_ = pw[4*frames-1]
	var p [8]*float32
	for j, c := range x {
		_ = c[frames-1]
		p[j] = &c[0]
	}
	detect4AVX2(&pw[0], &p, frames)
}

// apply4 multiplies x[2l][i] and x[2l+1][i] by gains[4i+l] for frames
// frames (see apply4Go).
func apply4(gains []float32, x *[8][]float32, frames int) {
	if !useAVX2 || frames == 0 {
		apply4Go(gains, x, frames)
		return
	}
	_ = gains[4*frames-1]
	var p [8]*float32
	for j, c := range x {
		_ = c[frames-1]
		p[j] = &c[0]
	}
	apply4AVX2(&gains[0], &p, frames)
}
