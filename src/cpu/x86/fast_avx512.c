/* The fast forward for AVX-512 (F, DQ, BW, VL): 16 units per vector, 32 zmm registers. */
#include "cpu/fast.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include "cpu/x86/isa_avx512.h"

#define SFX(name) name##_avx512
#define MR3 8
/* z | r tiles of 8 rows (16 accumulators): measured 3-5% faster than 12 rows (24) on S5
 * with reset_after = FALSE, one thread (2026-11-26) */
#define MR2 8
#define MR1 8
#define NG1M GRU__SPG1M
#define NGR3 GRU__SPG3
#define NGR2 GRU__SPG2
#define NGR1 GRU__SPG1
#include "cpu/fast_body.h"
#endif
