#include "textflag.h"

// func maxAbsCorr16AVX2(x *float32, r *float32, taps int, groups int) float32
//
// For i in [0, 16*groups): y_i = Σ_{j<taps} r[j]·x[i+j]; returns max |y_i|.
// Two accumulators of eight lanes share each broadcast coefficient.
TEXT ·maxAbsCorr16AVX2(SB), NOSPLIT, $0-36
	MOVQ x+0(FP), SI
	MOVQ r+8(FP), DI
	MOVQ taps+16(FP), CX
	MOVQ groups+24(FP), DX
	VXORPS Y0, Y0, Y0 // running max of |y|
	VXORPS Y7, Y7, Y7 // zero

group:
	VXORPS Y2, Y2, Y2
	VXORPS Y6, Y6, Y6
	MOVQ   SI, R8
	MOVQ   DI, R9
	MOVQ   CX, R10

tap:
	VBROADCASTSS (R9), Y3
	VFMADD231PS  (R8), Y3, Y2
	VFMADD231PS  32(R8), Y3, Y6
	ADDQ         $4, R8
	ADDQ         $4, R9
	DECQ         R10
	JNZ          tap

	VSUBPS Y2, Y7, Y4
	VMAXPS Y4, Y2, Y2
	VSUBPS Y6, Y7, Y5
	VMAXPS Y5, Y6, Y6
	VMAXPS Y2, Y0, Y0
	VMAXPS Y6, Y0, Y0
	ADDQ   $64, SI
	DECQ   DX
	JNZ    group

	VEXTRACTF128 $1, Y0, X2
	VMAXPS       X2, X0, X0
	VPERMILPS    $0x4E, X0, X2
	VMAXPS       X2, X0, X0
	VPERMILPS    $0xB1, X0, X2
	VMAXPS       X2, X0, X0
	VZEROUPPER
	MOVSS        X0, ret+32(FP)
	RET

DATA tpabs32<>+0(SB)/4, $0x7fffffff
DATA tpabs32<>+4(SB)/4, $0x7fffffff
DATA tpabs32<>+8(SB)/4, $0x7fffffff
DATA tpabs32<>+12(SB)/4, $0x7fffffff
DATA tpabs32<>+16(SB)/4, $0x7fffffff
DATA tpabs32<>+20(SB)/4, $0x7fffffff
DATA tpabs32<>+24(SB)/4, $0x7fffffff
DATA tpabs32<>+28(SB)/4, $0x7fffffff
GLOBL tpabs32<>(SB), RODATA|NOPTR, $32

// func maxAbs8AVX2(x *float32, n int) float32
//
// The largest |x[i]| for i < n (a positive multiple of 8), NaN ignored:
// each maximum keeps the accumulator when the new value is NaN.
TEXT ·maxAbs8AVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VMOVUPS tpabs32<>(SB), Y2
	VXORPS Y0, Y0, Y0
	SHRQ $3, CX
mabs:
	VANDPS (SI), Y2, Y1
	VMAXPS Y0, Y1, Y0
	ADDQ $32, SI
	DECQ CX
	JNZ mabs
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X0, X1, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X0, X1, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X0, X1, X0
	VMOVSS X0, ret+16(FP)
	VZEROUPPER
	RET
