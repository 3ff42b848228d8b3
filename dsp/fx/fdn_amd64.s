#include "textflag.h"

// Offsets of the fdn fields (checked by TestFDNLayout).
#define OFF_B0 0
#define OFF_B1 128
#define OFF_B2 256
#define OFF_A1 384
#define OFF_A2 512
#define OFF_S1 640
#define OFF_S2 768
#define OFF_MODSTART 896
#define OFF_MODSLOPE 928
#define OFF_PREV 960
#define OFF_SIGN1 992
#define OFF_SIGN2 1024
#define OFF_DELAY 1056
#define OFF_BASE 1120
#define OFF_MASK 1184
#define OFF_HALF 1200
#define OFF_ONE 1208
#define OFF_GUARD 1216
#define OFF_W 1224
#define OFF_PHASE 1232
#define OFF_MEMBASE 1240

// ROW is the distance between the left and right rows of the u and o
// arrays ([2][64]float64).
#define ROW 512

// SHELF runs group g's absorption shelves on x in Y4, leaving y in YR:
// y = b0·x + s1; s1 = b1·x + s2 - a1·y; s2 = b2·x - a2·y. Uses Y5.
#define SHELF(g, YR) \
	VMOVUPD      (OFF_S1+(g)*32)(AX), YR; \
	VFMADD231PD  (OFF_B0+(g)*32)(AX), Y4, YR; \
	VMOVUPD      (OFF_S2+(g)*32)(AX), Y5; \
	VFMADD231PD  (OFF_B1+(g)*32)(AX), Y4, Y5; \
	VFNMADD231PD (OFF_A1+(g)*32)(AX), YR, Y5; \
	VMOVUPD      Y5, (OFF_S1+(g)*32)(AX); \
	VMULPD       (OFF_B2+(g)*32)(AX), Y4, Y5; \
	VFNMADD231PD (OFF_A2+(g)*32)(AX), YR, Y5; \
	VMOVUPD      Y5, (OFF_S2+(g)*32)(AX)

// GROUP reads group g's four lines at their fixed delays (X0 holds the
// write position in every lane, X1 the mask) and absorbs them into YR.
// (A gather merges into its destination, so the destination is zeroed
// first to cut the dependency on its previous contents.)
#define GROUP(g, YR) \
	VPSUBD     (OFF_DELAY+(g)*16)(AX), X0, X2; \
	VPAND      X1, X2, X2; \
	VPADDD     (OFF_BASE+(g)*16)(AX), X2, X2; \
	VPCMPEQD   X3, X3, X3; \
	VPXOR      X4, X4, X4; \
	VGATHERDPS X3, (BX)(X2*4), X4; \
	VCVTPS2PD  X4, Y4; \
	SHELF(g, YR)

// PASS2 finishes the matrix for the group in YV (the second radix-4 pass,
// within the vector), leaving outputs q, q+4, q+8, q+12 in Y3. Uses Y2.
#define PASS2(YV) \
	VPERMILPD    $5, YV, Y2; \
	VFMADD231PD  OFF_SIGN1(AX), YV, Y2; \
	VPERM2F128   $1, Y2, Y2, Y3; \
	VFMADD231PD  OFF_SIGN2(AX), Y2, Y3

// WRITE adds the input to the outputs in Y3 (uL in Y6, uR in Y7, added by
// UROP), rounds away magnitudes below about 1e-34, and stores them as
// float32 to row j (R11) at slot q.
#define WRITE(q, UROP) \
	VADDPD       Y6, Y3, Y3; \
	UROP         Y7, Y3, Y3; \
	VADDPD       Y14, Y3, Y3; \
	VSUBPD       Y14, Y3, Y3; \
	VCVTPD2PSY   Y3, X3; \
	VMOVUPS      X3, ((q)*16)(R11)

// func fdnRunAVX2(n *fdn, k int, u, o *float64, rows *float32)
TEXT ·fdnRunAVX2(SB), NOSPLIT, $0-40
	MOVQ n+0(FP), AX
	MOVQ k+8(FP), DX
	MOVQ u+16(FP), SI
	MOVQ o+24(FP), DI
	MOVQ rows+32(FP), R11
	MOVQ OFF_MEMBASE(AX), BX
	MOVQ OFF_W(AX), R8
	MOVQ OFF_PHASE(AX), R9
	VMOVDQU OFF_MASK(AX), X1
	VBROADCASTSD OFF_GUARD(AX), Y14
	XORQ CX, CX
	TESTQ DX, DX
	JEQ done

loop:
	// X0 = w+j in every lane.
	VMOVD R8, X0
	VPBROADCASTD X0, X0

	// Group 0: delay d = modStart + (phase+j)·modSlope, read through the
	// all-pass interpolator: n = int(d-0.5), frac = d-n,
	// η = (1-frac)/(1+frac), x = η·(line[p] - prev) + line[p-1], p = w+j-n.
	VCVTSI2SDQ R9, X2, X2
	VBROADCASTSD X2, Y2
	VMOVUPD OFF_MODSTART(AX), Y3
	VFMADD231PD OFF_MODSLOPE(AX), Y2, Y3
	VBROADCASTSD OFF_HALF(AX), Y4
	VSUBPD Y4, Y3, Y4
	VCVTTPD2DQY Y4, X4
	VCVTDQ2PD X4, Y5
	VSUBPD Y5, Y3, Y5
	VBROADCASTSD OFF_ONE(AX), Y6
	VADDPD Y6, Y5, Y7
	VSUBPD Y5, Y6, Y6
	VDIVPD Y7, Y6, Y6
	VPSUBD X4, X0, X4
	VPCMPEQD X3, X3, X3
	VPADDD X3, X4, X5
	VPAND X1, X4, X4
	VPADDD (OFF_BASE)(AX), X4, X4
	VPAND X1, X5, X5
	VPADDD (OFF_BASE)(AX), X5, X5
	VPXOR X8, X8, X8
	VGATHERDPS X3, (BX)(X4*4), X8
	VPCMPEQD X3, X3, X3
	VPXOR X9, X9, X9
	VGATHERDPS X3, (BX)(X5*4), X9
	VCVTPS2PD X8, Y8
	VCVTPS2PD X9, Y9
	VSUBPD OFF_PREV(AX), Y8, Y8
	VFMADD213PD Y9, Y6, Y8
	VMOVUPD Y8, OFF_PREV(AX)
	VMOVUPD Y8, Y4
	SHELF(0, Y9)

	GROUP(1, Y11)
	GROUP(2, Y12)
	GROUP(3, Y13)

	// Matrix, first radix-4 pass: across the groups.
	VADDPD Y11, Y9, Y2
	VSUBPD Y11, Y9, Y3
	VADDPD Y13, Y12, Y4
	VSUBPD Y13, Y12, Y5
	VADDPD Y4, Y2, Y9
	VADDPD Y5, Y3, Y11
	VSUBPD Y4, Y2, Y12
	VSUBPD Y5, Y3, Y13

	VBROADCASTSD (SI)(CX*8), Y6
	VBROADCASTSD ROW(SI)(CX*8), Y7
	PASS2(Y9)
	WRITE(0, VADDPD)
	PASS2(Y11)
	// Left tap: output 5, lane 1 of group 1.
	VPERMILPD $1, X3, X2
	VMOVSD X2, (DI)(CX*8)
	WRITE(1, VSUBPD)
	PASS2(Y12)
	// Right tap: output 10, lane 2 of group 2.
	VEXTRACTF128 $1, Y3, X2
	VMOVSD X2, ROW(DI)(CX*8)
	WRITE(2, VADDPD)
	PASS2(Y13)
	WRITE(3, VSUBPD)

	ADDQ $64, R11
	INCQ CX
	INCQ R8
	INCQ R9
	CMPQ CX, DX
	JLT loop

done:
	VZEROUPPER
	RET

// func fdnScatterAVX(rows *float32, blocks int, dst *[16]uintptr)
//
// Copies blocks·4 frames of rows ([frame][16]float32, output q+4·lane at
// q·4+lane) into the lines: dst[q·4+lane] is where output q+4·lane's
// first frame goes. Each group of four frames is transposed 4×4 so that
// every line gets one 16-byte store.
TEXT ·fdnScatterAVX(SB), NOSPLIT, $0-24
	MOVQ rows+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVQ dst+16(FP), DI
	XORQ DX, DX // byte offset into the lines
	TESTQ CX, CX
	JEQ sdone

sloop:
	// For each q: rows j..j+3 at slot q, transposed.
#define SCATTER(q) \
	VMOVUPS   ((q)*16)(SI), X0; \
	VMOVUPS   (64+(q)*16)(SI), X1; \
	VMOVUPS   (128+(q)*16)(SI), X2; \
	VMOVUPS   (192+(q)*16)(SI), X3; \
	VUNPCKLPS X1, X0, X4; \
	VUNPCKHPS X1, X0, X5; \
	VUNPCKLPS X3, X2, X6; \
	VUNPCKHPS X3, X2, X7; \
	VMOVLHPS  X6, X4, X8; \
	VMOVHLPS  X4, X6, X9; \
	VMOVLHPS  X7, X5, X10; \
	VMOVHLPS  X5, X7, X11; \
	MOVQ      ((q)*32)(DI), R8; \
	VMOVUPS   X8, (R8)(DX*1); \
	MOVQ      ((q)*32+8)(DI), R8; \
	VMOVUPS   X9, (R8)(DX*1); \
	MOVQ      ((q)*32+16)(DI), R8; \
	VMOVUPS   X10, (R8)(DX*1); \
	MOVQ      ((q)*32+24)(DI), R8; \
	VMOVUPS   X11, (R8)(DX*1)

	SCATTER(0)
	SCATTER(1)
	SCATTER(2)
	SCATTER(3)
	ADDQ $256, SI
	ADDQ $16, DX
	DECQ CX
	JNE sloop

sdone:
	RET
