/* The fast float32 training pass for AVX2 + FMA: 8 floats per vector, products through
 * the AVX2 GEMM. */
#include "cpu/train_fast.h"
#include "cpu/gemm.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

static inline __m256i tf_tail_avx2(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
/* p * 2^n for integral |n| <= 150: two normal factors */
static inline __m256 tf_scale2_avx2(__m256 p, __m256 n)
{
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
    const __m256i bias = _mm256_set1_epi32(127);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

#define SFX(name) name##_avx2
#define VW 8
#define VEC __m256
#define VZERO() _mm256_setzero_ps()
#define VSET1(x) _mm256_set1_ps(x)
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define VLOADN(p, n) _mm256_maskload_ps((p), tf_tail_avx2(n))
#define VSTOREN(p, v, n) _mm256_maskstore_ps((p), tf_tail_avx2(n), (v))
#define VADD _mm256_add_ps
#define VSUB _mm256_sub_ps
#define VMUL _mm256_mul_ps
#define VDIV _mm256_div_ps
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define VMIN _mm256_min_ps
#define VMAX _mm256_max_ps
#define VSEL_LT(a, b, x, y) _mm256_blendv_ps((y), (x), _mm256_cmp_ps((a), (b), _CMP_LT_OQ))
#define VROUND(x) _mm256_round_ps((x), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define VSCALE2(p, n) tf_scale2_avx2((p), (n))
#define VABS(x) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), (x))
#define VCOPYSIGN(m, s) _mm256_or_ps(VABS(m), _mm256_and_ps(_mm256_set1_ps(-0.0f), (s)))
#define TF_GEMM gru__gemm_avx2_f32
#define TF_GEMM_PB gru__gemm_pb_avx2_f32
#define TF_GEMM_PACKB gru__gemm_pack_b_avx2_f32
#define TF_GEMM_NR 16 /* the GEMM's strip width (GEMM_NV * VW of gemm_avx2.c) */

#include "cpu/train_fast_body.h"
#endif
