//go:build !amd64

package mix

// useAVX2 is false: there are no assembly kernels here.
var useAVX2 = false

func addToAsm(dst, src []float32) int                    { return 0 }
func scaleToAsm(dst, src []float32, g float64) int       { return 0 }
func mix2ToAsm(dst, a, b []float32, ga, gb float64) int  { return 0 }
func addScaledAsm(dst, src []float32, g float64) int     { return 0 }
func addMix2Asm(dst, a, b []float32, ga, gb float64) int { return 0 }
func addZeroAsm(dst []float32) int                       { return 0 }
