/* The fast float32 GEMM for AVX-512F: tiles of 8 rows x 48 columns, and 12 x 32 for the
 * products on a B packed once (24 zmm accumulators each). */
#include "cpu/gemm.h"

#if defined(__AVX512F__)
#include "cpu/x86/isa_avx512.h"

#define GEMM_SSE_PACK 1
#define GEMM_VSTREAM(p, v) _mm512_stream_ps((p), (v))
#define GEMM_VALIGN 64
#define GEMM_SFENCE() _mm_sfence()

/* ---- the products on a B packed once (gru__gemm_nr, _pack_b, _pb): 12 x 32 ----------
 * The training pass sizes its packed buffers by this strip width (GRU__GEMM_NV_AVX512),
 * cuts each gate's H columns into strips and splits units between threads at multiples
 * of it. 8 x 48 measured on the time loops' shapes (2026-11-28, the AVX-512 Xeon): S5's
 * 1024 columns a gate level, S4's 512 0.98 of the time, 3072 columns in one strip run 0.93;
 * but 48 divides none of S1-S5's H, and would give one of two threads 288 of S4's 512
 * units. k blocks of 512: half the passes over C of the default 256 (C tiles are read and
 * written once per block), measured 2-5% faster on the large products of training. */
#define SFX(name) name##_avx512_f32
#define GEMM_MR 12
#define GEMM_NV GRU__GEMM_NV_AVX512
#define GEMM_KC 512
#define GEMM_MC (GEMM_MR * 4)
#define GEMM_PARTS 2
#include "cpu/gemm_body.h"
#undef SFX
#undef GEMM_MR
#undef GEMM_NV

/* ---- gru__gemm and gru__gemm_bp: 8 x 48 -------------------------------------------------
 * gru__gemm_bp (the products over all T*B rows of training, A and B both packed per call)
 * and gru__gemm (the same without scratch, as at S3): 11 loads (3 vectors of B, 8
 * broadcasts of A) for 24 FMAs instead of 14 with 12 x 32; blocks of 96 rows of A in
 * gru__gemm_bp's scratch, 48 in gru__gemm's stack buffer. 2026-11-28, the AVX-512 Xeon,
 * one thread, paired in-process runs against 12 x 32 (both with the streamed C and every
 * tile fetching the next strip):
 *   gru__gemm_bp: S5's input projection 0.91-0.94 of the time, S5's dK and dU 0.88-0.98,
 *   S4's 0.96-0.99, S3's 0.93, about level with oneDNN's sgemm, which 12 x 32 trailed by
 *   4-11%; blocks of 144 rows of A: level. An earlier session found 8 x 48 level, before
 *   every tile fetched the next strip. In a loop on data in L1 and L2 both shapes run at
 *   the FMA peak.
 *   gru__gemm, A^T · B (dK and dU when the scratch is too small for gru__gemm_bp): with
 *   3200 k, 256 x 768 0.94-0.97 (oneDNN's sgemm 0.90-0.92), 128 x 768 0.94-0.99, 256 x 512
 *   level; the parts of 256 rows that S3's time loop forms them in (tf_inl_steps)
 *   0.93-0.99. Its k blocks of 256 for A^T (GEMM_KCT: B's rows are read in place, ldb
 *   apart) and blocks of 96 rows of A were chosen with 12 x 32: dK and dU of S3 alone 0.92-
 *   0.95 of the time of 512 x 48, training at S3 0.94-0.96; k blocks of 128 did as well on
 *   A^T · B but worse on A · B. */
#define SFX(name) name##_avx512w_f32
#define GEMM_MR 8
#define GEMM_NV 3
#define GEMM_KC 512
#define GEMM_MC (GEMM_MR * 6)
#define GEMM_KCT 256
#define GEMM_MCT (GEMM_MR * 12)
#define GEMM_PARTS 5
#define GEMM_API static
#include "cpu/gemm_body.h"

void gru__gemm_avx512_f32(int trans_a, int64_t M, int64_t N, int64_t K, const float *A,
                          int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                          int accumulate)
{
    gru__gemm_avx512w_f32(trans_a, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}

int64_t gru__gemm_bp_min_avx512_f32(void) { return gru__gemm_bp_min_avx512w_f32(); }

void gru__gemm_bp_avx512_f32(int trans_a, int64_t M, int64_t N, int64_t K, const float *A,
                             int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                             int accumulate, float *ws, int64_t nws)
{
    gru__gemm_bp_avx512w_f32(trans_a, M, N, K, A, lda, B, ldb, C, ldc, accumulate, ws, nws);
}
#endif
