/* The fast float32 GEMM's loop body, included once per instruction set by
 * src/cpu/x86/gemm_<isa>.c with
 *   SFX(name)            name##_<isa>
 *   VW, VEC              floats per vector, the vector type
 *   VZERO, VSET1, VLOAD, VSTORE, VLOADN(p, n), VSTOREN(p, v, n), VADD, VFMA(a, b, c)
 *   GEMM_MR              rows of C per microkernel tile (<= 12)
 *   GEMM_NV              vectors of C per tile row (tile width GEMM_NV * VW)
 *   GEMM_SSE_PACK        (optional) pack A and transposed B through SSE 4 x 4 transposes (x86)
 *   GEMM_VSTREAM(p, v)   (optional) a non-temporal store of a whole vector at p, aligned to
 *                        GEMM_VALIGN bytes (gru__gemm_bp writes a large C with it)
 *   GEMM_PARTS           (optional, default 7) which products to define: 1 the plain one
 *                        (gru__gemm), 2 those on a B packed once (gru__gemm_nr, _pack_b,
 *                        _pb), 4 the one that packs B too (gru__gemm_bp_min, _bp); so that
 *                        an ISA can give gru__gemm_bp tiles of another shape (x86/gemm_avx512.c)
 *   GEMM_API             (optional) the linkage of the functions it defines (default extern)
 *   GEMM_BP_FALLBACK     (optional) the plain product gru__gemm_bp runs for small products
 *                        (default SFX(gru__gemm))
 * C (M x N) = op(A) · B (+ C): op(A) = A (M x K) or A^T with A (K x M).
 * Blocking: K in blocks of GEMM_KC; for each, rows of op(A) in blocks of GEMM_MC are packed
 * (k-major panels of GEMM_MR rows, a fixed stack buffer: nothing is allocated), then every
 * tile-wide column strip of B (GEMM_KC rows, stays in L1) is multiplied with each packed
 * panel (stays in L2). The summation order over k is the natural one within a block.
 * Prefetches: each tile fetches its lines of C into L2 at its start and into L1 32 k
 * before its end (they are read or written only after its k loop; fetched into L1 at the
 * start, the streams of A and B evicted them again), and the first tiles on a strip fetch
 * the next strip's rows of B (one line per row each), into L1 for a plain B, whose rows
 * the hardware prefetchers miss when they lie a page or more apart, into L2 for a packed
 * one (measured 3-5% on the products of training at S5).
 * With caller scratch (gru__gemm_bp, gru__gemm_pb with ws): B is also packed, a chunk of
 * columns per k block, into contiguous strips that the tiles stream in order (no row
 * stride, no page per row), and A in blocks of up to GEMM_MCW rows, so that each strip of
 * B is fetched from L3 once per more rows of A. */

#include <stdint.h>
#include <string.h>

#ifndef GEMM_KC
#define GEMM_KC 256
#endif
#ifndef GEMM_MC
#define GEMM_MC (GEMM_MR * 8)
#endif
/* At most this many k per block of gru__gemm_bp (blocks of equal size) when C is large
 * (GEMM_BIGC floats or more: its passes, once per block, come from L3 or memory) and the
 * scratch holds them, else GEMM_KC. At AVX-512, 2 * GEMM_KC measured 2-3% faster on the
 * products of training at S5 (dK, dU: C 1024 x 3072, K = T*B = 3200 in 4 blocks instead
 * of 7; the input projection, K = 1024, in one), but 3% slower at S4 (dK: C 512 x 1536,
 * which stays in cache across the passes); at AVX2, 1% faster on the S5 projection. */
#ifndef GEMM_KCB
#define GEMM_KCB (2 * GEMM_KC)
#endif
#ifndef GEMM_BIGC
#define GEMM_BIGC ((int64_t)1 << 20)
#endif
#ifndef GEMM_MCW /* rows of A per packed block in caller scratch */
#define GEMM_MCW (GEMM_MR * 12)
#endif
/* Blocks of the plain GEMM (gru__gemm) when op(A) = A^T: B's rows are read in place, row
 * stride ldb, and a strip of them stays in L1 only for a shorter k block; the same pack
 * buffer as GEMM_MC x GEMM_KC holds more rows of A instead. */
#ifndef GEMM_KCT
#define GEMM_KCT GEMM_KC
#endif
#ifndef GEMM_MCT
#define GEMM_MCT GEMM_MC
#endif
#define GEMM_NR (GEMM_NV * VW)
#ifndef GEMM_PARTS
#define GEMM_PARTS 7
#endif
#ifndef GEMM_API
#define GEMM_API
#endif
#ifndef GEMM_BP_FALLBACK
#define GEMM_BP_FALLBACK SFX(gru__gemm)
#endif

#if defined(__GNUC__)
#define GEMM_INLINE static inline __attribute__((always_inline))
#else
#define GEMM_INLINE static inline
#endif

/* C tile (mr x n, n <= GEMM_NR; full when n == GEMM_NR) = ap · b (+ C when load_c is 1),
 * ap (kc, GEMM_MR) packed, b (kc x n, row stride ldb). pf (or NULL): one line per row of
 * b (stride ldb) fetched into L1 along the k loop; pf2 likewise into L2. load_c 2: C is
 * overwritten by non-temporal stores where the ISA has them (GEMM_VSTREAM; whole aligned
 * vectors), and its lines are not fetched. */
GEMM_INLINE void SFX(gemm_tile)(const int mr, const int full, int64_t n, int64_t kc,
                                const float *ap, const float *b, int64_t ldb, float *c,
                                int64_t ldc, int load_c, const float *pf, const float *pf2)
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
    /* C is read (or written) after the whole k loop: fetch its lines meanwhile, into L2
     * (A and B stream through L1 in the meantime), and into L1 for the last 32 k */
#pragma GCC unroll 16
    for (int r = 0; r < mr && load_c != 2; r++) {
        __builtin_prefetch(c + r * ldc, 1, 2);
        __builtin_prefetch(c + r * ldc + n - 1, 1, 2);
    }
#pragma GCC unroll 4
    for (int s = 0; s < ks; s++)
#pragma GCC unroll 16
        for (int r = 0; r < mr; r++)
#pragma GCC unroll 16
            for (int v = 0; v < GEMM_NV; v++)
                acc[s][r][v] = VZERO();
    int64_t k = 0;
    const int64_t kmid = kc > 64 ? kc - 32 : 0;
    for (int ph = 0; ph < 2; ph++) {
        const int64_t kend = ph ? kc : kmid;
        if (ph && load_c != 2)
#pragma GCC unroll 16
            for (int r = 0; r < mr; r++) {
                __builtin_prefetch(c + r * ldc, 1, 3);
                __builtin_prefetch(c + r * ldc + n - 1, 1, 3);
            }
        /* four k per pass: paired in-process runs of training on the AVX-512 Xeon, one
         * thread, 1.5-7% faster (S3 0.93-0.96, S4 0.93-0.95, S5 0.98), GEMMs alone 1-6%;
         * AVX2 kernels on the same machine 3% */
#pragma GCC unroll 4
        for (; k + ks <= kend; k += ks) {
#pragma GCC unroll 4
            for (int s = 0; s < ks; s++) {
                VEC bv[GEMM_NV];
                const float *bk = b + (k + s) * ldb;
                if (pf)
                    __builtin_prefetch(pf + (k + s) * ldb, 0, 3);
                if (pf2)
                    __builtin_prefetch(pf2 + (k + s) * ldb, 0, 2);
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
                if (load_c == 1)
                    x = VADD(x, VLOAD(cr + v * VW));
#if defined(GEMM_VSTREAM)
                if (load_c == 2 && ((uintptr_t)(cr + v * VW) & (GEMM_VALIGN - 1)) == 0)
                    GEMM_VSTREAM(cr + v * VW, x);
                else
#endif
                    VSTORE(cr + v * VW, x);
            } else if (cnt[v]) {
                VEC x = acc[0][r][v];
                if (load_c == 1)
                    x = VADD(x, VLOADN(cr + v * VW, cnt[v]));
                VSTOREN(cr + v * VW, x, cnt[v]);
            }
        }
    }
}

/* One tile with a run-time row count: a fully unrolled kernel per row count. */
static void SFX(gemm_tile_any)(int mr, int64_t n, int64_t kc, const float *ap, const float *b,
                               int64_t ldb, float *c, int64_t ldc, int load_c, const float *pf,
                               const float *pf2)
{
#define GEMM_CASE(m)                                                                           \
    case m:                                                                                    \
        if (n == GEMM_NR)                                                                      \
            SFX(gemm_tile)(m, 1, n, kc, ap, b, ldb, c, ldc, load_c, pf, pf2);                     \
        else                                                                                   \
            SFX(gemm_tile)(m, 0, n, kc, ap, b, ldb, c, ldc, load_c, pf, pf2);                     \
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

#if defined(GEMM_SSE_PACK)
/* dst[k * ds + q] = src[q * ld + k] for q < 4, k < kc: 4 rows of src turned into columns,
 * 4 k at a time through SSE 4 x 4 transposes. */
static void SFX(gemm_tr4)(const float *src, int64_t ld, int64_t kc, float *dst, int64_t ds)
{
    int64_t k = 0;
    for (; k + 4 <= kc; k += 4) {
        __m128 x0 = _mm_loadu_ps(src + k), x1 = _mm_loadu_ps(src + ld + k);
        __m128 x2 = _mm_loadu_ps(src + 2 * ld + k);
        __m128 x3 = _mm_loadu_ps(src + 3 * ld + k);
        _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
        _mm_storeu_ps(dst + k * ds, x0);
        _mm_storeu_ps(dst + (k + 1) * ds, x1);
        _mm_storeu_ps(dst + (k + 2) * ds, x2);
        _mm_storeu_ps(dst + (k + 3) * ds, x3);
    }
    for (; k < kc; k++)
        for (int q = 0; q < 4; q++)
            dst[k * ds + q] = src[q * ld + k];
}
#endif

/* Pack op(A)[i0 .. i0+mc, k0 .. k0+kc] into panels of GEMM_MR rows (kc, GEMM_MR). */
static void SFX(gemm_pack_a)(int trans_a, const float *A, int64_t lda, int64_t i0, int64_t k0,
                             int64_t mc, int64_t kc, float *pack)
{
    if (trans_a) { /* the full panels row by row of A: each row read once, in order */
        const int64_t full = mc / GEMM_MR * GEMM_MR;
        for (int64_t k = 0; k < kc; k++) {
            const float *ak = A + (k0 + k) * lda + i0;
            for (int64_t p = 0; p < full; p += GEMM_MR)
                memcpy(pack + p * kc + k * GEMM_MR, ak + p, GEMM_MR * sizeof(float));
        }
    }
    for (int64_t p = 0; p < mc; p += GEMM_MR) {
        const int64_t mr = mc - p < GEMM_MR ? mc - p : GEMM_MR;
        float *ap = pack + p * kc;
        if (trans_a && mr == GEMM_MR) {
            continue; /* packed above */
        } else if (trans_a) {
            for (int64_t k = 0; k < kc; k++) {
                const float *ak = A + (k0 + k) * lda + i0 + p;
                for (int64_t r = 0; r < mr; r++)
                    ap[k * GEMM_MR + r] = ak[r];
            }
        } else {
            int64_t r = 0;
#if defined(GEMM_SSE_PACK)
            for (; r + 4 <= mr; r += 4)
                SFX(gemm_tr4)(A + (i0 + p + r) * lda + k0, lda, kc, ap + r, GEMM_MR);
#endif
            for (; r < mr; r++) {
                const float *ar = A + (i0 + p + r) * lda + k0;
                for (int64_t k = 0; k < kc; k++)
                    ap[k * GEMM_MR + r] = ar[k];
            }
        }
    }
}

#if GEMM_PARTS & 1
GEMM_API void SFX(gru__gemm)(int trans_a, int64_t M, int64_t N, int64_t K, const float *A,
                             int64_t lda, const float *Bm, int64_t ldb, float *C, int64_t ldc,
                             int accumulate)
{
    if (M <= 0 || N <= 0)
        return;
    if (K <= 0) {
        if (!accumulate)
            for (int64_t i = 0; i < M; i++)
                memset(C + i * ldc, 0, (size_t)N * sizeof(float));
        return;
    }
    _Static_assert(GEMM_MCT * GEMM_KCT <= GEMM_MC * GEMM_KC, "GEMM_MCT x GEMM_KCT");
    _Alignas(64) float pack[GEMM_MC * GEMM_KC]; /* (mcb / GEMM_MR) panels of (kc, GEMM_MR) */
    const int64_t kcb = trans_a ? GEMM_KCT : GEMM_KC, mcb = trans_a ? GEMM_MCT : GEMM_MC;
    for (int64_t k0 = 0; k0 < K; k0 += kcb) {
        const int64_t kc = K - k0 < kcb ? K - k0 : kcb;
        const int load_c = accumulate || k0 > 0;
        for (int64_t i0 = 0; i0 < M; i0 += mcb) {
            const int64_t mc = M - i0 < mcb ? M - i0 : mcb;
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
                                       pf && p < GEMM_NV * GEMM_MR ? pf + (p / GEMM_MR) * VW : NULL,
                                       NULL);
                }
            }
        }
    }
}

#endif /* GEMM_PARTS & 1 */

/* ---- B packed once, for products repeated with the same B (the training time loop) ----
 * Layout of a packed K x N matrix: for each block of GEMM_KC rows (kc rows, the last one
 * shorter), its strips of GEMM_NR columns (zero past N) one after the other, each kc x
 * GEMM_NR contiguous: block k0 starts at k0 * Np, strip j at + j * kc * GEMM_NR, with
 * Np = N rounded up to GEMM_NR. Contiguous strips stay in L1 whatever B's row stride
 * was, and stream with the hardware prefetchers. */
#if GEMM_PARTS & 2
GEMM_API int64_t SFX(gru__gemm_nr)(void) { return GEMM_NR; }
#endif

#if GEMM_PARTS & 6

/* A chunk of B (kc x nc; row k at src + k * ldb) packed as strips of GEMM_NR columns,
 * strip j kc x GEMM_NR contiguous at dst + j * kc * GEMM_NR, zero past nc. */
static void SFX(gemm_pack_bc)(int64_t kc, int64_t nc, const float *src, int64_t ldb,
                              float *dst)
{
    const int64_t ns = (nc + GEMM_NR - 1) / GEMM_NR;
    for (int64_t k = 0; k < kc; k++) {
        const float *row = src + k * ldb;
        for (int64_t j = 0; j < ns; j++) {
            float *d = dst + (j * kc + k) * GEMM_NR;
            const float *r = row + j * GEMM_NR;
            const int64_t left = nc - j * GEMM_NR;
            if (left >= GEMM_NR) {
#pragma GCC unroll 16
                for (int v = 0; v < GEMM_NV; v++)
                    VSTORE(d + v * VW, VLOAD(r + v * VW));
            } else {
#pragma GCC unroll 16
                for (int v = 0; v < GEMM_NV; v++) {
                    const int64_t l = left - (int64_t)v * VW;
                    VSTORE(d + v * VW, l >= VW  ? VLOAD(r + v * VW)
                                       : l > 0 ? VLOADN(r + v * VW, (int)l)
                                               : VZERO());
                }
            }
        }
    }
}

#endif /* GEMM_PARTS & 6 */

#if GEMM_PARTS & 2
/* Bp = B (K x N) packed; B[k][n] = src[k * ld + n], or src[n * ld + k] when trans. */
GEMM_API void SFX(gru__gemm_pack_b)(int trans, int64_t K, int64_t N, const float *src, int64_t ld,
                                    float *Bp)
{
    const int64_t Np = (N + GEMM_NR - 1) / GEMM_NR * GEMM_NR;
    for (int64_t k0 = 0; k0 < K; k0 += GEMM_KC) {
        const int64_t kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
        for (int64_t j = 0; trans && j < Np / GEMM_NR; j++) {
            float *dst = Bp + k0 * Np + j * kc * GEMM_NR; /* read src's rows along k */
            int l = 0;
#if defined(GEMM_SSE_PACK)
            for (; l + 4 <= GEMM_NR && j * GEMM_NR + l + 4 <= N; l += 4)
                SFX(gemm_tr4)(src + (j * GEMM_NR + l) * ld + k0, ld, kc, dst + l, GEMM_NR);
#endif
            for (; l < GEMM_NR; l++) {
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
        }
        if (!trans)
            SFX(gemm_pack_bc)(kc, N, src + k0 * ld, ld, Bp + k0 * Np);
    }
}

#endif /* GEMM_PARTS & 2 */

#if GEMM_PARTS & 6
/* Rows of A per packed block: up to GEMM_MCW (whole panels) when the scratch ws (nws
 * floats) holds them for k blocks of kc0, else GEMM_MC in the stack buffer. */
static int64_t SFX(gemm_mcb)(int64_t M, int64_t kc0, const float *ws, int64_t nws)
{
    if (!ws || kc0 <= 0)
        return GEMM_MC;
    int64_t mcb = nws / kc0 / GEMM_MR * GEMM_MR;
    const int64_t mfull = (M + GEMM_MR - 1) / GEMM_MR * GEMM_MR;
    if (mcb > GEMM_MCW)
        mcb = GEMM_MCW;
    if (mcb > mfull)
        mcb = mfull;
    return mcb > GEMM_MC ? mcb : GEMM_MC;
}

#endif /* GEMM_PARTS & 6 */

#if GEMM_PARTS & 2
/* C_s (M x N_s) = A (M x K, row stride lda) · (columns [n0_s, n0_s + N_s) of the packed
 * B_s) (+ C_s when accumulate), for each segment s: A is packed once for all. n0_s is a
 * multiple of GEMM_NR. ws (nws floats, or NULL): scratch for A's packed blocks. */
GEMM_API void SFX(gru__gemm_pb)(int64_t M, int64_t K, const float *A, int64_t lda, int nseg,
                                const gru__gemm_seg *seg, int accumulate, float *ws,
                                int64_t nws)
{
    if (M <= 0 || K <= 0)
        return;
    _Alignas(64) float spack[GEMM_MC * GEMM_KC]; /* (GEMM_MC / GEMM_MR) panels of (kc, GEMM_MR) */
    const int64_t mcb = SFX(gemm_mcb)(M, K < GEMM_KC ? K : GEMM_KC, ws, nws);
    float *pack = mcb > GEMM_MC ? ws : spack;
    for (int64_t k0 = 0; k0 < K; k0 += GEMM_KC) {
        const int64_t kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
        const int load_c = accumulate || k0 > 0;
        for (int64_t i0 = 0; i0 < M; i0 += mcb) {
            const int64_t mc = M - i0 < mcb ? M - i0 : mcb;
            SFX(gemm_pack_a)(0, A, lda, i0, k0, mc, kc, pack);
            for (int si = 0; si < nseg; si++) {
                const gru__gemm_seg *sg = &seg[si];
                for (int64_t j0 = 0; j0 < sg->N; j0 += GEMM_NR) {
                    const int64_t n = sg->N - j0 < GEMM_NR ? sg->N - j0 : GEMM_NR;
                    const float *b = sg->Bp + k0 * sg->Np + (sg->n0 + j0) / GEMM_NR * kc * GEMM_NR;
                    /* the first tiles fetch the next strip (contiguous) into L2 */
                    const float *pf2 = j0 + GEMM_NR < sg->N ? b + kc * GEMM_NR : NULL;
                    for (int64_t p = 0; p < mc; p += GEMM_MR) {
                        const int mr = (int)(mc - p < GEMM_MR ? mc - p : GEMM_MR);
                        SFX(gemm_tile_any)(mr, n, kc, pack + p * kc, b, GEMM_NR,
                                           sg->C + (i0 + p) * sg->ldc + j0, sg->ldc, load_c,
                                           NULL,
                                           pf2 && p < GEMM_NV * GEMM_MR
                                               ? pf2 + (p / GEMM_MR) * VW
                                               : NULL);
                    }
                }
            }
        }
    }
}

#endif /* GEMM_PARTS & 2 */

#if GEMM_PARTS & 4
/* Floats of scratch gru__gemm_bp needs at least to pack (else it runs gru__gemm). */
GEMM_API int64_t SFX(gru__gemm_bp_min)(void) { return (GEMM_MCW + 8 * GEMM_NR) * GEMM_KC; }

/* gru__gemm with B packed too, into the scratch ws (nws floats): k in blocks of equal size
 * (at most GEMM_KC, or GEMM_KCB for a large C: no short block left at the end, whose
 * pass over C would cost as much as a full one), per k block chunks of columns as wide as
 * ws holds after A's block (GEMM_MCW rows), each packed once and then multiplied with
 * every block of A. Each C element sums its k blocks in order, k in order within a block.
 * Runs gru__gemm when ws holds less than gru__gemm_bp_min() floats or the product is small
 * (M < 2 tiles of rows, N < 4 strips).
 * A large C (GEMM_BIGC floats or more) is written by non-temporal stores where it is not
 * read (the first k block, without accumulate), and not fetched: its callers (the products
 * over all T*B rows of training) read it only much later, from memory. 2026-11-28, the
 * AVX-512 Xeon, one thread, paired in-process runs against the plain stores: the input
 * projection of S5 training (C 3200 x 3072) 0.92-0.97 of the time, 0.96 of S4's shape, 0.98
 * of S3's; dK, dU of S5 (C 1024 x 3072, four k blocks) 0.98-0.99. Not for S4's dK (C 512
 * x 1536, below GEMM_BIGC: 1.03, its passes come back from cache), nor with every k block
 * streamed (level at S5's dK). */
GEMM_API void SFX(gru__gemm_bp)(int trans_a, int64_t M, int64_t N, int64_t K, const float *A,
                                int64_t lda, const float *Bm, int64_t ldb, float *C, int64_t ldc,
                                int accumulate, float *ws, int64_t nws)
{
    if (M < 2 * GEMM_MR || N < 4 * GEMM_NR || K <= 0 || !ws || nws < SFX(gru__gemm_bp_min)()) {
        GEMM_BP_FALLBACK(trans_a, M, N, K, A, lda, Bm, ldb, C, ldc, accumulate);
        return;
    }
    /* k blocks of equal size (multiples of 8 but the last), no short one at the end, up
     * to GEMM_KCB for a large C when ws holds A's block and 8 strips of B for them */
    const int64_t kcb =
        M * N >= GEMM_BIGC && nws >= (GEMM_MCW + 8 * GEMM_NR) * (int64_t)GEMM_KCB ? GEMM_KCB
                                                                                  : GEMM_KC;
    const int64_t nkb = (K + kcb - 1) / kcb;
    int64_t kc0 = (K + nkb - 1) / nkb;
    kc0 = nkb > 1 ? (kc0 + 7) / 8 * 8 : kc0;
    const int64_t mcb = SFX(gemm_mcb)(M, kc0, ws, GEMM_MCW * kc0);
    const int64_t nst = (N + GEMM_NR - 1) / GEMM_NR;             /* strips of C */
    int64_t ncs = (nws - mcb * kc0) / (kc0 * GEMM_NR);           /* strips per chunk */
    if (ncs > nst)
        ncs = nst;
    const int64_t nch = (nst + ncs - 1) / ncs; /* chunks, then equal strips per chunk */
    ncs = (nst + nch - 1) / nch;
    float *bpk = ws;                   /* ncs strips of (kc, GEMM_NR) */
    float *pack = ws + ncs * GEMM_NR * kc0; /* (mcb / GEMM_MR) panels of (kc, GEMM_MR) */
#if defined(GEMM_VSTREAM)
    const int stream = !accumulate && M * N >= GEMM_BIGC;
#else
    const int stream = 0;
#endif
    for (int64_t k0 = 0; k0 < K; k0 += kc0) {
        const int64_t kc = K - k0 < kc0 ? K - k0 : kc0;
        const int load_c = accumulate || k0 > 0 ? 1 : stream ? 2 : 0;
        for (int64_t jc = 0; jc < N; jc += ncs * GEMM_NR) {
            const int64_t nc = N - jc < ncs * GEMM_NR ? N - jc : ncs * GEMM_NR;
            SFX(gemm_pack_bc)(kc, nc, Bm + k0 * ldb + jc, ldb, bpk);
            for (int64_t i0 = 0; i0 < M; i0 += mcb) {
                const int64_t mc = M - i0 < mcb ? M - i0 : mcb;
                SFX(gemm_pack_a)(trans_a, A, lda, i0, k0, mc, kc, pack);
                for (int64_t j0 = 0; j0 < nc; j0 += GEMM_NR) {
                    const int64_t n = nc - j0 < GEMM_NR ? nc - j0 : GEMM_NR;
                    const float *b = bpk + j0 * kc;
                    /* every tile fetches the next strip into L2, GEMM_NV tiles in turn
                     * one line of its rows each: only the first GEMM_NV tiles (as in
                     * gru__gemm_pb) left the tiles of S5's products of training waiting
                     * on L3; all of them, paired in-process runs on the AVX-512 Xeon:
                     * 0.95-0.99 of the time of S5's (input projection, dK, dU, dx),
                     * 0.97-1.0 of S4's, level with S3's dK (M = 256); gru__gemm_pb
                     * (M = B rows) 1.01-1.02, so not there */
                    const float *pf2 = j0 + GEMM_NR < nc ? b + kc * GEMM_NR : NULL;
                    for (int64_t p = 0; p < mc; p += GEMM_MR) {
                        const int mr = (int)(mc - p < GEMM_MR ? mc - p : GEMM_MR);
                        SFX(gemm_tile_any)(mr, n, kc, pack + p * kc, b, GEMM_NR,
                                           C + (i0 + p) * ldc + jc + j0, ldc, load_c, NULL,
                                           pf2 ? pf2 + (p / GEMM_MR) % GEMM_NV * VW : NULL);
                    }
                }
            }
        }
    }
#if defined(GEMM_VSTREAM)
    if (stream)
        GEMM_SFENCE(); /* the streamed stores ordered before whatever follows */
#endif
}

#endif /* GEMM_PARTS & 4 */

#undef GEMM_PARTS
#undef GEMM_API
#undef GEMM_BP_FALLBACK
#undef GEMM_KC
#undef GEMM_KCB
#undef GEMM_BIGC
#undef GEMM_MC
#undef GEMM_KCT
#undef GEMM_MCT
#undef GEMM_MCW
#undef GEMM_NR
#undef GEMM_INLINE
