/* The fast float32 GEMM for AVX-512F: tiles of 12 rows x 32 columns (24 zmm accumulators). */
#include "cpu/gemm.h"

#if defined(__AVX512F__)
#include <immintrin.h>

#define GEMM_TAIL16(n) ((__mmask16)((1u << (n)) - 1u))

#define SFX(name) name##_avx512_f32
#define VW 16
#define VEC __m512
#define VZERO() _mm512_setzero_ps()
#define VSET1(x) _mm512_set1_ps(x)
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define VLOADN(p, n) _mm512_maskz_loadu_ps(GEMM_TAIL16(n), (p))
#define VSTOREN(p, v, n) _mm512_mask_storeu_ps((p), GEMM_TAIL16(n), (v))
#define VADD _mm512_add_ps
#define VFMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define GEMM_MR 12
#define GEMM_NV 2

#define GEMM_SSE_PACK 1
/* k blocks of 512: half the passes over C of the default 256 (C tiles are read and
 * written once per block), measured 2-5% faster on the large products of training */
#define GEMM_KC 512
#define GEMM_MC (GEMM_MR * 4)

#include "cpu/gemm_body.h"
#endif
