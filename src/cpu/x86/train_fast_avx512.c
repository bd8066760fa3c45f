/* The fast float32 training pass for AVX-512 (F, DQ): 16 floats per vector, products
 * through the AVX-512 GEMM. */
#include "cpu/train_fast.h"
#include "cpu/gemm.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>

#define TF_TAIL16(n) ((__mmask16)((1u << (n)) - 1u))

#define SFX(name) name##_avx512
#define VW 16
#define VEC __m512
#define VZERO() _mm512_setzero_ps()
#define VSET1(x) _mm512_set1_ps(x)
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define VLOADN(p, n) _mm512_maskz_loadu_ps(TF_TAIL16(n), (p))
#define VSTOREN(p, v, n) _mm512_mask_storeu_ps((p), TF_TAIL16(n), (v))
#define VADD _mm512_add_ps
#define VSUB _mm512_sub_ps
#define VMUL _mm512_mul_ps
#define VDIV _mm512_div_ps
#define VFMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define VMIN _mm512_min_ps
#define VMAX _mm512_max_ps
#define VSEL_LT(a, b, x, y) _mm512_mask_blend_ps(_mm512_cmp_ps_mask((a), (b), _CMP_LT_OQ), (y), (x))
#define VROUND(x) _mm512_roundscale_ps((x), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define VSCALE2(p, n) _mm512_scalef_ps((p), (n))
#define VABS(x) _mm512_abs_ps(x)
#define VCOPYSIGN(m, s) _mm512_or_ps(_mm512_abs_ps(m), _mm512_and_ps(_mm512_set1_ps(-0.0f), (s)))
#define TF_GEMM gru__gemm_avx512_f32
#define TF_GEMM_PB gru__gemm_pb_avx512_f32
#define TF_GEMM_PACKB gru__gemm_pack_b_avx512_f32
#define TF_GEMM_NR 32 /* the GEMM's strip width (GEMM_NV * VW of gemm_avx512.c) */

#include "cpu/train_fast_body.h"
#endif
