/* The vector macros for AVX-512 (16 floats per __m512), shared by the kernels compiled
 * for it (fast_avx512.c, train_fast_avx512.c, gemm_avx512.c; see fast_body.h for what
 * each means). Included inside the file's #if defined(__AVX512F__) ...; all of it is
 * AVX-512F. The including file defines SFX and the family's own constants. */
#ifndef GRU_CPU_X86_ISA_AVX512_H
#define GRU_CPU_X86_ISA_AVX512_H

#include <immintrin.h>

#define GRU_TAIL16(n) ((__mmask16)((1u << (n)) - 1u)) /* lanes 0..n-1, n < 16 */

#define VW 16
#define VEC __m512
#define VZERO() _mm512_setzero_ps()
#define VSET1(x) _mm512_set1_ps(x)
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define VLOADN(p, n) _mm512_maskz_loadu_ps(GRU_TAIL16(n), (p))
#define VSTOREN(p, v, n) _mm512_mask_storeu_ps((p), GRU_TAIL16(n), (v))
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

#endif
