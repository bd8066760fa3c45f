/* The fast float32 forward pass, written once and compiled once per instruction set
 * (fast_generic.c, x86/fast_avx2.c, x86/fast_avx512.c). The including file defines:
 *   SFX(name)      name##_<isa>
 *   VW             floats per vector; also the units per group of the packed weights
 *   VEC            the vector type
 *   VZERO() VSET1(x) VLOAD(p) VSTORE(p, v)        full-vector operations
 *   VLOADN(p, n) VSTOREN(p, v, n)                 the first n < VW lanes (others 0)
 *   VADD VSUB VMUL VDIV VFMA(a, b, c) = a*b + c (one rounding)
 *   VMIN(a, b) = a < b ? a : b, VMAX(a, b) = a > b ? a : b   (x86 semantics: a NaN in
 *                  a gives b; NaN in b gives b)
 *   VSEL_LT(a, b, x, y) = a < b ? x : y lane by lane
 *   VROUND(x) nearest integer, VSCALE2(p, n) = p * 2^n (n integral, |n| <= 150),
 *   VABS(x), VCOPYSIGN(m, s) = |m| with the sign of s
 *   MR3 MR2 MR1 NG1M   register tile: rows for 3, 2 and 1 vectors per group; groups for 1
 *   NGR3 NGR2 NGR1     groups per tile for single rows (B = 1 is a matrix-vector product);
 *                      = GRU__SPG3/2/1, the superpanel sizes of the packing (fast.h)
 *   VMATH_LIBM         (optional) use libm's expf/tanhf lane by lane instead of the vector
 *                      versions (src/cpu/vmath_body.h)
 *
 * What a kernel computes is exactly the reference kernel (src/cpu/ref/forward_body.h);
 * only the order of the work and the exp/tanh/sigmoid approximations differ.
 *
 * Work split between nth threads: the ng unit groups are divided into nth contiguous
 * ranges; thread tid owns groups [g0, g1). Its packed weights are only ever read by it,
 * so that each core keeps its share of the recurrent kernel in its own L2. Batches of
 * at least nth register tiles are split by samples instead, in dispatch.c (each thread
 * runs this worker with nth = 1 on its own samples), or, with a recurrent kernel larger
 * than one core's L2, by units with the groups of each phase handed out in chunks to
 * whichever thread asks next (J->dyn, run_dyn).
 *
 * Input projection: all timesteps at once before the steps (run_x), or, when that xp
 * would not stay in cache, a few steps at a time just before they are used (x_chunk,
 * run_xc), or at B = 1 with a mid-sized recurrent kernel (AVX-512) ridden along the
 * recurrent tiles of the steps before (step_fx), or at B = 1 on several threads otherwise
 * a block at a time in the barriers' waits of the steps before (x_window).
 *
 * reset_after = TRUE (one barrier per step): h is double-buffered in the scratch,
 *   hb[s & 1] -> hb[(s + 1) & 1]; a thread writes its own units of the next state.
 * reset_after = FALSE (one barrier per step): every thread keeps a private copy of the
 *   whole state hp[tid]. Step: z, r of its own units from h·U[:, 0:2H] (writes z[s & 1]
 *   and rh = r ⊙ h for its own units); then the partial product of its own rows of
 *   U[:, 2H:3H] with its own part of rh, for all H columns, into P[s & 1][tid]; barrier;
 *   then every thread sums the partials and updates its private copy of the whole state.
 * Scratch buffers (stride bhs floats each, (B, H) C order):
 *   reset_after:  hb[0], hb[1], raw (3 buffers, run_alt and gate_pass)
 *   otherwise:    hp[0..nth-1], rh, z[0], z[1], P[0][0..nth-1], P[1][0..nth-1],
 *                 raw (2 buffers, run_alt and gate_pass)
 * (gru__fast_scratch_bufs(nth) = 5 + 3 nth buffers in all.)
 */

#include <math.h>
#include <string.h>

#define AI __attribute__((always_inline))
#define ACC_MAX 36

/* ---- vector math: vexp, vsigmoid, vtanh, vact -------------------------------------- */

#include "cpu/vmath_body.h"

void SFX(gru__fast_vmath)(int which, const float *in, float *out, int64_t n)
{
    int64_t i = 0;
    for (; i + VW <= n; i += VW) {
        VEC x = VLOAD(in + i);
        VEC y = which == 0 ? SFX(vexp)(x) : which == 1 ? SFX(vsigmoid)(x)
                : which == 2 ? SFX(vtanh)(x) : SFX(vact)((gru_activation)(which - 3), x);
        VSTORE(out + i, y);
    }
    if (i < n) {
        int r = (int)(n - i);
        (void)r;
        VEC x = VLOADN(in + i, r);
        VEC y = which == 0 ? SFX(vexp)(x) : which == 1 ? SFX(vsigmoid)(x)
                : which == 2 ? SFX(vtanh)(x) : SFX(vact)((gru_activation)(which - 3), x);
        VSTOREN(out + i, y, r);
    }
}

/* ---- register tiles ------------------------------------------------------------------ */

/* acc[(m * ng + g) * nvg + v] = sum_k A[m * lda + k] * P[k * ks + (g * nvg + v) * VW ..]
 * for m < mr rows, g < ng groups (side by side in one superpanel, row stride ks floats),
 * v < nvg vectors per group. mr, ng, nvg are constants at every call site, so that acc
 * lives in registers. */
/* Rows per block of the block-reversed walk (tile_acc_more with rev). */
#define REV_BLOCK 32
/* Multi-row tiles ask for the panel row PF_ROWS rows ahead of the one they multiply: the
 * panel streams from L2 (K x up to 3 vectors does not fit L1). With one thread S5 runs
 * 2-3% faster and S4 1-3%; two threads and S1-S3 are level (2026-11-26; 16 rows gained
 * less, 48 and 64 the same as 32). */
#ifndef PF_ROWS
#define PF_ROWS 32
#endif

/* One row k of the product: acc += A[m * lda + k] * P[k * ks ..] for every m, j. */
static inline AI void SFX(tile_row)(const int mr, const int ng, const int nvg, int64_t k,
                                    const float *A, int64_t lda, const float *P, int64_t ks,
                                    VEC *acc)
{
    VEC bv[12];
#pragma GCC unroll 12
    for (int j = 0; j < ng * nvg; j++)
        bv[j] = VLOAD(P + k * ks + j * VW);
#pragma GCC unroll 12
    for (int m = 0; m < mr; m++) {
        VEC a = VSET1(A[m * lda + k]);
#pragma GCC unroll 12
        for (int j = 0; j < ng * nvg; j++)
            acc[m * ng * nvg + j] = VFMA(a, bv[j], acc[m * ng * nvg + j]);
    }
}

/* B = 1: a tile of the input projection that rides along a recurrent tile (step_fx):
 * FX_TS timesteps of FX_NV vectors of the input kernel's columns, FX_TS * FX_NV
 * accumulators. Row k of it is multiplied after a row of the recurrent walk, so that its
 * FMAs fill the slots the walk leaves while it streams the recurrent kernel from L2.
 * A: the FX_TS x rows transposed (A[k * FX_TS + m] = x of timestep m, input k);
 * P[i], ks[i]: vector i's column of the packed input kernel and its row stride. */
#ifndef FX_TS
#define FX_TS 0
#endif
#ifndef FX_NV
#define FX_NV 1
#endif
/* the largest input width it serves: each thread keeps FX_TS rows of x transposed on its
 * stack (12 KiB) */
#define FX_IMAX 512
typedef struct SFX(xrun) {
    VEC acc[FX_TS > 0 ? FX_TS * FX_NV : 1];
    const float *A, *P[FX_NV];
    int64_t ks[FX_NV], k, K;
} SFX(xrun);

static inline AI void SFX(x_row)(SFX(xrun) *x)
{
    VEC w[FX_NV];
#pragma GCC unroll 4
    for (int i = 0; i < FX_NV; i++)
        w[i] = VLOAD(x->P[i] + x->k * x->ks[i]);
#pragma GCC unroll 16
    for (int m = 0; m < FX_TS; m++) {
        const VEC a = VSET1(x->A[x->k * FX_TS + m]);
#pragma GCC unroll 4
        for (int i = 0; i < FX_NV; i++)
            x->acc[m * FX_NV + i] = VFMA(a, w[i], x->acc[m * FX_NV + i]);
    }
    x->k++;
}

/* Rows [ka, kb) of the product, upwards; x (NULL, or a ride-along tile) takes one of
 * its rows after each while it has any left. */
static inline AI void SFX(tile_rows)(const int mr, const int ng, const int nvg, int64_t ka,
                                     int64_t kb, const float *A, int64_t lda, const float *P,
                                     int64_t ks, VEC *acc, SFX(xrun) *x)
{
    int64_t k = ka;
    if (x) {
        const int64_t kf = kb - ka < x->K - x->k ? kb : ka + (x->K - x->k);
#pragma GCC unroll 2
        for (; k < kf; k++) {
            SFX(tile_row)(mr, ng, nvg, k, A, lda, P, ks, acc);
            SFX(x_row)(x);
        }
    }
#pragma GCC unroll 2
    for (; k < kb; k++)
        SFX(tile_row)(mr, ng, nvg, k, A, lda, P, ks, acc);
}

/* The next panel of a loop of multi-row tiles, fetched into L2 a share per tile along the
 * tiles of the present one (NX_PF, gru__fast_nxpf): where the panels cycle through more
 * than L2 holds (the input kernel of a chunked projection, a recurrent kernel of 3 MiB
 * or more), each panel came from L3 while the first tiles on it waited; spread over the
 * tiles before, its lines arrive in the background. On the AVX-512 Xeon (2 MiB L2, slow
 * L3), paired in-process runs, one thread: S5 4-8% faster (FALSE), 4-6% (TRUE), S4 1-2.5%,
 * S5 on two threads 1-3%, S3 (kernels in L2) level (2026-11-27). Not measured with AVX2
 * (off there). A tile takes a line per row k < n of its loop, from p on. */
#ifndef NX_PF
#define NX_PF 0
#endif
typedef struct SFX(nxp) {
    const char *p;
    int64_t n;
} SFX(nxp);

/* Tile it of the nt tiles on the present panel: its share of the next panel (`floats`
 * floats from next; NULL: none), spread over the rows k < K - PF_ROWS of its k loop. */
static inline SFX(nxp) SFX(nx_slice)(const float *next, int64_t floats, int64_t it, int64_t nt,
                                     int64_t K)
{
    SFX(nxp) r = {NULL, 0};
    const int64_t lines = floats * (int64_t)sizeof(float) / 64, kr = K - PF_ROWS;
    if (!NX_PF || !gru__fast_nxpf || !next || nt <= 0 || kr <= 0)
        return r;
    const int64_t per = (lines + nt - 1) / nt, a = it * per;
    if (a >= lines)
        return r;
    r.p = (const char *)next + a * 64;
    r.n = lines - a < per ? lines - a : per;
    r.n = r.n < kr ? r.n : kr; /* a line per row k at most; the rest comes when used */
    return r;
}

/* tile_row for row k of a multi-row tile, which first asks for the panel's row PF_ROWS
 * ahead. */
static inline AI void SFX(tile_row_pf)(const int mr, const int ng, const int nvg, int64_t k,
                                       const float *A, int64_t lda, const float *P,
                                       int64_t ks, VEC *acc)
{
#pragma GCC unroll 12
    for (int j = 0; j < ng * nvg; j++)
        __builtin_prefetch(P + (k + PF_ROWS) * ks + j * VW, 0, 3);
    SFX(tile_row)(mr, ng, nvg, k, A, lda, P, ks, acc);
}

/* tile_acc_more (below) with x, a ride-along tile, taking its rows as it goes; nx (or
 * NULL): lines of a later panel to fetch into L2 on the way (multi-row tiles). */
static inline AI void SFX(tile_acc_mx)(const int mr, const int ng, const int nvg, int64_t K,
                                       const float *A, int64_t lda, const float *P,
                                       int64_t ks, VEC *acc, const int rev, SFX(xrun) *x,
                                       const SFX(nxp) *nx)
{
    if (!rev) {
        int64_t k = 0;
        if (mr > 1 && PF_ROWS > 0) {
            /* rows [0, nx->n) also fetch a line of the next panel each: a loop of their
             * own, one more register (a test in the loop made GCC spill the row
             * pointers of A) */
            if (nx && nx->n > 0) {
                const char *q = nx->p;
#pragma GCC unroll 2
                for (; k < nx->n; k++) {
                    __builtin_prefetch(q, 0, 2);
                    q += 64;
                    SFX(tile_row_pf)(mr, ng, nvg, k, A, lda, P, ks, acc);
                }
            }
#pragma GCC unroll 2
            for (; k < K - PF_ROWS; k++)
                SFX(tile_row_pf)(mr, ng, nvg, k, A, lda, P, ks, acc);
        }
        SFX(tile_rows)(mr, ng, nvg, k, K, A, lda, P, ks, acc, x);
        return;
    }
    for (int64_t k0 = K > 0 ? (K - 1) / REV_BLOCK * REV_BLOCK : 0; k0 >= 0 && K > 0;
         k0 -= REV_BLOCK) {
        const int64_t k1 = K - k0 < REV_BLOCK ? K : k0 + REV_BLOCK;
        SFX(tile_rows)(mr, ng, nvg, k0, k1, A, lda, P, ks, acc, x);
    }
}

/* acc += the product over k < K (see tile_acc), k taken upwards; or, when rev (a
 * constant at every call, so each order compiles to its own loop), in blocks of
 * REV_BLOCK rows taken from the last block to the first, each block upwards: the walk
 * then starts on the rows a forward walk ended on (still in L1), while the hardware
 * prefetcher still sees ascending addresses (a row-by-row backward walk streams from L2
 * more slowly). */
static inline AI void SFX(tile_acc_more)(const int mr, const int ng, const int nvg, int64_t K,
                                         const float *A, int64_t lda, const float *P,
                                         int64_t ks, VEC *acc, const int rev,
                                         const SFX(nxp) *nx)
{
    SFX(tile_acc_mx)(mr, ng, nvg, K, A, lda, P, ks, acc, rev, NULL, nx);
}

/* acc = the product over k < K (tile_acc_more from zero), in the order rev picks. */
static inline AI void SFX(tile_acc)(const int mr, const int ng, const int nvg, int64_t K,
                                    const float *A, int64_t lda, const float *P, int64_t ks,
                                    VEC *acc, const int rev, const SFX(nxp) *nx)
{
#pragma GCC unroll 36
    for (int i = 0; i < mr * ng * nvg; i++)
        acc[i] = VZERO();
    SFX(tile_acc_more)(mr, ng, nvg, K, A, lda, P, ks, acc, rev, nx);
}

/* Start of group g in superpanels of spg groups, nvg vectors per group, `rows` rows, ng
 * groups in all; *ks gets the row stride. */
static inline const float *SFX(gp)(const float *base, int64_t rows, int nvg, int spg,
                                   int64_t ng, int64_t g, int64_t *ks)
{
    const int64_t sp = g / spg, gi = g - sp * spg;
    const int64_t nb = ng - sp * spg < spg ? ng - sp * spg : spg;
    *ks = nb * nvg * VW;
    return base + sp * rows * spg * nvg * VW + gi * nvg * VW;
}

/* Group g's panel (gp) where g < g1, else NULL: the next panel of a loop (nx_slice). */
static inline const float *SFX(gp_next)(const float *base, int64_t rows, int nvg, int spg,
                                        int64_t ng, int64_t g, int64_t g1, int64_t *ks)
{
    *ks = 0;
    return g < g1 ? SFX(gp)(base, rows, nvg, spg, ng, g, ks) : NULL;
}

/* Groups for a tile starting at g: at most ngr, not past g1 or the superpanel's end. */
static inline int64_t SFX(chunk)(int64_t g, int64_t g1, int spg, int ngr)
{
    int64_t end = (g / spg + 1) * spg;
    end = end < g1 ? end : g1;
    return end - g < ngr ? end - g : ngr;
}

/* The gate math of a multi-vector tile runs out of line (tile_end): acc is stored once
 * after the k loop into a (mr, ng, nv vectors), which also keeps the loop in registers
 * (the activations may call functions that clobber every vector register). */
static inline AI void SFX(spill)(const int n, const VEC *acc, float *a)
{
#pragma GCC unroll 36
    for (int i = 0; i < n; i++)
        VSTORE(a + i * VW, acc[i]);
}
struct SFX(stepv);
static void SFX(tile_end)(const struct SFX(stepv) *S, int nv, int64_t b0, int mr, int64_t g,
                          int ng, const float *a);

static inline VEC SFX(ld)(const float *p, int n) { return n == VW ? VLOAD(p) : VLOADN(p, n); }
/* How many of the groups [g, g + ng) lie entirely inside H (the rest: a last group
 * narrower than a vector). */
static inline int SFX(nwhole)(int64_t H, int64_t g, int ng)
{
    const int64_t gw = H / VW - g;
    return gw < ng ? (gw > 0 ? (int)gw : 0) : ng;
}
static inline void SFX(st)(float *p, VEC v, int n)
{
    if (n == VW)
        VSTORE(p, v);
    else
        VSTOREN(p, v, n);
}

/* Per-step values shared by the tiles of one thread. */
typedef struct SFX(stepv) {
    const gru__fast_job *J;
    int64_t s, t;           /* step index (output) and input timestep consumed */
    const float *xs;        /* (B, 3H) input projection of timestep t */
    const float *hcur;      /* (B, H) state before the step (reset_after) */
    float *hnext;           /* (B, H) state after the step (reset_after) */
    float *z, *rh, *part;   /* reset_after FALSE: z[s & 1], rh, P[s & 1][tid] */
    const float *hp;        /* reset_after FALSE: this thread's copy of the state */
    float *hw;              /* J->dyn, reset_after FALSE: the one state all threads share,
                               written in place */
    int64_t k0, k1;         /* this thread's units [k0, k1): its rows of U[:, 2H:3H]
                               (reset_after FALSE), the part of h it wrote (TRUE) */
    /* B = 1 with the input projection ridden along (step_fx): this step's share of the
     * next block of FX_TS steps, ride-along tiles [xv0, xv1); tile q: vectors q * FX_NV
     * ... of the xnv vectors of the thread's groups from xg0 (vector v: group xg0 + v / 3,
     * gate v % 3); the block's x rows transposed in xT (FX_IMAX, FX_TS), on the
     * thread's stack; results to xdst (FX_TS, 3H) */
    float *xdst, *xT;
    int64_t xg0, xnv, xv0, xv1;
    /* the outputs of a step are copied from the state after it (ycopy), not stored by
     * each tile */
    int ydef;
    /* one thread: the tiles park their products here (park) and gate_pass does the
     * gate math of the step afterwards; NULL: each tile ends with tile_end */
    float *raw;
} SFX(stepv);
/* All zero: the workers start their stepv from a copy of it, which compilers do with a
 * few vector moves; zeroing it in place, GCC emits rep stos, whose start-up cost showed in
 * the per-call time of small streamed layers. */
static const SFX(stepv) SFX(stepv_zero);

/* Output of step s for sample b, units [u0, u0 + n): the new state when kept, else the
 * previous output (zeros before the first step). */
static inline void SFX(put_y)(const gru__fast_job *J, int64_t s, int64_t b, int64_t u0, int n,
                             VEC hn, int keep)
{
    const int64_t T = J->T, H = J->H;
    float *y = J->y + (b * T + s) * H + u0;
    if (keep)
        SFX(st)(y, hn, n);
    else
        SFX(st)(y, s > 0 ? SFX(ld)(y - H, n) : VZERO(), n);
}

/* Input projection of mr rows of x, row m at A + m * lda, groups [g, g + ng): acc. */
static inline AI void SFX(x_prod)(const int mr, const int ng, const gru__fast_job *J,
                                  const float *A, int64_t lda, int64_t g, const int rev,
                                  VEC *acc, const SFX(nxp) *nx)
{
    const gru__fast *f = J->f;
    int64_t ks;
    const float *P = mr == 1 ? SFX(gp)(f->pk[1], J->I, 3, GRU__SPG3, f->ng, g, &ks)
                             : SFX(gp)(f->pk[0], J->I, 3, 1, f->ng, g, &ks);
    SFX(tile_acc)(mr, ng, 3, J->I, A, lda, P, ks, acc, rev, nx);
}

/* One row of the input projection, groups [g, g + ng) from a (ng, 3 vectors), plus the
 * input bias -> dst (3H: z | r | h). */
static inline AI void SFX(x_put)(const int ng, const gru__fast_job *J, int64_t g, const VEC *a,
                                 float *dst)
{
    const int64_t H = J->H;
#pragma GCC unroll 12
    for (int gi = 0; gi < ng; gi++) {
        const int64_t gg = g + gi, u0 = gg * VW;
        const int n = H - u0 < VW ? (int)(H - u0) : VW;
        const float *bias = J->f->bx + gg * 3 * VW;
#pragma GCC unroll 3
        for (int v = 0; v < 3; v++)
            SFX(st)(dst + v * H + u0, VADD(a[gi * 3 + v], VLOAD(bias + v * VW)), n);
    }
}

/* Input projection: rows [r0, r0 + mr) of x (B*T, I), groups [g, g + ng) -> xp (T, B, 3H)
 * plus the input bias. */
static inline AI void SFX(tile_x)(const int mr, const int ng, const gru__fast_job *J,
                                  int64_t r0, int64_t g, const int rev)
{
    const int64_t T = J->T, B = J->B;
    VEC acc[ACC_MAX];
    SFX(x_prod)(mr, ng, J, J->x + r0 * J->I, J->I, g, rev, acc, NULL);
    int64_t b = r0 / T, t = r0 - b * T; /* row r0 + m is x[b, t] */
#pragma GCC unroll 12
    for (int m = 0; m < mr; m++) {
        if (m > 0 && ++t == T) {
            t = 0;
            b++;
        }
        SFX(x_put)(ng, J, g, acc + m * ng * 3, J->xp + (t * B + b) * J->xs3);
    }
}

/* Input projection of mr rows of x, row m at A + m * lda, groups [g, g + ng) -> dst +
 * m * ds plus the input bias (the chunked projection, see run_xc). */
static inline AI void SFX(tile_xt)(const int mr, const int ng, const gru__fast_job *J,
                                   const float *A, int64_t lda, float *dst, int64_t ds,
                                   int64_t g, const SFX(nxp) *nx)
{
    VEC acc[ACC_MAX];
    SFX(x_prod)(mr, ng, J, A, lda, g, 0, acc, nx);
#pragma GCC unroll 12
    for (int m = 0; m < mr; m++)
        SFX(x_put)(ng, J, g, acc + m * ng * 3, dst + m * ds);
}

/* The input projections of samples [b0, b0 + mr), groups [g, g + ng), gates v < nv were
 * written long ago (L3 or memory): ask for them before a tile's k loop, which hides the
 * latency. */
static inline AI void SFX(prefetch_xs)(const int mr, const int ng, const int nv,
                                       const SFX(stepv) *S, int64_t b0, int64_t g)
{
    const int64_t H = S->J->H;
#pragma GCC unroll 12
    for (int m = 0; m < mr; m++)
#pragma GCC unroll 12
        for (int gi = 0; gi < ng; gi++)
#pragma GCC unroll 3
            for (int v = 0; v < nv; v++)
                __builtin_prefetch(S->xs + (b0 + m) * S->J->xs3 + v * H + (g + gi) * VW, 0, 3);
}

/* reset_after = TRUE: acc = h · U of samples [b0, b0 + mr), groups [g, g + ng). This
 * thread's own units of the state first (written by itself), the other threads' units
 * after (their cache lines are still on the way after the barrier); rev: the same sum
 * walked backwards (B = 1, see run_ra). */
static inline AI void SFX(ra_prod)(const int mr, const int ng, const SFX(stepv) *S, int64_t b0,
                                   int64_t g, const int rev, VEC *acc, SFX(xrun) *x,
                                   const SFX(nxp) *nx)
{
    const gru__fast_job *J = S->J;
    const gru__fast *f = J->f;
    const int64_t H = J->H;
    int64_t ks;
    const float *P = mr == 1 ? SFX(gp)(f->pu[1], H, 3, GRU__SPG3, f->ng, g, &ks)
                             : SFX(gp)(f->pu[0], H, 3, 1, f->ng, g, &ks);
    const float *A = S->hcur + b0 * H;
    const int64_t k0 = S->k0, k1 = S->k1;
#pragma GCC unroll 36
    for (int i = 0; i < mr * ng * 3; i++)
        acc[i] = VZERO();
    if (!rev) {
        SFX(tile_acc_mx)(mr, ng, 3, k1 - k0, A + k0, H, P + k0 * ks, ks, acc, 0, x, nx);
        SFX(tile_acc_mx)(mr, ng, 3, k0, A, H, P, ks, acc, 0, x, NULL);
        SFX(tile_acc_mx)(mr, ng, 3, H - k1, A + k1, H, P + k1 * ks, ks, acc, 0, x, NULL);
    } else {
        SFX(tile_acc_mx)(mr, ng, 3, H - k1, A + k1, H, P + k1 * ks, ks, acc, 1, x, NULL);
        SFX(tile_acc_mx)(mr, ng, 3, k0, A, H, P, ks, acc, 1, x, NULL);
        SFX(tile_acc_mx)(mr, ng, 3, k1 - k0, A + k0, H, P + k0 * ks, ks, acc, 1, x, NULL);
    }
}

/* Ride-along tile q of this step's share (see stepv): start, and end (its rows not yet
 * taken, then the bias, stored for its FX_TS steps). The last tile of a thread may have
 * fewer than FX_NV vectors: it computes its last vector again and stores it once. */
static inline AI void SFX(fx_begin)(const SFX(stepv) *S, int64_t q, SFX(xrun) *x)
{
    const gru__fast_job *J = S->J;
#pragma GCC unroll 4
    for (int i = 0; i < FX_NV; i++) {
        int64_t v = q * FX_NV + i;
        v = v < S->xnv ? v : S->xnv - 1;
        x->P[i] = SFX(gp)(J->f->pk[1], J->I, 3, GRU__SPG3, J->f->ng, S->xg0 + v / 3, &x->ks[i]) +
                  (v % 3) * VW;
    }
    x->A = S->xT;
    x->k = 0;
    x->K = J->I;
#pragma GCC unroll 16
    for (int m = 0; m < FX_TS * FX_NV; m++)
        x->acc[m] = VZERO();
}

static inline AI void SFX(fx_end)(const SFX(stepv) *S, int64_t q, SFX(xrun) *x)
{
    const gru__fast_job *J = S->J;
    const int64_t H = J->H;
#pragma GCC unroll 2
    while (x->k < x->K)
        SFX(x_row)(x);
#pragma GCC unroll 4
    for (int i = 0; i < FX_NV; i++) {
        const int64_t v = q * FX_NV + i, g = S->xg0 + v / 3, u0 = g * VW;
        if (v >= S->xnv)
            break;
        const int n = H - u0 < VW ? (int)(H - u0) : VW;
        const VEC bias = VLOAD(J->f->bx + g * 3 * VW + (v % 3) * VW);
        float *d = S->xdst + (v % 3) * H + u0;
#pragma GCC unroll 16
        for (int m = 0; m < FX_TS; m++)
            SFX(st)(d + m * 3 * H, VADD(x->acc[m * FX_NV + i], bias), n);
    }
}

/* A ride-along tile on its own (a step's share beyond its recurrent tiles). */
static __attribute__((noinline)) void SFX(fx_alone)(const SFX(stepv) *S, int64_t v)
{
    SFX(xrun) x;
    SFX(fx_begin)(S, v, &x);
    SFX(fx_end)(S, v, &x);
}

/* A tile's products into S->raw for gate_pass: sample b's group g at
 * raw + (b groups + g) nv VW, as tile_end gets them. */
static inline AI void SFX(park)(const int mr, const int ng, const int nv, const SFX(stepv) *S,
                                int64_t b0, int64_t g, const VEC *acc)
{
    const int64_t rs = S->J->f->ng * nv * VW;
#pragma GCC unroll 12
    for (int m = 0; m < mr; m++)
#pragma GCC unroll 12
        for (int i = 0; i < ng * nv; i++)
            VSTORE(S->raw + (b0 + m) * rs + (g * nv + i) * VW, acc[m * ng * nv + i]);
}

/* reset_after = TRUE: the whole step of samples [b0, b0 + mr), groups [g, g + ng); with
 * withx (a constant at every call; B = 1) also ride-along tile q. */
static inline AI void SFX(tile_ra)(const int mr, const int ng, const SFX(stepv) *S, int64_t b0,
                                   int64_t g, const int rev, const int withx, int64_t q,
                                   const SFX(nxp) *nx)
{
    SFX(prefetch_xs)(mr, ng, 3, S, b0, g);
    VEC acc[ACC_MAX];
    float a[ACC_MAX * VW];
    SFX(xrun) x;
    if (withx)
        SFX(fx_begin)(S, q, &x);
    SFX(ra_prod)(mr, ng, S, b0, g, rev, acc, withx ? &x : NULL, nx);
    if (withx)
        SFX(fx_end)(S, q, &x);
    if (!withx && S->raw) {
        SFX(park)(mr, ng, 3, S, b0, g, acc);
        return;
    }
    SFX(spill)(mr * ng * 3, acc, a);
    SFX(tile_end)(S, 3, b0, mr, g, ng, a);
}

/* The gate math of a step for groups [g0, g1) of every sample (one thread), from the
 * products the tiles parked in S->raw ((B, groups, nv vectors)): tile_end over each
 * sample's row of items, four at a time back to back instead of at the end of each tile.
 * nv 3 (reset_after = TRUE) ends the step, nv 2 gives z and rh. At the end of each tile
 * instead, S3 and S4 with I = 8 ran 2-5% slower with sigmoid and tanh (2026-11-27, the
 * AVX2 Zen 3, in-process alternating runs; an earlier "level" had been timed with
 * hard_sigmoid). A pass written out with 8 groups per phase measured the same (S2 1-2%
 * faster, within the spread). */
static void SFX(gate_pass)(const SFX(stepv) *S, int nv, int64_t g0, int64_t g1)
{
    const int64_t rs = S->J->f->ng * nv * VW;
    for (int64_t b = 0; b < S->J->B; b++)
        SFX(tile_end)(S, nv, b, 1, g0, (int)(g1 - g0), S->raw + b * rs + g0 * nv * VW);
}

/* reset_after = FALSE: acc = h · U[:, 0:2H] (z | r) of samples [b0, b0 + mr), groups
 * [g, g + ng); rev: walked backwards (B = 1, run_alt). */
static inline AI void SFX(zr_prod)(const int mr, const int ng, const SFX(stepv) *S, int64_t b0,
                                   int64_t g, const int rev, VEC *acc, SFX(xrun) *x,
                                   const SFX(nxp) *nx)
{
    const gru__fast *f = S->J->f;
    const int64_t H = S->J->H;
    int64_t ks;
    const float *P = mr == 1 ? SFX(gp)(f->pu[1], H, 2, GRU__SPG2, f->ng, g, &ks)
                             : SFX(gp)(f->pu[0], H, 2, 1, f->ng, g, &ks);
#pragma GCC unroll 36
    for (int i = 0; i < mr * ng * 2; i++)
        acc[i] = VZERO();
    SFX(tile_acc_mx)(mr, ng, 2, H, S->hp + b0 * H, H, P, ks, acc, rev, x, nx);
}

/* reset_after = FALSE, first half: z and r of samples [b0, b0 + mr), groups [g, g + ng);
 * stores z and rh = r ⊙ h; with withx (a constant at every call; B = 1) also ride-along
 * tile q. */
static inline AI void SFX(tile_zr)(const int mr, const int ng, const SFX(stepv) *S, int64_t b0,
                                   int64_t g, const int withx, int64_t q,
                                   const SFX(nxp) *nx)
{
    SFX(prefetch_xs)(mr, ng, 2, S, b0, g);
    VEC acc[ACC_MAX];
    float a[ACC_MAX * VW];
    SFX(xrun) x;
    if (withx)
        SFX(fx_begin)(S, q, &x);
    SFX(zr_prod)(mr, ng, S, b0, g, 0, acc, withx ? &x : NULL, nx);
    if (withx)
        SFX(fx_end)(S, q, &x);
    if (!withx && S->raw) {
        SFX(park)(mr, ng, 2, S, b0, g, acc);
        return;
    }
    SFX(spill)(mr * ng * 2, acc, a);
    SFX(tile_end)(S, 2, b0, mr, g, ng, a);
}

/* The gate math of nb <= GE_MAX (sample, group) items (sample bs[i], group gs[i]; their
 * products in a, nv vectors each: z | r | h with reset_after (nv 3), else z | r (nv 2)).
 * nv 3 ends the step: the new state into hnext (and y); nv 2 ends the first half of a
 * reset_after = FALSE step: z and rh = r ⊙ h into S->z and S->rh.
 * The items go phase by phase: the gate activations of all nb, then their candidate
 * activations, then the new states, so that their exp and divide chains (some 170 cycles
 * from a sum to the new state) run side by side; one item at a time they ran one after
 * another, the next item's code lying beyond what the core looks ahead. dflt (a constant
 * at every call): the activations are the defaults, sigmoid and tanh, called directly;
 * otherwise through vact's switch on the activation. */
#define GE_MAX 4
static inline AI void SFX(gate_end)(const int nb, const int nv, const int dflt,
                                    const SFX(stepv) *S, const int64_t *bs, const int64_t *gs,
                                    const float *a)
{
    const gru__fast_job *J = S->J;
    const gru__fast *f = J->f;
    const int64_t H = J->H, T = J->T;
    const gru_activation act = J->act, ract = J->ract;
    VEC zz[GE_MAX], rr[GE_MAX];
    int n[GE_MAX];
    int64_t u0[GE_MAX];
    const float *xb[GE_MAX];
#pragma GCC unroll 4
    for (int i = 0; i < nb; i++) {
        u0[i] = gs[i] * VW;
        n[i] = H - u0[i] < VW ? (int)(H - u0[i]) : VW;
        xb[i] = S->xs + bs[i] * J->xs3;
        const float *ai = a + i * nv * VW;
        if (nv == 3) {
            const float *bh = f->bh + gs[i] * 3 * VW;
            zz[i] = VADD(SFX(ld)(xb[i] + u0[i], n[i]), VADD(VLOAD(ai), VLOAD(bh)));
            rr[i] = VADD(SFX(ld)(xb[i] + H + u0[i], n[i]), VADD(VLOAD(ai + VW), VLOAD(bh + VW)));
        } else {
            zz[i] = VADD(SFX(ld)(xb[i] + u0[i], n[i]), VLOAD(ai));
            rr[i] = VADD(SFX(ld)(xb[i] + H + u0[i], n[i]), VLOAD(ai + VW));
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < nb; i++)
        zz[i] = dflt ? SFX(vsigmoid)(zz[i]) : SFX(vact)(ract, zz[i]);
#pragma GCC unroll 4
    for (int i = 0; i < nb; i++)
        rr[i] = dflt ? SFX(vsigmoid)(rr[i]) : SFX(vact)(ract, rr[i]);
    if (nv == 2) {
#pragma GCC unroll 4
        for (int i = 0; i < nb; i++) {
            const int64_t o = bs[i] * H + u0[i];
            SFX(st)(S->z + o, zz[i], n[i]);
            SFX(st)(S->rh + o, VMUL(rr[i], SFX(ld)(S->hp + o, n[i])), n[i]);
        }
        return;
    }
    VEC hh[GE_MAX];
#pragma GCC unroll 4
    for (int i = 0; i < nb; i++) {
        const float *bh = f->bh + gs[i] * 3 * VW;
        const VEC c = VADD(SFX(ld)(xb[i] + 2 * H + u0[i], n[i]),
                           VMUL(rr[i], VADD(VLOAD(a + i * nv * VW + 2 * VW), VLOAD(bh + 2 * VW))));
        hh[i] = dflt ? SFX(vtanh)(c) : SFX(vact)(act, c);
    }
#pragma GCC unroll 4
    for (int i = 0; i < nb; i++) {
        const int64_t b = bs[i], o = b * H + u0[i];
        const int keep = !J->mask || J->mask[b * T + S->t];
        VEC hold = SFX(ld)(S->hcur + o, n[i]);
        VEC hn = SFX(hmix)(zz[i], hold, hh[i]);
        if (!keep)
            hn = hold;
        SFX(st)(S->hnext + o, hn, n[i]);
        if (J->ret_seq && !S->ydef)
            SFX(put_y)(J, S->s, b, u0[i], n[i], hn, keep);
    }
}

/* tile_end's general form (a last group narrower than a vector, masks), item by item
 * through gate_end: with the default activations GE_MAX items at a time, with others one
 * at a time (vact's switch, inlined at every vector of GE_MAX items, would multiply the
 * code for little). Out of line, one copy for
 * every tile shape (tile_end): inlined into each (unrolled, with the activation switch at
 * every vector) the gate math made run_ra 386 KB and run_zr 270 KB of code; out of line
 * S1-S3 with reset_after = TRUE ran 1-2% faster (2026-11-26). */
static void SFX(tile_end_items)(const SFX(stepv) *S, int nv, int64_t b0, int mr, int64_t g,
                               int ng, const float *a)
{
    const int dflt = S->J->ract == GRU_ACT_SIGMOID && (nv == 2 || S->J->act == GRU_ACT_TANH);
    const int ni = mr * ng, step = dflt ? GE_MAX : 1;
    int bi = 0, gi = 0; /* item i0's sample and group in the tile (no division) */
    for (int i0 = 0; i0 < ni; i0 += step) {
        const int nb = ni - i0 < step ? ni - i0 : step;
        int64_t bs[GE_MAX], gs[GE_MAX];
        for (int i = 0; i < nb; i++) {
            bs[i] = b0 + bi;
            gs[i] = g + gi;
            if (++gi == ng) {
                gi = 0;
                bi++;
            }
        }
        const float *ai = a + i0 * nv * VW;
#define GE(k, d) (nv == 3 ? SFX(gate_end)(k, 3, d, S, bs, gs, ai) : SFX(gate_end)(k, 2, d, S, bs, gs, ai))
        if (!dflt) {
            GE(1, 0);
            continue;
        }
        switch (nb) {
        case 1: GE(1, 1); break;
        case 2: GE(2, 1); break;
        case 3: GE(3, 1); break;
        default: GE(4, 1); break;
        }
#undef GE
    }
}

/* v[0..n) = act(v[0..n)), out of line: the gate math of whole groups with activations
 * other than sigmoid and tanh (gate_row), the activation's switch once a call instead of
 * inlined at every vector. */
static __attribute__((noinline)) void SFX(vact_n)(gru_activation act, VEC *v, int n)
{
    for (int i = 0; i < n; i++)
        v[i] = SFX(vact)(act, v[i]);
}

/* gate_end's arithmetic (the same operations in the same order) for nb items with no
 * mask, straight-line code on row pointers: item i is sample
 * b + i, group g (col, a constant at every call: a multi-row tile's column), or sample b,
 * group g + i (a row of whole groups), its products at a + i * da. gate_end's general
 * form (each item's sample, group, width and mask looked up one by one) took about twice
 * as long: S1 3%, S2 and S3 2-3%, S2 on two threads 4-6%, the S1 stream 3-7% faster in
 * all (2026-11-27). dflt: sigmoid and tanh inlined; else the layer's activations through
 * vact_n (the same functions gate_end's general form applies, the same bits; S1 with
 * gelu, swish or hard_sigmoid 3.5-6.5% faster than item by item). */
static inline AI void SFX(gate_row)(const int nb, const int nv, const int col,
                                    const SFX(stepv) *S, int64_t b, int64_t g, const float *a,
                                    int64_t da, const int dflt)
{
    const gru__fast_job *J = S->J;
    const int64_t H = J->H, T = J->T;
    /* item i: state offset o + i * ds, projection xb + i * dx, bias bh + i * dbh */
    const int64_t o = b * H + g * VW, ds = col ? H : VW, dx = col ? J->xs3 : VW;
    const int64_t dbh = col ? 0 : 3 * VW;
    const float *xb = S->xs + b * J->xs3 + g * VW, *bh = J->f->bh + g * 3 * VW;
    VEC zz[GE_MAX], rr[GE_MAX], hh[GE_MAX];
#pragma GCC unroll 4
    for (int i = 0; i < nb; i++) {
        const float *ai = a + i * da, *xi = xb + i * dx, *bi = bh + i * dbh;
        if (nv == 3) {
            zz[i] = VADD(VLOAD(xi), VADD(VLOAD(ai), VLOAD(bi)));
            rr[i] = VADD(VLOAD(xi + H), VADD(VLOAD(ai + VW), VLOAD(bi + VW)));
        } else {
            zz[i] = VADD(VLOAD(xi), VLOAD(ai));
            rr[i] = VADD(VLOAD(xi + H), VLOAD(ai + VW));
        }
    }
    if (dflt) {
#pragma GCC unroll 4
        for (int i = 0; i < nb; i++)
            zz[i] = SFX(vsigmoid)(zz[i]);
#pragma GCC unroll 4
        for (int i = 0; i < nb; i++)
            rr[i] = SFX(vsigmoid)(rr[i]);
    } else {
        SFX(vact_n)(J->ract, zz, nb);
        SFX(vact_n)(J->ract, rr, nb);
    }
    if (nv == 2) {
#pragma GCC unroll 4
        for (int i = 0; i < nb; i++) {
            VSTORE(S->z + o + i * ds, zz[i]);
            VSTORE(S->rh + o + i * ds, VMUL(rr[i], VLOAD(S->hp + o + i * ds)));
        }
        return;
    }
#pragma GCC unroll 4
    for (int i = 0; i < nb; i++) {
        const VEC c = VADD(VLOAD(xb + i * dx + 2 * H),
                           VMUL(rr[i], VADD(VLOAD(a + i * da + 2 * VW),
                                            VLOAD(bh + i * dbh + 2 * VW))));
        hh[i] = dflt ? SFX(vtanh)(c) : c;
    }
    if (!dflt)
        SFX(vact_n)(J->act, hh, nb);
    /* outputs: row (b + i, s) or (b, s) of y (B, T, H), when the tiles store them */
    float *y = J->ret_seq && !S->ydef ? J->y + (b * T + S->s) * H + g * VW : NULL;
    const int64_t dy = col ? T * H : VW;
#pragma GCC unroll 4
    for (int i = 0; i < nb; i++) {
        const VEC hold = VLOAD(S->hcur + o + i * ds);
        const VEC hn = SFX(hmix)(zz[i], hold, hh[i]);
        VSTORE(S->hnext + o + i * ds, hn);
        if (y)
            VSTORE(y + i * dy, hn);
    }
}

/* The gate math of a tile of samples [b0, b0 + mr), groups [g, g + ng), from a (mr, ng, nv
 * vectors): without a mask by gate_row, GE_MAX items at a time (along each sample's row
 * of groups, or down each group's column of samples when the tile has fewer groups than
 * that); a last group narrower than a vector and masks through tile_end_items. */
static __attribute__((noinline)) void SFX(tile_end)(const SFX(stepv) *S, int nv, int64_t b0,
                                                    int mr, int64_t g, int ng, const float *a)
{
    const gru__fast_job *J = S->J;
    const int dflt = J->ract == GRU_ACT_SIGMOID && (nv == 2 || J->act == GRU_ACT_TANH);
    if (J->mask) {
        SFX(tile_end_items)(S, nv, b0, mr, g, ng, a);
        return;
    }
    const int nw = SFX(nwhole)(J->H, g, ng);
    const int64_t da = (int64_t)ng * nv * VW; /* from one sample's products to the next's */
    /* gate_row with nv a constant in each branch */
#define GROW(k, c, bb, gg, aa, d)                                                              \
    (nv == 3 ? SFX(gate_row)(k, 3, c, S, bb, gg, aa, d, dflt)                                  \
             : SFX(gate_row)(k, 2, c, S, bb, gg, aa, d, dflt))
    if (mr > 1 && ng < GE_MAX) {
        for (int i = 0; i < nw; i++) {
            const float *ai = a + i * nv * VW;
            int m = 0;
            for (; m + GE_MAX <= mr; m += GE_MAX)
                GROW(GE_MAX, 1, b0 + m, g + i, ai + m * da, da);
            for (; m < mr; m++)
                GROW(1, 1, b0 + m, g + i, ai + m * da, da);
        }
        if (nw < ng)
            for (int m = 0; m < mr; m++)
                SFX(tile_end_items)(S, nv, b0 + m, 1, g + nw, ng - nw, a + m * da + nw * nv * VW);
        return;
    }
    for (int m = 0; m < mr; m++) {
        const float *am = a + m * da;
        int i = 0;
        for (; i + GE_MAX <= nw; i += GE_MAX)
            GROW(GE_MAX, 0, b0 + m, g + i, am + i * nv * VW, nv * VW);
        for (; i < nw; i++)
            GROW(1, 0, b0 + m, g + i, am + i * nv * VW, nv * VW);
        if (i < ng)
            SFX(tile_end_items)(S, nv, b0 + m, 1, g + i, ng - i, am + i * nv * VW);
    }
#undef GROW
}

/* B = 1: the recurrent products of groups [g, g + ng) walked backwards, stored to raw
 * (groups, nv, VW): nv 3 (z | r | h, reset_after) or 2 (z | r). */
static inline AI void SFX(tile_raw)(const int ng, const int nv, const SFX(stepv) *S, int64_t g,
                                    float *raw)
{
    VEC acc[ACC_MAX];
    if (nv == 3)
        SFX(ra_prod)(1, ng, S, 0, g, 1, acc, NULL, NULL);
    else
        SFX(zr_prod)(1, ng, S, 0, g, 1, acc, NULL, NULL);
#pragma GCC unroll 12
    for (int i = 0; i < ng * nv; i++)
        VSTORE(raw + (g * nv + i) * VW, acc[i]);
}

/* reset_after = FALSE, second half: partial (rh[:, k0:k1] · U[k0:k1, 2H:3H]) of samples
 * [b0, b0 + mr), groups [g, g + ng) into this thread's P. */
static inline AI void SFX(tile_hp)(const int mr, const int ng, const SFX(stepv) *S, int64_t b0,
                                   int64_t g, const SFX(nxp) *nx)
{
    const gru__fast_job *J = S->J;
    const gru__fast *f = J->f;
    const int64_t H = J->H;
    int64_t ks;
    const float *P = mr == 1 ? SFX(gp)(f->puh[1], H, 1, GRU__SPG1, f->ng, g, &ks)
                             : SFX(gp)(f->puh[0], H, 1, GRU__SPG1M, f->ng, g, &ks);
    VEC acc[ACC_MAX];
    SFX(tile_acc)(mr, ng, 1, S->k1 - S->k0, S->rh + b0 * H + S->k0, H, P + S->k0 * ks, ks,
                  acc, 0, nx);
#pragma GCC unroll 12
    for (int m = 0; m < mr; m++) {
#pragma GCC unroll 12
        for (int gi = 0; gi < ng; gi++) {
            const int64_t u0 = (g + gi) * VW;
            const int n = H - u0 < VW ? (int)(H - u0) : VW;
            SFX(st)(S->part + (b0 + m) * H + u0, acc[m * ng + gi], n);
        }
    }
}

/* reset_after = FALSE, the end of a step for sample b, units [u0, u0 + n), from acc = its
 * (r ⊙ h) · U[:, 2H:3H]: on a kept step h = z ⊙ h + (1 - z) ⊙ act(xh + acc) in place (hb:
 * the state of sample b), and the output when out. */
static inline AI void SFX(h_end)(const SFX(stepv) *S, int64_t b, int64_t u0, int n, VEC acc,
                                 float *hb, int keep, int out)
{
    const gru__fast_job *J = S->J;
    const int64_t H = J->H;
    VEC hn = SFX(ld)(hb + u0, n);
    if (keep) {
        VEC zz = SFX(ld)(S->z + b * H + u0, n);
        VEC hh = SFX(vact)(J->act, VADD(SFX(ld)(S->xs + b * J->xs3 + 2 * H + u0, n), acc));
        hn = SFX(hmix)(zz, hn, hh);
        SFX(st)(hb + u0, hn, n);
    }
    if (out)
        SFX(put_y)(J, S->s, b, u0, n, hn, keep);
}

/* hf_end's arithmetic (h_end's) for nb samples [b, b + nb) of one whole group g with tanh
 * and no mask, phase by phase like gate_row; their sums at a + i * da. Against h_end an
 * item at a time: S3 with I = 8 on two threads 7% faster, S3 1%, S5 level (2026-11-27). */
static inline AI void SFX(hf_col)(const int nb, const SFX(stepv) *S, int64_t b, int64_t g,
                                  const float *a, int64_t da)
{
    const gru__fast_job *J = S->J;
    const int64_t H = J->H, T = J->T, o = b * H + g * VW;
    const float *xh = S->xs + b * J->xs3 + 2 * H + g * VW;
    VEC hh[GE_MAX];
#pragma GCC unroll 8
    for (int i = 0; i < nb; i++)
        hh[i] = SFX(vtanh)(VADD(VLOAD(xh + i * J->xs3), VLOAD(a + i * da)));
    float *y = J->ret_seq ? J->y + (b * T + S->s) * H + g * VW : NULL;
#pragma GCC unroll 8
    for (int i = 0; i < nb; i++) {
        const VEC zz = VLOAD(S->z + o + i * H), hold = VLOAD(S->hw + o + i * H);
        const VEC hn = SFX(hmix)(zz, hold, hh[i]);
        VSTORE(S->hw + o + i * H, hn);
        if (y)
            VSTORE(y + i * T * H, hn);
    }
}

/* reset_after = FALSE at a large batch split by units (J->dyn, run_hf): from a (mr, ng
 * vectors) = rh · U[:, 2H:3H] of samples [b0, b0 + mr), groups [g, g + ng), the new state
 * h = z ⊙ h + (1 - z) ⊙ act(xh + a), in place, and the output. Out of line like tile_end. */
static __attribute__((noinline)) void SFX(hf_end)(const SFX(stepv) *S, int64_t b0, int mr,
                                                   int64_t g, int ng, const float *a)
{
    const gru__fast_job *J = S->J;
    const int64_t T = J->T, H = J->H;
    /* tanh, no mask: whole groups down their columns of samples (hf_col), GE_MAX at a
     * time; the rest (a last group narrower than a vector, or all) through h_end */
    const int nw = J->act == GRU_ACT_TANH && !J->mask ? SFX(nwhole)(H, g, ng) : 0;
    for (int gi = 0; gi < nw; gi++) {
        int m = 0;
        for (; m + GE_MAX <= mr; m += GE_MAX)
            SFX(hf_col)(GE_MAX, S, b0 + m, g + gi, a + (m * ng + gi) * VW, ng * VW);
        for (; m < mr; m++)
            SFX(hf_col)(1, S, b0 + m, g + gi, a + (m * ng + gi) * VW, ng * VW);
    }
    for (int m = 0; m < mr; m++) {
        const int64_t b = b0 + m;
        const int keep = !J->mask || J->mask[b * T + S->t];
        for (int gi = nw; gi < ng; gi++) {
            const int64_t u0 = (g + gi) * VW;
            const int n = H - u0 < VW ? (int)(H - u0) : VW;
            SFX(h_end)(S, b, u0, n, VLOAD(a + (m * ng + gi) * VW), S->hw + b * H, keep,
                       J->ret_seq);
        }
    }
}

/* reset_after = FALSE at a large batch split by units: the second half of the step for
 * samples [b0, b0 + mr), groups [g, g + ng) over the whole of rh (written by every thread
 * before the barrier). */
static inline AI void SFX(tile_hf)(const int mr, const int ng, const SFX(stepv) *S, int64_t b0,
                                   int64_t g)
{
    const gru__fast *f = S->J->f;
    const int64_t H = S->J->H;
    int64_t ks;
    const float *P = mr == 1 ? SFX(gp)(f->puh[1], H, 1, GRU__SPG1, f->ng, g, &ks)
                             : SFX(gp)(f->puh[0], H, 1, GRU__SPG1M, f->ng, g, &ks);
    VEC acc[ACC_MAX];
    float a[ACC_MAX * VW];
    SFX(tile_acc)(mr, ng, 1, H, S->rh + b0 * H, H, P, ks, acc, 0, NULL);
    SFX(spill)(mr * ng, acc, a);
    SFX(hf_end)(S, b0, mr, g, ng, a);
}

/* ---- loops over rows and groups ------------------------------------------------------- */

#define SW3(ng, CALL) do { switch (ng) { case 1: CALL(1); break; case 2: CALL(2); break;       \
    default: CALL(3); break; } } while (0)
#define SW4(ng, CALL) do { switch (ng) { case 1: CALL(1); break; case 2: CALL(2); break;       \
    case 3: CALL(3); break; default: CALL(4); break; } } while (0)
#define SW6(ng, CALL) do { switch (ng) { case 1: CALL(1); break; case 2: CALL(2); break;       \
    case 3: CALL(3); break; case 4: CALL(4); break; case 5: CALL(5); break;                \
    default: CALL(6); break; } } while (0)
#define SW12(ng, CALL) do { switch (ng) { case 1: CALL(1); break; case 2: CALL(2); break;      \
    case 3: CALL(3); break; case 4: CALL(4); break; case 5: CALL(5); break;                \
    case 6: CALL(6); break; case 7: CALL(7); break; case 8: CALL(8); break;                \
    case 9: CALL(9); break; case 10: CALL(10); break; case 11: CALL(11); break;            \
    default: CALL(12); break; } } while (0)

/* Walking groups [g0, g1) by superpanels of spg groups from the last: the first group of
 * the superpanel (or part of one, from g0) that ends at group ge. */
static inline int64_t SFX(sp_first)(int64_t ge, int64_t g0, int spg)
{
    const int64_t gs = (ge - 1) / spg * spg;
    return gs > g0 ? gs : g0;
}

/* Remainder rows: a multi-row tile of exactly `rem` rows (2 <= rem < 12). */
#define SWR(rem, CALL) do { switch (rem) { case 2: CALL(2); break; case 3: CALL(3); break;    \
    case 4: CALL(4); break; case 5: CALL(5); break; case 6: CALL(6); break;                \
    case 7: CALL(7); break; case 8: CALL(8); break; case 9: CALL(9); break;                \
    case 10: CALL(10); break; default: CALL(11); break; } } while (0)

/* Input projection of rows [r0, r0 + n) of x (B*T, I), n <= MR3, groups [g0, g1). */
static void SFX(x_rows)(const gru__fast_job *J, int64_t r0, int64_t n, int64_t g0, int64_t g1)
{
    if (n == MR3) {
        for (int64_t g = g0; g < g1; g++)
            SFX(tile_x)(MR3, 1, J, r0, g, 0);
    } else if (n >= 2) {
        for (int64_t g = g0; g < g1; g++) {
#define CALLXR(m) SFX(tile_x)((m) < MR3 ? (m) : 1, 1, J, r0, g, 0)
            SWR(n, CALLXR);
#undef CALLXR
        }
    } else if (n == 1) {
        for (int64_t g = g0, ng; g < g1; g += ng) {
            ng = SFX(chunk)(g, g1, GRU__SPG3, NGR3);
#define CALLX(k) SFX(tile_x)(1, k, J, r0, g, 0)
            SW4(ng, CALLX);
#undef CALLX
        }
    }
}

/* Input projection of groups [g0, g1) for every row of x. Rows are taken in blocks that
 * stay in L2 while every group's panel passes over them. */
static void SFX(run_x)(const gru__fast_job *J, int64_t g0, int64_t g1)
{
    const int64_t M = J->B * J->T, Mm = M - M % MR3;
    int64_t mblk = (int64_t)(512 * 1024) / (J->I * (int64_t)sizeof(float));
    mblk = mblk < MR3 ? MR3 : mblk - mblk % MR3;
    for (int64_t rb = 0; rb < Mm; rb += mblk) {
        const int64_t re = rb + mblk < Mm ? rb + mblk : Mm;
        for (int64_t g = g0; g < g1; g++)
            for (int64_t r = rb; r < re; r += MR3)
                SFX(tile_x)(MR3, 1, J, r, g, 0);
    }
    SFX(x_rows)(J, Mm, M - Mm, g0, g1);
}

/* B = 1 on several threads (split by units), a thread's share of the input kernel within
 * gru__fast_xwin bytes (fast.h): the input projection of the steps after the first two
 * blocks of XWB steps runs in the barriers' waits, between a thread's arrival
 * (gru__pool_arrive) and the others' (gru__pool_wait): at step s of block k = s / XWB,
 * 1 / XWB of the thread's own groups of block k + 2 (x_window). With reset_after = FALSE
 * every thread reads every group's h columns (combine): a thread finishes its share of
 * block k + 2 in the waits of block k's steps, before it arrives at the first barrier of
 * block k + 1, which publishes the share (release, acquire) before any thread starts a
 * step of block k + 2. 2026-11-28, the AVX-512 Xeon, two threads, S1 in-process against
 * the projection of every step before the first (bench_tune xwin=0): 2-4% faster with
 * FALSE, 1-2% with TRUE; blocks of 8 steps level with 4. The barrier's wait is the time
 * the store of the other thread's arrival takes to reach this core (perf: 31% of S1's
 * samples in gru__pool_barrier); the projection's share of a step fits in it (its wait
 * time with the projection in it stayed the same). */
#define XWB 4
_Static_assert(XWB <= MR3, "x_rows takes at most MR3 rows");
static inline void SFX(x_block)(const gru__fast_job *J, int64_t k, int64_t g0, int64_t g1)
{
    const int64_t T = J->T, s0 = k * XWB, n = T - s0 < XWB ? T - s0 : XWB;
    if (n > 0)
        SFX(x_rows)(J, J->go_backwards ? T - s0 - n : s0, n, g0, g1);
}
static inline void SFX(x_window)(const gru__fast_job *J, int64_t s, int64_t g0, int64_t g1)
{
    const int64_t k = s / XWB, j = s % XWB, ng = g1 - g0;
    SFX(x_block)(J, k + 2, g0 + ng * j / XWB, g0 + ng * (j + 1) / XWB);
}

/* Steps per chunk of the input projection, or 0 for all timesteps at once (run_x).
 * A whole-sequence xp larger than gru__fast_xchunk_min bytes, or than one core's L2 where
 * that is smaller (gru__fast_l2), would go to L3 or memory and back (on the Xeon of
 * 2026-11-28, 2 MiB L2 and a slow L3: B = 16 at S3's sizes, xp 4.9 MB, 10% faster in
 * chunks on one thread, B = 8 3%, B = 1 (S1) level; and each thread's half of S3 split by
 * samples); then a job projects a few steps at a time, just before the steps use them, into
 * the start of xp, which stays in cache: at least gru__fast_xchunk_rows (256) rows per
 * chunk so that each panel of the kernel serves many row tiles, at most about 8 MiB of xp
 * (measured best on S4 and S5, 1 and 2 threads). A job on one thread (also each thread's
 * share of a batch split by samples, dispatch.c) projects every group; threads that split
 * a job by units project their own groups, the only columns of xp their steps read, so
 * that the next chunk can overwrite them without a barrier (J->dyn: chunks of groups in
 * a phase of their own, each step's last barrier keeps the next chunk from overwriting
 * what a step still reads). Not at a small batch with reset_after = FALSE, where every
 * thread reads every group's h column (combine). */
static int64_t SFX(x_chunk)(const gru__fast_job *J, int nth)
{
    const int64_t B = J->B, T = J->T, row = 3 * J->H * (int64_t)sizeof(float);
    const bool own_cols = nth == 1 || J->reset_after || J->dyn;
    const int64_t l2 = gru__fast_l2();
    const int64_t lim = l2 > 0 && l2 < gru__fast_xchunk_min ? l2 : gru__fast_xchunk_min;
    if (!own_cols || T < 2 || B * T * row <= lim)
        return 0;
    int64_t tc = (gru__fast_xchunk_rows + B - 1) / B, tmax = ((int64_t)8 << 20) / (B * row);
    tc = tc < tmax ? tc : tmax;
    tc = tc < 1 ? 1 : tc;
    return tc < T ? tc : T;
}

/* Input projection of steps [s0, s0 + ns), groups [g0, g1) into buf (ns, B, 3H): row
 * tiles of MR3 samples at each step, and the samples past the last full tile (B % MR3)
 * in row tiles of consecutive steps. */
static void SFX(run_xc)(const gru__fast_job *J, int64_t s0, int64_t ns, float *buf, int64_t g0,
                        int64_t g1)
{
    const int64_t B = J->B, T = J->T, I = J->I, Bm = B - B % MR3;
    const int back = J->go_backwards;
    const int64_t nt = Bm / MR3;
    for (int64_t g = g0; g < g1; g++) {
        int64_t ks;
        const float *nxt = SFX(gp_next)(J->f->pk[0], I, 3, 1, J->f->ng, g + 1, g1, &ks);
        for (int64_t s = s0; s < s0 + ns; s++) {
            const int64_t t = back ? T - 1 - s : s;
            float *d = buf + (s - s0) * B * J->xs3;
            for (int64_t b = 0; b < Bm; b += MR3) {
                const SFX(nxp) nx =
                    SFX(nx_slice)(nxt, I * ks, (s - s0) * nt + b / MR3, ns * nt, I);
                SFX(tile_xt)(MR3, 1, J, J->x + (b * T + t) * I, T * I, d + b * J->xs3,
                             J->xs3, g, &nx);
            }
        }
    }
    /* step s of sample b reads x[b, t(s)]: consecutive steps are I floats apart, going
     * down with go_backwards */
    const int64_t lda = back ? -I : I, ds = B * J->xs3, nm = ns - ns % MR3;
    for (int64_t b = Bm; b < B; b++) {
#define XROW(s) (J->x + (b * T + (back ? T - 1 - (s) : (s))) * I)
#define XDST(s) (buf + ((s) - s0) * ds + b * J->xs3)
        for (int64_t g = g0; g < g1; g++) {
            for (int64_t s = s0; s < s0 + nm; s += MR3)
                SFX(tile_xt)(MR3, 1, J, XROW(s), lda, XDST(s), ds, g, NULL);
            if (ns - nm >= 2) {
#define CALLXTR(m) SFX(tile_xt)((m) < MR3 ? (m) : 1, 1, J, XROW(s0 + nm), lda, XDST(s0 + nm), ds, g, NULL)
                SWR(ns - nm, CALLXTR);
#undef CALLXTR
            }
        }
        if (ns - nm == 1) {
            for (int64_t g = g0, ng; g < g1; g += ng) {
                ng = SFX(chunk)(g, g1, GRU__SPG3, NGR3);
#define CALLXT(k) SFX(tile_xt)(1, k, J, XROW(s0 + nm), lda, XDST(s0 + nm), ds, g, NULL)
                SW4(ng, CALLXT);
#undef CALLXT
            }
        }
#undef XROW
#undef XDST
    }
}

static void SFX(run_ra)(const SFX(stepv) *S, int64_t g0, int64_t g1)
{
    const int64_t B = S->J->B, Bm = B - B % MR3;
    int64_t xv = S->xv0;
    if (B <= 4 && (S->k0 > 0 || S->k1 < S->J->H)) {
        /* small batches: fetch the other threads' part of the state now */
        const int64_t H = S->J->H;
        for (int64_t b = 0; b < B; b++) {
            for (int64_t k = 0; k < S->k0; k += 16)
                __builtin_prefetch(S->hcur + b * H + k, 0, 3);
            for (int64_t k = S->k1; k < H; k += 16)
                __builtin_prefetch(S->hcur + b * H + k, 0, 3);
        }
    }
    const int64_t H = S->J->H;
    for (int64_t g = g0; g < g1; g++) {
        int64_t ks;
        const float *nxt = SFX(gp_next)(S->J->f->pu[0], H, 3, 1, S->J->f->ng, g + 1, g1, &ks);
        for (int64_t b = 0; b < Bm; b += MR3) {
            const SFX(nxp) nx = SFX(nx_slice)(nxt, H * ks, b / MR3, Bm / MR3, S->k1 - S->k0);
            SFX(tile_ra)(MR3, 1, S, b, g, 0, 0, 0, &nx);
        }
    }
    if (B - Bm >= 2) {
        for (int64_t g = g0; g < g1; g++) {
#define CALLRAR(m) SFX(tile_ra)((m) < MR3 ? (m) : 1, 1, S, Bm, g, 0, 0, 0, NULL)
            SWR(B - Bm, CALLRAR);
#undef CALLRAR
        }
    } else if (B - Bm == 1 && (Bm > 0 || !(S->s & 1))) {
        for (int64_t g = g0, ng; g < g1; g += ng) {
            ng = SFX(chunk)(g, g1, GRU__SPG3, NGR3);
#define CALLRA(k) SFX(tile_ra)(1, k, S, Bm, g, 0, 0, 0, NULL)
#define CALLRAX(k) SFX(tile_ra)(1, k, S, 0, g, 0, 1, xv++, NULL)
            if (FX_TS && Bm == 0 && xv < S->xv1)
                SW4(ng, CALLRAX);
            else
                SW4(ng, CALLRA);
#undef CALLRA
#undef CALLRAX
        }
    } else if (B - Bm == 1) {
        /* B = 1: every other step walks this thread's part of the recurrent kernel
         * backwards (superpanels from the last, blocks of rows from the last, each
         * block upwards), so that the step starts on the lines the previous one left
         * in L1: 7% faster on S1 and 4% on S2 with one thread (2026-11-26). */
        for (int64_t ge = g1, gs; ge > g0; ge = gs) {
            gs = SFX(sp_first)(ge, g0, GRU__SPG3);
#define CALLRAV(k) SFX(tile_ra)(1, k, S, Bm, gs, 1, 0, 0, NULL)
#define CALLRAVX(k) SFX(tile_ra)(1, k, S, 0, gs, 1, 1, xv++, NULL)
            if (FX_TS && xv < S->xv1)
                SW4(ge - gs, CALLRAVX);
            else
                SW4(ge - gs, CALLRAV);
#undef CALLRAV
#undef CALLRAVX
        }
    }
    for (; FX_TS && xv < S->xv1; xv++)
        SFX(fx_alone)(S, xv);
}

/* B = 1, one step of an odd streaming call (J->alt): the recurrent products of this
 * thread's groups first (reset_after: h · U; else h · U[:, 0:2H]), then the input
 * projection, both walked backwards (superpanels from the last, blocks of rows from the
 * last), then the gate math (reset_after: the whole step; else z and rh, run_hp follows).
 * The previous call ended on the last lines of U, still in cache where this walk starts;
 * this one ends on the first lines of the kernel, where the next (forward) call starts.
 * raw: (groups, 3 or 2, VW) floats of scratch. Without withx (a whole sequence at B = 1
 * with reset_after = FALSE and a large recurrent kernel, odd steps: the projection was
 * made before) only the recurrent products and the gate math. */
static void SFX(run_alt)(const SFX(stepv) *S, int64_t g0, int64_t g1, float *raw, const int withx)
{
    const int ra = S->J->reset_after;
    for (int64_t ge = g1, gs; ge > g0; ge = gs) {
        gs = SFX(sp_first)(ge, g0, ra ? GRU__SPG3 : GRU__SPG2);
#define CALLRAW3(k) SFX(tile_raw)(k, 3, S, gs, raw)
#define CALLRAW2(k) SFX(tile_raw)(k, 2, S, gs, raw)
        if (ra)
            SW4(ge - gs, CALLRAW3);
        else
            SW6(ge - gs, CALLRAW2);
#undef CALLRAW3
#undef CALLRAW2
    }
    for (int64_t ge = g1, gs; withx && ge > g0; ge = gs) {
        gs = SFX(sp_first)(ge, g0, GRU__SPG3);
#define CALLXV(k) SFX(tile_x)(1, k, S->J, 0, gs, 1)
        SW4(ge - gs, CALLXV);
#undef CALLXV
    }
    if (g1 > g0)
        SFX(tile_end)(S, 2 + ra, 0, 1, g0, (int)(g1 - g0), raw + g0 * (2 + ra) * VW);
}

static void SFX(run_zr)(const SFX(stepv) *S, int64_t g0, int64_t g1)
{
    const int64_t B = S->J->B, Bm = B - B % MR2;
    const int64_t H = S->J->H;
    for (int64_t g = g0; g < g1; g++) {
        int64_t ks;
        const float *nxt = SFX(gp_next)(S->J->f->pu[0], H, 2, 1, S->J->f->ng, g + 1, g1, &ks);
        for (int64_t b = 0; b < Bm; b += MR2) {
            const SFX(nxp) nx = SFX(nx_slice)(nxt, H * ks, b / MR2, Bm / MR2, H);
            SFX(tile_zr)(MR2, 1, S, b, g, 0, 0, &nx);
        }
    }
    if (B - Bm >= 2) {
        for (int64_t g = g0; g < g1; g++) {
#define CALLZRR(m) SFX(tile_zr)((m) < MR2 ? (m) : 1, 1, S, Bm, g, 0, 0, NULL)
            SWR(B - Bm, CALLZRR);
#undef CALLZRR
        }
    } else if (B - Bm == 1) {
        int64_t q = S->xv0;
        for (int64_t g = g0, ng; g < g1; g += ng) {
            ng = SFX(chunk)(g, g1, GRU__SPG2, NGR2);
#define CALLZR(k) SFX(tile_zr)(1, k, S, Bm, g, 0, 0, NULL)
#define CALLZRX(k) SFX(tile_zr)(1, k, S, 0, g, 1, q++, NULL)
            if (FX_TS && Bm == 0 && q < S->xv1)
                SW6(ng, CALLZRX);
            else
                SW6(ng, CALLZR);
#undef CALLZR
#undef CALLZRX
        }
        for (; FX_TS && q < S->xv1; q++)
            SFX(fx_alone)(S, q);
    }
}

/* B = 1, reset_after = FALSE, one thread (zsplit, see the worker): the nb groups of one
 * superpanel of pz1 or pr1 (P: its first row, ks floats a row), h · U over every row,
 * into raw (the first group's vector; the groups' pairs of vectors z | r follow each
 * other, as park leaves them). Two sums (even and odd rows): eight chains of FMAs for a
 * superpanel of four groups. rev: blocks of REV_BLOCK rows from the last, each block
 * upwards, like tile_acc's backward walk. (tile_acc itself, one sum per vector, ran S1 3-4%
 * slower; walking only z's or r's lines of pu[1]'s superpanels instead of pz1 and pr1,
 * every other line, 17-25% slower: the lines next to the ones read came into L1 too.) */
static inline AI void SFX(zr1_sp)(const int nb, const float *P, int64_t ks, const float *h,
                                  int64_t H, float *raw, const int rev)
{
    VEC a0[GRU__SPG2], a1[GRU__SPG2];
#pragma GCC unroll 4
    for (int i = 0; i < nb; i++)
        a0[i] = a1[i] = VZERO();
    for (int64_t kb0 = rev ? (H - 1) / REV_BLOCK * REV_BLOCK : 0; kb0 >= 0 && kb0 < H;
         kb0 = rev ? kb0 - REV_BLOCK : H) {
        const int64_t ka = rev ? kb0 : 0, kb = rev && kb0 + REV_BLOCK < H ? kb0 + REV_BLOCK : H;
        int64_t k = ka;
        for (; k + 1 < kb; k += 2) {
            const VEC x0 = VSET1(h[k]), x1 = VSET1(h[k + 1]);
#pragma GCC unroll 4
            for (int i = 0; i < nb; i++) {
                a0[i] = VFMA(x0, VLOAD(P + k * ks + i * VW), a0[i]);
                a1[i] = VFMA(x1, VLOAD(P + (k + 1) * ks + i * VW), a1[i]);
            }
        }
        if (k < kb) {
            const VEC x0 = VSET1(h[k]);
#pragma GCC unroll 4
            for (int i = 0; i < nb; i++)
                a0[i] = VFMA(x0, VLOAD(P + k * ks + i * VW), a0[i]);
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < nb; i++)
        VSTORE(raw + i * 2 * VW, VADD(a0[i], a1[i]));
}

/* zr1_sp over superpanels [sa, sb) (from the last with rev) of pz1 (v 0) or pr1 (v 1):
 * vector v of their groups into S->raw. */
static inline AI void SFX(zr1_walk)(const SFX(stepv) *S, int v, int64_t sa, int64_t sb,
                                    const int rev)
{
    const gru__fast *f = S->J->f;
    const int64_t H = S->J->H, ng = f->ng;
    for (int64_t i = 0; i < sb - sa; i++) {
        const int64_t sp = rev ? sb - 1 - i : sa + i;
        const int64_t nb = ng - sp * GRU__SPG2 < GRU__SPG2 ? ng - sp * GRU__SPG2 : GRU__SPG2;
        const float *P = (v ? f->pr1 : f->pz1) + sp * H * GRU__SPG2 * VW;
        float *raw = S->raw + (sp * GRU__SPG2 * 2 + v) * VW;
#define CALLZR1(k) SFX(zr1_sp)(k, P, (k) * VW, S->hp, H, raw, rev)
        SW4(nb, CALLZR1);
#undef CALLZR1
    }
}

/* zr1_walk's gate math for groups [g0, g1): v 0 z into S->z, v 1 rh = r ⊙ h into S->rh,
 * gate_end's operations (nv 2) on the same sums. */
static void SFX(zr1_gate)(const SFX(stepv) *S, int v, int64_t g0, int64_t g1)
{
    const gru__fast_job *J = S->J;
    const int64_t H = J->H;
    const gru_activation ract = J->ract;
    for (int64_t g = g0; g < g1; g++) {
        const int64_t u0 = g * VW;
        const int n = H - u0 < VW ? (int)(H - u0) : VW;
        VEC a = VADD(SFX(ld)(S->xs + v * H + u0, n), VLOAD(S->raw + (g * 2 + v) * VW));
        a = ract == GRU_ACT_SIGMOID ? SFX(vsigmoid)(a) : SFX(vact)(ract, a);
        if (v)
            SFX(st)(S->rh + u0, VMUL(a, SFX(ld)(S->hp + u0, n)), n);
        else
            SFX(st)(S->z + u0, a, n);
    }
}

/* reset_after = FALSE, the h columns of U[:, 2H:3H] for groups [g0, g1), every sample:
 * with whole (a constant at each call) tile_hf over the whole of rh (J->dyn), else
 * tile_hp, the partial products of this thread's rows. */
static inline AI void SFX(run_h)(const SFX(stepv) *S, int64_t g0, int64_t g1, const int whole)
{
    const int64_t B = S->J->B, Bm = B - B % MR1;
    const int64_t K = S->k1 - S->k0;
#define TILE_H(mr, ng, b, nx)                                                                  \
    (whole ? SFX(tile_hf)(mr, ng, S, b, g) : SFX(tile_hp)(mr, ng, S, b, g, nx))
    for (int64_t g = g0, ng; g < g1; g += ng) {
        ng = SFX(chunk)(g, g1, GRU__SPG1M, NG1M);
        /* the next superpanel's rows of this thread (partial products only: the whole
         * tiles of tile_hf take no next-panel fetch) */
        int64_t ks = 0;
        const float *nxt = whole ? NULL
                                 : SFX(gp_next)(S->J->f->puh[0], S->J->H, 1, GRU__SPG1M,
                                                S->J->f->ng, g + ng, g1, &ks);
        nxt = nxt ? nxt + S->k0 * ks : NULL;
        for (int64_t b = 0; b < Bm; b += MR1) {
            const SFX(nxp) nx = SFX(nx_slice)(nxt, K * ks, b / MR1, Bm / MR1, K);
#define CALLH(k) TILE_H(MR1, k, b, &nx)
            SW3(ng, CALLH);
#undef CALLH
        }
        if (B - Bm >= 2) {
#define CALLHR3(m) TILE_H((m) < MR1 ? (m) : 1, 3, Bm, NULL)
#define CALLHR2(m) TILE_H((m) < MR1 ? (m) : 1, 2, Bm, NULL)
#define CALLHR1(m) TILE_H((m) < MR1 ? (m) : 1, 1, Bm, NULL)
            if (ng == 3)
                SWR(B - Bm, CALLHR3);
            else if (ng == 2)
                SWR(B - Bm, CALLHR2);
            else
                SWR(B - Bm, CALLHR1);
#undef CALLHR3
#undef CALLHR2
#undef CALLHR1
        }
    }
    if (B - Bm == 1) {
        for (int64_t g = g0, ng; g < g1; g += ng) {
            ng = SFX(chunk)(g, g1, GRU__SPG1, NGR1);
#define CALLH1(k) TILE_H(1, k, Bm, NULL)
            SW12(ng, CALLH1);
#undef CALLH1
        }
    }
#undef TILE_H
}

/* Partial products of this thread's rows of U[:, 2H:3H], for every group. */
static void SFX(run_hp)(const SFX(stepv) *S) { SFX(run_h)(S, 0, S->J->f->ng, 0); }

/* J->dyn, reset_after = FALSE: the second half of the step for groups [g0, g1), every
 * sample. */
static void SFX(run_hf)(const SFX(stepv) *S, int64_t g0, int64_t g1) { SFX(run_h)(S, g0, g1, 1); }

/* combine's arithmetic (h_end's, the same operations in the same order) for nb whole
 * groups [g, g + nb) of sample b with tanh and no mask, phase by phase like gate_row.
 * Against h_end a group at a time (its activation through vact's switch): S1 2.7%, S3 2%,
 * S1 on two threads 7%, S2 1-3.5% faster (2026-11-27, the AVX2 Zen 3). */
static inline AI void SFX(comb_row)(const int nb, const SFX(stepv) *S, int64_t b, int64_t g,
                                    float *hp, float *const *parts, int nth, int out)
{
    const gru__fast_job *J = S->J;
    const int64_t H = J->H, o = b * H + g * VW;
    const float *xh = S->xs + b * J->xs3 + 2 * H + g * VW;
    VEC hh[GE_MAX];
#pragma GCC unroll 4
    for (int i = 0; i < nb; i++) {
        VEC acc = VLOAD(parts[0] + o + i * VW);
        for (int p = 1; p < nth; p++)
            acc = VADD(acc, VLOAD(parts[p] + o + i * VW));
        hh[i] = VADD(VLOAD(xh + i * VW), acc);
    }
#pragma GCC unroll 4
    for (int i = 0; i < nb; i++)
        hh[i] = SFX(vtanh)(hh[i]);
    float *y = out ? J->y + (b * J->T + S->s) * H + g * VW : NULL;
#pragma GCC unroll 4
    for (int i = 0; i < nb; i++) {
        const VEC zz = VLOAD(S->z + o + i * VW), hold = VLOAD(hp + o + i * VW);
        const VEC hn = SFX(hmix)(zz, hold, hh[i]);
        VSTORE(hp + o + i * VW, hn);
        if (y)
            VSTORE(y + i * VW, hn);
    }
}

/* reset_after = FALSE, end of a step: h = z ⊙ h + (1 - z) ⊙ act(xh + sum of partials),
 * for the whole state (this thread's copy); outputs of the thread's own groups. */
static void SFX(combine)(const SFX(stepv) *S, float *hp, float *const *parts, int nth,
                         int64_t g0, int64_t g1)
{
    const gru__fast_job *J = S->J;
    const int64_t B = J->B, T = J->T, H = J->H, ngt = J->f->ng;
    if (nth > 1 && B * H <= 4096) {
        /* the other threads' lines (their partials, their z and the h columns of their
         * input projection) are each a cross-core transfer: ask for all of them at once
         * (S1 and S2 on two threads 1.5-2% faster, with a cross-core round trip of 100
         * and of 550 ns; 2026-11-26) */
        for (int64_t b = 0; b < B; b++)
            for (int64_t k = 0; k < H; k += 64 / (int64_t)sizeof(float)) {
                for (int i = 0; i < nth; i++)
                    __builtin_prefetch(parts[i] + b * H + k, 0, 3);
                __builtin_prefetch(S->z + b * H + k, 0, 3);
                __builtin_prefetch(S->xs + b * J->xs3 + 2 * H + k, 0, 3);
            }
    }
    /* tanh, no mask: whole groups through comb_row, GE_MAX at a time, in the ranges of
     * groups whose outputs this thread stores or not */
    const int64_t gw = J->act == GRU_ACT_TANH && !J->mask ? H / VW : 0;
    for (int64_t b = 0; b < B && gw > 0; b++) {
        const int64_t r0[3] = {0, g0 < gw ? g0 : gw, g1 < gw ? g1 : gw};
        const int64_t r1[3] = {r0[1], r0[2], gw};
        for (int q = 0; q < 3; q++) {
            const int out = q == 1 && J->ret_seq;
            int64_t g = r0[q];
            for (; g + GE_MAX <= r1[q]; g += GE_MAX)
                SFX(comb_row)(GE_MAX, S, b, g, hp, parts, nth, out);
            for (; g < r1[q]; g++)
                SFX(comb_row)(1, S, b, g, hp, parts, nth, out);
        }
    }
    for (int64_t b = 0; b < B; b++) {
        const int keep = !J->mask || J->mask[b * T + S->t];
        for (int64_t g = gw; g < ngt; g++) {
            const int64_t u0 = g * VW, o = b * H + u0;
            const int n = H - u0 < VW ? (int)(H - u0) : VW;
            VEC acc = SFX(ld)(parts[0] + o, n);
            for (int i = 1; i < nth; i++)
                acc = VADD(acc, SFX(ld)(parts[i] + o, n));
            SFX(h_end)(S, b, u0, n, acc, hp + b * H, keep, J->ret_seq && g >= g0 && g < g1);
        }
    }
}

/* reset_after = TRUE at B > 1: the outputs of step s (input timestep t) for samples
 * [b0, b1) from hn, the (B, H) state after it: each sample's row as put_y writes it,
 * whole rows at a time. A batch's rows of y lie T H floats apart (100 KiB at S3-S5: the
 * same 4 KiB offset, the same L1 sets); stored by every tile, a vector of 4 rows at a
 * time amid its loads, they cost S3 on one thread 2.4-3.3% and on two 1.6-2.7% more than
 * this copy; S4 level (2026-11-27, the AVX2 Zen 3, alternating runs; with the input
 * projection left out, S3 6% and S4 3%). reset_after = FALSE does not use it: its
 * outputs are stored a row at a time already (combine), or by the multi-row tiles of a
 * split by units (hf_end), where the copy measured level; on one thread it was 2% slower
 * at S3. */
static void SFX(ycopy)(const gru__fast_job *J, int64_t s, int64_t t, const float *hn,
                       int64_t b0, int64_t b1)
{
    const int64_t T = J->T, H = J->H;
    for (int64_t b = b0; b < b1; b++) {
        float *y = J->y + (b * T + s) * H;
        if (!J->mask || J->mask[b * T + t])
            memcpy(y, hn + b * H, (size_t)H * sizeof(float));
        else if (s > 0)
            memcpy(y, y - H, (size_t)H * sizeof(float));
        else
            memset(y, 0, (size_t)H * sizeof(float));
    }
}

/* ---- the whole forward on one thread of nth ----------------------------------------- */

#if FX_TS > 0
/* The start of step s with the input projection ridden along (fx, B = 1): blocks of
 * FX_TS steps in a ring of three slots at the start of xp. Block 0, and a last block
 * shorter than FX_TS, are projected at the start of the block before them (run_xc); the
 * others ride along the recurrent tiles of the block before, a share of the vectors at
 * each step. Three slots: with reset_after = FALSE on several threads a thread may
 * still read the h columns of block c (combine) while another begins block c + 1. */
static void SFX(step_fx)(SFX(stepv) *S, int64_t s, int64_t g0, int64_t g1)
{
    const gru__fast_job *J = S->J;
    const int64_t T = J->T, H = J->H, I = J->I, c = s / FX_TS, j = s % FX_TS;
    const int64_t sn = (c + 1) * FX_TS;
    const int back = J->go_backwards;
#define FX_SLOT(c) (J->xp + ((c) % 3) * FX_TS * 3 * H)
    S->s = s;
    S->t = back ? T - 1 - s : s;
    if (j == 0) {
        if (s == 0)
            SFX(run_xc)(J, 0, FX_TS, FX_SLOT(0), g0, g1);
        if (sn < T && T - sn < FX_TS)
            SFX(run_xc)(J, sn, T - sn, FX_SLOT(c + 1), g0, g1);
    }
    S->xv0 = S->xv1 = 0;
    if (sn + FX_TS <= T) {
        const int64_t nq = (3 * (g1 - g0) + FX_NV - 1) / FX_NV;
        S->xnv = 3 * (g1 - g0);
        S->xv0 = nq * j / FX_TS;
        S->xv1 = nq * (j + 1) / FX_TS;
        if (j == 0) {
            const float *xa = J->x + (back ? T - 1 - sn : sn) * I;
            const int64_t lda = back ? -I : I;
            for (int64_t k = 0; k < I; k++)
                for (int m = 0; m < FX_TS; m++)
                    S->xT[k * FX_TS + m] = xa[m * lda + k];
        }
        S->xdst = FX_SLOT(c + 1);
        S->xg0 = g0;
    }
    S->xs = FX_SLOT(c) + j * 3 * H;
#undef FX_SLOT
}
#endif

/* J->dyn: the groups of a phase (the work between two barriers) go in chunks of DYN_G
 * (= GRU__SPG1M: whole superpanels of the multi-row h tiles) to whichever thread asks
 * next. Phase ph takes its chunks from counter ph % 3; thread 0 clears the counter of
 * phase ph + 1 during phase ph, when every thread has passed the barrier after phase
 * ph - 2, its last user (the barrier after phase ph publishes the store). What a chunk
 * computes does not depend on the thread that takes it. A fine phase (any but the h
 * columns of reset_after = FALSE, whose tiles take a superpanel of DYN_G groups) hands its
 * last 2 nth groups or more out one at a time, so that the threads reach the barrier at
 * most a group apart rather than a chunk: S4 (32 groups: 11 chunks of three before, six
 * for one thread and five for the other) on two threads 1.6% faster, the barrier's share
 * of the time 3.5% -> 2.3% (2026-11-28, the AVX-512 Xeon, in-process alternating runs);
 * S5 level. */
#define DYN_G GRU__SPG1M
static inline void SFX(dyn_phase)(const gru__fast_job *J, int tid, int64_t ph)
{
    if (tid == 0)
        atomic_store_explicit(&J->dctr[((ph + 1) % 3) * GRU__DYN_PAD], 0, memory_order_relaxed);
}
static inline int SFX(dyn_take)(const gru__fast_job *J, int64_t ph, int fine, int nth,
                                int64_t *ga, int64_t *gb)
{
    const int64_t ng = J->f->ng;
    const int64_t c = atomic_fetch_add_explicit(&J->dctr[(ph % 3) * GRU__DYN_PAD], 1,
                                                memory_order_relaxed);
    const int64_t nbig = fine ? (ng - 2 * nth > 0 ? (ng - 2 * nth) / DYN_G : 0)
                              : (ng + DYN_G - 1) / DYN_G;
    if (c < nbig) {
        *ga = c * DYN_G;
        *gb = *ga + DYN_G < ng ? *ga + DYN_G : ng;
        return 1;
    }
    if (!fine || nbig * DYN_G + (c - nbig) >= ng)
        return 0;
    *ga = nbig * DYN_G + (c - nbig);
    *gb = *ga + 1;
    return 1;
}

/* J->dyn: the whole forward of one of the threads. Every phase: chunks of groups until
 * none are left, then a barrier. Phases: the input projection (whole, or a chunk of steps
 * at a time: its own phase, since a step reads columns another thread may have
 * projected), then per step reset_after = TRUE the step (h · U from k = 0: the order of
 * one thread), FALSE z | r and rh, then the h columns over the whole of rh with the new
 * state in place. Returns the final state. */
static float *SFX(run_dyn)(const gru__fast_job *J, int tid, int nth, int64_t tc)
{
    const int64_t B = J->B, T = J->T, H = J->H, bhs = J->bhs;
    float *sc = J->scratch;
    int64_t ph = 0, ga, gb;
#define DYN_RUN(CALL, FINE)                                                                    \
    do {                                                                                       \
        SFX(dyn_phase)(J, tid, ph);                                                            \
        while (SFX(dyn_take)(J, ph, FINE, nth, &ga, &gb))                                      \
            CALL;                                                                              \
        ph++;                                                                                  \
        gru__pool_barrier(J->pool, tid);                                                       \
    } while (0)
    SFX(stepv) S = SFX(stepv_zero); /* a copy, not a memset (rep stos) */
    S.J = J;
    S.k0 = 0;
    S.k1 = H;
    S.ydef = J->ret_seq && J->reset_after;
    if (!tc)
        DYN_RUN(SFX(run_x)(J, ga, gb), 1);
    if (!J->reset_after) {
        S.hp = S.hw = sc;
        S.rh = sc + nth * bhs;
        S.z = sc + (nth + 1) * bhs;
    }
    for (int64_t s = 0; s < T; s++) {
        S.s = s;
        S.t = J->go_backwards ? T - 1 - s : s;
        if (tc && s % tc == 0)
            DYN_RUN(SFX(run_xc)(J, s, T - s < tc ? T - s : tc, J->xp, ga, gb), 1);
        S.xs = tc ? J->xp + (s % tc) * B * J->xs3 : J->xp + S.t * B * J->xs3;
        if (J->reset_after) {
            S.hcur = sc + (s & 1) * bhs;
            S.hnext = sc + ((s + 1) & 1) * bhs;
            DYN_RUN(SFX(run_ra)(&S, ga, gb), 1);
        } else {
            DYN_RUN(SFX(run_zr)(&S, ga, gb), 1);
            DYN_RUN(SFX(run_hf)(&S, ga, gb), 0);
        }
        /* this thread's share of the outputs, while the others begin the next step: it
         * reads S.hnext, which the step after next writes, after a barrier */
        if (S.ydef)
            SFX(ycopy)(J, s, S.t, S.hnext, B * tid / nth, B * (tid + 1) / nth);
    }
#undef DYN_RUN
    return J->reset_after ? sc + (T & 1) * bhs : sc;
}

/* The start of step s: its timestep, the chunk of the input projection it begins (tc
 * steps a chunk, 0: none), and where its projection lies; with fx, step_fx. */
static inline void SFX(step_begin)(SFX(stepv) *S, int64_t s, int64_t tc, int fx, int64_t g0,
                                   int64_t g1)
{
#if FX_TS > 0
    if (fx) {
        SFX(step_fx)(S, s, g0, g1);
        return;
    }
#endif
    (void)fx;
    const gru__fast_job *J = S->J;
    const int64_t B = J->B, T = J->T;
    S->s = s;
    S->t = J->go_backwards ? T - 1 - s : s;
    if (tc && s % tc == 0)
        SFX(run_xc)(J, s, T - s < tc ? T - s : tc, J->xp, g0, g1);
    S->xs = tc ? J->xp + (s % tc) * B * J->xs3 : J->xp + S->t * B * J->xs3;
}


void SFX(gru__fast_worker)(void *ctx, int tid, int nth)
{
    const gru__fast_job *J = ctx;
    const gru__fast *f = J->f;
    const int64_t B = J->B, T = J->T, H = J->H, ngt = f->ng, bhs = J->bhs;
    const int64_t g0 = ngt * tid / nth, g1 = ngt * (tid + 1) / nth;
    float *sc = J->scratch;

    const int64_t tc = SFX(x_chunk)(J, nth);
    const int64_t ubytes = H * 3 * ngt * VW * (int64_t)sizeof(float) / nth;
    const int64_t xbytes = J->I * 3 * ngt * VW * (int64_t)sizeof(float) / nth;
    /* B = 1 with the input projection ridden along (step_fx), where it measured faster:
     * a thread's share of the recurrent kernel large enough that its steps are bound by
     * streaming it from L2 rather than by their latency, and together with its share of
     * the input kernel small enough to stay in L2. The same choice on every thread.
     * (run_alt, below, serves only T = 1: never both.) */
    const int fx = FX_TS > 0 && B == 1 && T >= 3 * FX_TS && J->I <= FX_IMAX &&
                   ubytes >= gru__fast_fx_lo() && ubytes + xbytes <= gru__fast_fx_max;
    /* B = 1, reset_after = FALSE, one thread, two superpanels of z | r or more, both
     * kernels in L2 (gru__fast_zsplit_on): z and r walked apart (zr1_walk), from their own
     * packed copies (pz1, pr1). A step walks half of z backwards (superpanels [0, nsp / 2)
     * on even steps, the rest on odd ones; with T = 1, a stream's call, even and odd
     * calls), then r, gates r, the h columns, the other half of z forwards, gates z and
     * combines: each step starts on the lines the step before ended on, which the half
     * leaves in L1 where it fits. With T = 1 the input projection goes after the first
     * half of z. Against z | r in one walk (2026-11-28, the AVX-512 Xeon, 2 MiB L2, paired
     * runs, medians): S1 on one thread 0.91-0.94 of the time, H = 96 0.93, H = 192 0.94,
     * their streams 0.94-0.97; S2 (both kernels 1.5 MiB) level with zrv and with run_alt's
     * odd calls, which it replaces there (0.86-1.08 from process to process). */
    const int64_t nsp2 = (ngt + GRU__SPG2 - 1) / GRU__SPG2;
    const int zs = !J->reset_after && B == 1 && nth == 1 && f->pz1 && !fx && !tc &&
                   nsp2 >= 2 && B * ngt * VW <= bhs && gru__fast_zsplit_on(ubytes + xbytes);
    /* odd calls of a B = 1 stream: run_alt instead of run_x + run_ra / run_zr; with
     * reset_after = FALSE only when a thread's share of the weights overflows L2
     * (gru__fast_alt_min: its walk starts on z | r, not on the h columns the last call
     * ended on, so that only L2 gives anything back). The same choice on every thread:
     * they must meet the same barriers. */
    const int alt = J->alt && B == 1 && T == 1 && !tc && !zs &&
                    (J->reset_after || ubytes + xbytes >= gru__fast_alt_min);
    /* B = 1, reset_after = FALSE, a large recurrent kernel: odd steps walk z | r
     * backwards (gru__fast_zrv_min). The same choice on every thread. */
    const int zrv = !J->reset_after && B == 1 && !alt && !fx && !zs && !tc && T > 1 &&
                    ubytes >= gru__fast_zrv_min;
    /* B = 1 split by units: the projection in the barriers' waits (x_window) */
    const int xw = B == 1 && nth > 1 && J->pool && !alt && !fx && !tc && T > 2 * XWB &&
                   xbytes <= gru__fast_xwin;
    float *hfinal;
    if (J->dyn) {
        hfinal = SFX(run_dyn)(J, tid, nth, tc);
        goto done;
    }
    if (xw) {
        SFX(x_block)(J, 0, g0, g1);
        SFX(x_block)(J, 1, g0, g1);
        gru__pool_barrier(J->pool, tid);
    }
    if (!xw && !tc && !alt && !fx && !(zs && T == 1)) {
        SFX(run_x)(J, g0, g1);
        gru__pool_barrier(J->pool, tid);
    }
#define STEP_BARRIER()                                                                         \
    do {                                                                                       \
        if (xw) {                                                                              \
            gru__pool_arrive(J->pool, tid);                                                    \
            SFX(x_window)(J, s, g0, g1);                                                       \
            gru__pool_wait(J->pool, tid);                                                      \
        } else                                                                                 \
            gru__pool_barrier(J->pool, tid);                                                   \
    } while (0)

    SFX(stepv) S = SFX(stepv_zero); /* a copy, not a memset (rep stos) */
    S.J = J;
    float xT[FX_TS > 0 ? FX_IMAX * FX_TS : 1] __attribute__((aligned(64)));
    S.xT = xT;
    S.k0 = g0 * VW < H ? g0 * VW : H;
    S.k1 = g1 * VW < H ? g1 * VW : H;
    /* reset_after = TRUE, batches on one thread (also each thread's share of a split by
     * samples) */
    S.ydef = J->ret_seq && J->reset_after && B > 1 && nth == 1;
    /* On one thread (a job of its own, or a thread's samples of a split by samples):
     * the gate math of a step in one pass after its tiles (gate_pass; with
     * reset_after = FALSE that of z and r), the products parked in the
     * scratch's raw buffers (3 or 2 bhs floats: B groups 3 or 2 VW floats unless H % VW
     * leaves too little slack, where tile_end serves). Not for the steps that walk
     * backwards through run_alt, nor with the ride-along projection (whose tiles end
     * themselves). Where threads split the units, tile_end: their steps meet at a
     * barrier, bound by its latency, to which the pass adds its own (B = 4 on two
     * threads 2-4% slower). */
    S.raw = nth == 1 && !fx && B * ngt * VW <= bhs
                ? sc + (J->reset_after ? 2 : 3 + 3 * (int64_t)nth) * bhs
                : NULL;
    if (J->reset_after) {
        for (int64_t s = 0; s < T; s++) {
            SFX(step_begin)(&S, s, tc, fx, g0, g1);
            S.hcur = sc + (s & 1) * bhs;
            S.hnext = sc + ((s + 1) & 1) * bhs;
            if (alt)
                SFX(run_alt)(&S, g0, g1, sc + 2 * bhs, 1);
            else {
                SFX(run_ra)(&S, g0, g1);
                if (S.raw)
                    SFX(gate_pass)(&S, 3, g0, g1);
            }
            if (S.ydef)
                SFX(ycopy)(J, s, S.t, S.hnext, 0, B);
            STEP_BARRIER();
        }
        hfinal = sc + (T & 1) * bhs;
    } else {
        float *hp = sc + tid * bhs;
        S.hp = hp;
        S.rh = sc + nth * bhs;
        float *parts[2][64];
        const int np = nth < 64 ? nth : 64;
        for (int p = 0; p < 2; p++)
            for (int i = 0; i < np; i++)
                parts[p][i] = sc + (nth + 3 + p * nth + i) * bhs;
        const int64_t sh = nsp2 / 2; /* zsplit: z's halves of superpanels [0, sh), [sh, nsp2) */
        for (int64_t s = 0; s < T; s++) {
            SFX(step_begin)(&S, s, tc, fx, g0, g1);
            S.z = sc + (nth + 1 + (s & 1)) * bhs;
            S.part = parts[s & 1][tid];
            if (zs) {
                /* odd steps start on the second half, which the even ones end on */
                const int odd = T == 1 ? J->alt : (int)(s & 1);
                SFX(zr1_walk)(&S, 0, odd ? sh : 0, odd ? nsp2 : sh, 1);
                if (T == 1)
                    SFX(run_x)(J, g0, g1);
                SFX(zr1_walk)(&S, 1, 0, nsp2, 0);
                SFX(zr1_gate)(&S, 1, 0, ngt);
                SFX(run_hp)(&S);
                SFX(zr1_walk)(&S, 0, odd ? 0 : sh, odd ? sh : nsp2, 0);
                SFX(zr1_gate)(&S, 0, 0, ngt);
            } else {
                if (alt)
                    SFX(run_alt)(&S, g0, g1, sc + (3 + 3 * (int64_t)nth) * bhs, 1);
                else if (zrv && (s & 1))
                    SFX(run_alt)(&S, g0, g1, sc + (3 + 3 * (int64_t)nth) * bhs, 0);
                else {
                    SFX(run_zr)(&S, g0, g1);
                    if (S.raw)
                        SFX(gate_pass)(&S, 2, g0, g1);
                }
                SFX(run_hp)(&S);
            }
            STEP_BARRIER();
            SFX(combine)(&S, hp, parts[s & 1], np, g0, g1);
        }
        hfinal = sc; /* thread 0's copy */
    }
#undef STEP_BARRIER
done:
    if (tid != 0)
        return;
    memcpy(J->h_out, hfinal, (size_t)(B * H) * sizeof(float));
    if (!J->ret_seq) {
        for (int64_t b = 0; b < B; b++) {
            int started = !J->mask;
            for (int64_t t = 0; t < T && !started; t++)
                started = J->mask[b * T + t] != 0;
            if (started)
                memcpy(J->y + b * H, hfinal + b * H, (size_t)H * sizeof(float));
            else
                memset(J->y + b * H, 0, (size_t)H * sizeof(float));
        }
    }
}
