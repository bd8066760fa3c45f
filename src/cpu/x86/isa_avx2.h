/* The vector macros for AVX2 + FMA (8 floats per __m256), shared by the kernels compiled
 * for it (fast_avx2.c, train_fast_avx2.c, gemm_avx2.c; see fast_body.h for what each
 * means). Included inside the file's #if defined(__AVX2__) && defined(__FMA__). The
 * including file defines SFX and the family's own constants. */
#ifndef GRU_CPU_X86_ISA_AVX2_H
#define GRU_CPU_X86_ISA_AVX2_H

#include <immintrin.h>

/* lanes 0..n-1 set */
static inline __m256i gru_tail_avx2(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
/* p * 2^n for integral |n| <= 150: two normal factors */
static inline __m256 gru_scale2_avx2(__m256 p, __m256 n)
{
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
    const __m256i bias = _mm256_set1_epi32(127);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

#define VW 8
#define VEC __m256
#define VZERO() _mm256_setzero_ps()
#define VSET1(x) _mm256_set1_ps(x)
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define VLOADN(p, n) _mm256_maskload_ps((p), gru_tail_avx2(n))
#define VSTOREN(p, v, n) _mm256_maskstore_ps((p), gru_tail_avx2(n), (v))
#define VADD _mm256_add_ps
#define VSUB _mm256_sub_ps
#define VMUL _mm256_mul_ps
#define VDIV _mm256_div_ps
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define VMIN _mm256_min_ps
#define VMAX _mm256_max_ps
#define VSEL_LT(a, b, x, y) _mm256_blendv_ps((y), (x), _mm256_cmp_ps((a), (b), _CMP_LT_OQ))
#define VROUND(x) _mm256_round_ps((x), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define VSCALE2(p, n) gru_scale2_avx2((p), (n))
/* 2^n as a float from k = n + 1.5 * 2^23 (a float whose low mantissa bits are n, as
 * vmath_body.h's vexp_red makes it), n in [-126, 128] (128 gives +inf) */
#define VPOW2K(k)                                                                          \
    _mm256_castsi256_ps(_mm256_add_epi32(_mm256_slli_epi32(_mm256_castps_si256(k), 23),    \
                                         _mm256_set1_epi32(127 << 23)))
#define VABS(x) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), (x))
#define VCOPYSIGN(m, s) _mm256_or_ps(VABS(m), _mm256_and_ps(_mm256_set1_ps(-0.0f), (s)))

#endif
