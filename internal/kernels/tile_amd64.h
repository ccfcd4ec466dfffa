// Shared by the 6×64 micro-kernels (tile_amd64.s, bf16_amd64.s, int8_amd64.s):
// Z0–Z23 are the tile's accumulators, row i in Z4i…Z4i+3; c is row 0 of
// the tile in memory, c3 row 3, ld the row stride in bytes.

// ZERO24 clears the accumulators.
#define ZERO24 \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7; \
	VPXORD Z8, Z8, Z8; \
	VPXORD Z9, Z9, Z9; \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11; \
	VPXORD Z12, Z12, Z12; \
	VPXORD Z13, Z13, Z13; \
	VPXORD Z14, Z14, Z14; \
	VPXORD Z15, Z15, Z15; \
	VPXORD Z16, Z16, Z16; \
	VPXORD Z17, Z17, Z17; \
	VPXORD Z18, Z18, Z18; \
	VPXORD Z19, Z19, Z19; \
	VPXORD Z20, Z20, Z20; \
	VPXORD Z21, Z21, Z21; \
	VPXORD Z22, Z22, Z22; \
	VPXORD Z23, Z23, Z23

// LOAD24 loads the accumulators from the tile with mov.
#define LOAD24(mov, c, c3, ld) \
	mov 0(c), Z0; \
	mov 64(c), Z1; \
	mov 128(c), Z2; \
	mov 192(c), Z3; \
	mov 0(c)(ld*1), Z4; \
	mov 64(c)(ld*1), Z5; \
	mov 128(c)(ld*1), Z6; \
	mov 192(c)(ld*1), Z7; \
	mov 0(c)(ld*2), Z8; \
	mov 64(c)(ld*2), Z9; \
	mov 128(c)(ld*2), Z10; \
	mov 192(c)(ld*2), Z11; \
	mov 0(c3), Z12; \
	mov 64(c3), Z13; \
	mov 128(c3), Z14; \
	mov 192(c3), Z15; \
	mov 0(c3)(ld*1), Z16; \
	mov 64(c3)(ld*1), Z17; \
	mov 128(c3)(ld*1), Z18; \
	mov 192(c3)(ld*1), Z19; \
	mov 0(c3)(ld*2), Z20; \
	mov 64(c3)(ld*2), Z21; \
	mov 128(c3)(ld*2), Z22; \
	mov 192(c3)(ld*2), Z23

// STORE24 stores the accumulators to the tile with mov.
#define STORE24(mov, c, c3, ld) \
	mov Z0, 0(c); \
	mov Z1, 64(c); \
	mov Z2, 128(c); \
	mov Z3, 192(c); \
	mov Z4, 0(c)(ld*1); \
	mov Z5, 64(c)(ld*1); \
	mov Z6, 128(c)(ld*1); \
	mov Z7, 192(c)(ld*1); \
	mov Z8, 0(c)(ld*2); \
	mov Z9, 64(c)(ld*2); \
	mov Z10, 128(c)(ld*2); \
	mov Z11, 192(c)(ld*2); \
	mov Z12, 0(c3); \
	mov Z13, 64(c3); \
	mov Z14, 128(c3); \
	mov Z15, 192(c3); \
	mov Z16, 0(c3)(ld*1); \
	mov Z17, 64(c3)(ld*1); \
	mov Z18, 128(c3)(ld*1); \
	mov Z19, 192(c3)(ld*1); \
	mov Z20, 0(c3)(ld*2); \
	mov Z21, 64(c3)(ld*2); \
	mov Z22, 128(c3)(ld*2); \
	mov Z23, 192(c3)(ld*2)

// ADD24 adds the tile to the accumulators with add.
#define ADD24(add, c, c3, ld) \
	add 0(c), Z0, Z0; \
	add 64(c), Z1, Z1; \
	add 128(c), Z2, Z2; \
	add 192(c), Z3, Z3; \
	add 0(c)(ld*1), Z4, Z4; \
	add 64(c)(ld*1), Z5, Z5; \
	add 128(c)(ld*1), Z6, Z6; \
	add 192(c)(ld*1), Z7, Z7; \
	add 0(c)(ld*2), Z8, Z8; \
	add 64(c)(ld*2), Z9, Z9; \
	add 128(c)(ld*2), Z10, Z10; \
	add 192(c)(ld*2), Z11, Z11; \
	add 0(c3), Z12, Z12; \
	add 64(c3), Z13, Z13; \
	add 128(c3), Z14, Z14; \
	add 192(c3), Z15, Z15; \
	add 0(c3)(ld*1), Z16, Z16; \
	add 64(c3)(ld*1), Z17, Z17; \
	add 128(c3)(ld*1), Z18, Z18; \
	add 192(c3)(ld*1), Z19, Z19; \
	add 0(c3)(ld*2), Z20, Z20; \
	add 64(c3)(ld*2), Z21, Z21; \
	add 128(c3)(ld*2), Z22, Z22; \
	add 192(c3)(ld*2), Z23, Z23
