// The K-weighting filter on four lanes (see klanes.go, whose kFilterGo is
// the reference: the same operations in the same order).

#include "textflag.h"

// Offsets of the kLanes fields (checked by TestKLanesLayout).
#define SB0 0
#define SB1 32
#define SB2 64
#define SA1 96
#define SA2 128
#define HB0 160
#define HB1 192
#define HB2 224
#define HA1 256
#define HA2 288
#define S1 320
#define S2 352
#define H1 384
#define H2 416
#define SUM 448
#define PEAK 480
#define GAIN 496

DATA kabs32<>+0(SB)/4, $0x7fffffff
DATA kabs32<>+4(SB)/4, $0x7fffffff
DATA kabs32<>+8(SB)/4, $0x7fffffff
DATA kabs32<>+12(SB)/4, $0x7fffffff
GLOBL kabs32<>(SB), RODATA|NOPTR, $16

// PEAKOF folds the magnitudes of the four lanes in X into the peaks (X5).
// Uses X15.
#define PEAKOF(X) \
	VANDPS X14, X, X15; \
	VMAXPS X5, X15, X5

// FRAME runs one frame, its four lanes in X (float32) and then in Y
// (float64, times the gains): state s1, s2, h1, h2 in Y0 to Y3, sum of
// squares in Y4:
//	y = sb0·x + s1; s1 = (sb1·x + s2) − sa1·y; s2 = sb2·x − sa2·y
//	z = y + h1; h1 = (h2 − (y + y)) − ha1·z; h2 = y − ha2·z
//	sum = sum + z·z
// Uses Y10 to Y13.
#define FRAME(X, Y) \
	PEAKOF(X); \
	VCVTPS2PD X, Y; \
	VMULPD GAIN(DI), Y, Y; \
	VMULPD SB0(DI), Y, Y10; \
	VADDPD Y0, Y10, Y10; \
	VMULPD SB1(DI), Y, Y11; \
	VADDPD Y1, Y11, Y11; \
	VMULPD SA1(DI), Y10, Y12; \
	VSUBPD Y12, Y11, Y0; \
	VMULPD SB2(DI), Y, Y11; \
	VMULPD SA2(DI), Y10, Y12; \
	VSUBPD Y12, Y11, Y1; \
	VADDPD Y2, Y10, Y11; \
	VADDPD Y10, Y10, Y12; \
	VSUBPD Y12, Y3, Y12; \
	VMULPD HA1(DI), Y11, Y13; \
	VSUBPD Y13, Y12, Y2; \
	VMULPD HA2(DI), Y11, Y13; \
	VSUBPD Y13, Y10, Y3; \
	VMULPD Y11, Y11, Y12; \
	VADDPD Y12, Y4, Y4

// func kFilter4AVX2(k *kLanes, x0, x1, x2, x3 *float32, n int)
TEXT ·kFilter4AVX2(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), DI
	MOVQ x0+8(FP), R8
	MOVQ x1+16(FP), R9
	MOVQ x2+24(FP), R10
	MOVQ x3+32(FP), R11
	MOVQ n+40(FP), CX
	VMOVUPD S1(DI), Y0
	VMOVUPD S2(DI), Y1
	VMOVUPD H1(DI), Y2
	VMOVUPD H2(DI), Y3
	VMOVUPD SUM(DI), Y4
	VMOVUPS PEAK(DI), X5
	VMOVUPS kabs32<>(SB), X14
	MOVQ CX, BX
	SHRQ $2, BX
	JZ tail

quad:
	// Four frames: transpose the 4×4 block so that each register holds
	// one frame of the four lanes.
	VMOVUPS (R8), X6
	VMOVUPS (R9), X7
	VMOVUPS (R10), X8
	VMOVUPS (R11), X9
	VUNPCKLPS X7, X6, X10
	VUNPCKHPS X7, X6, X11
	VUNPCKLPS X9, X8, X12
	VUNPCKHPS X9, X8, X13
	VMOVLHPS X12, X10, X6
	VMOVHLPS X10, X12, X7
	VMOVLHPS X13, X11, X8
	VMOVHLPS X11, X13, X9
	FRAME(X6, Y6)
	FRAME(X7, Y7)
	FRAME(X8, Y8)
	FRAME(X9, Y9)
	ADDQ $16, R8
	ADDQ $16, R9
	ADDQ $16, R10
	ADDQ $16, R11
	DECQ BX
	JNZ quad

tail:
	ANDQ $3, CX
	JZ done
single:
	VMOVSS (R8), X6
	VINSERTPS $0x10, (R9), X6, X6
	VINSERTPS $0x20, (R10), X6, X6
	VINSERTPS $0x30, (R11), X6, X6
	FRAME(X6, Y6)
	ADDQ $4, R8
	ADDQ $4, R9
	ADDQ $4, R10
	ADDQ $4, R11
	DECQ CX
	JNZ single

done:
	VMOVUPD Y0, S1(DI)
	VMOVUPD Y1, S2(DI)
	VMOVUPD Y2, H1(DI)
	VMOVUPD Y3, H2(DI)
	VMOVUPD Y4, SUM(DI)
	VMOVUPS X5, PEAK(DI)
	VZEROUPPER
	RET
