/* The fast forward for AVX2 + FMA: 8 units per vector, 16 ymm registers. */
#include "cpu/fast.h"

#if defined(__AVX2__) && defined(__FMA__)
#include "cpu/x86/isa_avx2.h"

#define SFX(name) name##_avx2
#define MR3 4
#define MR2 6
#define MR1 4
#define NG1M GRU__SPG1M
#define NGR3 GRU__SPG3
#define NGR2 GRU__SPG2
#define NGR1 GRU__SPG1
#include "cpu/fast_body.h"
#endif
