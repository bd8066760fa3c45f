/* The fast float32 GEMM (src/cpu/gemm.c: portable, AVX2, AVX-512, whichever this CPU
 * runs, and the dispatched entry gru__gemm_fast_f32) against a double-precision product
 * written here, on many shapes: M, N, K = 1, odd sizes, sizes across the kernel's tile
 * and cache blocks, large ones; A and A^T; overwrite and accumulate; leading dimensions
 * larger than the rows. Bound per element: any summation order of K float products plus
 * C is within (K + 2) * 2^-24 * (sum |a b| + |c|) of the exact value; the test allows twice
 * that. Also checked: overwrite never reads C (C starts as NaN), and nothing outside the
 * M x N block of C is written. The products on a packed B (AVX2, AVX-512: pack_b of B or
 * of B^T, then several column segments with offsets at once; A packed on the stack or in
 * scratch of several sizes) are held to the same bound, and so is the product that packs B
 * too into scratch (bp: scratch of its minimum size, which packs B in several chunks, and
 * larger; never written past its end). */
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

#if defined(GRU_HAVE_X86_KERNELS)
typedef void (*pack_fn)(int trans, int64_t K, int64_t N, const float *src, int64_t ld,
                        float *Bp);
typedef void (*pb_fn)(int64_t M, int64_t K, const float *A, int64_t lda, int nseg,
                      const gru__gemm_seg *seg, int accumulate, float *ws, int64_t nws);

/* C_s = A · columns [n0_s, n0_s + N_s) of B_s (packed), nseg segments with their own B;
 * nws floats of scratch (none when 0). */
static void check_pb(const char *name, pack_fn pack, pb_fn pb, int64_t nr, tu_rng *rng,
                     int64_t M, int64_t N, int64_t K, int trans, int accumulate, int64_t nws)
{
    enum { NSEG = 3 };
    const int64_t lda = K + 1, Np = (N + nr - 1) / nr * nr, ld = (trans ? K : N) + 2;
    float *A = malloc((size_t)(M * lda) * sizeof(float));
    float *ws = nws > 0 ? malloc((size_t)(nws + 1) * sizeof(float)) : NULL;
    if (ws)
        ws[nws] = SENTINEL;
    float *src[NSEG], *Bp[NSEG], *C[NSEG], *C0[NSEG];
    gru__gemm_seg seg[NSEG];
    int64_t n0[NSEG], nn[NSEG];
    for (int64_t i = 0; i < M * lda; i++)
        A[i] = (float)tu_uniform(rng, -1, 1);
    for (int g = 0; g < NSEG; g++) {
        const int64_t srows = trans ? N : K;
        src[g] = malloc((size_t)(srows * ld) * sizeof(float));
        Bp[g] = malloc((size_t)(K * Np + 1) * sizeof(float));
        for (int64_t i = 0; i < srows * ld; i++)
            src[g][i] = (float)tu_uniform(rng, -1, 1);
        Bp[g][K * Np] = SENTINEL;
        pack(trans, K, N, src[g], ld, Bp[g]);
        CHECK_MSG(Bp[g][K * Np] == SENTINEL, "%s pack_b wrote past its end", name);
        /* segment g: columns from a strip boundary to the end, or a middle run */
        const int64_t strips = Np / nr;
        n0[g] = (int64_t)(tu_next(rng) % (uint64_t)strips) * nr;
        nn[g] = N - n0[g];
        if (g == 1 && nn[g] > 1)
            nn[g] = 1 + (int64_t)(tu_next(rng) % (uint64_t)nn[g]);
        C[g] = malloc((size_t)(M * N + 1) * sizeof(float));
        C0[g] = malloc((size_t)(M * N + 1) * sizeof(float));
        for (int64_t i = 0; i < M * N + 1; i++)
            C0[g][i] = SENTINEL;
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < nn[g]; j++)
                C0[g][i * N + j] = accumulate ? (float)tu_uniform(rng, -2, 2) : NAN;
        memcpy(C[g], C0[g], (size_t)(M * N + 1) * sizeof(float));
        gru__gemm_seg one = {Bp[g], Np, n0[g], nn[g], C[g], N};
        seg[g] = one;
    }
    pb(M, K, A, lda, NSEG, seg, accumulate, ws, nws);
    int bad = 0;
    if (ws && ws[nws] != SENTINEL) {
        fprintf(stderr, "%s pb: wrote past the end of its scratch\n", name);
        bad++;
    }
    for (int g = 0; g < NSEG; g++)
        for (int64_t i = 0; i < M && bad < 5; i++)
            for (int64_t j = 0; j < N && bad < 5; j++) {
                const float got = C[g][i * N + j];
                if (j >= nn[g]) {
                    if (got != SENTINEL)
                        bad++;
                    continue;
                }
                double sum = accumulate ? (double)C0[g][i * N + j] : 0.0, mag = fabs(sum);
                for (int64_t k = 0; k < K; k++) {
                    const int64_t col = n0[g] + j;
                    const double b = trans ? src[g][col * ld + k] : src[g][k * ld + col];
                    const double p = (double)A[i * lda + k] * b;
                    sum += p;
                    mag += fabs(p);
                }
                const double tol = 2.0 * (double)(K + 2) * ldexp(1.0, -24) * mag + 1e-37;
                if (!(fabs((double)got - sum) <= tol)) {
                    fprintf(stderr, "%s pb: seg %d C[%lld, %lld] = %.9g, want %.9g\n", name, g,
                            (long long)i, (long long)j, got, sum);
                    bad++;
                }
            }
    for (int g = 0; g < NSEG; g++)
        if (C[g][M * N] != SENTINEL)
            bad++;
    CHECK_MSG(bad == 0, "%s packed B: M=%lld N=%lld K=%lld trans=%d accumulate=%d nws=%lld",
              name, (long long)M, (long long)N, (long long)K, trans, accumulate, (long long)nws);
    free(A);
    free(ws);
    for (int g = 0; g < NSEG; g++) {
        free(src[g]);
        free(Bp[g]);
        free(C[g]);
        free(C0[g]);
    }
}

static void run_pb(const char *name, pack_fn pack, pb_fn pb, int64_t nr)
{
    tu_rng rng = {0x5851f42d4c957f2dull};
    static const int64_t dims[] = {1, 3, 12, 16, 17, 32, 33, 100, 513, 1100};
    /* scratch: none, too small for a larger block of A, one of 3 panels, plenty */
    static const int64_t nws[] = {0, 1000, 3 * 12 * 512 + 5, 1 << 20};
    for (int a = 0; a < 10; a += 2)
        for (int b = 0; b < 10; b += 1)
            for (int c = 0; c < 10; c += 3)
                if (dims[a] * dims[b] * dims[c] <= 4000000)
                    check_pb(name, pack, pb, nr, &rng, dims[a], dims[b], dims[c], (a + b) % 2,
                             (b + c) % 2, nws[(a + b + c) % 4]);
    /* many rows (blocks of A larger than the stack's) with each scratch size */
    for (int w = 0; w < 4; w++)
        check_pb(name, pack, pb, nr, &rng, 301, 70, 600, w % 2, w / 2, nws[w]);
}

/* The product that packs B too, through the plain product's signature: scratch of
 * bp_nws floats (+ a sentinel), checked after each call. */
typedef void (*bp_fn)(int trans_a, int64_t M, int64_t N, int64_t K, const float *A,
                      int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                      int accumulate, float *ws, int64_t nws);
static bp_fn bp_f;
static float *bp_ws;
static int64_t bp_nws;
static void bp_call(int trans_a, int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
                    const float *Bm, int64_t ldb, float *C, int64_t ldc, int accumulate)
{
    bp_ws[bp_nws] = SENTINEL;
    bp_f(trans_a, M, N, K, A, lda, Bm, ldb, C, ldc, accumulate, bp_ws, bp_nws);
    CHECK_MSG(bp_ws[bp_nws] == SENTINEL, "bp wrote past the end of its scratch (%lld floats)",
              (long long)bp_nws);
}

static void run_bp(const char *name, bp_fn f, int64_t nmin)
{
    tu_rng rng = {0x2545f4914f6cdd1dull};
    const int64_t sizes[] = {nmin - 1, nmin, nmin + 12345, 8 * nmin};
    bp_f = f;
    for (int w = 0; w < 4; w++) {
        bp_nws = sizes[w];
        bp_ws = malloc((size_t)(bp_nws + 1) * sizeof(float));
        if (!bp_ws) {
            CHECK(!"out of memory");
            return;
        }
        printf("%s bp, scratch %lld floats\n", name, (long long)bp_nws);
        if (w == 1)
            run_variant(name, bp_call);
        /* several chunks of B, remainders in every dimension, both A layouts */
        check_case(name, bp_call, &rng, 0, 301, 1000, 1100, 1, w % 2);
        check_case(name, bp_call, &rng, 1, 290, 777, 1030, 0, 1 - w % 2);
        check_case(name, bp_call, &rng, 1, 25, 130, 513, 2, 0);
        check_case(name, bp_call, &rng, 0, 150, 2100, 40, 0, 1);
        /* C of 2^20 floats or more with the largest scratch: k blocks of up to twice the
         * usual size (the products of training over all T*B rows at S5) */
        if (w == 3) {
            check_case(name, bp_call, &rng, 1, 1025, 1024, 1100, 0, 1);
            /* and overwritten: the first k block stores C non-temporally, whole vectors at
             * aligned addresses only (rows 1040 floats apart, all aligned like C's start;
             * and 1001 apart, some rows aligned and some not), and the second k block
             * (K 1100: two of 552) reads C back */
            check_case(name, bp_call, &rng, 0, 1031, 1024, 300, 15, 0);
            check_case(name, bp_call, &rng, 1, 1100, 1000, 1100, 0, 0);
        }
        free(bp_ws);
    }
}
#endif

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
#if defined(GRU_HAVE_X86_KERNELS)
    if (gru__gemm_variant_f32("avx2")) {
        run_pb("avx2", gru__gemm_pack_b_avx2_f32, gru__gemm_pb_avx2_f32, gru__gemm_nr_avx2_f32());
        run_bp("avx2", gru__gemm_bp_avx2_f32, gru__gemm_bp_min_avx2_f32());
    }
    if (gru__gemm_variant_f32("avx512")) {
        run_pb("avx512", gru__gemm_pack_b_avx512_f32, gru__gemm_pb_avx512_f32,
               gru__gemm_nr_avx512_f32());
        run_bp("avx512", gru__gemm_bp_avx512_f32, gru__gemm_bp_min_avx512_f32());
    }
#endif
    return tu_finish("test_gemm");
}
