#include "textflag.h"

// Negates the real parts (even lanes) of two complex128.
DATA negre<>+0(SB)/8, $0x8000000000000000
DATA negre<>+8(SB)/8, $0
DATA negre<>+16(SB)/8, $0x8000000000000000
DATA negre<>+24(SB)/8, $0
GLOBL negre<>(SB), RODATA|NOPTR, $32

// CMUL sets z = z·w for w = wr + i·wi (broadcast), as Go computes it:
// re = zr·wr − zi·wi, im = zi·wr + zr·wi; t1 and t2 are scratch.
#define CMUL(z, wr, wi, t1, t2) \
	VMULPD wr, z, t1 \
	VPERMILPD $5, z, t2 \
	VMULPD wi, t2, t2 \
	VADDSUBPD t2, t1, z

// func radix4AVX2(y, x, tw *complex128, q0, l4, s int)
TEXT ·radix4AVX2(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ tw+16(FP), DX
	MOVQ q0+24(FP), AX
	MOVQ l4+32(FP), R8
	MOVQ s+40(FP), R9
	MOVQ R9, R10
	SHLQ $4, R10          // bytes per sub-block of s values
	MOVQ R8, R11
	IMULQ R10, R11        // bytes between x's quarters
	VMOVUPD negre<>(SB), Y15

qloop:
	CMPQ AX, R8
	JGE  done
	MOVQ AX, BX
	IMULQ $48, BX
	ADDQ DX, BX
	VBROADCASTSD 0(BX), Y8
	VBROADCASTSD 8(BX), Y9
	VBROADCASTSD 16(BX), Y10
	VBROADCASTSD 24(BX), Y11
	VBROADCASTSD 32(BX), Y12
	VBROADCASTSD 40(BX), Y13
	MOVQ AX, R12
	IMULQ R10, R12
	LEAQ (SI)(R12*1), R13 // x + s·q
	SHLQ $2, R12
	LEAQ (DI)(R12*1), R14 // y + s·4q
	MOVQ R9, CX
	SHRQ $1, CX

rloop:
	VMOVUPD (R13), Y0
	VMOVUPD (R13)(R11*1), Y1
	VMOVUPD (R13)(R11*2), Y2
	LEAQ (R13)(R11*2), BX
	VMOVUPD (BX)(R11*1), Y3
	VADDPD Y2, Y0, Y4     // apc
	VSUBPD Y2, Y0, Y5     // amc
	VADDPD Y3, Y1, Y6     // bpd
	VSUBPD Y3, Y1, Y7     // bmd
	VPERMILPD $5, Y7, Y7
	VXORPD Y15, Y7, Y7    // jbmd = i·bmd
	VADDPD Y6, Y4, Y0
	VMOVUPD Y0, (R14)
	VSUBPD Y7, Y5, Y1
	CMUL(Y1, Y8, Y9, Y2, Y3)
	VMOVUPD Y1, (R14)(R10*1)
	VSUBPD Y6, Y4, Y2
	CMUL(Y2, Y10, Y11, Y0, Y14)
	VMOVUPD Y2, (R14)(R10*2)
	VADDPD Y7, Y5, Y3
	CMUL(Y3, Y12, Y13, Y0, Y14)
	LEAQ (R14)(R10*2), BX
	VMOVUPD Y3, (BX)(R10*1)
	ADDQ $32, R13
	ADDQ $32, R14
	DECQ CX
	JNZ  rloop
	INCQ AX
	JMP  qloop

done:
	VZEROUPPER
	RET
