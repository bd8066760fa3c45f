/* The fast float32 GEMM for AVX-512F: tiles of 12 rows x 32 columns (24 zmm accumulators). */
#include "cpu/gemm.h"

#if defined(__AVX512F__)
#include "cpu/x86/isa_avx512.h"

#define SFX(name) name##_avx512_f32
#define GEMM_MR 12
#define GEMM_NV GRU__GEMM_NV_AVX512

#define GEMM_SSE_PACK 1
#define GEMM_VSTREAM(p, v) _mm512_stream_ps((p), (v))
#define GEMM_VALIGN 64
#define GEMM_SFENCE() _mm_sfence()
/* k blocks of 512: half the passes over C of the default 256 (C tiles are read and
 * written once per block), measured 2-5% faster on the large products of training */
#define GEMM_KC 512
#define GEMM_MC (GEMM_MR * 4)
/* A^T · B (the weight gradients dK and dU of training, plain when the scratch is too small
 * for gru__gemm_bp, as at S3): k blocks of 256, so that a 32-column strip of B (rows ldb
 * apart) stays in L1, and blocks of 96 rows of A. 2026-11-28, the AVX-512 Xeon, dK and dU
 * of S3 alone (caches flushed between calls) 0.92-0.95 of the time of 512 x 48; training at
 * S3 0.94-0.96 (two threads 0.96-0.99); S1, S2 level. k blocks of 128 did as well on A^T · B
 * but worse on A · B. */
#define GEMM_KCT 256
#define GEMM_MCT (GEMM_MR * 8)

#include "cpu/gemm_body.h"
#endif
