#include "textflag.h"

// TAP adds t·(hi+lo) at byte offset off to accumulator acc, with Y4 = t,
// using tmp; every operation rounds (no fused multiply-add), as the Go loop.
#define TAP(off, tmp, acc) \
	VMOVUPD off(BX), tmp \
	VADDPD off(R12), tmp, tmp \
	VMULPD Y4, tmp, tmp \
	VADDPD tmp, acc, acc

// func symFIRAVX2(out, init, hi, lo, t *float64, nt, n int)
TEXT ·symFIRAVX2(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ init+8(FP), SI
	MOVQ hi+16(FP), R8
	MOVQ lo+24(FP), R9
	MOVQ t+32(FP), R10
	MOVQ nt+40(FP), R11
	MOVQ n+48(FP), CX
	XORQ AX, AX

loop16:
	LEAQ 16(AX), DX
	CMPQ DX, CX
	JGT  loop4
	TESTQ SI, SI
	JZ   zero16
	VMOVUPD (SI)(AX*8), Y0
	VMOVUPD 32(SI)(AX*8), Y1
	VMOVUPD 64(SI)(AX*8), Y2
	VMOVUPD 96(SI)(AX*8), Y3
	JMP  taps16

zero16:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

taps16:
	LEAQ (R8)(AX*8), BX
	LEAQ (R9)(AX*8), R12
	MOVQ R10, R13
	MOVQ R11, R14

tap16:
	VBROADCASTSD (R13), Y4
	TAP(0, Y5, Y0)
	TAP(32, Y6, Y1)
	TAP(64, Y7, Y2)
	TAP(96, Y8, Y3)
	ADDQ $8, BX
	SUBQ $8, R12
	ADDQ $8, R13
	DECQ R14
	JNZ  tap16
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	VMOVUPD Y2, 64(DI)(AX*8)
	VMOVUPD Y3, 96(DI)(AX*8)
	ADDQ $16, AX
	JMP  loop16

loop4:
	LEAQ 4(AX), DX
	CMPQ DX, CX
	JGT  done
	TESTQ SI, SI
	JZ   zero4
	VMOVUPD (SI)(AX*8), Y0
	JMP  taps4

zero4:
	VXORPD Y0, Y0, Y0

taps4:
	LEAQ (R8)(AX*8), BX
	LEAQ (R9)(AX*8), R12
	MOVQ R10, R13
	MOVQ R11, R14

tap4:
	VBROADCASTSD (R13), Y4
	TAP(0, Y5, Y0)
	ADDQ $8, BX
	SUBQ $8, R12
	ADDQ $8, R13
	DECQ R14
	JNZ  tap4
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ $4, AX
	JMP  loop4

done:
	VZEROUPPER
	RET
