/* The fast float32 GEMM for AVX2 + FMA: tiles of 6 rows x 16 columns (12 ymm accumulators). */
#include "cpu/gemm.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

static inline __m256i gemm_tail_avx2(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

#define SFX(name) name##_avx2_f32
#define VW 8
#define VEC __m256
#define VZERO() _mm256_setzero_ps()
#define VSET1(x) _mm256_set1_ps(x)
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define VLOADN(p, n) _mm256_maskload_ps((p), gemm_tail_avx2(n))
#define VSTOREN(p, v, n) _mm256_maskstore_ps((p), gemm_tail_avx2(n), (v))
#define VADD _mm256_add_ps
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define GEMM_MR 6
#define GEMM_NV 2

#define GEMM_SSE_PACK 1

#include "cpu/gemm_body.h"
#endif
