#include "textflag.h"

// Sign-bit mask for absolute values.
DATA absmask<>+0(SB)/8, $0x7fffffffffffffff
GLOBL absmask<>(SB), RODATA|NOPTR, $8

// One eighth.
DATA eighth<>+0(SB)/8, $0.125
GLOBL eighth<>(SB), RODATA|NOPTR, $8

// func firAbsAVX2(out *float64, x *float64, r *float64, taps int, n int)
//
// For i in [0, n): out[i] = |Σ_{k<taps} r[k]·x[i+k]|, summed in the order
// of k. Thirty-two outputs (eight accumulators of four lanes) share each
// broadcast coefficient; a tail of groups of four follows.
TEXT ·firAbsAVX2(SB), NOSPLIT, $0-40
	MOVQ         out+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         r+16(FP), DX
	MOVQ         taps+24(FP), CX
	MOVQ         n+32(FP), BX
	VBROADCASTSD absmask<>(SB), Y9

big:
	CMPQ   BX, $32
	JLT    small
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	MOVQ   SI, R8
	MOVQ   DX, R9
	MOVQ   CX, R10

bigtap:
	VBROADCASTSD (R9), Y8
	VFMADD231PD  (R8), Y8, Y0
	VFMADD231PD  32(R8), Y8, Y1
	VFMADD231PD  64(R8), Y8, Y2
	VFMADD231PD  96(R8), Y8, Y3
	VFMADD231PD  128(R8), Y8, Y4
	VFMADD231PD  160(R8), Y8, Y5
	VFMADD231PD  192(R8), Y8, Y6
	VFMADD231PD  224(R8), Y8, Y7
	ADDQ         $8, R8
	ADDQ         $8, R9
	DECQ         R10
	JNZ          bigtap

	VANDPD  Y9, Y0, Y0
	VANDPD  Y9, Y1, Y1
	VANDPD  Y9, Y2, Y2
	VANDPD  Y9, Y3, Y3
	VANDPD  Y9, Y4, Y4
	VANDPD  Y9, Y5, Y5
	VANDPD  Y9, Y6, Y6
	VANDPD  Y9, Y7, Y7
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	VMOVUPD Y4, 128(DI)
	VMOVUPD Y5, 160(DI)
	VMOVUPD Y6, 192(DI)
	VMOVUPD Y7, 224(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	SUBQ    $32, BX
	JMP     big

small:
	CMPQ   BX, $4
	JLT    done
	VXORPD Y0, Y0, Y0
	MOVQ   SI, R8
	MOVQ   DX, R9
	MOVQ   CX, R10

smalltap:
	VBROADCASTSD (R9), Y8
	VFMADD231PD  (R8), Y8, Y0
	ADDQ         $8, R8
	ADDQ         $8, R9
	DECQ         R10
	JNZ          smalltap

	VANDPD  Y9, Y0, Y0
	VMOVUPD Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $4, BX
	JMP     small

done:
	VZEROUPPER
	RET

// func peakMaxAVX2(q, a, lo, hi *float64, n int, clamp float64)
//
// For i in [0, n), n a multiple of 4:
// q[i] = max(q[i], min(a[i] + 0.125·|lo[i] − hi[i]|, a[i]·clamp)).
// For values that are not NaN, VMINPD/VMAXPD agree with Go's min and max.
TEXT ·peakMaxAVX2(SB), NOSPLIT, $0-48
	MOVQ         q+0(FP), DI
	MOVQ         a+8(FP), SI
	MOVQ         lo+16(FP), R8
	MOVQ         hi+24(FP), R9
	MOVQ         n+32(FP), CX
	VBROADCASTSD clamp+40(FP), Y7
	VBROADCASTSD absmask<>(SB), Y6
	VBROADCASTSD eighth<>(SB), Y5
	XORQ         AX, AX

loop:
	CMPQ    AX, CX
	JGE     end
	VMOVUPD (SI)(AX*8), Y0       // a
	VMOVUPD (R8)(AX*8), Y1       // lo
	VSUBPD  (R9)(AX*8), Y1, Y1   // lo - hi
	VANDPD  Y6, Y1, Y1           // |lo - hi|
	VMULPD  Y5, Y1, Y1           // 0.125·|lo - hi|
	VADDPD  Y1, Y0, Y1           // a + 0.125·|lo - hi|
	VMULPD  Y7, Y0, Y2           // a·clamp
	VMINPD  Y2, Y1, Y1
	VMAXPD  (DI)(AX*8), Y1, Y1
	VMOVUPD Y1, (DI)(AX*8)
	ADDQ    $4, AX
	JMP     loop

end:
	VZEROUPPER
	RET
