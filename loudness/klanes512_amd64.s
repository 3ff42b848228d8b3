// The K-weighting filter of two groups of four lanes at once, for CPUs
// with AVX-512VL: the arithmetic of klanes_amd64.s's FRAME, frame by
// frame from interleaved float64 blocks (see kGather4AVX2), the two
// groups' independent recurrences interleaved, with the coefficients and
// both states in the thirty-two vector registers.

#include "textflag.h"

// Offsets of the kLanes fields (as in klanes_amd64.s).
#define SB0 0
#define SB1 32
#define SB2 64
#define SA1 96
#define SA2 128
#define HA1 256
#define HA2 288
#define S1 320
#define S2 352
#define H1 384
#define H2 416
#define SUM 448
#define GAIN 496

// func kFilter8AVX512(a, b *kLanes, xa, xb *float64, n int)
TEXT ·kFilter8AVX512(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ xa+16(FP), R8
	MOVQ xb+24(FP), R9
	MOVQ n+32(FP), CX
	VMOVUPD S1(DI), Y0
	VMOVUPD S2(DI), Y1
	VMOVUPD H1(DI), Y2
	VMOVUPD H2(DI), Y3
	VMOVUPD SUM(DI), Y4
	VMOVUPD S1(SI), Y16
	VMOVUPD S2(SI), Y17
	VMOVUPD H1(SI), Y18
	VMOVUPD H2(SI), Y19
	VMOVUPD SUM(SI), Y20
	VMOVUPD GAIN(DI), Y22
	VMOVUPD GAIN(SI), Y23
	VMOVUPD SB0(DI), Y24
	VMOVUPD SB1(DI), Y25
	VMOVUPD SB2(DI), Y26
	VMOVUPD SA1(DI), Y27
	VMOVUPD SA2(DI), Y28
	VMOVUPD HA1(DI), Y29
	VMOVUPD HA2(DI), Y30
	TESTQ CX, CX
	JZ done
loop:
	VMOVUPD (R8), Y6
	VMOVUPD (R9), Y7
	VMULPD Y22, Y6, Y6
	VMULPD Y23, Y7, Y7
	VMULPD Y24, Y6, Y10
	VMULPD Y24, Y7, Y14
	VADDPD Y0, Y10, Y10
	VADDPD Y16, Y14, Y14
	VMULPD Y25, Y6, Y11
	VMULPD Y25, Y7, Y15
	VADDPD Y1, Y11, Y11
	VADDPD Y17, Y15, Y15
	VMULPD Y27, Y10, Y12
	VMULPD Y27, Y14, Y8
	VSUBPD Y12, Y11, Y0
	VSUBPD Y8, Y15, Y16
	VMULPD Y26, Y6, Y11
	VMULPD Y26, Y7, Y15
	VMULPD Y28, Y10, Y12
	VMULPD Y28, Y14, Y8
	VSUBPD Y12, Y11, Y1
	VSUBPD Y8, Y15, Y17
	VADDPD Y2, Y10, Y11
	VADDPD Y18, Y14, Y15
	VADDPD Y10, Y10, Y12
	VADDPD Y14, Y14, Y8
	VSUBPD Y12, Y3, Y12
	VSUBPD Y8, Y19, Y8
	VMULPD Y29, Y11, Y13
	VMULPD Y29, Y15, Y9
	VSUBPD Y13, Y12, Y2
	VSUBPD Y9, Y8, Y18
	VMULPD Y30, Y11, Y13
	VMULPD Y30, Y15, Y9
	VSUBPD Y13, Y10, Y3
	VSUBPD Y9, Y14, Y19
	VMULPD Y11, Y11, Y12
	VMULPD Y15, Y15, Y8
	VADDPD Y12, Y4, Y4
	VADDPD Y8, Y20, Y20
	ADDQ $32, R8
	ADDQ $32, R9
	DECQ CX
	JNZ loop
done:
	VMOVUPD Y0, S1(DI)
	VMOVUPD Y1, S2(DI)
	VMOVUPD Y2, H1(DI)
	VMOVUPD Y3, H2(DI)
	VMOVUPD Y4, SUM(DI)
	VMOVUPD Y16, S1(SI)
	VMOVUPD Y17, S2(SI)
	VMOVUPD Y18, H1(SI)
	VMOVUPD Y19, H2(SI)
	VMOVUPD Y20, SUM(SI)
	VZEROUPPER
	RET

DATA kgabs<>+0(SB)/4, $0x7fffffff
DATA kgabs<>+4(SB)/4, $0x7fffffff
DATA kgabs<>+8(SB)/4, $0x7fffffff
DATA kgabs<>+12(SB)/4, $0x7fffffff
GLOBL kgabs<>(SB), RODATA|NOPTR, $16

// func kGather4AVX2(x *float64, p *[4]*float32, n int, peak *[4]float32)
//
// x[4i+l] = float64(p[l][i]) for i < n, four frames at a time by a 4×4
// transposition, then one at a time; peak[l] becomes the largest of
// itself and the |p[l][i]| (NaN ignored).
TEXT ·kGather4AVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), AX
	MOVQ p+8(FP), DX
	MOVQ n+16(FP), CX
	MOVQ peak+24(FP), SI
	MOVQ 0(DX), R8
	MOVQ 8(DX), R9
	MOVQ 16(DX), R10
	MOVQ 24(DX), R11
	VMOVUPS (SI), X8
	VMOVUPS kgabs<>(SB), X9
	MOVQ CX, BX
	SHRQ $2, BX
	JZ gtail
gquad:
	VMOVUPS (R8), X0
	VMOVUPS (R9), X1
	VMOVUPS (R10), X2
	VMOVUPS (R11), X3
	VUNPCKLPS X1, X0, X4
	VUNPCKHPS X1, X0, X5
	VUNPCKLPS X3, X2, X6
	VUNPCKHPS X3, X2, X7
	VMOVLHPS X6, X4, X0
	VMOVHLPS X4, X6, X1
	VMOVLHPS X7, X5, X2
	VMOVHLPS X5, X7, X3
	VANDPS X9, X0, X4
	VMAXPS X8, X4, X8
	VANDPS X9, X1, X4
	VMAXPS X8, X4, X8
	VANDPS X9, X2, X4
	VMAXPS X8, X4, X8
	VANDPS X9, X3, X4
	VMAXPS X8, X4, X8
	VCVTPS2PD X0, Y0
	VCVTPS2PD X1, Y1
	VCVTPS2PD X2, Y2
	VCVTPS2PD X3, Y3
	VMOVUPD Y0, 0(AX)
	VMOVUPD Y1, 32(AX)
	VMOVUPD Y2, 64(AX)
	VMOVUPD Y3, 96(AX)
	ADDQ $16, R8
	ADDQ $16, R9
	ADDQ $16, R10
	ADDQ $16, R11
	ADDQ $128, AX
	DECQ BX
	JNZ gquad
gtail:
	ANDQ $3, CX
	JZ gdone
gsingle:
	VMOVSS (R8), X0
	VINSERTPS $0x10, (R9), X0, X0
	VINSERTPS $0x20, (R10), X0, X0
	VINSERTPS $0x30, (R11), X0, X0
	VANDPS X9, X0, X4
	VMAXPS X8, X4, X8
	VCVTPS2PD X0, Y0
	VMOVUPD Y0, (AX)
	ADDQ $4, R8
	ADDQ $4, R9
	ADDQ $4, R10
	ADDQ $4, R11
	ADDQ $32, AX
	DECQ CX
	JNZ gsingle
gdone:
	VMOVUPS X8, (SI)
	VZEROUPPER
	RET
