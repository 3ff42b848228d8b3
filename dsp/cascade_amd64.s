// Cascades of one to six second-order sections on four lanes at once (see
// cascade.go), with fused multiply-adds. cascadeNAVX2 keeps the state of
// its N sections in Y0 to Y(2N-1) for the whole call.

#include "textflag.h"

// absmask clears the sign bit of four float64 lanes; tiny is 1e-30 in each.
DATA cabsmask<>+0(SB)/8, $0x7fffffffffffffff
DATA cabsmask<>+8(SB)/8, $0x7fffffffffffffff
DATA cabsmask<>+16(SB)/8, $0x7fffffffffffffff
DATA cabsmask<>+24(SB)/8, $0x7fffffffffffffff
GLOBL cabsmask<>(SB), RODATA|NOPTR, $32
DATA ctiny<>+0(SB)/8, $1e-30
DATA ctiny<>+8(SB)/8, $1e-30
DATA ctiny<>+16(SB)/8, $1e-30
DATA ctiny<>+24(SB)/8, $1e-30
GLOBL ctiny<>(SB), RODATA|NOPTR, $32

// SEC runs second-order section k on four lanes: X in XR, y left in YR,
// state in S1 and S2, coefficients at DX (k·160 bytes: b0, b1, b2, a1, a2,
// four lanes each), with fused multiply-adds (cascadeFMA is the
// reference):
//	y = b0·x + s1; s1 = (b1·x + s2) − a1·y; s2 = b2·x − a2·y
#define SEC(k, S1, S2, XR, YR) \
	VMOVAPD S1, YR; \
	VFMADD231PD ((k)*160+0)(DX), XR, YR; \
	VFMADD231PD ((k)*160+32)(DX), XR, S2; \
	VMOVAPD S2, S1; \
	VFNMADD231PD ((k)*160+96)(DX), YR, S1; \
	VMULPD ((k)*160+64)(DX), XR, S2; \
	VFNMADD231PD ((k)*160+128)(DX), YR, S2

// FLUSH zeroes the lanes of R below 1e-30 in magnitude. Uses Y14.
#define FLUSH(R) \
	VANDPD cabsmask<>(SB), R, Y14; \
	VCMPPD $0x11, ctiny<>(SB), Y14, Y14; \
	VANDNPD R, Y14, R

// func cascade1AVX2(x *float64, frames int, cs, st *float64)
TEXT ·cascade1AVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), AX
	MOVQ frames+8(FP), CX
	MOVQ cs+16(FP), DX
	MOVQ st+24(FP), BX
	VMOVUPD 0(BX), Y0
	VMOVUPD 32(BX), Y1
	TESTQ CX, CX
	JZ done1
loop1:
	VMOVUPD (AX), Y12
	SEC(0, Y0, Y1, Y12, Y13)
	FLUSH(Y13)
	VMOVUPD Y13, (AX)
	ADDQ $32, AX
	DECQ CX
	JNZ loop1
done1:
	VMOVUPD Y0, 0(BX)
	VMOVUPD Y1, 32(BX)
	VZEROUPPER
	RET

// func cascade2AVX2(x *float64, frames int, cs, st *float64)
TEXT ·cascade2AVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), AX
	MOVQ frames+8(FP), CX
	MOVQ cs+16(FP), DX
	MOVQ st+24(FP), BX
	VMOVUPD 0(BX), Y0
	VMOVUPD 32(BX), Y1
	VMOVUPD 64(BX), Y2
	VMOVUPD 96(BX), Y3
	TESTQ CX, CX
	JZ done2
loop2:
	VMOVUPD (AX), Y12
	SEC(0, Y0, Y1, Y12, Y13)
	SEC(1, Y2, Y3, Y13, Y12)
	FLUSH(Y12)
	VMOVUPD Y12, (AX)
	ADDQ $32, AX
	DECQ CX
	JNZ loop2
done2:
	VMOVUPD Y0, 0(BX)
	VMOVUPD Y1, 32(BX)
	VMOVUPD Y2, 64(BX)
	VMOVUPD Y3, 96(BX)
	VZEROUPPER
	RET

// func cascade3AVX2(x *float64, frames int, cs, st *float64)
TEXT ·cascade3AVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), AX
	MOVQ frames+8(FP), CX
	MOVQ cs+16(FP), DX
	MOVQ st+24(FP), BX
	VMOVUPD 0(BX), Y0
	VMOVUPD 32(BX), Y1
	VMOVUPD 64(BX), Y2
	VMOVUPD 96(BX), Y3
	VMOVUPD 128(BX), Y4
	VMOVUPD 160(BX), Y5
	TESTQ CX, CX
	JZ done3
loop3:
	VMOVUPD (AX), Y12
	SEC(0, Y0, Y1, Y12, Y13)
	SEC(1, Y2, Y3, Y13, Y12)
	SEC(2, Y4, Y5, Y12, Y13)
	FLUSH(Y13)
	VMOVUPD Y13, (AX)
	ADDQ $32, AX
	DECQ CX
	JNZ loop3
done3:
	VMOVUPD Y0, 0(BX)
	VMOVUPD Y1, 32(BX)
	VMOVUPD Y2, 64(BX)
	VMOVUPD Y3, 96(BX)
	VMOVUPD Y4, 128(BX)
	VMOVUPD Y5, 160(BX)
	VZEROUPPER
	RET

// func cascade4AVX2(x *float64, frames int, cs, st *float64)
TEXT ·cascade4AVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), AX
	MOVQ frames+8(FP), CX
	MOVQ cs+16(FP), DX
	MOVQ st+24(FP), BX
	VMOVUPD 0(BX), Y0
	VMOVUPD 32(BX), Y1
	VMOVUPD 64(BX), Y2
	VMOVUPD 96(BX), Y3
	VMOVUPD 128(BX), Y4
	VMOVUPD 160(BX), Y5
	VMOVUPD 192(BX), Y6
	VMOVUPD 224(BX), Y7
	TESTQ CX, CX
	JZ done4
loop4:
	VMOVUPD (AX), Y12
	SEC(0, Y0, Y1, Y12, Y13)
	SEC(1, Y2, Y3, Y13, Y12)
	SEC(2, Y4, Y5, Y12, Y13)
	SEC(3, Y6, Y7, Y13, Y12)
	FLUSH(Y12)
	VMOVUPD Y12, (AX)
	ADDQ $32, AX
	DECQ CX
	JNZ loop4
done4:
	VMOVUPD Y0, 0(BX)
	VMOVUPD Y1, 32(BX)
	VMOVUPD Y2, 64(BX)
	VMOVUPD Y3, 96(BX)
	VMOVUPD Y4, 128(BX)
	VMOVUPD Y5, 160(BX)
	VMOVUPD Y6, 192(BX)
	VMOVUPD Y7, 224(BX)
	VZEROUPPER
	RET

// func cascade5AVX2(x *float64, frames int, cs, st *float64)
TEXT ·cascade5AVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), AX
	MOVQ frames+8(FP), CX
	MOVQ cs+16(FP), DX
	MOVQ st+24(FP), BX
	VMOVUPD 0(BX), Y0
	VMOVUPD 32(BX), Y1
	VMOVUPD 64(BX), Y2
	VMOVUPD 96(BX), Y3
	VMOVUPD 128(BX), Y4
	VMOVUPD 160(BX), Y5
	VMOVUPD 192(BX), Y6
	VMOVUPD 224(BX), Y7
	VMOVUPD 256(BX), Y8
	VMOVUPD 288(BX), Y9
	TESTQ CX, CX
	JZ done5
loop5:
	VMOVUPD (AX), Y12
	SEC(0, Y0, Y1, Y12, Y13)
	SEC(1, Y2, Y3, Y13, Y12)
	SEC(2, Y4, Y5, Y12, Y13)
	SEC(3, Y6, Y7, Y13, Y12)
	SEC(4, Y8, Y9, Y12, Y13)
	FLUSH(Y13)
	VMOVUPD Y13, (AX)
	ADDQ $32, AX
	DECQ CX
	JNZ loop5
done5:
	VMOVUPD Y0, 0(BX)
	VMOVUPD Y1, 32(BX)
	VMOVUPD Y2, 64(BX)
	VMOVUPD Y3, 96(BX)
	VMOVUPD Y4, 128(BX)
	VMOVUPD Y5, 160(BX)
	VMOVUPD Y6, 192(BX)
	VMOVUPD Y7, 224(BX)
	VMOVUPD Y8, 256(BX)
	VMOVUPD Y9, 288(BX)
	VZEROUPPER
	RET

// func cascade6AVX2(x *float64, frames int, cs, st *float64)
TEXT ·cascade6AVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), AX
	MOVQ frames+8(FP), CX
	MOVQ cs+16(FP), DX
	MOVQ st+24(FP), BX
	VMOVUPD 0(BX), Y0
	VMOVUPD 32(BX), Y1
	VMOVUPD 64(BX), Y2
	VMOVUPD 96(BX), Y3
	VMOVUPD 128(BX), Y4
	VMOVUPD 160(BX), Y5
	VMOVUPD 192(BX), Y6
	VMOVUPD 224(BX), Y7
	VMOVUPD 256(BX), Y8
	VMOVUPD 288(BX), Y9
	VMOVUPD 320(BX), Y10
	VMOVUPD 352(BX), Y11
	TESTQ CX, CX
	JZ done6
loop6:
	VMOVUPD (AX), Y12
	SEC(0, Y0, Y1, Y12, Y13)
	SEC(1, Y2, Y3, Y13, Y12)
	SEC(2, Y4, Y5, Y12, Y13)
	SEC(3, Y6, Y7, Y13, Y12)
	SEC(4, Y8, Y9, Y12, Y13)
	SEC(5, Y10, Y11, Y13, Y12)
	FLUSH(Y12)
	VMOVUPD Y12, (AX)
	ADDQ $32, AX
	DECQ CX
	JNZ loop6
done6:
	VMOVUPD Y0, 0(BX)
	VMOVUPD Y1, 32(BX)
	VMOVUPD Y2, 64(BX)
	VMOVUPD Y3, 96(BX)
	VMOVUPD Y4, 128(BX)
	VMOVUPD Y5, 160(BX)
	VMOVUPD Y6, 192(BX)
	VMOVUPD Y7, 224(BX)
	VMOVUPD Y8, 256(BX)
	VMOVUPD Y9, 288(BX)
	VMOVUPD Y10, 320(BX)
	VMOVUPD Y11, 352(BX)
	VZEROUPPER
	RET

// func gather4AVX2(x *float64, p *[4]*float32, frames int)
//
// x[4i+l] = float64(p[l][i]) for i < frames: four frames at a time by a
// 4×4 transposition, then one at a time.
TEXT ·gather4AVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), AX
	MOVQ p+8(FP), DX
	MOVQ frames+16(FP), CX
	MOVQ 0(DX), R8
	MOVQ 8(DX), R9
	MOVQ 16(DX), R10
	MOVQ 24(DX), R11
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
	VZEROUPPER
	RET

// func scatter4AVX2(x *float64, p *[4]*float32, frames int)
//
// p[l][i] = float32(x[4i+l]) for i < frames.
TEXT ·scatter4AVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), AX
	MOVQ p+8(FP), DX
	MOVQ frames+16(FP), CX
	MOVQ 0(DX), R8
	MOVQ 8(DX), R9
	MOVQ 16(DX), R10
	MOVQ 24(DX), R11
	MOVQ CX, BX
	SHRQ $2, BX
	JZ stail
squad:
	VCVTPD2PSY 0(AX), X0
	VCVTPD2PSY 32(AX), X1
	VCVTPD2PSY 64(AX), X2
	VCVTPD2PSY 96(AX), X3
	VUNPCKLPS X1, X0, X4
	VUNPCKHPS X1, X0, X5
	VUNPCKLPS X3, X2, X6
	VUNPCKHPS X3, X2, X7
	VMOVLHPS X6, X4, X0
	VMOVHLPS X4, X6, X1
	VMOVLHPS X7, X5, X2
	VMOVHLPS X5, X7, X3
	VMOVUPS X0, (R8)
	VMOVUPS X1, (R9)
	VMOVUPS X2, (R10)
	VMOVUPS X3, (R11)
	ADDQ $16, R8
	ADDQ $16, R9
	ADDQ $16, R10
	ADDQ $16, R11
	ADDQ $128, AX
	DECQ BX
	JNZ squad
stail:
	ANDQ $3, CX
	JZ sdone
ssingle:
	VCVTPD2PSY (AX), X0
	VMOVSS X0, (R8)
	VEXTRACTPS $1, X0, (R9)
	VEXTRACTPS $2, X0, (R10)
	VEXTRACTPS $3, X0, (R11)
	ADDQ $4, R8
	ADDQ $4, R9
	ADDQ $4, R10
	ADDQ $4, R11
	ADDQ $32, AX
	DECQ CX
	JNZ ssingle
sdone:
	VZEROUPPER
	RET

// func flush4AVX2(p *float64, quads int)
//
// Sets the values of p[:4·quads] below 1e-30 in magnitude to 0.
TEXT ·flush4AVX2(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), AX
	MOVQ quads+8(FP), CX
	TESTQ CX, CX
	JZ fdone
floop:
	VMOVUPD (AX), Y0
	FLUSH(Y0)
	VMOVUPD Y0, (AX)
	ADDQ $32, AX
	DECQ CX
	JNZ floop
fdone:
	VZEROUPPER
	RET
