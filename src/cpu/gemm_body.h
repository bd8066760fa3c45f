/* The fast float32 GEMM's loop body, included once per instruction set by
 * src/cpu/x86/gemm_<isa>.c with
 *   SFX(name)            name##_<isa>
 *   VW, VEC              floats per vector, the vector type
 *   VZERO, VSET1, VLOAD, VSTORE, VLOADN(p, n), VSTOREN(p, v, n), VADD, VFMA(a, b, c)
 *   GEMM_MR              rows of C per microkernel tile (<= 12)
 *   GEMM_NV              vectors of C per tile row (tile width GEMM_NV * VW)
 *   GEMM_SSE_PACK        (optional) pack A through SSE 4 x 4 transposes (x86)
 * C (M x N) = op(A) · B (+ C): op(A) = A (M x K) or A^T with A (K x M).
 * Blocking: K in blocks of GEMM_KC; for each, rows of op(A) in blocks of GEMM_MC are packed
 * (k-major panels of GEMM_MR rows, a fixed stack buffer: nothing is allocated), then every
 * tile-wide column strip of B (GEMM_KC rows, stays in L1) is multiplied with each packed
 * panel (stays in L2). The summation order over k is the natural one within a block.
 * Prefetches: each tile fetches its lines of C at its start (they are read or written only
 * after its k loop), and the first tiles on a strip fetch the next strip's rows of B (one
 * line per row each), which the hardware prefetchers miss when the rows of B lie a page
 * or more apart. */

#include <string.h>

#ifndef GEMM_KC
#define GEMM_KC 256
#endif
#ifndef GEMM_MC
#define GEMM_MC (GEMM_MR * 8)
#endif
#define GEMM_NR (GEMM_NV * VW)

#if defined(__GNUC__)
#define GEMM_INLINE static inline __attribute__((always_inline))
#else
#define GEMM_INLINE static inline
#endif

/* C tile (mr x n, n <= GEMM_NR; full when n == GEMM_NR) = ap · b (+ C when load_c),
 * ap (kc, GEMM_MR) packed, b (kc x n, row stride ldb). */
GEMM_INLINE void SFX(gemm_tile)(const int mr, const int full, int64_t n, int64_t kc,
                                const float *ap, const float *b, int64_t ldb, float *c,
                                int64_t ldc, int load_c, const float *pf)
{
    /* Few rows give few independent FMA chains: then k is split over GEMM_KS partial
     * sums (ks of them), added together at the end. */
    enum { GEMM_KS = 4 };
    const int ks = mr == 1 ? 4 : mr == 2 ? 2 : 1;
    VEC acc[GEMM_KS][GEMM_MR][GEMM_NV];
    int cnt[GEMM_NV]; /* valid floats per vector (partial tiles) */
#pragma GCC unroll 16
    for (int v = 0; v < GEMM_NV; v++) {
        int64_t left = n - (int64_t)v * VW;
        cnt[v] = left <= 0 ? 0 : left >= VW ? VW : (int)left;
    }
    /* C is read (or written) after the whole k loop: fetch its lines meanwhile */
#pragma GCC unroll 16
    for (int r = 0; r < mr; r++) {
        __builtin_prefetch(c + r * ldc, 1, 3);
        __builtin_prefetch(c + r * ldc + n - 1, 1, 3);
    }
#pragma GCC unroll 4
    for (int s = 0; s < ks; s++)
#pragma GCC unroll 16
        for (int r = 0; r < mr; r++)
#pragma GCC unroll 16
            for (int v = 0; v < GEMM_NV; v++)
                acc[s][r][v] = VZERO();
    int64_t k = 0;
    for (; k + ks <= kc; k += ks) {
#pragma GCC unroll 4
        for (int s = 0; s < ks; s++) {
            VEC bv[GEMM_NV];
            const float *bk = b + (k + s) * ldb;
            if (pf)
                __builtin_prefetch(pf + (k + s) * ldb, 0, 3);
#pragma GCC unroll 16
            for (int v = 0; v < GEMM_NV; v++)
                bv[v] = full ? VLOAD(bk + v * VW)
                             : (cnt[v] ? VLOADN(bk + v * VW, cnt[v]) : VZERO());
            const float *ak = ap + (k + s) * GEMM_MR;
#pragma GCC unroll 16
            for (int r = 0; r < mr; r++) {
                VEC a = VSET1(ak[r]);
#pragma GCC unroll 16
                for (int v = 0; v < GEMM_NV; v++)
                    acc[s][r][v] = VFMA(a, bv[v], acc[s][r][v]);
            }
        }
    }
    for (; k < kc; k++) {
        VEC bv[GEMM_NV];
        const float *bk = b + k * ldb;
#pragma GCC unroll 16
        for (int v = 0; v < GEMM_NV; v++)
            bv[v] = full ? VLOAD(bk + v * VW) : (cnt[v] ? VLOADN(bk + v * VW, cnt[v]) : VZERO());
        const float *ak = ap + k * GEMM_MR;
#pragma GCC unroll 16
        for (int r = 0; r < mr; r++) {
            VEC a = VSET1(ak[r]);
#pragma GCC unroll 16
            for (int v = 0; v < GEMM_NV; v++)
                acc[0][r][v] = VFMA(a, bv[v], acc[0][r][v]);
        }
    }
#pragma GCC unroll 4
    for (int s = 1; s < ks; s++)
#pragma GCC unroll 16
        for (int r = 0; r < mr; r++)
#pragma GCC unroll 16
            for (int v = 0; v < GEMM_NV; v++)
                acc[0][r][v] = VADD(acc[0][r][v], acc[s][r][v]);
#pragma GCC unroll 16
    for (int r = 0; r < mr; r++) {
        float *cr = c + r * ldc;
#pragma GCC unroll 16
        for (int v = 0; v < GEMM_NV; v++) {
            if (full) {
                VEC x = acc[0][r][v];
                if (load_c)
                    x = VADD(x, VLOAD(cr + v * VW));
                VSTORE(cr + v * VW, x);
            } else if (cnt[v]) {
                VEC x = acc[0][r][v];
                if (load_c)
                    x = VADD(x, VLOADN(cr + v * VW, cnt[v]));
                VSTOREN(cr + v * VW, x, cnt[v]);
            }
        }
    }
}

/* One tile with a run-time row count: a fully unrolled kernel per row count. */
static void SFX(gemm_tile_any)(int mr, int64_t n, int64_t kc, const float *ap, const float *b,
                               int64_t ldb, float *c, int64_t ldc, int load_c, const float *pf)
{
#define GEMM_CASE(m)                                                                           \
    case m:                                                                                    \
        if (n == GEMM_NR)                                                                      \
            SFX(gemm_tile)(m, 1, n, kc, ap, b, ldb, c, ldc, load_c, pf);                          \
        else                                                                                   \
            SFX(gemm_tile)(m, 0, n, kc, ap, b, ldb, c, ldc, load_c, pf);                          \
        break;
    switch (mr) {
        GEMM_CASE(1)
#if GEMM_MR >= 2
        GEMM_CASE(2)
#endif
#if GEMM_MR >= 3
        GEMM_CASE(3)
#endif
#if GEMM_MR >= 4
        GEMM_CASE(4)
#endif
#if GEMM_MR >= 5
        GEMM_CASE(5)
#endif
#if GEMM_MR >= 6
        GEMM_CASE(6)
#endif
#if GEMM_MR >= 7
        GEMM_CASE(7)
#endif
#if GEMM_MR >= 8
        GEMM_CASE(8)
#endif
#if GEMM_MR >= 9
        GEMM_CASE(9)
#endif
#if GEMM_MR >= 10
        GEMM_CASE(10)
#endif
#if GEMM_MR >= 11
        GEMM_CASE(11)
#endif
#if GEMM_MR >= 12
        GEMM_CASE(12)
#endif
    default: break;
    }
#undef GEMM_CASE
}

/* Pack op(A)[i0 .. i0+mc, k0 .. k0+kc] into panels of GEMM_MR rows (kc, GEMM_MR). */
static void SFX(gemm_pack_a)(int trans_a, const float *A, int64_t lda, int64_t i0, int64_t k0,
                             int64_t mc, int64_t kc, float *pack)
{
    for (int64_t p = 0; p < mc; p += GEMM_MR) {
        const int64_t mr = mc - p < GEMM_MR ? mc - p : GEMM_MR;
        float *ap = pack + p * kc;
        if (trans_a && mr == GEMM_MR) {
            for (int64_t k = 0; k < kc; k++)
                memcpy(ap + k * GEMM_MR, A + (k0 + k) * lda + i0 + p,
                       GEMM_MR * sizeof(float));
        } else if (trans_a) {
            for (int64_t k = 0; k < kc; k++) {
                const float *ak = A + (k0 + k) * lda + i0 + p;
                for (int64_t r = 0; r < mr; r++)
                    ap[k * GEMM_MR + r] = ak[r];
            }
        } else {
            int64_t r = 0;
#if defined(GEMM_SSE_PACK)
            /* 4 rows x 4 k at a time through SSE 4 x 4 transposes */
            for (; r + 4 <= mr; r += 4) {
                const float *a0 = A + (i0 + p + r) * lda + k0;
                int64_t k = 0;
                for (; k + 4 <= kc; k += 4) {
                    __m128 x0 = _mm_loadu_ps(a0 + k), x1 = _mm_loadu_ps(a0 + lda + k);
                    __m128 x2 = _mm_loadu_ps(a0 + 2 * lda + k);
                    __m128 x3 = _mm_loadu_ps(a0 + 3 * lda + k);
                    _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
                    _mm_storeu_ps(ap + k * GEMM_MR + r, x0);
                    _mm_storeu_ps(ap + (k + 1) * GEMM_MR + r, x1);
                    _mm_storeu_ps(ap + (k + 2) * GEMM_MR + r, x2);
                    _mm_storeu_ps(ap + (k + 3) * GEMM_MR + r, x3);
                }
                for (; k < kc; k++)
                    for (int rr = 0; rr < 4; rr++)
                        ap[k * GEMM_MR + r + rr] = a0[rr * lda + k];
            }
#endif
            for (; r < mr; r++) {
                const float *ar = A + (i0 + p + r) * lda + k0;
                for (int64_t k = 0; k < kc; k++)
                    ap[k * GEMM_MR + r] = ar[k];
            }
        }
    }
}

void SFX(gru__gemm)(int trans_a, int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
                    const float *Bm, int64_t ldb, float *C, int64_t ldc, int accumulate)
{
    if (M <= 0 || N <= 0)
        return;
    if (K <= 0) {
        if (!accumulate)
            for (int64_t i = 0; i < M; i++)
                memset(C + i * ldc, 0, (size_t)N * sizeof(float));
        return;
    }
    _Alignas(64) float pack[GEMM_MC * GEMM_KC]; /* (GEMM_MC / GEMM_MR) panels of (kc, GEMM_MR) */
    for (int64_t k0 = 0; k0 < K; k0 += GEMM_KC) {
        const int64_t kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
        const int load_c = accumulate || k0 > 0;
        for (int64_t i0 = 0; i0 < M; i0 += GEMM_MC) {
            const int64_t mc = M - i0 < GEMM_MC ? M - i0 : GEMM_MC;
            SFX(gemm_pack_a)(trans_a, A, lda, i0, k0, mc, kc, pack);
            for (int64_t j0 = 0; j0 < N; j0 += GEMM_NR) {
                const int64_t n = N - j0 < GEMM_NR ? N - j0 : GEMM_NR;
                const float *b = Bm + k0 * ldb + j0;
                /* the first tile of a strip fetches the next strip's rows (one line
                 * each of its GEMM_NV) for the tiles after it */
                const float *pf = j0 + GEMM_NR < N ? b + GEMM_NR : NULL;
                for (int64_t p = 0; p < mc; p += GEMM_MR) {
                    const int mr = (int)(mc - p < GEMM_MR ? mc - p : GEMM_MR);
                    SFX(gemm_tile_any)(mr, n, kc, pack + p * kc, b, ldb,
                                       C + (i0 + p) * ldc + j0, ldc, load_c,
                                       pf && p < GEMM_NV * GEMM_MR ? pf + (p / GEMM_MR) * VW : NULL);
                }
            }
        }
    }
}

/* ---- B packed once, for products repeated with the same B (the training time loop) ----
 * Layout of a packed K x N matrix: for each block of GEMM_KC rows (kc rows, the last one
 * shorter), its strips of GEMM_NR columns (zero past N) one after the other, each kc x
 * GEMM_NR contiguous: block k0 starts at k0 * Np, strip j at + j * kc * GEMM_NR, with
 * Np = N rounded up to GEMM_NR. Contiguous strips stay in L1 whatever B's row stride
 * was, and stream with the hardware prefetchers. */
int64_t SFX(gru__gemm_nr)(void) { return GEMM_NR; }

/* Bp = B (K x N) packed; B[k][n] = src[k * ld + n], or src[n * ld + k] when trans. */
void SFX(gru__gemm_pack_b)(int trans, int64_t K, int64_t N, const float *src, int64_t ld,
                           float *Bp)
{
    const int64_t Np = (N + GEMM_NR - 1) / GEMM_NR * GEMM_NR;
    for (int64_t k0 = 0; k0 < K; k0 += GEMM_KC) {
        const int64_t kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
        for (int64_t j = 0; j < Np / GEMM_NR; j++) {
            float *dst = Bp + k0 * Np + j * kc * GEMM_NR;
            if (trans) { /* read src's rows along k, write the strip's columns */
                for (int l = 0; l < GEMM_NR; l++) {
                    const int64_t n = j * GEMM_NR + l;
                    if (n >= N) {
                        for (int64_t k = 0; k < kc; k++)
                            dst[k * GEMM_NR + l] = 0.0f;
                        continue;
                    }
                    const float *row = src + n * ld + k0;
                    for (int64_t k = 0; k < kc; k++)
                        dst[k * GEMM_NR + l] = row[k];
                }
            } else {
                for (int64_t k = 0; k < kc; k++)
                    for (int l = 0; l < GEMM_NR; l++) {
                        const int64_t n = j * GEMM_NR + l;
                        dst[k * GEMM_NR + l] = n < N ? src[(k0 + k) * ld + n] : 0.0f;
                    }
            }
        }
    }
}

/* C_s (M x N_s) = A (M x K, row stride lda) · (columns [n0_s, n0_s + N_s) of the packed
 * B_s) (+ C_s when accumulate), for each segment s: A is packed once for all. n0_s is a
 * multiple of GEMM_NR. */
void SFX(gru__gemm_pb)(int64_t M, int64_t K, const float *A, int64_t lda, int nseg,
                       const gru__gemm_seg *seg, int accumulate)
{
    if (M <= 0 || K <= 0)
        return;
    _Alignas(64) float pack[GEMM_MC * GEMM_KC]; /* (GEMM_MC / GEMM_MR) panels of (kc, GEMM_MR) */
    for (int64_t k0 = 0; k0 < K; k0 += GEMM_KC) {
        const int64_t kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
        const int load_c = accumulate || k0 > 0;
        for (int64_t i0 = 0; i0 < M; i0 += GEMM_MC) {
            const int64_t mc = M - i0 < GEMM_MC ? M - i0 : GEMM_MC;
            SFX(gemm_pack_a)(0, A, lda, i0, k0, mc, kc, pack);
            for (int si = 0; si < nseg; si++) {
                const gru__gemm_seg *sg = &seg[si];
                for (int64_t j0 = 0; j0 < sg->N; j0 += GEMM_NR) {
                    const int64_t n = sg->N - j0 < GEMM_NR ? sg->N - j0 : GEMM_NR;
                    const float *b = sg->Bp + k0 * sg->Np + (sg->n0 + j0) / GEMM_NR * kc * GEMM_NR;
                    for (int64_t p = 0; p < mc; p += GEMM_MR) {
                        const int mr = (int)(mc - p < GEMM_MR ? mc - p : GEMM_MR);
                        SFX(gemm_tile_any)(mr, n, kc, pack + p * kc, b, GEMM_NR,
                                           sg->C + (i0 + p) * sg->ldc + j0, sg->ldc, load_c,
                                           NULL);
                    }
                }
            }
        }
    }
}

#undef GEMM_KC
#undef GEMM_MC
#undef GEMM_NR
#undef GEMM_INLINE
