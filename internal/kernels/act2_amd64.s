//go:build !purego

#include "textflag.h"

// The constants of mathf.go, each as 8 float32 lanes (32 bytes), so that
// they are ymm memory operands. AVX2 has no VSCALEFPS: exp clamps its
// argument to [-87.3, 88.7], where 2ⁿ is a normal float built from its
// exponent bits, and returns 0 below.
DATA avx2C<>+0(SB)/4, $0x42b16666 // expHi = 88.7
DATA avx2C<>+4(SB)/4, $0x42b16666
DATA avx2C<>+8(SB)/4, $0x42b16666
DATA avx2C<>+12(SB)/4, $0x42b16666
DATA avx2C<>+16(SB)/4, $0x42b16666
DATA avx2C<>+20(SB)/4, $0x42b16666
DATA avx2C<>+24(SB)/4, $0x42b16666
DATA avx2C<>+28(SB)/4, $0x42b16666
DATA avx2C<>+32(SB)/4, $0xc2ae999a // expLo = -87.3
DATA avx2C<>+36(SB)/4, $0xc2ae999a
DATA avx2C<>+40(SB)/4, $0xc2ae999a
DATA avx2C<>+44(SB)/4, $0xc2ae999a
DATA avx2C<>+48(SB)/4, $0xc2ae999a
DATA avx2C<>+52(SB)/4, $0xc2ae999a
DATA avx2C<>+56(SB)/4, $0xc2ae999a
DATA avx2C<>+60(SB)/4, $0xc2ae999a
DATA avx2C<>+64(SB)/4, $0x3fb8aa3b // log2e = 1.44269504
DATA avx2C<>+68(SB)/4, $0x3fb8aa3b
DATA avx2C<>+72(SB)/4, $0x3fb8aa3b
DATA avx2C<>+76(SB)/4, $0x3fb8aa3b
DATA avx2C<>+80(SB)/4, $0x3fb8aa3b
DATA avx2C<>+84(SB)/4, $0x3fb8aa3b
DATA avx2C<>+88(SB)/4, $0x3fb8aa3b
DATA avx2C<>+92(SB)/4, $0x3fb8aa3b
DATA avx2C<>+96(SB)/4, $0x3f317200 // ln2Hi = 0.693145752
DATA avx2C<>+100(SB)/4, $0x3f317200
DATA avx2C<>+104(SB)/4, $0x3f317200
DATA avx2C<>+108(SB)/4, $0x3f317200
DATA avx2C<>+112(SB)/4, $0x3f317200
DATA avx2C<>+116(SB)/4, $0x3f317200
DATA avx2C<>+120(SB)/4, $0x3f317200
DATA avx2C<>+124(SB)/4, $0x3f317200
DATA avx2C<>+128(SB)/4, $0x35bfbe8e // ln2Lo = 1.42860677e-06
DATA avx2C<>+132(SB)/4, $0x35bfbe8e
DATA avx2C<>+136(SB)/4, $0x35bfbe8e
DATA avx2C<>+140(SB)/4, $0x35bfbe8e
DATA avx2C<>+144(SB)/4, $0x35bfbe8e
DATA avx2C<>+148(SB)/4, $0x35bfbe8e
DATA avx2C<>+152(SB)/4, $0x35bfbe8e
DATA avx2C<>+156(SB)/4, $0x35bfbe8e
DATA avx2C<>+160(SB)/4, $0x39500d01 // C7 = 0.0001984126984126984
DATA avx2C<>+164(SB)/4, $0x39500d01
DATA avx2C<>+168(SB)/4, $0x39500d01
DATA avx2C<>+172(SB)/4, $0x39500d01
DATA avx2C<>+176(SB)/4, $0x39500d01
DATA avx2C<>+180(SB)/4, $0x39500d01
DATA avx2C<>+184(SB)/4, $0x39500d01
DATA avx2C<>+188(SB)/4, $0x39500d01
DATA avx2C<>+192(SB)/4, $0x3ab60b61 // C6 = 0.001388888888888889
DATA avx2C<>+196(SB)/4, $0x3ab60b61
DATA avx2C<>+200(SB)/4, $0x3ab60b61
DATA avx2C<>+204(SB)/4, $0x3ab60b61
DATA avx2C<>+208(SB)/4, $0x3ab60b61
DATA avx2C<>+212(SB)/4, $0x3ab60b61
DATA avx2C<>+216(SB)/4, $0x3ab60b61
DATA avx2C<>+220(SB)/4, $0x3ab60b61
DATA avx2C<>+224(SB)/4, $0x3c088889 // C5 = 0.008333333333333333
DATA avx2C<>+228(SB)/4, $0x3c088889
DATA avx2C<>+232(SB)/4, $0x3c088889
DATA avx2C<>+236(SB)/4, $0x3c088889
DATA avx2C<>+240(SB)/4, $0x3c088889
DATA avx2C<>+244(SB)/4, $0x3c088889
DATA avx2C<>+248(SB)/4, $0x3c088889
DATA avx2C<>+252(SB)/4, $0x3c088889
DATA avx2C<>+256(SB)/4, $0x3d2aaaab // C4 = 0.041666666666666664
DATA avx2C<>+260(SB)/4, $0x3d2aaaab
DATA avx2C<>+264(SB)/4, $0x3d2aaaab
DATA avx2C<>+268(SB)/4, $0x3d2aaaab
DATA avx2C<>+272(SB)/4, $0x3d2aaaab
DATA avx2C<>+276(SB)/4, $0x3d2aaaab
DATA avx2C<>+280(SB)/4, $0x3d2aaaab
DATA avx2C<>+284(SB)/4, $0x3d2aaaab
DATA avx2C<>+288(SB)/4, $0x3e2aaaab // C3 = 0.16666666666666666
DATA avx2C<>+292(SB)/4, $0x3e2aaaab
DATA avx2C<>+296(SB)/4, $0x3e2aaaab
DATA avx2C<>+300(SB)/4, $0x3e2aaaab
DATA avx2C<>+304(SB)/4, $0x3e2aaaab
DATA avx2C<>+308(SB)/4, $0x3e2aaaab
DATA avx2C<>+312(SB)/4, $0x3e2aaaab
DATA avx2C<>+316(SB)/4, $0x3e2aaaab
DATA avx2C<>+320(SB)/4, $0x3f000000 // half = 0.5
DATA avx2C<>+324(SB)/4, $0x3f000000
DATA avx2C<>+328(SB)/4, $0x3f000000
DATA avx2C<>+332(SB)/4, $0x3f000000
DATA avx2C<>+336(SB)/4, $0x3f000000
DATA avx2C<>+340(SB)/4, $0x3f000000
DATA avx2C<>+344(SB)/4, $0x3f000000
DATA avx2C<>+348(SB)/4, $0x3f000000
DATA avx2C<>+352(SB)/4, $0x3f800000 // one = 1.0
DATA avx2C<>+356(SB)/4, $0x3f800000
DATA avx2C<>+360(SB)/4, $0x3f800000
DATA avx2C<>+364(SB)/4, $0x3f800000
DATA avx2C<>+368(SB)/4, $0x3f800000
DATA avx2C<>+372(SB)/4, $0x3f800000
DATA avx2C<>+376(SB)/4, $0x3f800000
DATA avx2C<>+380(SB)/4, $0x3f800000
DATA avx2C<>+384(SB)/4, $0x3f3504f3 // sqrt1_2 = 0.707106781
DATA avx2C<>+388(SB)/4, $0x3f3504f3
DATA avx2C<>+392(SB)/4, $0x3f3504f3
DATA avx2C<>+396(SB)/4, $0x3f3504f3
DATA avx2C<>+400(SB)/4, $0x3f3504f3
DATA avx2C<>+404(SB)/4, $0x3f3504f3
DATA avx2C<>+408(SB)/4, $0x3f3504f3
DATA avx2C<>+412(SB)/4, $0x3f3504f3
DATA avx2C<>+416(SB)/4, $0x41200000 // ten = 10.0
DATA avx2C<>+420(SB)/4, $0x41200000
DATA avx2C<>+424(SB)/4, $0x41200000
DATA avx2C<>+428(SB)/4, $0x41200000
DATA avx2C<>+432(SB)/4, $0x41200000
DATA avx2C<>+436(SB)/4, $0x41200000
DATA avx2C<>+440(SB)/4, $0x41200000
DATA avx2C<>+444(SB)/4, $0x41200000
DATA avx2C<>+448(SB)/4, $0x3ecccccd // p04 = 0.4
DATA avx2C<>+452(SB)/4, $0x3ecccccd
DATA avx2C<>+456(SB)/4, $0x3ecccccd
DATA avx2C<>+460(SB)/4, $0x3ecccccd
DATA avx2C<>+464(SB)/4, $0x3ecccccd
DATA avx2C<>+468(SB)/4, $0x3ecccccd
DATA avx2C<>+472(SB)/4, $0x3ecccccd
DATA avx2C<>+476(SB)/4, $0x3ecccccd
DATA avx2C<>+480(SB)/4, $0x3e67215d // e0 = 0.225713205
DATA avx2C<>+484(SB)/4, $0x3e67215d
DATA avx2C<>+488(SB)/4, $0x3e67215d
DATA avx2C<>+492(SB)/4, $0x3e67215d
DATA avx2C<>+496(SB)/4, $0x3e67215d
DATA avx2C<>+500(SB)/4, $0x3e67215d
DATA avx2C<>+504(SB)/4, $0x3e67215d
DATA avx2C<>+508(SB)/4, $0x3e67215d
DATA avx2C<>+512(SB)/4, $0x3e663863 // e1 = 0.224824472
DATA avx2C<>+516(SB)/4, $0x3e663863
DATA avx2C<>+520(SB)/4, $0x3e663863
DATA avx2C<>+524(SB)/4, $0x3e663863
DATA avx2C<>+528(SB)/4, $0x3e663863
DATA avx2C<>+532(SB)/4, $0x3e663863
DATA avx2C<>+536(SB)/4, $0x3e663863
DATA avx2C<>+540(SB)/4, $0x3e663863
DATA avx2C<>+544(SB)/4, $0x3e5d34bb // e2 = 0.216021466
DATA avx2C<>+548(SB)/4, $0x3e5d34bb
DATA avx2C<>+552(SB)/4, $0x3e5d34bb
DATA avx2C<>+556(SB)/4, $0x3e5d34bb
DATA avx2C<>+560(SB)/4, $0x3e5d34bb
DATA avx2C<>+564(SB)/4, $0x3e5d34bb
DATA avx2C<>+568(SB)/4, $0x3e5d34bb
DATA avx2C<>+572(SB)/4, $0x3e5d34bb
DATA avx2C<>+576(SB)/4, $0x3dfea7cd // e3 = 0.124343495
DATA avx2C<>+580(SB)/4, $0x3dfea7cd
DATA avx2C<>+584(SB)/4, $0x3dfea7cd
DATA avx2C<>+588(SB)/4, $0x3dfea7cd
DATA avx2C<>+592(SB)/4, $0x3dfea7cd
DATA avx2C<>+596(SB)/4, $0x3dfea7cd
DATA avx2C<>+600(SB)/4, $0x3dfea7cd
DATA avx2C<>+604(SB)/4, $0x3dfea7cd
DATA avx2C<>+608(SB)/4, $0x3e937841 // e4 = 0.288026841
DATA avx2C<>+612(SB)/4, $0x3e937841
DATA avx2C<>+616(SB)/4, $0x3e937841
DATA avx2C<>+620(SB)/4, $0x3e937841
DATA avx2C<>+624(SB)/4, $0x3e937841
DATA avx2C<>+628(SB)/4, $0x3e937841
DATA avx2C<>+632(SB)/4, $0x3e937841
DATA avx2C<>+636(SB)/4, $0x3e937841
DATA avx2C<>+640(SB)/4, $0xbea14906 // e5 = -0.315010252
DATA avx2C<>+644(SB)/4, $0xbea14906
DATA avx2C<>+648(SB)/4, $0xbea14906
DATA avx2C<>+652(SB)/4, $0xbea14906
DATA avx2C<>+656(SB)/4, $0xbea14906
DATA avx2C<>+660(SB)/4, $0xbea14906
DATA avx2C<>+664(SB)/4, $0xbea14906
DATA avx2C<>+668(SB)/4, $0xbea14906
DATA avx2C<>+672(SB)/4, $0x3f15d4fb // e6 = 0.585281077
DATA avx2C<>+676(SB)/4, $0x3f15d4fb
DATA avx2C<>+680(SB)/4, $0x3f15d4fb
DATA avx2C<>+684(SB)/4, $0x3f15d4fb
DATA avx2C<>+688(SB)/4, $0x3f15d4fb
DATA avx2C<>+692(SB)/4, $0x3f15d4fb
DATA avx2C<>+696(SB)/4, $0x3f15d4fb
DATA avx2C<>+700(SB)/4, $0x3f15d4fb
DATA avx2C<>+704(SB)/4, $0xbf072298 // e7 = -0.527871633
DATA avx2C<>+708(SB)/4, $0xbf072298
DATA avx2C<>+712(SB)/4, $0xbf072298
DATA avx2C<>+716(SB)/4, $0xbf072298
DATA avx2C<>+720(SB)/4, $0xbf072298
DATA avx2C<>+724(SB)/4, $0xbf072298
DATA avx2C<>+728(SB)/4, $0xbf072298
DATA avx2C<>+732(SB)/4, $0xbf072298
DATA avx2C<>+736(SB)/4, $0x3e57affb // e8 = 0.210632251
DATA avx2C<>+740(SB)/4, $0x3e57affb
DATA avx2C<>+744(SB)/4, $0x3e57affb
DATA avx2C<>+748(SB)/4, $0x3e57affb
DATA avx2C<>+752(SB)/4, $0x3e57affb
DATA avx2C<>+756(SB)/4, $0x3e57affb
DATA avx2C<>+760(SB)/4, $0x3e57affb
DATA avx2C<>+764(SB)/4, $0x3e57affb
DATA avx2C<>+768(SB)/4, $0xbd02e973 // e9 = -0.031960917
DATA avx2C<>+772(SB)/4, $0xbd02e973
DATA avx2C<>+776(SB)/4, $0xbd02e973
DATA avx2C<>+780(SB)/4, $0xbd02e973
DATA avx2C<>+784(SB)/4, $0xbd02e973
DATA avx2C<>+788(SB)/4, $0xbd02e973
DATA avx2C<>+792(SB)/4, $0xbd02e973
DATA avx2C<>+796(SB)/4, $0xbd02e973
DATA avx2C<>+800(SB)/4, $0x3d372713 // c044715 = 0.044715
DATA avx2C<>+804(SB)/4, $0x3d372713
DATA avx2C<>+808(SB)/4, $0x3d372713
DATA avx2C<>+812(SB)/4, $0x3d372713
DATA avx2C<>+816(SB)/4, $0x3d372713
DATA avx2C<>+820(SB)/4, $0x3d372713
DATA avx2C<>+824(SB)/4, $0x3d372713
DATA avx2C<>+828(SB)/4, $0x3d372713
DATA avx2C<>+832(SB)/4, $0xbfcc422a // tanhC = -1.5957691216
DATA avx2C<>+836(SB)/4, $0xbfcc422a
DATA avx2C<>+840(SB)/4, $0xbfcc422a
DATA avx2C<>+844(SB)/4, $0xbfcc422a
DATA avx2C<>+848(SB)/4, $0xbfcc422a
DATA avx2C<>+852(SB)/4, $0xbfcc422a
DATA avx2C<>+856(SB)/4, $0xbfcc422a
DATA avx2C<>+860(SB)/4, $0xbfcc422a
DATA avx2C<>+864(SB)/4, $0xbfd9db23 // m1702 = -1.702
DATA avx2C<>+868(SB)/4, $0xbfd9db23
DATA avx2C<>+872(SB)/4, $0xbfd9db23
DATA avx2C<>+876(SB)/4, $0xbfd9db23
DATA avx2C<>+880(SB)/4, $0xbfd9db23
DATA avx2C<>+884(SB)/4, $0xbfd9db23
DATA avx2C<>+888(SB)/4, $0xbfd9db23
DATA avx2C<>+892(SB)/4, $0xbfd9db23
DATA avx2C<>+896(SB)/4, $0x7fffffff // absmask = abs mask
DATA avx2C<>+900(SB)/4, $0x7fffffff
DATA avx2C<>+904(SB)/4, $0x7fffffff
DATA avx2C<>+908(SB)/4, $0x7fffffff
DATA avx2C<>+912(SB)/4, $0x7fffffff
DATA avx2C<>+916(SB)/4, $0x7fffffff
DATA avx2C<>+920(SB)/4, $0x7fffffff
DATA avx2C<>+924(SB)/4, $0x7fffffff
DATA avx2C<>+928(SB)/4, $0x0000007f // i127 = int 127
DATA avx2C<>+932(SB)/4, $0x0000007f
DATA avx2C<>+936(SB)/4, $0x0000007f
DATA avx2C<>+940(SB)/4, $0x0000007f
DATA avx2C<>+944(SB)/4, $0x0000007f
DATA avx2C<>+948(SB)/4, $0x0000007f
DATA avx2C<>+952(SB)/4, $0x0000007f
DATA avx2C<>+956(SB)/4, $0x0000007f
GLOBL avx2C<>(SB), RODATA|NOPTR, $960

// EXP(x, n, p, m) replaces x by exp(x); n, p and m are clobbered.
#define EXP(x, n, p, m) \
	VCMPPS $5, avx2C<>+32(SB), x, m; \
	VMOVUPS avx2C<>+0(SB), n; \
	VMINPS x, n, x; \
	VMOVUPS avx2C<>+32(SB), n; \
	VMAXPS x, n, x; \
	VMULPS avx2C<>+64(SB), x, n; \
	VROUNDPS $0, n, n; \
	VFNMADD231PS avx2C<>+96(SB), n, x; \
	VFNMADD231PS avx2C<>+128(SB), n, x; \
	VMOVUPS avx2C<>+160(SB), p; \
	VFMADD213PS avx2C<>+192(SB), x, p; \
	VFMADD213PS avx2C<>+224(SB), x, p; \
	VFMADD213PS avx2C<>+256(SB), x, p; \
	VFMADD213PS avx2C<>+288(SB), x, p; \
	VFMADD213PS avx2C<>+320(SB), x, p; \
	VFMADD213PS avx2C<>+352(SB), x, p; \
	VFMADD213PS avx2C<>+352(SB), x, p; \
	VCVTPS2DQ n, n; \
	VPADDD avx2C<>+928(SB), n, n; \
	VPSLLD $23, n, n; \
	VMULPS n, p, x; \
	VANDPS m, x, x

// ACT applies act (R10) to Y1 (Y0 = 0; Y2–Y7 clobbered).
#define ACT(gelu, tanh, relu, quick, done) \
	CMPQ R10, $1; \
	JEQ gelu; \
	CMPQ R10, $2; \
	JEQ tanh; \
	CMPQ R10, $3; \
	JEQ relu; \
	CMPQ R10, $4; \
	JEQ quick; \
	JMP done; \
	gelu:; \
	VANDPS avx2C<>+896(SB), Y1, Y2; \
	VMULPS avx2C<>+384(SB), Y2, Y2; \
	VMOVUPS avx2C<>+416(SB), Y3; \
	VMINPS Y2, Y3, Y2; \
	VMOVUPS avx2C<>+448(SB), Y3; \
	VFMADD213PS avx2C<>+352(SB), Y3, Y2; \
	VMOVUPS avx2C<>+352(SB), Y3; \
	VDIVPS Y2, Y3, Y3; \
	VMOVUPS avx2C<>+768(SB), Y4; \
	VFMADD213PS avx2C<>+736(SB), Y3, Y4; \
	VFMADD213PS avx2C<>+704(SB), Y3, Y4; \
	VFMADD213PS avx2C<>+672(SB), Y3, Y4; \
	VFMADD213PS avx2C<>+640(SB), Y3, Y4; \
	VFMADD213PS avx2C<>+608(SB), Y3, Y4; \
	VFMADD213PS avx2C<>+576(SB), Y3, Y4; \
	VFMADD213PS avx2C<>+544(SB), Y3, Y4; \
	VFMADD213PS avx2C<>+512(SB), Y3, Y4; \
	VFMADD213PS avx2C<>+480(SB), Y3, Y4; \
	VMULPS Y3, Y4, Y4; \
	VMULPS Y1, Y1, Y5; \
	VMOVAPS Y5, Y6; \
	VFMSUB231PS Y1, Y1, Y6; \
	VMULPS avx2C<>+320(SB), Y5, Y5; \
	VMULPS avx2C<>+320(SB), Y6, Y6; \
	VSUBPS Y5, Y0, Y5; \
	EXP(Y5, Y7, Y2, Y3); \
	VFNMADD231PS Y5, Y6, Y5; \
	VMULPS avx2C<>+320(SB), Y5, Y5; \
	VMULPS Y4, Y5, Y5; \
	VMOVUPS avx2C<>+352(SB), Y6; \
	VSUBPS Y5, Y6, Y6; \
	VCMPPS $13, Y0, Y1, Y2; \
	VBLENDVPS Y2, Y6, Y5, Y5; \
	VMULPS Y5, Y1, Y1; \
	JMP done; \
	tanh:; \
	VMULPS avx2C<>+800(SB), Y1, Y2; \
	VFMADD213PS avx2C<>+352(SB), Y1, Y2; \
	VMULPS avx2C<>+832(SB), Y1, Y3; \
	VMULPS Y2, Y3, Y3; \
	EXP(Y3, Y4, Y5, Y6); \
	VADDPS avx2C<>+352(SB), Y3, Y3; \
	VDIVPS Y3, Y1, Y1; \
	JMP done; \
	relu:; \
	VMAXPS Y1, Y0, Y1; \
	JMP done; \
	quick:; \
	VMULPS avx2C<>+864(SB), Y1, Y3; \
	EXP(Y3, Y4, Y5, Y6); \
	VADDPS avx2C<>+352(SB), Y3, Y3; \
	VDIVPS Y3, Y1, Y1

// func epiAVX2(dst *float32, ldd int, src *float32, lds int, bias, res *float32, rows, cols int, act Act)
//
// epiGeneric in AVX2 for cols a multiple of 8.
TEXT ·epiAVX2(SB), NOSPLIT, $0-65
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R13
	SHLQ $2, R13
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R14
	SHLQ $2, R14
	MOVQ bias+32(FP), R8
	MOVQ res+40(FP), R9
	MOVQ rows+48(FP), BX
	MOVQ cols+56(FP), CX
	MOVBQZX act+64(FP), R10
	VXORPS Y0, Y0, Y0
	TESTQ BX, BX
	JEQ epidone
row:
	XORQ AX, AX
col:
	CMPQ AX, CX
	JGE nextrow
	VMOVUPS (SI)(AX*4), Y1
	TESTQ R8, R8
	JEQ nobias
	VADDPS (R8)(AX*4), Y1, Y1
nobias:
	ACT(gelu, tanh, relu, quick, actdone)
actdone:
	TESTQ R9, R9
	JEQ nores
	VADDPS (R9)(AX*4), Y1, Y1
nores:
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ $8, AX
	JMP col
nextrow:
	ADDQ R13, DI
	ADDQ R14, SI
	TESTQ R9, R9
	JEQ 2(PC)
	ADDQ R13, R9
	DECQ BX
	JNZ row
epidone:
	VZEROUPPER
	RET

// func expSumAVX2(x *float32, n int, m, scale float32) float32
//
// expSumGeneric in AVX2 for n a multiple of 8.
TEXT ·expSumAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS m+16(FP), Y8
	VBROADCASTSS scale+20(FP), Y9
	VXORPS Y10, Y10, Y10
	XORQ AX, AX
expl:
	CMPQ AX, CX
	JGE expdone
	VMOVUPS (SI)(AX*4), Y1
	VSUBPS Y8, Y1, Y1
	VMULPS Y9, Y1, Y1
	EXP(Y1, Y2, Y3, Y4)
	VMOVUPS Y1, (SI)(AX*4)
	VADDPS Y1, Y10, Y10
	ADDQ $8, AX
	JMP expl
expdone:
	VEXTRACTF128 $1, Y10, X2
	VADDPS X2, X10, X1
	VMOVHLPS X1, X2, X2
	VADDPS X2, X1, X1
	VMOVSHDUP X1, X2
	VADDSS X2, X1, X1
	VMOVSS X1, ret+24(FP)
	VZEROUPPER
	RET

// func maxAVX2(x *float32, n int) float32
//
// maxGeneric in AVX2 for n a multiple of 8, n ≥ 8.
TEXT ·maxAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VMOVUPS (SI), Y10
	MOVQ $8, AX
maxl:
	CMPQ AX, CX
	JGE maxdone
	VMAXPS (SI)(AX*4), Y10, Y10
	ADDQ $8, AX
	JMP maxl
maxdone:
	VEXTRACTF128 $1, Y10, X2
	VMAXPS X2, X10, X1
	VMOVHLPS X1, X2, X2
	VMAXPS X2, X1, X1
	VMOVSHDUP X1, X2
	VMAXSS X2, X1, X1
	VMOVSS X1, ret+16(FP)
	VZEROUPPER
	RET

// func scaleAVX2(x *float32, n int, s float32)
//
// scaleGeneric in AVX2 for n a multiple of 8.
TEXT ·scaleAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS s+16(FP), Y8
	XORQ AX, AX
scl:
	CMPQ AX, CX
	JGE scdone
	VMULPS (SI)(AX*4), Y8, Y1
	VMOVUPS Y1, (SI)(AX*4)
	ADDQ $8, AX
	JMP scl
scdone:
	VZEROUPPER
	RET
