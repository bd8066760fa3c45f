/* The fast float32 GEMM (src/cpu/gemm.c: portable, AVX2, AVX-512, whichever this CPU
 * runs, and the dispatched entry gru__gemm_fast_f32) against a double-precision product
 * written here, on many shapes: M, N, K = 1, odd sizes, sizes across the kernel's tile
 * and cache blocks, large ones; A and A^T; overwrite and accumulate; leading dimensions
 * larger than the rows. Bound per element: any summation order of K float products plus
 * C is within (K + 2) * 2^-24 * (sum |a b| + |c|) of the exact value; the test allows twice
 * that. Also checked: overwrite never reads C (C starts as NaN), and nothing outside the
 * M x N block of C is written. */
#include "gru_internal.h"
#include "cpu/gemm.h"
#include "test_util.h"

#include <math.h>
#include <stdlib.h>

#define SENTINEL 12345.5f

static int check_case(const char *name, gru__gemm_fast_fn f, tu_rng *rng, int trans_a,
                      int64_t M, int64_t N, int64_t K, int64_t pad, int accumulate)
{
    const int64_t lda = (trans_a ? M : K) + pad, ldb = N + pad, ldc = N + pad + 1;
    const int64_t arows = trans_a ? K : M;
    float *A = malloc((size_t)(arows * lda + 1) * sizeof(float)); /* (M, K) or (K, M) */
    float *Bm = malloc((size_t)(K * ldb + 1) * sizeof(float));    /* (K, N) */
    float *C = malloc((size_t)(M * ldc + 1) * sizeof(float));     /* (M, N), padded */
    float *C0 = malloc((size_t)(M * ldc + 1) * sizeof(float));
    if (!A || !Bm || !C || !C0) {
        free(A), free(Bm), free(C), free(C0);
        CHECK(!"out of memory");
        return 1;
    }
    for (int64_t i = 0; i < arows * lda + 1; i++)
        A[i] = (float)tu_uniform(rng, -1, 1);
    for (int64_t i = 0; i < K * ldb + 1; i++)
        Bm[i] = (float)tu_uniform(rng, -1, 1);
    for (int64_t i = 0; i < M * ldc + 1; i++)
        C0[i] = SENTINEL;
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++)
            C0[i * ldc + j] = accumulate ? (float)tu_uniform(rng, -2, 2) : NAN;
    memcpy(C, C0, (size_t)(M * ldc + 1) * sizeof(float));

    f(trans_a, M, N, K, A, lda, Bm, ldb, C, ldc, accumulate);

    int bad = 0;
    double worst = 0;
    for (int64_t i = 0; i < M && bad < 5; i++) {
        for (int64_t j = 0; j < ldc && bad < 5; j++) {
            const float got = C[i * ldc + j];
            if (j >= N) {
                if (got != SENTINEL) {
                    fprintf(stderr, "%s: wrote C[%lld, %lld] outside the block\n", name,
                            (long long)i, (long long)j);
                    bad++;
                }
                continue;
            }
            double s = accumulate ? (double)C0[i * ldc + j] : 0.0;
            double mag = fabs(s);
            for (int64_t k = 0; k < K; k++) {
                const double a = trans_a ? A[k * lda + i] : A[i * lda + k];
                const double p = a * (double)Bm[k * ldb + j];
                s += p;
                mag += fabs(p);
            }
            const double tol = 2.0 * (double)(K + 2) * ldexp(1.0, -24) * mag + 1e-37;
            const double err = fabs((double)got - s);
            if (!(err <= tol)) {
                fprintf(stderr, "%s: C[%lld, %lld] = %.9g, want %.9g (tol %.3g)\n", name,
                        (long long)i, (long long)j, got, s, tol);
                bad++;
            }
            if (err / (mag + 1e-30) > worst)
                worst = err / (mag + 1e-30);
        }
    }
    if (C[M * ldc] != SENTINEL) {
        fprintf(stderr, "%s: wrote past the end of C\n", name);
        bad++;
    }
    CHECK_MSG(bad == 0, "%s trans_a=%d M=%lld N=%lld K=%lld pad=%lld accumulate=%d", name,
              trans_a, (long long)M, (long long)N, (long long)K, (long long)pad, accumulate);
    free(A), free(Bm), free(C), free(C0);
    return bad;
}

static void run_variant(const char *name, gru__gemm_fast_fn f)
{
    tu_rng rng = {0x9e3779b97f4a7c15ull};
    /* fixed edge shapes: 1, tile edges (16, 32, 6, 12), cache-block edges (96, 256) */
    static const int64_t dims[] = {1, 2, 5, 6, 7, 12, 13, 16, 17, 31, 32, 33, 65, 97};
    const int nd = (int)(sizeof dims / sizeof dims[0]);
    for (int t = 0; t < 2; t++)
        for (int acc = 0; acc < 2; acc++)
            for (int a = 0; a < nd; a += 2)
                for (int b = 0; b < nd; b += 3)
                    for (int c = 0; c < nd; c += 4)
                        check_case(name, f, &rng, t, dims[a + t % 2 < nd ? a + t % 2 : a],
                                   dims[b], dims[c], (a + b + c) % 3, acc);
    /* random shapes including K across the 256 block and M across the row block */
    for (int i = 0; i < 40; i++) {
        const int64_t M = 1 + (int64_t)(tu_next(&rng) % 200);
        const int64_t N = 1 + (int64_t)(tu_next(&rng) % 200);
        const int64_t K = 1 + (int64_t)(tu_next(&rng) % 600);
        check_case(name, f, &rng, (int)(tu_next(&rng) % 2), M, N, K,
                   (int64_t)(tu_next(&rng) % 5), (int)(tu_next(&rng) % 2));
    }
    /* K = 0: overwrite gives zeros, accumulate leaves C */
    check_case(name, f, &rng, 0, 7, 19, 0, 2, 0);
    check_case(name, f, &rng, 1, 7, 19, 0, 2, 1);
    /* large: several blocks in every dimension */
    check_case(name, f, &rng, 0, 230, 390, 530, 3, 0);
    check_case(name, f, &rng, 1, 230, 390, 530, 0, 1);
    check_case(name, f, &rng, 0, 64, 768, 256, 0, 1);
    check_case(name, f, &rng, 1, 256, 768, 1000, 1, 1);
}

int main(void)
{
    static const char *const names[] = {"ref", "generic", "avx2", "avx512"};
    int ran = 0;
    for (int i = 0; i < 4; i++) {
        gru__gemm_fast_fn f = gru__gemm_variant_f32(names[i]);
        if (!f) {
            printf("gemm variant %s: not available on this CPU/build\n", names[i]);
            continue;
        }
        printf("gemm variant %s\n", names[i]);
        run_variant(names[i], f);
        ran++;
    }
    CHECK(ran >= 2);
    CHECK(gru__gemm_variant_f32("nonsense") == NULL);
    run_variant("dispatched", gru__gemm_fast_f32);
    return tu_finish("test_gemm");
}
