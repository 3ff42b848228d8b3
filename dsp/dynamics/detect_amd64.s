// The compressor batch's detector and gain application on four lanes
// (see compgain_amd64.go).

#include "textflag.h"

// TRANSPOSE4 transposes the 4×4 float32 block in X0 to X3 (rows) in
// place. Uses X4 to X7.
#define TRANSPOSE4 \
	VUNPCKLPS X1, X0, X4; \
	VUNPCKHPS X1, X0, X5; \
	VUNPCKLPS X3, X2, X6; \
	VUNPCKHPS X3, X2, X7; \
	VMOVLHPS X6, X4, X0; \
	VMOVHLPS X4, X6, X1; \
	VMOVLHPS X7, X5, X2; \
	VMOVHLPS X5, X7, X3

// func detect4AVX2(pw *float32, x *[8]*float32, frames int)
//
// pw[4i+l] = max(x[2l][i]², x[2l+1][i]²) (the second operand when the
// first is not larger, NaN included), four frames at a time, then one.
TEXT ·detect4AVX2(SB), NOSPLIT, $0-24
	MOVQ pw+0(FP), DI
	MOVQ x+8(FP), DX
	MOVQ frames+16(FP), CX
	MOVQ 0(DX), R8
	MOVQ 8(DX), R9
	MOVQ 16(DX), R10
	MOVQ 24(DX), R11
	MOVQ 32(DX), R12
	MOVQ 40(DX), R13
	MOVQ 48(DX), SI
	MOVQ 56(DX), DX
	XORQ AX, AX
	MOVQ CX, BX
	SHRQ $2, BX
	JZ dtail
dquad:
	VMOVUPS (R8)(AX*1), X0
	VMULPS X0, X0, X0
	VMOVUPS (R9)(AX*1), X4
	VMULPS X4, X4, X4
	VMAXPS X4, X0, X0
	VMOVUPS (R10)(AX*1), X1
	VMULPS X1, X1, X1
	VMOVUPS (R11)(AX*1), X4
	VMULPS X4, X4, X4
	VMAXPS X4, X1, X1
	VMOVUPS (R12)(AX*1), X2
	VMULPS X2, X2, X2
	VMOVUPS (R13)(AX*1), X4
	VMULPS X4, X4, X4
	VMAXPS X4, X2, X2
	VMOVUPS (SI)(AX*1), X3
	VMULPS X3, X3, X3
	VMOVUPS (DX)(AX*1), X4
	VMULPS X4, X4, X4
	VMAXPS X4, X3, X3
	TRANSPOSE4
	VMOVUPS X0, 0(DI)
	VMOVUPS X1, 16(DI)
	VMOVUPS X2, 32(DI)
	VMOVUPS X3, 48(DI)
	ADDQ $16, AX
	ADDQ $64, DI
	DECQ BX
	JNZ dquad
dtail:
	ANDQ $3, CX
	JZ ddone
dsingle:
	VMOVSS (R8)(AX*1), X0
	VINSERTPS $0x10, (R10)(AX*1), X0, X0
	VINSERTPS $0x20, (R12)(AX*1), X0, X0
	VINSERTPS $0x30, (SI)(AX*1), X0, X0
	VMOVSS (R9)(AX*1), X1
	VINSERTPS $0x10, (R11)(AX*1), X1, X1
	VINSERTPS $0x20, (R13)(AX*1), X1, X1
	VINSERTPS $0x30, (DX)(AX*1), X1, X1
	VMULPS X0, X0, X0
	VMULPS X1, X1, X1
	VMAXPS X1, X0, X0
	VMOVUPS X0, (DI)
	ADDQ $4, AX
	ADDQ $16, DI
	DECQ CX
	JNZ dsingle
ddone:
	VZEROUPPER
	RET

// func apply4AVX2(gains *float32, x *[8]*float32, frames int)
//
// x[2l][i] *= gains[4i+l] and x[2l+1][i] *= gains[4i+l], four frames at a
// time, then one (x[2l] is read and written before x[2l+1]).
TEXT ·apply4AVX2(SB), NOSPLIT, $0-24
	MOVQ gains+0(FP), SI
	MOVQ x+8(FP), DX
	MOVQ frames+16(FP), CX
	MOVQ 0(DX), R8
	MOVQ 8(DX), R9
	MOVQ 16(DX), R10
	MOVQ 24(DX), R11
	MOVQ 32(DX), R12
	MOVQ 40(DX), R13
	MOVQ 48(DX), DI
	MOVQ 56(DX), DX
	XORQ AX, AX
	MOVQ CX, BX
	SHRQ $2, BX
	JZ atail
aquad:
	VMOVUPS 0(SI), X0
	VMOVUPS 16(SI), X1
	VMOVUPS 32(SI), X2
	VMOVUPS 48(SI), X3
	TRANSPOSE4
	VMULPS (R8)(AX*1), X0, X4
	VMOVUPS X4, (R8)(AX*1)
	VMULPS (R9)(AX*1), X0, X4
	VMOVUPS X4, (R9)(AX*1)
	VMULPS (R10)(AX*1), X1, X4
	VMOVUPS X4, (R10)(AX*1)
	VMULPS (R11)(AX*1), X1, X4
	VMOVUPS X4, (R11)(AX*1)
	VMULPS (R12)(AX*1), X2, X4
	VMOVUPS X4, (R12)(AX*1)
	VMULPS (R13)(AX*1), X2, X4
	VMOVUPS X4, (R13)(AX*1)
	VMULPS (DI)(AX*1), X3, X4
	VMOVUPS X4, (DI)(AX*1)
	VMULPS (DX)(AX*1), X3, X4
	VMOVUPS X4, (DX)(AX*1)
	ADDQ $16, AX
	ADDQ $64, SI
	DECQ BX
	JNZ aquad
atail:
	ANDQ $3, CX
	JZ adone
asingle:
	VMOVSS 0(SI), X0
	VMULSS (R8)(AX*1), X0, X4
	VMOVSS X4, (R8)(AX*1)
	VMULSS (R9)(AX*1), X0, X4
	VMOVSS X4, (R9)(AX*1)
	VMOVSS 4(SI), X0
	VMULSS (R10)(AX*1), X0, X4
	VMOVSS X4, (R10)(AX*1)
	VMULSS (R11)(AX*1), X0, X4
	VMOVSS X4, (R11)(AX*1)
	VMOVSS 8(SI), X0
	VMULSS (R12)(AX*1), X0, X4
	VMOVSS X4, (R12)(AX*1)
	VMULSS (R13)(AX*1), X0, X4
	VMOVSS X4, (R13)(AX*1)
	VMOVSS 12(SI), X0
	VMULSS (DI)(AX*1), X0, X4
	VMOVSS X4, (DI)(AX*1)
	VMULSS (DX)(AX*1), X0, X4
	VMOVSS X4, (DX)(AX*1)
	ADDQ $4, AX
	ADDQ $16, SI
	DECQ CX
	JNZ asingle
adone:
	VZEROUPPER
	RET
