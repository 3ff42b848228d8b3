// The compressor's gain computer on four lanes (see compgain.go, whose
// compGainGo is the reference: the same operations in the same order).

#include "textflag.h"

// Offsets of the compLanes fields (checked by TestCompLanesLayout).
#define OFF_GR 0
#define OFF_ACTIVE 32
#define OFF_SUM 64
#define OFF_MAX 96
#define OFF_ATTA 128
#define OFF_RELA 160
#define OFF_ATTB 192
#define OFF_RELB 224
#define OFF_KNEESTART 256
#define OFF_THR 288
#define OFF_KNEE 320
#define OFF_NEGKNEE 352
#define OFF_HALFKNEE 384
#define OFF_INVTWOKNEE 416
#define OFF_SLOPE 448
#define OFF_DRY 480
#define OFF_WETSCALE 512

DATA cgmant<>+0(SB)/4, $0x007fffff
DATA cgmant<>+4(SB)/4, $0x007fffff
DATA cgmant<>+8(SB)/4, $0x007fffff
DATA cgmant<>+12(SB)/4, $0x007fffff
DATA cgmant<>+16(SB)/4, $0x007fffff
DATA cgmant<>+20(SB)/4, $0x007fffff
DATA cgmant<>+24(SB)/4, $0x007fffff
DATA cgmant<>+28(SB)/4, $0x007fffff
GLOBL cgmant<>(SB), RODATA|NOPTR, $32
DATA cg127<>+0(SB)/4, $0x0000007f
DATA cg127<>+4(SB)/4, $0x0000007f
DATA cg127<>+8(SB)/4, $0x0000007f
DATA cg127<>+12(SB)/4, $0x0000007f
DATA cg127<>+16(SB)/4, $0x0000007f
DATA cg127<>+20(SB)/4, $0x0000007f
DATA cg127<>+24(SB)/4, $0x0000007f
DATA cg127<>+28(SB)/4, $0x0000007f
GLOBL cg127<>(SB), RODATA|NOPTR, $32
DATA cgone<>+0(SB)/4, $0x3f800000
DATA cgone<>+4(SB)/4, $0x3f800000
DATA cgone<>+8(SB)/4, $0x3f800000
DATA cgone<>+12(SB)/4, $0x3f800000
DATA cgone<>+16(SB)/4, $0x3f800000
DATA cgone<>+20(SB)/4, $0x3f800000
DATA cgone<>+24(SB)/4, $0x3f800000
DATA cgone<>+28(SB)/4, $0x3f800000
GLOBL cgone<>(SB), RODATA|NOPTR, $32
DATA cghalf<>+0(SB)/4, $0x3f000000
DATA cghalf<>+4(SB)/4, $0x3f000000
DATA cghalf<>+8(SB)/4, $0x3f000000
DATA cghalf<>+12(SB)/4, $0x3f000000
DATA cghalf<>+16(SB)/4, $0x3f000000
DATA cghalf<>+20(SB)/4, $0x3f000000
DATA cghalf<>+24(SB)/4, $0x3f000000
DATA cghalf<>+28(SB)/4, $0x3f000000
GLOBL cghalf<>(SB), RODATA|NOPTR, $32
DATA cgsqrt2<>+0(SB)/4, $0x3fb504f3
DATA cgsqrt2<>+4(SB)/4, $0x3fb504f3
DATA cgsqrt2<>+8(SB)/4, $0x3fb504f3
DATA cgsqrt2<>+12(SB)/4, $0x3fb504f3
DATA cgsqrt2<>+16(SB)/4, $0x3fb504f3
DATA cgsqrt2<>+20(SB)/4, $0x3fb504f3
DATA cgsqrt2<>+24(SB)/4, $0x3fb504f3
DATA cgsqrt2<>+28(SB)/4, $0x3fb504f3
GLOBL cgsqrt2<>(SB), RODATA|NOPTR, $32
DATA cgdb<>+0(SB)/4, $0x4040a8c1
DATA cgdb<>+4(SB)/4, $0x4040a8c1
DATA cgdb<>+8(SB)/4, $0x4040a8c1
DATA cgdb<>+12(SB)/4, $0x4040a8c1
DATA cgdb<>+16(SB)/4, $0x4040a8c1
DATA cgdb<>+20(SB)/4, $0x4040a8c1
DATA cgdb<>+24(SB)/4, $0x4040a8c1
DATA cgdb<>+28(SB)/4, $0x4040a8c1
GLOBL cgdb<>(SB), RODATA|NOPTR, $32
DATA cg400<>+0(SB)/4, $0x43c80000
DATA cg400<>+4(SB)/4, $0x43c80000
DATA cg400<>+8(SB)/4, $0x43c80000
DATA cg400<>+12(SB)/4, $0x43c80000
DATA cg400<>+16(SB)/4, $0x43c80000
DATA cg400<>+20(SB)/4, $0x43c80000
DATA cg400<>+24(SB)/4, $0x43c80000
DATA cg400<>+28(SB)/4, $0x43c80000
GLOBL cg400<>(SB), RODATA|NOPTR, $32
DATA cgmagic<>+0(SB)/4, $0x4b400000
DATA cgmagic<>+4(SB)/4, $0x4b400000
DATA cgmagic<>+8(SB)/4, $0x4b400000
DATA cgmagic<>+12(SB)/4, $0x4b400000
DATA cgmagic<>+16(SB)/4, $0x4b400000
DATA cgmagic<>+20(SB)/4, $0x4b400000
DATA cgmagic<>+24(SB)/4, $0x4b400000
DATA cgmagic<>+28(SB)/4, $0x4b400000
GLOBL cgmagic<>(SB), RODATA|NOPTR, $32
DATA cgl0<>+0(SB)/4, $0x3fb8aa47
DATA cgl0<>+4(SB)/4, $0x3fb8aa47
DATA cgl0<>+8(SB)/4, $0x3fb8aa47
DATA cgl0<>+12(SB)/4, $0x3fb8aa47
DATA cgl0<>+16(SB)/4, $0x3fb8aa47
DATA cgl0<>+20(SB)/4, $0x3fb8aa47
DATA cgl0<>+24(SB)/4, $0x3fb8aa47
DATA cgl0<>+28(SB)/4, $0x3fb8aa47
GLOBL cgl0<>(SB), RODATA|NOPTR, $32
DATA cgl1<>+0(SB)/4, $0xbf38ab50
DATA cgl1<>+4(SB)/4, $0xbf38ab50
DATA cgl1<>+8(SB)/4, $0xbf38ab50
DATA cgl1<>+12(SB)/4, $0xbf38ab50
DATA cgl1<>+16(SB)/4, $0xbf38ab50
DATA cgl1<>+20(SB)/4, $0xbf38ab50
DATA cgl1<>+24(SB)/4, $0xbf38ab50
DATA cgl1<>+28(SB)/4, $0xbf38ab50
GLOBL cgl1<>(SB), RODATA|NOPTR, $32
DATA cgl2<>+0(SB)/4, $0x3ef61506
DATA cgl2<>+4(SB)/4, $0x3ef61506
DATA cgl2<>+8(SB)/4, $0x3ef61506
DATA cgl2<>+12(SB)/4, $0x3ef61506
DATA cgl2<>+16(SB)/4, $0x3ef61506
DATA cgl2<>+20(SB)/4, $0x3ef61506
DATA cgl2<>+24(SB)/4, $0x3ef61506
DATA cgl2<>+28(SB)/4, $0x3ef61506
GLOBL cgl2<>(SB), RODATA|NOPTR, $32
DATA cgl3<>+0(SB)/4, $0xbeb7fccf
DATA cgl3<>+4(SB)/4, $0xbeb7fccf
DATA cgl3<>+8(SB)/4, $0xbeb7fccf
DATA cgl3<>+12(SB)/4, $0xbeb7fccf
DATA cgl3<>+16(SB)/4, $0xbeb7fccf
DATA cgl3<>+20(SB)/4, $0xbeb7fccf
DATA cgl3<>+24(SB)/4, $0xbeb7fccf
DATA cgl3<>+28(SB)/4, $0xbeb7fccf
GLOBL cgl3<>(SB), RODATA|NOPTR, $32
DATA cgl4<>+0(SB)/4, $0x3e975d4a
DATA cgl4<>+4(SB)/4, $0x3e975d4a
DATA cgl4<>+8(SB)/4, $0x3e975d4a
DATA cgl4<>+12(SB)/4, $0x3e975d4a
DATA cgl4<>+16(SB)/4, $0x3e975d4a
DATA cgl4<>+20(SB)/4, $0x3e975d4a
DATA cgl4<>+24(SB)/4, $0x3e975d4a
DATA cgl4<>+28(SB)/4, $0x3e975d4a
GLOBL cgl4<>(SB), RODATA|NOPTR, $32
DATA cgl5<>+0(SB)/4, $0xbe89fcba
DATA cgl5<>+4(SB)/4, $0xbe89fcba
DATA cgl5<>+8(SB)/4, $0xbe89fcba
DATA cgl5<>+12(SB)/4, $0xbe89fcba
DATA cgl5<>+16(SB)/4, $0xbe89fcba
DATA cgl5<>+20(SB)/4, $0xbe89fcba
DATA cgl5<>+24(SB)/4, $0xbe89fcba
DATA cgl5<>+28(SB)/4, $0xbe89fcba
GLOBL cgl5<>(SB), RODATA|NOPTR, $32
DATA cgl6<>+0(SB)/4, $0x3e304284
DATA cgl6<>+4(SB)/4, $0x3e304284
DATA cgl6<>+8(SB)/4, $0x3e304284
DATA cgl6<>+12(SB)/4, $0x3e304284
DATA cgl6<>+16(SB)/4, $0x3e304284
DATA cgl6<>+20(SB)/4, $0x3e304284
DATA cgl6<>+24(SB)/4, $0x3e304284
DATA cgl6<>+28(SB)/4, $0x3e304284
GLOBL cgl6<>(SB), RODATA|NOPTR, $32
DATA cge0<>+0(SB)/4, $0x3f317218
DATA cge0<>+4(SB)/4, $0x3f317218
DATA cge0<>+8(SB)/4, $0x3f317218
DATA cge0<>+12(SB)/4, $0x3f317218
DATA cge0<>+16(SB)/4, $0x3f317218
DATA cge0<>+20(SB)/4, $0x3f317218
DATA cge0<>+24(SB)/4, $0x3f317218
DATA cge0<>+28(SB)/4, $0x3f317218
GLOBL cge0<>(SB), RODATA|NOPTR, $32
DATA cge1<>+0(SB)/4, $0x3e75fd25
DATA cge1<>+4(SB)/4, $0x3e75fd25
DATA cge1<>+8(SB)/4, $0x3e75fd25
DATA cge1<>+12(SB)/4, $0x3e75fd25
DATA cge1<>+16(SB)/4, $0x3e75fd25
DATA cge1<>+20(SB)/4, $0x3e75fd25
DATA cge1<>+24(SB)/4, $0x3e75fd25
DATA cge1<>+28(SB)/4, $0x3e75fd25
GLOBL cge1<>(SB), RODATA|NOPTR, $32
DATA cge2<>+0(SB)/4, $0x3d6357b6
DATA cge2<>+4(SB)/4, $0x3d6357b6
DATA cge2<>+8(SB)/4, $0x3d6357b6
DATA cge2<>+12(SB)/4, $0x3d6357b6
DATA cge2<>+16(SB)/4, $0x3d6357b6
DATA cge2<>+20(SB)/4, $0x3d6357b6
DATA cge2<>+24(SB)/4, $0x3d6357b6
DATA cge2<>+28(SB)/4, $0x3d6357b6
GLOBL cge2<>(SB), RODATA|NOPTR, $32
DATA cge3<>+0(SB)/4, $0x3c1e5fb6
DATA cge3<>+4(SB)/4, $0x3c1e5fb6
DATA cge3<>+8(SB)/4, $0x3c1e5fb6
DATA cge3<>+12(SB)/4, $0x3c1e5fb6
DATA cge3<>+16(SB)/4, $0x3c1e5fb6
DATA cge3<>+20(SB)/4, $0x3c1e5fb6
DATA cge3<>+24(SB)/4, $0x3c1e5fb6
DATA cge3<>+28(SB)/4, $0x3c1e5fb6
GLOBL cge3<>(SB), RODATA|NOPTR, $32
DATA cge4<>+0(SB)/4, $0x3aaf844b
DATA cge4<>+4(SB)/4, $0x3aaf844b
DATA cge4<>+8(SB)/4, $0x3aaf844b
DATA cge4<>+12(SB)/4, $0x3aaf844b
DATA cge4<>+16(SB)/4, $0x3aaf844b
DATA cge4<>+20(SB)/4, $0x3aaf844b
DATA cge4<>+24(SB)/4, $0x3aaf844b
DATA cge4<>+28(SB)/4, $0x3aaf844b
GLOBL cge4<>(SB), RODATA|NOPTR, $32
DATA cgfloor<>+0(SB)/8, $0x3e112e0be826d695
DATA cgfloor<>+8(SB)/8, $0x3e112e0be826d695
DATA cgfloor<>+16(SB)/8, $0x3e112e0be826d695
DATA cgfloor<>+24(SB)/8, $0x3e112e0be826d695
GLOBL cgfloor<>(SB), RODATA|NOPTR, $32
DATA cgactive<>+0(SB)/8, $0x3fb999999999999a
DATA cgactive<>+8(SB)/8, $0x3fb999999999999a
DATA cgactive<>+16(SB)/8, $0x3fb999999999999a
DATA cgactive<>+24(SB)/8, $0x3fb999999999999a
GLOBL cgactive<>(SB), RODATA|NOPTR, $32
DATA cgdone<>+0(SB)/8, $0x3ff0000000000000
DATA cgdone<>+8(SB)/8, $0x3ff0000000000000
DATA cgdone<>+16(SB)/8, $0x3ff0000000000000
DATA cgdone<>+24(SB)/8, $0x3ff0000000000000
GLOBL cgdone<>(SB), RODATA|NOPTR, $32
DATA cgexpscale<>+0(SB)/8, $0xbfc542a5a12e1c5b
DATA cgexpscale<>+8(SB)/8, $0xbfc542a5a12e1c5b
DATA cgexpscale<>+16(SB)/8, $0xbfc542a5a12e1c5b
DATA cgexpscale<>+24(SB)/8, $0xbfc542a5a12e1c5b
GLOBL cgexpscale<>(SB), RODATA|NOPTR, $32

// The kernel is three passes over the frames, separate functions so that
// a batch of eight compressors can interleave the smoothing of its two
// groups (compPassB2AVX2): (A) the target reduction of each frame
// (float32, four frames at a time), (B) the smoothing, frame after frame,
// with the statistics (float64), (C) the wet factors (float32, two frames
// at a time).

// func compPassAAVX2(k *compLanes, pw, t *float32, frames int)
TEXT ·compPassAAVX2(SB), NOSPLIT, $0-32
	MOVQ k+0(FP), DI
	MOVQ frames+24(FP), CX
	TESTQ CX, CX
	JZ retA
	// Pass A: target reductions, four frames (two pairs, two independent
	// streams of operations) at a time. Y15 holds 1.
	VMOVUPS cgone<>(SB), Y15
	MOVQ pw+8(FP), SI
	MOVQ t+16(FP), DX
	MOVQ CX, BX
	SHRQ $2, BX
	JZ pairA
passA:
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y7
	VANDPS cgmant<>(SB), Y0, Y1
	VANDPS cgmant<>(SB), Y7, Y8
	VORPS Y15, Y1, Y1
	VORPS Y15, Y8, Y8
	VPSRLD $23, Y0, Y2
	VPSRLD $23, Y7, Y9
	VPSUBD cg127<>(SB), Y2, Y2
	VPSUBD cg127<>(SB), Y9, Y9
	VCVTDQ2PS Y2, Y2
	VCVTDQ2PS Y9, Y9
	VCMPPS $0x1e, cgsqrt2<>(SB), Y1, Y3
	VCMPPS $0x1e, cgsqrt2<>(SB), Y8, Y10
	VMULPS cghalf<>(SB), Y1, Y4
	VMULPS cghalf<>(SB), Y8, Y11
	VBLENDVPS Y3, Y4, Y1, Y1
	VBLENDVPS Y10, Y11, Y8, Y8
	VANDPS Y15, Y3, Y3
	VANDPS Y15, Y10, Y10
	VADDPS Y3, Y2, Y2
	VADDPS Y10, Y9, Y9
	VSUBPS Y15, Y1, Y1
	VSUBPS Y15, Y8, Y8
	VMULPS cgl6<>(SB), Y1, Y4
	VMULPS cgl6<>(SB), Y8, Y11
	VADDPS cgl5<>(SB), Y4, Y4
	VADDPS cgl5<>(SB), Y11, Y11
	VMULPS Y1, Y4, Y4
	VMULPS Y8, Y11, Y11
	VADDPS cgl4<>(SB), Y4, Y4
	VADDPS cgl4<>(SB), Y11, Y11
	VMULPS Y1, Y4, Y4
	VMULPS Y8, Y11, Y11
	VADDPS cgl3<>(SB), Y4, Y4
	VADDPS cgl3<>(SB), Y11, Y11
	VMULPS Y1, Y4, Y4
	VMULPS Y8, Y11, Y11
	VADDPS cgl2<>(SB), Y4, Y4
	VADDPS cgl2<>(SB), Y11, Y11
	VMULPS Y1, Y4, Y4
	VMULPS Y8, Y11, Y11
	VADDPS cgl1<>(SB), Y4, Y4
	VADDPS cgl1<>(SB), Y11, Y11
	VMULPS Y1, Y4, Y4
	VMULPS Y8, Y11, Y11
	VADDPS cgl0<>(SB), Y4, Y4
	VADDPS cgl0<>(SB), Y11, Y11
	VMULPS Y1, Y4, Y4
	VMULPS Y8, Y11, Y11
	VADDPS Y4, Y2, Y2
	VADDPS Y11, Y9, Y9
	VMULPS cgdb<>(SB), Y2, Y2
	VMULPS cgdb<>(SB), Y9, Y9
	VMINPS cg400<>(SB), Y2, Y2
	VMINPS cg400<>(SB), Y9, Y9
	VSUBPS OFF_THR(DI), Y2, Y2
	VSUBPS OFF_THR(DI), Y9, Y9
	VADDPS Y2, Y2, Y3
	VADDPS Y9, Y9, Y10
	VMULPS OFF_SLOPE(DI), Y2, Y4
	VMULPS OFF_SLOPE(DI), Y9, Y11
	VADDPS OFF_HALFKNEE(DI), Y2, Y1
	VADDPS OFF_HALFKNEE(DI), Y9, Y8
	VMULPS OFF_SLOPE(DI), Y1, Y5
	VMULPS OFF_SLOPE(DI), Y8, Y12
	VMULPS Y1, Y5, Y5
	VMULPS Y8, Y12, Y12
	VMULPS OFF_INVTWOKNEE(DI), Y5, Y5
	VMULPS OFF_INVTWOKNEE(DI), Y12, Y12
	VCMPPS $0x1d, OFF_KNEE(DI), Y3, Y6
	VCMPPS $0x1d, OFF_KNEE(DI), Y10, Y13
	VBLENDVPS Y6, Y4, Y5, Y4
	VBLENDVPS Y13, Y11, Y12, Y11
	VCMPPS $0x12, OFF_NEGKNEE(DI), Y3, Y6
	VCMPPS $0x12, OFF_NEGKNEE(DI), Y10, Y13
	VANDNPS Y4, Y6, Y4
	VANDNPS Y11, Y13, Y11
	VCMPPS $0x1e, OFF_KNEESTART(DI), Y0, Y6
	VCMPPS $0x1e, OFF_KNEESTART(DI), Y7, Y13
	VANDPS Y6, Y4, Y4
	VANDPS Y13, Y11, Y11
	VMOVUPS Y4, 0(DX)
	VMOVUPS Y11, 32(DX)
	ADDQ $64, SI
	ADDQ $64, DX
	DECQ BX
	JNZ passA
pairA:
	TESTQ $2, CX
	JZ tailA
	VMOVUPS 0(SI), Y0
	VANDPS cgmant<>(SB), Y0, Y1
	VORPS Y15, Y1, Y1
	VPSRLD $23, Y0, Y2
	VPSUBD cg127<>(SB), Y2, Y2
	VCVTDQ2PS Y2, Y2
	VCMPPS $0x1e, cgsqrt2<>(SB), Y1, Y3
	VMULPS cghalf<>(SB), Y1, Y4
	VBLENDVPS Y3, Y4, Y1, Y1
	VANDPS Y15, Y3, Y3
	VADDPS Y3, Y2, Y2
	VSUBPS Y15, Y1, Y1
	VMULPS cgl6<>(SB), Y1, Y4
	VADDPS cgl5<>(SB), Y4, Y4
	VMULPS Y1, Y4, Y4
	VADDPS cgl4<>(SB), Y4, Y4
	VMULPS Y1, Y4, Y4
	VADDPS cgl3<>(SB), Y4, Y4
	VMULPS Y1, Y4, Y4
	VADDPS cgl2<>(SB), Y4, Y4
	VMULPS Y1, Y4, Y4
	VADDPS cgl1<>(SB), Y4, Y4
	VMULPS Y1, Y4, Y4
	VADDPS cgl0<>(SB), Y4, Y4
	VMULPS Y1, Y4, Y4
	VADDPS Y4, Y2, Y2
	VMULPS cgdb<>(SB), Y2, Y2
	VMINPS cg400<>(SB), Y2, Y2
	VSUBPS OFF_THR(DI), Y2, Y2
	VADDPS Y2, Y2, Y3
	VMULPS OFF_SLOPE(DI), Y2, Y4
	VADDPS OFF_HALFKNEE(DI), Y2, Y1
	VMULPS OFF_SLOPE(DI), Y1, Y5
	VMULPS Y1, Y5, Y5
	VMULPS OFF_INVTWOKNEE(DI), Y5, Y5
	VCMPPS $0x1d, OFF_KNEE(DI), Y3, Y6
	VBLENDVPS Y6, Y4, Y5, Y4
	VCMPPS $0x12, OFF_NEGKNEE(DI), Y3, Y6
	VANDNPS Y4, Y6, Y4
	VCMPPS $0x1e, OFF_KNEESTART(DI), Y0, Y6
	VANDPS Y6, Y4, Y4
	VMOVUPS Y4, 0(DX)
	ADDQ $32, SI
	ADDQ $32, DX
tailA:
	TESTQ $1, CX
	JZ retA
	VMOVUPS 0(SI), X0
	VANDPS cgmant<>(SB), X0, X1
	VORPS X15, X1, X1
	VPSRLD $23, X0, X2
	VPSUBD cg127<>(SB), X2, X2
	VCVTDQ2PS X2, X2
	VCMPPS $0x1e, cgsqrt2<>(SB), X1, X3
	VMULPS cghalf<>(SB), X1, X4
	VBLENDVPS X3, X4, X1, X1
	VANDPS X15, X3, X3
	VADDPS X3, X2, X2
	VSUBPS X15, X1, X1
	VMULPS cgl6<>(SB), X1, X4
	VADDPS cgl5<>(SB), X4, X4
	VMULPS X1, X4, X4
	VADDPS cgl4<>(SB), X4, X4
	VMULPS X1, X4, X4
	VADDPS cgl3<>(SB), X4, X4
	VMULPS X1, X4, X4
	VADDPS cgl2<>(SB), X4, X4
	VMULPS X1, X4, X4
	VADDPS cgl1<>(SB), X4, X4
	VMULPS X1, X4, X4
	VADDPS cgl0<>(SB), X4, X4
	VMULPS X1, X4, X4
	VADDPS X4, X2, X2
	VMULPS cgdb<>(SB), X2, X2
	VMINPS cg400<>(SB), X2, X2
	VSUBPS OFF_THR(DI), X2, X2
	VADDPS X2, X2, X3
	VMULPS OFF_SLOPE(DI), X2, X4
	VADDPS OFF_HALFKNEE(DI), X2, X1
	VMULPS OFF_SLOPE(DI), X1, X5
	VMULPS X1, X5, X5
	VMULPS OFF_INVTWOKNEE(DI), X5, X5
	VCMPPS $0x1d, OFF_KNEE(DI), X3, X6
	VBLENDVPS X6, X4, X5, X4
	VCMPPS $0x12, OFF_NEGKNEE(DI), X3, X6
	VANDNPS X4, X6, X4
	VCMPPS $0x1e, OFF_KNEESTART(DI), X0, X6
	VANDPS X6, X4, X4
	VMOVUPS X4, 0(DX)

retA:
	VZEROUPPER
	RET

// func compPassBAVX2(k *compLanes, t *float32, grs *float64, frames int)
TEXT ·compPassBAVX2(SB), NOSPLIT, $0-32
	MOVQ k+0(FP), DI
	MOVQ frames+24(FP), CX
	TESTQ CX, CX
	JZ retB
	// Pass B: smoothing and statistics. Y4 to Y7 hold the attack and
	// release coefficients a and 1-a, Y12 1, Y13 the active threshold,
	// Y14 the floor.
	MOVQ t+8(FP), DX
	MOVQ grs+16(FP), R8
	MOVQ CX, BX
	VMOVUPD OFF_GR(DI), Y0
	VMOVUPD OFF_ACTIVE(DI), Y1
	VMOVUPD OFF_SUM(DI), Y2
	VMOVUPD OFF_MAX(DI), Y3
	VMOVUPD OFF_ATTA(DI), Y4
	VMOVUPD OFF_ATTB(DI), Y5
	VMOVUPD OFF_RELA(DI), Y6
	VMOVUPD OFF_RELB(DI), Y7
	VMOVUPD cgdone<>(SB), Y12
	VMOVUPD cgactive<>(SB), Y13
	VMOVUPD cgfloor<>(SB), Y14
passB:
	// g = t > g ? (1-att)·g + att·t : (1-rel)·g + rel·t; g < 1e-9: 0.
	VMOVUPS (DX), X8
	VCVTPS2PD X8, Y8
	VMULPD Y4, Y8, Y9
	VMULPD Y6, Y8, Y10
	VCMPPD $0x1e, Y0, Y8, Y11
	VMULPD Y5, Y0, Y8
	VMULPD Y7, Y0, Y15
	VADDPD Y9, Y8, Y8
	VADDPD Y10, Y15, Y15
	VBLENDVPD Y11, Y8, Y15, Y0
	VCMPPD $0x15, Y14, Y0, Y11
	VANDPD Y11, Y0, Y0
	VMOVUPD Y0, (R8)
	VCMPPD $0x1e, Y13, Y0, Y11
	VANDPD Y12, Y11, Y10
	VADDPD Y10, Y1, Y1
	VANDPD Y0, Y11, Y10
	VADDPD Y10, Y2, Y2
	VMAXPD Y3, Y0, Y3
	ADDQ $16, DX
	ADDQ $32, R8
	DECQ BX
	JNZ passB
	VMOVUPD Y0, OFF_GR(DI)
	VMOVUPD Y1, OFF_ACTIVE(DI)
	VMOVUPD Y2, OFF_SUM(DI)
	VMOVUPD Y3, OFF_MAX(DI)

retB:
	VZEROUPPER
	RET

// func compPassCAVX2(k *compLanes, grs *float64, gains *float32, frames int)
TEXT ·compPassCAVX2(SB), NOSPLIT, $0-32
	MOVQ k+0(FP), DI
	MOVQ frames+24(FP), CX
	TESTQ CX, CX
	JZ retC
	// Pass C: wet factors. Y6 to Y15 hold constants.
	VMOVUPS cgmagic<>(SB), Y6
	VMOVUPS cge0<>(SB), Y7
	VMOVUPS cge1<>(SB), Y8
	VMOVUPS cge2<>(SB), Y9
	VMOVUPS cge3<>(SB), Y10
	VMOVUPS cge4<>(SB), Y11
	VMOVUPS cgone<>(SB), Y12
	VMOVUPS OFF_WETSCALE(DI), Y13
	VMOVUPS OFF_DRY(DI), Y14
	MOVQ grs+8(FP), R8
	MOVQ gains+16(FP), DX
	MOVQ CX, BX
	SHRQ $1, BX
	JZ tailC
passC:
	VMOVUPD (R8), Y0
	VMOVUPD 32(R8), Y1
	VMULPD cgexpscale<>(SB), Y0, Y0
	VMULPD cgexpscale<>(SB), Y1, Y1
	VCVTPD2PSY Y0, X0
	VCVTPD2PSY Y1, X1
	VINSERTF128 $1, X1, Y0, Y0
	VADDPS Y6, Y0, Y2
	VSUBPS Y6, Y2, Y3
	VSUBPS Y3, Y0, Y0
	VMULPS Y11, Y0, Y4
	VADDPS Y10, Y4, Y4
	VMULPS Y0, Y4, Y4
	VADDPS Y9, Y4, Y4
	VMULPS Y0, Y4, Y4
	VADDPS Y8, Y4, Y4
	VMULPS Y0, Y4, Y4
	VADDPS Y7, Y4, Y4
	VMULPS Y0, Y4, Y4
	VADDPS Y12, Y4, Y4
	VPSLLD $23, Y2, Y2
	VPADDD Y2, Y4, Y4
	VMULPS Y13, Y4, Y4
	VADDPS Y14, Y4, Y4
	VMOVUPS Y4, (DX)
	ADDQ $32, DX
	ADDQ $64, R8
	DECQ BX
	JNZ passC
tailC:
	TESTQ $1, CX
	JZ retC
	VMOVUPD (R8), Y0
	VMULPD cgexpscale<>(SB), Y0, Y0
	VCVTPD2PSY Y0, X0
	VADDPS X6, X0, X2
	VSUBPS X6, X2, X3
	VSUBPS X3, X0, X0
	VMULPS X11, X0, X4
	VADDPS X10, X4, X4
	VMULPS X0, X4, X4
	VADDPS X9, X4, X4
	VMULPS X0, X4, X4
	VADDPS X8, X4, X4
	VMULPS X0, X4, X4
	VADDPS X7, X4, X4
	VMULPS X0, X4, X4
	VADDPS X12, X4, X4
	VPSLLD $23, X2, X2
	VPADDD X2, X4, X4
	VMULPS X13, X4, X4
	VADDPS X14, X4, X4
	VMOVUPS X4, (DX)

retC:
	VZEROUPPER
	RET

// func compPassB2AVX2(k1, k2 *compLanes, t1, t2 *float32, grs1, grs2 *float64, frames int)
//
// compPassBAVX2 for two groups at once: their recurrences are
// independent, so each one's chain of dependent operations runs while the
// other's waits.
TEXT ·compPassB2AVX2(SB), NOSPLIT, $0-56
	MOVQ k1+0(FP), DI
	MOVQ k2+8(FP), SI
	MOVQ t1+16(FP), DX
	MOVQ t2+24(FP), R9
	MOVQ grs1+32(FP), R8
	MOVQ grs2+40(FP), R10
	MOVQ frames+48(FP), CX
	TESTQ CX, CX
	JZ retB2
	VMOVUPD OFF_GR(DI), Y0
	VMOVUPD OFF_ACTIVE(DI), Y1
	VMOVUPD OFF_SUM(DI), Y2
	VMOVUPD OFF_MAX(DI), Y3
	VMOVUPD OFF_GR(SI), Y4
	VMOVUPD OFF_ACTIVE(SI), Y5
	VMOVUPD OFF_SUM(SI), Y6
	VMOVUPD OFF_MAX(SI), Y7
passB2:
	VMOVUPS (DX), X8
	VMOVUPS (R9), X12
	VCVTPS2PD X8, Y8
	VCVTPS2PD X12, Y12
	VMULPD OFF_ATTA(DI), Y8, Y9
	VMULPD OFF_ATTA(SI), Y12, Y13
	VMULPD OFF_RELA(DI), Y8, Y10
	VMULPD OFF_RELA(SI), Y12, Y14
	VCMPPD $0x1e, Y0, Y8, Y11
	VCMPPD $0x1e, Y4, Y12, Y15
	VMULPD OFF_ATTB(DI), Y0, Y8
	VMULPD OFF_ATTB(SI), Y4, Y12
	VADDPD Y9, Y8, Y8
	VADDPD Y13, Y12, Y12
	VMULPD OFF_RELB(DI), Y0, Y9
	VMULPD OFF_RELB(SI), Y4, Y13
	VADDPD Y10, Y9, Y9
	VADDPD Y14, Y13, Y13
	VBLENDVPD Y11, Y8, Y9, Y0
	VBLENDVPD Y15, Y12, Y13, Y4
	VCMPPD $0x15, cgfloor<>(SB), Y0, Y11
	VCMPPD $0x15, cgfloor<>(SB), Y4, Y15
	VANDPD Y11, Y0, Y0
	VANDPD Y15, Y4, Y4
	VMOVUPD Y0, (R8)
	VMOVUPD Y4, (R10)
	VCMPPD $0x1e, cgactive<>(SB), Y0, Y11
	VCMPPD $0x1e, cgactive<>(SB), Y4, Y15
	VANDPD cgdone<>(SB), Y11, Y10
	VANDPD cgdone<>(SB), Y15, Y14
	VADDPD Y10, Y1, Y1
	VADDPD Y14, Y5, Y5
	VANDPD Y0, Y11, Y10
	VANDPD Y4, Y15, Y14
	VADDPD Y10, Y2, Y2
	VADDPD Y14, Y6, Y6
	VMAXPD Y3, Y0, Y3
	VMAXPD Y7, Y4, Y7
	ADDQ $16, DX
	ADDQ $16, R9
	ADDQ $32, R8
	ADDQ $32, R10
	DECQ CX
	JNZ passB2
	VMOVUPD Y0, OFF_GR(DI)
	VMOVUPD Y1, OFF_ACTIVE(DI)
	VMOVUPD Y2, OFF_SUM(DI)
	VMOVUPD Y3, OFF_MAX(DI)
	VMOVUPD Y4, OFF_GR(SI)
	VMOVUPD Y5, OFF_ACTIVE(SI)
	VMOVUPD Y6, OFF_SUM(SI)
	VMOVUPD Y7, OFF_MAX(SI)
retB2:
	VZEROUPPER
	RET
