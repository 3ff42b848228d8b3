//go:build !purego

#include "textflag.h"

// func dot1AVX(c, x *float64, n int) float64
TEXT ·dot1AVX(SB), NOSPLIT, $0-32
	MOVQ c+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	CMPQ CX, $16
	JLT  d1tail

d1loop:
	VMOVUPD     0(SI), Y4
	VMOVUPD     32(SI), Y5
	VMOVUPD     64(SI), Y6
	VMOVUPD     96(SI), Y7
	VFMADD231PD 0(DI), Y4, Y0
	VFMADD231PD 32(DI), Y5, Y1
	VFMADD231PD 64(DI), Y6, Y2
	VFMADD231PD 96(DI), Y7, Y3
	ADDQ        $128, SI
	ADDQ        $128, DI
	SUBQ        $16, CX
	CMPQ        CX, $16
	JGE         d1loop

d1tail:
	TESTQ CX, CX
	JZ    d1reduce

d1loop4:
	VMOVUPD     0(SI), Y4
	VFMADD231PD 0(DI), Y4, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $4, CX
	JNZ         d1loop4

d1reduce:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VHADDPD      Y0, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDSD       X1, X0, X0
	VZEROUPPER
	MOVSD        X0, ret+24(FP)
	RET

// func dot2AVX(c, x, y *float64, n int) (float64, float64)
TEXT ·dot2AVX(SB), NOSPLIT, $0-48
	MOVQ c+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	CMPQ CX, $16
	JLT  d2tail

d2loop:
	VMOVUPD     0(SI), Y8
	VMOVUPD     32(SI), Y9
	VMOVUPD     64(SI), Y10
	VMOVUPD     96(SI), Y11
	VFMADD231PD 0(DI), Y8, Y0
	VFMADD231PD 0(DX), Y8, Y4
	VFMADD231PD 32(DI), Y9, Y1
	VFMADD231PD 32(DX), Y9, Y5
	VFMADD231PD 64(DI), Y10, Y2
	VFMADD231PD 64(DX), Y10, Y6
	VFMADD231PD 96(DI), Y11, Y3
	VFMADD231PD 96(DX), Y11, Y7
	ADDQ        $128, SI
	ADDQ        $128, DI
	ADDQ        $128, DX
	SUBQ        $16, CX
	CMPQ        CX, $16
	JGE         d2loop

d2tail:
	TESTQ CX, CX
	JZ    d2reduce

d2loop4:
	VMOVUPD     0(SI), Y8
	VFMADD231PD 0(DI), Y8, Y0
	VFMADD231PD 0(DX), Y8, Y4
	ADDQ        $32, SI
	ADDQ        $32, DI
	ADDQ        $32, DX
	SUBQ        $4, CX
	JNZ         d2loop4

d2reduce:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VADDPD       Y5, Y4, Y4
	VADDPD       Y7, Y6, Y6
	VADDPD       Y6, Y4, Y4
	VHADDPD      Y4, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VZEROUPPER
	MOVSD        X0, ret+32(FP)
	MOVHPD       X0, ret1+40(FP)
	RET

// func hermiteAVX(dst, a *float64, n int, u float64)
// a holds rows a0 a1 a2 a3 of n each; dst[i] = ((a3·u + a2)·u + a1)·u + a0.
TEXT ·hermiteAVX(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         a+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSD u+24(FP), Y15
	MOVQ         CX, BX
	SHLQ         $3, BX              // row stride in bytes
	LEAQ         (SI)(BX*1), R8      // a1
	LEAQ         (R8)(BX*1), R9      // a2
	LEAQ         (R9)(BX*1), R10     // a3
	XORQ         AX, AX              // byte offset

hloop:
	VMOVUPD     (R10)(AX*1), Y0
	VFMADD213PD (R9)(AX*1), Y15, Y0
	VFMADD213PD (R8)(AX*1), Y15, Y0
	VFMADD213PD (SI)(AX*1), Y15, Y0
	VMOVUPD     Y0, (DI)(AX*1)
	ADDQ        $32, AX
	SUBQ        $4, CX
	JNZ         hloop
	VZEROUPPER
	RET

// func batch2AVX(coef *float64, taps int, x0, x1 *float64, w int, out0, out1 *float64, stride, count, phase, q, step, stepFrac int)
//
// For count outputs k: out[k·stride] = Σ coef[phase·taps + i]·x[w + i] for
// both channels, then phase += stepFrac, w += step, and if phase >= q
// {phase -= q; w++}. taps is a multiple of 4; the order of operations is
// that of dot1Go.
//
// Registers: BX coefficient table, AX row bytes, R15 bytes of the 16-tap
// part, DI channel 0 window + R15, DX x1 − x0, R8/R9 outputs, R10 count,
// R12 phase, R13 q, R14 step bytes; per output SI row + R15, R11 channel 1
// window + R15, CX a negative byte index running up to 0. The stride (in
// bytes) and stepFrac are read from the argument frame.
TEXT ·batch2AVX(SB), NOSPLIT, $0-104
	MOVQ  coef+0(FP), BX
	MOVQ  taps+8(FP), AX
	SHLQ  $3, AX
	MOVQ  AX, R15
	ANDQ  $-128, R15
	MOVQ  x0+16(FP), DI
	MOVQ  x1+24(FP), DX
	SUBQ  DI, DX
	MOVQ  w+32(FP), CX
	LEAQ  (DI)(CX*8), DI
	ADDQ  R15, DI
	MOVQ  out0+40(FP), R8
	MOVQ  out1+48(FP), R9
	MOVQ  stride+56(FP), CX
	SHLQ  $3, CX
	MOVQ  CX, stride+56(FP)
	MOVQ  count+64(FP), R10
	MOVQ  phase+72(FP), R12
	MOVQ  q+80(FP), R13
	MOVQ  step+88(FP), R14
	SHLQ  $3, R14
	TESTQ R10, R10
	JZ    b2done

b2out:
	MOVQ   R12, SI
	IMULQ  AX, SI
	ADDQ   BX, SI
	ADDQ   R15, SI
	LEAQ   (DI)(DX*1), R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	MOVQ   R15, CX
	NEGQ   CX
	JZ     b2tail

b2loop:
	VMOVUPD     0(SI)(CX*1), Y8
	VMOVUPD     32(SI)(CX*1), Y9
	VMOVUPD     64(SI)(CX*1), Y10
	VMOVUPD     96(SI)(CX*1), Y11
	VFMADD231PD 0(DI)(CX*1), Y8, Y0
	VFMADD231PD 0(R11)(CX*1), Y8, Y4
	VFMADD231PD 32(DI)(CX*1), Y9, Y1
	VFMADD231PD 32(R11)(CX*1), Y9, Y5
	VFMADD231PD 64(DI)(CX*1), Y10, Y2
	VFMADD231PD 64(R11)(CX*1), Y10, Y6
	VFMADD231PD 96(DI)(CX*1), Y11, Y3
	VFMADD231PD 96(R11)(CX*1), Y11, Y7
	ADDQ        $128, CX
	JNZ         b2loop

b2tail:
	// Up to three groups of 4 taps, into the first accumulators.
	MOVQ AX, CX
	SUBQ R15, CX
	JZ   b2reduce
	VMOVUPD     0(SI), Y8
	VFMADD231PD 0(DI), Y8, Y0
	VFMADD231PD 0(R11), Y8, Y4
	CMPQ        CX, $32
	JEQ         b2reduce
	VMOVUPD     32(SI), Y8
	VFMADD231PD 32(DI), Y8, Y0
	VFMADD231PD 32(R11), Y8, Y4
	CMPQ        CX, $64
	JEQ         b2reduce
	VMOVUPD     64(SI), Y8
	VFMADD231PD 64(DI), Y8, Y0
	VFMADD231PD 64(R11), Y8, Y4

b2reduce:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VADDPD       Y5, Y4, Y4
	VADDPD       Y7, Y6, Y6
	VADDPD       Y6, Y4, Y4
	VHADDPD      Y4, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VMOVSD       X0, (R8)
	VMOVHPD      X0, (R9)
	ADDQ         stride+56(FP), R8
	ADDQ         stride+56(FP), R9
	ADDQ         R14, DI
	ADDQ         stepFrac+96(FP), R12
	CMPQ         R12, R13
	JLT          b2next
	SUBQ         R13, R12
	ADDQ         $8, DI

b2next:
	DECQ R10
	JNZ  b2out

b2done:
	VZEROUPPER
	RET

// func batch1AVX(coef *float64, taps int, x *float64, w int, out *float64, stride, count, phase, q, step, stepFrac int)
//
// batch2AVX for one channel.
TEXT ·batch1AVX(SB), NOSPLIT, $0-88
	MOVQ  coef+0(FP), BX
	MOVQ  taps+8(FP), AX
	SHLQ  $3, AX
	MOVQ  AX, R15
	ANDQ  $-128, R15
	MOVQ  x+16(FP), DI
	MOVQ  w+24(FP), CX
	LEAQ  (DI)(CX*8), DI
	ADDQ  R15, DI
	MOVQ  out+32(FP), R8
	MOVQ  stride+40(FP), DX
	SHLQ  $3, DX
	MOVQ  count+48(FP), R10
	MOVQ  phase+56(FP), R12
	MOVQ  q+64(FP), R13
	MOVQ  step+72(FP), R14
	SHLQ  $3, R14
	MOVQ  stepFrac+80(FP), R9
	TESTQ R10, R10
	JZ    b1done

b1out:
	MOVQ   R12, SI
	IMULQ  AX, SI
	ADDQ   BX, SI
	ADDQ   R15, SI
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	MOVQ   R15, CX
	NEGQ   CX
	JZ     b1tail

b1loop:
	VMOVUPD     0(SI)(CX*1), Y8
	VMOVUPD     32(SI)(CX*1), Y9
	VMOVUPD     64(SI)(CX*1), Y10
	VMOVUPD     96(SI)(CX*1), Y11
	VFMADD231PD 0(DI)(CX*1), Y8, Y0
	VFMADD231PD 32(DI)(CX*1), Y9, Y1
	VFMADD231PD 64(DI)(CX*1), Y10, Y2
	VFMADD231PD 96(DI)(CX*1), Y11, Y3
	ADDQ        $128, CX
	JNZ         b1loop

b1tail:
	MOVQ AX, CX
	SUBQ R15, CX
	JZ   b1reduce
	VMOVUPD     0(SI), Y8
	VFMADD231PD 0(DI), Y8, Y0
	CMPQ        CX, $32
	JEQ         b1reduce
	VMOVUPD     32(SI), Y8
	VFMADD231PD 32(DI), Y8, Y0
	CMPQ        CX, $64
	JEQ         b1reduce
	VMOVUPD     64(SI), Y8
	VFMADD231PD 64(DI), Y8, Y0

b1reduce:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VHADDPD      Y0, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDSD       X1, X0, X0
	VMOVSD       X0, (R8)
	ADDQ         DX, R8
	ADDQ         R14, DI
	ADDQ         R9, R12
	CMPQ         R12, R13
	JLT          b1next
	SUBQ         R13, R12
	ADDQ         $8, DI

b1next:
	DECQ R10
	JNZ  b1out

b1done:
	VZEROUPPER
	RET
