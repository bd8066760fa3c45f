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
/* B = 1 input projection ridden along the recurrent tiles (fast_body.h, step_fx): tiles
 * of 6 timesteps x 2 vectors. S2 inference on 2 threads 7-13% faster; 12 x 1 and 4 x 3
 * were slower (more loads a row, or the input kernel streamed from L2 more often), and
 * AVX2's 16 registers do not hold both tiles (2026-11-26). */
#ifndef FX_TS
#define FX_TS 6
#endif
#ifndef FX_NV
#define FX_NV 2
#endif
/* the next panel fetched into L2 along the multi-row tiles (fast_body.h, nx_slice) */
#define NX_PF 1
#include "cpu/fast_body.h"
#endif
