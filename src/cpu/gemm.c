/* The fast float32 GEMM used by training: picks the widest variant this CPU runs
 * (src/cpu/x86/gemm_<isa>.c, one loop body in src/cpu/gemm_body.h), else the portable
 * one, which is the reference GEMM. GRU_ISA=ref|generic|avx2 caps the choice, as for the
 * forward kernels. */
#include "gru_internal.h"
#include "cpu/gemm.h"

#include <stdlib.h>
#include <string.h>

#if defined(GRU_HAVE_X86_KERNELS) && (defined(__x86_64__) || defined(__i386__)) &&          \
    defined(__GNUC__)
#define GEMM_X86 1
#endif

/* The portable variant: the reference GEMM for A · B; for A^T · B the same i-k-j order
 * with A read down its columns. */
void gru__gemm_generic_f32(int trans_a, int64_t M, int64_t N, int64_t K, const float *A,
                           int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                           int accumulate)
{
    if (!trans_a) {
        gru__gemm_f32(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
        return;
    }
    for (int64_t i = 0; i < M; i++) {
        float *ci = C + i * ldc;
        if (!accumulate)
            memset(ci, 0, (size_t)(N > 0 ? N : 0) * sizeof(float));
        for (int64_t k = 0; k < K; k++) {
            const float aki = A[k * lda + i];
            const float *bk = B + k * ldb;
            for (int64_t j = 0; j < N; j++)
                ci[j] += aki * bk[j];
        }
    }
}

static int gemm_cpu_has(const char *name)
{
#if defined(GEMM_X86)
    __builtin_cpu_init();
    if (strcmp(name, "avx512") == 0)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
    if (strcmp(name, "avx2") == 0)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return strcmp(name, "ref") == 0 || strcmp(name, "generic") == 0;
}

gru__gemm_fast_fn gru__gemm_variant_f32(const char *name)
{
    if (!name || !gemm_cpu_has(name))
        return NULL;
#if defined(GEMM_X86)
    if (strcmp(name, "avx512") == 0)
        return gru__gemm_avx512_f32;
    if (strcmp(name, "avx2") == 0)
        return gru__gemm_avx2_f32;
#endif
    return gru__gemm_generic_f32;
}

static gru__gemm_fast_fn gemm_select(void)
{
    static const char *const order[] = {"avx512", "avx2", "generic"}; /* widest first */
    const char *env = getenv("GRU_ISA");
    int start = 0;
    if (env) {
        if (strcmp(env, "avx2") == 0)
            start = 1;
        else if (strcmp(env, "generic") == 0 || strcmp(env, "ref") == 0)
            start = 2;
    }
    for (int i = start; i < 3; i++) {
        gru__gemm_fast_fn f = gru__gemm_variant_f32(order[i]);
        if (f)
            return f;
    }
    return gru__gemm_generic_f32;
}

void gru__gemm_fast_f32(int trans_a, int64_t M, int64_t N, int64_t K, const float *A,
                        int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                        int accumulate)
{
    static gru__gemm_fast_fn _Atomic cached; /* same value from every thread: a race is benign */
    gru__gemm_fast_fn f = cached;
    if (!f) {
        f = gemm_select();
        cached = f;
    }
    f(trans_a, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}
