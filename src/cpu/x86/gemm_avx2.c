/* The fast float32 GEMM for AVX2 + FMA: tiles of 6 rows x 16 columns (12 ymm accumulators). */
#include "cpu/gemm.h"

#if defined(__AVX2__) && defined(__FMA__)
#include "cpu/x86/isa_avx2.h"

#define SFX(name) name##_avx2_f32
#define GEMM_MR 6
#define GEMM_NV GRU__GEMM_NV_AVX2

#define GEMM_SSE_PACK 1
#define GEMM_VSTREAM(p, v) _mm256_stream_ps((p), (v))
#define GEMM_VALIGN 32
#define GEMM_SFENCE() _mm_sfence()

#include "cpu/gemm_body.h"
#endif
