/* The fast float32 GEMM's variants (src/cpu/gemm.c picks one at run time; tests call
 * each). C (M x N, row stride ldc) = op(A) · B (+ C when accumulate), B (K x N, row
 * stride ldb); op(A) = A (M x K, row stride lda) when trans_a is 0, A^T with A (K x M,
 * row stride lda) when trans_a is 1. */
#ifndef GRU_CPU_GEMM_H
#define GRU_CPU_GEMM_H
#include <stdint.h>

typedef void (*gru__gemm_fast_fn)(int trans_a, int64_t M, int64_t N, int64_t K, const float *A,
                                  int64_t lda, const float *B, int64_t ldb, float *C,
                                  int64_t ldc, int accumulate);
void gru__gemm_generic_f32(int trans_a, int64_t M, int64_t N, int64_t K, const float *A,
                           int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                           int accumulate);
#if defined(GRU_HAVE_X86_KERNELS)
void gru__gemm_avx2_f32(int trans_a, int64_t M, int64_t N, int64_t K, const float *A,
                        int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                        int accumulate);
void gru__gemm_avx512_f32(int trans_a, int64_t M, int64_t N, int64_t K, const float *A,
                          int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                          int accumulate);
#endif
/* Vectors per row of a GEMM tile (GEMM_NV) of each instruction set: the packed B's strip
 * width is GRU__GEMM_NV_<isa> * the vector width, which the training pass sizes its
 * packed buffers with (TF_GEMM_NR); one constant for both, so that they cannot differ. */
#define GRU__GEMM_NV_AVX2 2
#define GRU__GEMM_NV_AVX512 2

/* Products on a packed B (gemm_body.h): one segment of columns of one packed matrix. */
typedef struct gru__gemm_seg {
    const float *Bp;   /* packed K x Np matrix (gru__gemm_pack_b_<isa>) */
    int64_t Np, n0, N; /* its padded column count; the columns [n0, n0 + N) used */
    float *C;          /* (M x N), row stride ldc */
    int64_t ldc;
} gru__gemm_seg;
/* pb: ws (nws floats, or NULL) is scratch for A's packed row blocks (larger ones when it
 * holds them). bp: the plain product with B packed too, chunk by chunk, into the scratch
 * ws (nws floats); with less than bp_min() floats (or a small product) it is the plain
 * product. Same results as the plain product. */
#if defined(GRU_HAVE_X86_KERNELS)
int64_t gru__gemm_nr_avx2_f32(void);
void gru__gemm_pack_b_avx2_f32(int trans, int64_t K, int64_t N, const float *src, int64_t ld,
                               float *Bp);
void gru__gemm_pb_avx2_f32(int64_t M, int64_t K, const float *A, int64_t lda, int nseg,
                           const gru__gemm_seg *seg, int accumulate, float *ws, int64_t nws);
int64_t gru__gemm_bp_min_avx2_f32(void);
void gru__gemm_bp_avx2_f32(int trans_a, int64_t M, int64_t N, int64_t K, const float *A,
                           int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                           int accumulate, float *ws, int64_t nws);
int64_t gru__gemm_nr_avx512_f32(void);
void gru__gemm_pack_b_avx512_f32(int trans, int64_t K, int64_t N, const float *src, int64_t ld,
                                 float *Bp);
void gru__gemm_pb_avx512_f32(int64_t M, int64_t K, const float *A, int64_t lda, int nseg,
                             const gru__gemm_seg *seg, int accumulate, float *ws, int64_t nws);
int64_t gru__gemm_bp_min_avx512_f32(void);
void gru__gemm_bp_avx512_f32(int trans_a, int64_t M, int64_t N, int64_t K, const float *A,
                             int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                             int accumulate, float *ws, int64_t nws);
#endif
/* The variant named "ref", "generic", "avx2" or "avx512" if this build and CPU have it,
 * else NULL. */
gru__gemm_fast_fn gru__gemm_variant_f32(const char *name);
#endif
