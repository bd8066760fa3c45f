/* The fast float32 training pass, written once and compiled once per instruction set
 * (train_fast_generic.c, x86/train_fast_avx2.c, x86/train_fast_avx512.c). It computes
 * exactly what the reference body src/cpu/ref/train_body.h computes, in the same
 * workspace (gru__train_layout), so that either backward can follow either forward;
 * only the order of the work, the blocking of the products and the exp/tanh/sigmoid
 * approximations differ. The including file defines
 *   SFX(name)           name##_<isa>
 *   VW, VEC             floats per vector, the vector type
 *   VZERO VSET1 VLOAD VSTORE VLOADN(p, n) VSTOREN(p, v, n) VADD VSUB VMUL VDIV VFMA VMIN VMAX
 *   TF_GEMM             the ISA's fast GEMM (src/cpu/gemm.h signature)
 *   TF_GEMM_PB, TF_GEMM_PACKB, TF_GEMM_NR   (optional) the same GEMM on a B packed once,
 *                       its packing and its strip width: then the recurrent kernel (and
 *                       K^T for dx) is packed once per call for the products of B > 1
 *   TF_GEMM_BP          (with TF_GEMM_PB) the GEMM that packs B too, into scratch
 *   VMATH_LIBM          (optional) exp/tanh/sigmoid lane by lane through libm; else
 *                       VSEL_LT VROUND VSCALE2 VABS VCOPYSIGN for the vector ones
 *                       (the vector math is src/cpu/vmath_body.h, shared with fast_body.h)
 *
 * Threads. The products over all timesteps (input projection, dK, dU, dx) are split
 * between the nth threads by rows or columns of their result. The time loop runs on nr
 * threads (1 or nth), split one of two ways:
 *   by samples (c->rows): thread tid owns a contiguous range of samples [b0, b1), all of
 *     their units; their recurrences are independent, so no barrier inside the loop;
 *   by units: thread tid owns a contiguous range of units [u0, u1) (whole vectors, or
 *     whole GEMM strips with the packed B) of every gate and every sample: it computes the
 *     recurrent products' columns of its units, their gate math and its units of the next
 *     state (or of the next state gradient), then one barrier per step (two for
 *     reset_after FALSE, whose h product needs r ⊙ h of every unit).
 * Split by units (and in the products over all timesteps) every element is computed by one
 * thread in the same order whatever the thread count, so 1 and 2 threads give the same
 * bits; split by samples, the products' register tiles differ (float32 rounding only).
 *
 * Extra workspace (gru__train_layout): hm3 (2, 3, B, H), the masked states h ⊙ mh_g of
 * the step being run and of the next one (recurrent dropout only); dbs (2, 3H), the bias
 * gradient summed by the time loop split by units (a thread owns its columns; split by
 * samples, each thread sums its own (2, 3H) in hr, free in the backward); upk, the packed
 * recurrent kernel; kt sized for the packed K^T (the forward's K packed per gate too, when
 * it forms the input projections step by step: c->pstep). With the packed recurrent
 * kernel, ut (3H x H floats, where the plain products keep U^T) is the GEMMs' scratch
 * instead, one equal part per thread of the pool (c->scr; part tid for thread tid). */

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#define TF_AI static inline __attribute__((always_inline))

/* ---- vector math --------------------------------------------------------------------- */

#include "cpu/vmath_body.h"

/* Derivative of act at pre-activation v with output y: the reference's dact (TensorFlow's
 * choices at kinks and clip points), scalar. */
static float SFX(tf_dact1)(gru_activation act, float v, float y)
{
    switch (act) {
    case GRU_ACT_TANH: return 1 - y * y;
    case GRU_ACT_SIGMOID: return y * (1 - y);
    case GRU_ACT_HARD_SIGMOID: {
        float u = 0.2f * v + 0.5f;
        return (u >= 0 && u <= 1) ? 0.2f : 0;
    }
    case GRU_ACT_HARD_SIGMOID_KERAS3: {
        float u = v + 3;
        return (u > 0 && u < 6) ? 1.0f / 6 : 0;
    }
    case GRU_ACT_RELU: return v > 0 ? 1 : 0;
    case GRU_ACT_LINEAR: return 1;
    case GRU_ACT_ELU: return y < 0 ? y + 1 : 1;
    case GRU_ACT_SELU: {
        const float scale = 1.0507009873554804934193349852946f;
        const float alpha = 1.6732632423543772848170429916717f;
        return y < 0 ? y + scale * alpha : scale;
    }
    case GRU_ACT_SOFTPLUS: return 1 / (1 + expf(-v));
    case GRU_ACT_SOFTSIGN: {
        float d = 1 + (v < 0 ? -v : v);
        return 1 / (d * d);
    }
    case GRU_ACT_EXPONENTIAL: return y;
    case GRU_ACT_SWISH: {
        float s = 1 / (1 + expf(-v));
        return s * (1 + v * (1 - s));
    }
    case GRU_ACT_GELU: {
        const float inv_sqrt2 = 0.70710678118654752440f;
        const float inv_sqrt_2pi = 0.39894228040143267794f;
        return 0.5f * (1 + erff(v * inv_sqrt2)) + v * expf(-0.5f * v * v) * inv_sqrt_2pi;
    }
    default: return 1;
    }
}

/* Whether tf_vdact and tf_dact1 (and the reference's dact) need only act's output y, not
 * its argument v. */
static inline int SFX(tf_dact_y)(gru_activation act)
{
    return act == GRU_ACT_TANH || act == GRU_ACT_SIGMOID || act == GRU_ACT_LINEAR ||
           act == GRU_ACT_EXPONENTIAL || act == GRU_ACT_ELU || act == GRU_ACT_SELU;
}

/* act'(v) from v and y = act(v) on a vector. */
TF_AI VEC SFX(tf_vdact)(gru_activation act, VEC v, VEC y)
{
    switch (act) {
    case GRU_ACT_TANH: return VSUB(VSET1(1.0f), VMUL(y, y));
    case GRU_ACT_SIGMOID: return VMUL(y, VSUB(VSET1(1.0f), y));
    case GRU_ACT_LINEAR: return VSET1(1.0f);
    case GRU_ACT_EXPONENTIAL: return y;
    /* tf_dact1's formulas (with libm's exp, exactly its operations) */
    case GRU_ACT_SOFTPLUS: return SFX(vsigmoid)(v);
    case GRU_ACT_SWISH: {
        VEC s = SFX(vsigmoid)(v);
        return VMUL(s, VADD(VSET1(1.0f), VMUL(v, VSUB(VSET1(1.0f), s))));
    }
#if !defined(VMATH_LIBM)
    /* tf_dact1's conditions, select for select (NaN gives its value too) */
    case GRU_ACT_HARD_SIGMOID: {
        VEC u = VADD(VMUL(VSET1(0.2f), v), VSET1(0.5f));
        return VSEL_LT(u, VZERO(), VZERO(),
                       VSEL_LT(VSET1(1.0f), u, VZERO(),
                               VSEL_LT(u, VSET1(2.0f), VSET1(0.2f), VZERO())));
    }
    case GRU_ACT_HARD_SIGMOID_KERAS3: {
        VEC u = VADD(v, VSET1(3.0f));
        return VSEL_LT(VZERO(), u, VSEL_LT(u, VSET1(6.0f), VSET1(1.0f / 6), VZERO()), VZERO());
    }
    case GRU_ACT_RELU: return VSEL_LT(VZERO(), v, VSET1(1.0f), VZERO());
    case GRU_ACT_ELU: return VSEL_LT(y, VZERO(), VADD(y, VSET1(1.0f)), VSET1(1.0f));
    case GRU_ACT_SELU: {
        const float scale = 1.0507009873554804934193349852946f;
        const float alpha = 1.6732632423543772848170429916717f;
        return VSEL_LT(y, VZERO(), VADD(y, VSET1(scale * alpha)), VSET1(scale));
    }
    case GRU_ACT_SOFTSIGN: {
        VEC d = VADD(VSET1(1.0f), VABS(v));
        return VDIV(VSET1(1.0f), VMUL(d, d));
    }
    /* tf_dact1's formula, Phi(v) + v exp(-v^2 / 2) / sqrt(2 pi) */
    case GRU_ACT_GELU: return SFX(vdgelu)(v);
#endif
    default: {
        float tv[VW], ty[VW];
        VSTORE(tv, v);
        VSTORE(ty, y);
        for (int i = 0; i < VW; i++)
            tv[i] = SFX(tf_dact1)(act, tv[i], ty[i]);
        return VLOAD(tv);
    }
    }
}

/* the first n <= VW floats at p (n == VW: a plain load) */
TF_AI VEC SFX(tf_ld)(const float *p, int n) { return n == VW ? VLOAD(p) : VLOADN(p, n); }
TF_AI void SFX(tf_st)(float *p, VEC v, int n)
{
    if (n == VW)
        VSTORE(p, v);
    else
        VSTOREN(p, v, n);
}
/* Fetch the line at p for writing, at the start of a gate iteration that stores to it:
 * the per-step rows of actv, cc, hs, dA are fresh lines of arrays of T*B rows (in L3 or
 * memory), and a plain store missing them held the loop up. 2026-11-28, AVX-512 Xeon, one
 * thread: at S3 (reset_after TRUE) the backward's gate math took 30 us per step instead
 * of 54; training paired 0.90-0.95 at S3, 0.97 at S4, 0.99 at S5 (two threads 0.89-0.92,
 * 0.96-0.98, 0.99); the forward alone 0.93-0.97 at S3. Prefetching the lines that the
 * gate math reads, a row or a step ahead, gained nothing. */
#define TF_PFW(p) __builtin_prefetch((p), 1, 3)
#define TF_LD(p) SFX(tf_ld)((p), n)
#define TF_ST(p, v) SFX(tf_st)((p), (v), n)

/* Tests (tests/test_train_fast.c): out = act'(v) as the backward computes it, from v and
 * y = act(v) of the forward's vact; n floats. */
void SFX(gru__tf_dact)(gru_activation act, const float *v, float *out, int64_t n)
{
    for (int64_t i = 0; i < n; i += VW) {
        const int m = (int)(n - i < VW ? n - i : VW);
        VEC x = SFX(tf_ld)(v + i, m);
        SFX(tf_st)(out + i, SFX(tf_vdact)(act, x, SFX(vact)(act, x)), m);
    }
}

/* ---- the state of one call ------------------------------------------------------------ */

/* Counters of an overlapped job (tf_fwd_overlap, tf_bwd_overlap): the one-thread time loop
 * and the products of its parts, claimed in order by whichever thread is free, done (and
 * accumulated) in order. */
struct SFX(tf_sync) {
    atomic_int_fast64_t loop; /* backward: steps the time loop has finished */
    atomic_int_fast64_t next; /* parts claimed */
    atomic_int_fast64_t done; /* parts [0, done) complete */
};

typedef struct SFX(tf_ctx) {
    const gru__train_args *a;
    gru__pool *pool;            /* barriers of the running job; NULL on one thread */
    int64_t B, T, I, H, H3, BH, TB;
    int ra, ret_seq, goback, hdrop, xdrop;
    gru_activation act, ract;
    const float *K;             /* (I, 3H) */
    const float *U;             /* (H, 3H) */
    const float *bias;          /* (3H) input bias or NULL */
    const float *b_rec;         /* (3H) recurrent bias (reset_after with bias) or NULL */
    const uint8_t *mask;        /* (B, T) or NULL */
    const int64_t *first;       /* (B) */
    float *xs;                  /* (T, B, I) */
    const float *mx;            /* (3, B, I) */
    const float *mh;            /* (3, B, H) */
    float *hs;                  /* (T+1, B, H) */
    float *pre;                 /* (T, B, 3H) */
    float *actv;                /* (T, B, 3H) */
    float *cc;                  /* (T, B, H) */
    float *hr;                  /* (B, 3H) */
    float *hm;                  /* (B, H) */
    float *hm3;                 /* (2, 3, B, H) */
    float *dg;                  /* (T, B, 3H) */
    float *dgr;                 /* (T, B, 3H); = dg when reset_after FALSE */
    int grh;                    /* reset_after with pb: dgr holds only its h block (dc), its
                                 * z and r blocks are dg's (not copied: 26 MB less written
                                 * per call at S5; 1-2% faster at S4 and S5, 1 thread) */
    float *dh, *dt;             /* (B, H) each */
    float *big;                 /* (T*B, max(I, H)) */
    float *dxs;                 /* (T, B, I) */
    float *UT;                  /* (3H, H) */
    float *KT;                  /* (3H, I) */
    float *upk;                 /* the packed recurrent kernel: B = 1 slabs (tf_pack_fwd/bwd),
                                 * else the GEMM's packed B (tf_pack_pb) */
    int mv;                     /* B = 1: matrix-vector products on the slabs */
    int pb;                     /* B > 1: products on the GEMM's packed B */
    int64_t np;                 /* pb: H rounded up to the GEMM's strip width */
    int dxdirect;               /* dx written per timestep (or at once) into (B, T, I) */
    int pring;                  /* pstep, and both activations' derivatives need only their
                                 * outputs (tf_dact_y): the backward reads no pre-activation,
                                 * so pre is a ring of two steps (tf_pre) that stays in cache */
    int pstep;                  /* forward, pb: each step's input projections formed in the
                                 * time loop (tf_fwd_proj_step), K packed per gate in KT */
    int kpk;                    /* dxdirect with pb: KT holds K^T in the GEMM's packed layout
                                 * (3H x ki floats), else K^T plain (3H, I) */
    int64_t ki;                 /* kpk: I rounded up to the GEMM's strip width */
    float *dbs;                 /* (2, 3H) bias gradient sums of this call, or NULL; split by
                                 * samples, (ndbs, 2, 3H): one per thread, in hr */
    int ndbs;                   /* sums in dbs: 1, or the threads' when split by samples */
    int rows;                   /* time loop split by samples (rows) instead of units */
    struct SFX(tf_sync) *sync;  /* an overlapped job's counters, or NULL */
    int64_t inl;                /* backward: steps per part whose weight gradients and dx
                                 * the time loop forms as it finishes it (tf_inl_steps),
                                 * or 0 */
    int64_t ncg;                /* B = 1: vectors of units, ceil(H / VW) */
    float *scr;                 /* pb: GEMM scratch, nscr floats per thread (in ut), or NULL */
    int64_t nscr;
} SFX(tf_ctx);

/* Row b of step s in pre: (T, B, 3H), or a ring of two steps (c->pring). */
static inline float *SFX(tf_pre)(const SFX(tf_ctx) *c, int64_t s, int64_t b)
{
    return c->pre + ((c->pring ? (s & 1) : s) * c->B + b) * c->H3;
}

static void SFX(tf_ctx_init)(SFX(tf_ctx) *c, const gru__train_args *a)
{
    const gru_layer *L = a->layer;
    const gru__train_layout *lay = a->lay;
    char *ws = a->ws;
    const gru__train_hdr *hdr = (const gru__train_hdr *)(ws + lay->hdr);
    memset(c, 0, sizeof *c);
    c->a = a;
    c->B = a->B;
    c->T = a->T;
    c->I = L->I;
    c->H = L->H;
    c->H3 = 3 * L->H;
    c->BH = a->B * L->H;
    c->TB = a->T * a->B;
    c->ra = L->cfg.reset_after;
    c->ret_seq = L->cfg.return_sequences;
    c->goback = L->cfg.go_backwards;
    c->hdrop = hdr->hdrop;
    c->pring = hdr->pre_ring; /* set by the forward */
    c->xdrop = hdr->xdrop;
    c->act = L->cfg.activation;
    c->ract = L->cfg.recurrent_activation;
    c->K = L->kernel;
    c->U = L->recurrent_kernel;
    c->bias = L->bias;
    c->b_rec = (L->bias && c->ra) ? (const float *)L->bias + c->H3 : NULL;
    c->mask = hdr->has_mask ? (const uint8_t *)(ws + lay->mask) : NULL;
    c->first = (const int64_t *)(ws + lay->first);
    c->xs = (float *)(ws + lay->x);
    c->mx = (const float *)(ws + lay->mx);
    c->mh = (const float *)(ws + lay->mh);
    c->hs = (float *)(ws + lay->hs);
    c->pre = (float *)(ws + lay->pre);
    c->actv = (float *)(ws + lay->act);
    c->cc = (float *)(ws + lay->c);
    c->hr = (float *)(ws + lay->hr);
    c->hm = (float *)(ws + lay->hm);
    c->hm3 = (float *)(ws + lay->hm3);
    c->dg = (float *)(ws + lay->dg);
    c->dgr = c->ra ? (float *)(ws + lay->dgr) : c->dg;
    c->dh = (float *)(ws + lay->dh);
    c->dt = (float *)(ws + lay->dt);
    c->big = (float *)(ws + lay->big);
    c->dxs = (float *)(ws + lay->dxs);
    c->UT = (float *)(ws + lay->ut);
    c->KT = (float *)(ws + lay->kt);
    c->upk = (float *)(ws + lay->upk);
    c->mv = c->B == 1;
    c->dxdirect = a->dx && c->xdrop != 3 && (c->B >= 8 || (c->B == 1 && !c->goback));
#if defined(TF_GEMM_PB)
    c->pb = !c->mv;
    c->np = (c->H + TF_GEMM_NR - 1) / TF_GEMM_NR * TF_GEMM_NR;
    c->kpk = c->dxdirect;
    c->ki = (c->I + TF_GEMM_NR - 1) / TF_GEMM_NR * TF_GEMM_NR;
#endif
    c->grh = c->ra && c->pb;
    c->dbs = NULL; /* set by the backward */
    c->ncg = (c->H + VW - 1) / VW;
}

/* The GEMM scratch among nth threads (pb only: ut is free then). */
static void SFX(tf_scr_init)(SFX(tf_ctx) *c, int nth)
{
    c->scr = NULL;
    c->nscr = 0;
    if (c->pb) {
        c->scr = c->UT;
        c->nscr = 3 * c->H * c->H / (nth > 1 ? nth : 1) / 16 * 16; /* parts 64-byte aligned */
    }
}

/* Scratch of thread tid (NULL without). */
#define TF_SCR(c, tid) ((c)->scr ? (c)->scr + (int64_t)(tid) * (c)->nscr : NULL)

/* [*lo, *hi) = part tid of nth of [0, n), cut at multiples of align. */
static void SFX(tf_split)(int64_t n, int tid, int nth, int64_t align, int64_t *lo, int64_t *hi)
{
    int64_t blocks = (n + align - 1) / align;
    int64_t b0 = blocks * tid / nth, b1 = blocks * (tid + 1) / nth;
    *lo = b0 * align < n ? b0 * align : n;
    *hi = b1 * align < n ? b1 * align : n;
}

/* C = op(A) · B (+ C) by the GEMM that packs B too when there is scratch (thread slot's
 * part), else by the plain one. */
static void SFX(tf_gemm)(const SFX(tf_ctx) *c, int slot, int trans_a, int64_t M, int64_t N,
                         int64_t K, const float *A, int64_t lda, const float *Bm, int64_t ldb,
                         float *C, int64_t ldc, int accumulate)
{
#if defined(TF_GEMM_BP)
    if (c->scr) {
        TF_GEMM_BP(trans_a, M, N, K, A, lda, Bm, ldb, C, ldc, accumulate, TF_SCR(c, slot),
                   c->nscr);
        return;
    }
#endif
    (void)c;
    (void)slot;
    TF_GEMM(trans_a, M, N, K, A, lda, Bm, ldb, C, ldc, accumulate);
}

/* Part tid of nth of C = op(A) · B (+ C): the larger of M and N is split; slot: the
 * calling thread's scratch. */
static void SFX(tf_gemm_part)(const SFX(tf_ctx) *c, int slot, int tid, int nth, int trans_a,
                              int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
                              const float *Bm, int64_t ldb, float *C, int64_t ldc,
                              int accumulate)
{
    int64_t lo, hi;
    if (nth <= 1) {
        SFX(tf_gemm)(c, slot, trans_a, M, N, K, A, lda, Bm, ldb, C, ldc, accumulate);
    } else if (M >= N) {
        SFX(tf_split)(M, tid, nth, 24, &lo, &hi);
        if (hi > lo)
            SFX(tf_gemm)(c, slot, trans_a, hi - lo, N, K, trans_a ? A + lo : A + lo * lda, lda,
                         Bm, ldb, C + lo * ldc, ldc, accumulate);
    } else {
        SFX(tf_split)(N, tid, nth, 32, &lo, &hi);
        if (hi > lo)
            SFX(tf_gemm)(c, slot, trans_a, M, hi - lo, K, A, lda, Bm + lo, ldb, C + lo, ldc,
                         accumulate);
    }
}

/* dst rows [r0, r1) (n floats each) = src rows * m[row % B]. */
static void SFX(tf_rows_mask)(int64_t r0, int64_t r1, int64_t B, int64_t n, const float *src,
                              const float *m, float *dst)
{
    for (int64_t row = r0; row < r1; row++) {
        const float *sr = src + row * n, *mb = m + (row % B) * n;
        float *dr = dst + row * n;
        int64_t j = 0;
        for (; j + VW <= n; j += VW)
            VSTORE(dr + j, VMUL(VLOAD(sr + j), VLOAD(mb + j)));
        for (; j < n; j++)
            dr[j] = sr[j] * mb[j];
    }
}

/* dst (N x M) rows [i0, i1) of the transpose of src (M x N, row stride lds):
 * dst[j][i] = src[i][j] for j in [j0, j1), in 16 x 16 blocks. */
static void SFX(tf_transpose)(int64_t M, int64_t j0, int64_t j1, const float *src, int64_t lds,
                              float *dst)
{
    enum { TB_ = 16 };
    for (int64_t jb = j0; jb < j1; jb += TB_) {
        const int64_t je = jb + TB_ < j1 ? jb + TB_ : j1;
        for (int64_t ib = 0; ib < M; ib += TB_) {
            const int64_t ie = ib + TB_ < M ? ib + TB_ : M;
            for (int64_t j = jb; j < je; j++)
                for (int64_t i = ib; i < ie; i++)
                    dst[j * M + i] = src[i * lds + j];
        }
    }
}

/* ---- B = 1: matrix-vector products on packed slabs ------------------------------------
 * A slab holds VW columns of a K-row matrix, row after row (K x VW floats, contiguous),
 * zero in the columns past the matrix. The recurrent kernel is packed for the forward as
 * slab (g, c) = U[:, g*H + c*VW ...] (H rows) at upk + (g * ncg + c) * H * VW, and for
 * backward as slab c = U^T[:, c*VW ...] (3H rows: the transposed columns are U's rows)
 * at upk + c * 3H * VW. A thread packs and reads only the slabs of its own units. */

/* y[c*VW + l] = sum_k x[k] * slab_c[k][l] (+ y when acc) for the ng <= 4 slabs c0 .. ,
 * slab c at P + c * ss; lanes past n_last of the last slab are not stored. k is split in
 * two interleaved partial sums (even and odd k), added at the end. */
TF_AI void SFX(tf_mv_tile)(const int ng, int64_t K, const float *x, const float *P, int64_t ss,
                           float *y, int n_last, int acc)
{
    VEC a0[4], a1[4];
    for (int i = 0; i < ng; i++) {
        a0[i] = VZERO();
        a1[i] = VZERO();
    }
    int64_t k = 0;
    for (; k + 2 <= K; k += 2) {
        const VEC x0 = VSET1(x[k]), x1 = VSET1(x[k + 1]);
        for (int i = 0; i < ng; i++) {
            a0[i] = VFMA(x0, VLOAD(P + i * ss + k * VW), a0[i]);
            a1[i] = VFMA(x1, VLOAD(P + i * ss + (k + 1) * VW), a1[i]);
        }
    }
    if (k < K) {
        const VEC x0 = VSET1(x[k]);
        for (int i = 0; i < ng; i++)
            a0[i] = VFMA(x0, VLOAD(P + i * ss + k * VW), a0[i]);
    }
    for (int i = 0; i < ng; i++) {
        const int n = i == ng - 1 ? n_last : VW;
        VEC v = VADD(a0[i], a1[i]);
        if (acc)
            v = VADD(v, TF_LD(y + i * VW));
        TF_ST(y + i * VW, v);
    }
}

/* y[u0 .. u1) (+)= x (K) · the slabs of units [u0, u1) (u0 a multiple of VW); slab
 * u / VW at P + (u / VW) * ss. */
static void SFX(tf_matvec)(int64_t K, const float *x, const float *P, int64_t ss, int64_t u0,
                           int64_t u1, float *y, int acc)
{
    for (int64_t u = u0; u < u1; u += 4 * VW) {
        const int64_t left = u1 - u;
        const int ng = left >= 4 * VW ? 4 : (int)((left + VW - 1) / VW);
        const int n_last = (int)(left - (ng - 1) * VW < VW ? left - (ng - 1) * VW : VW);
        const float *Pu = P + (u / VW) * ss;
        switch (ng) {
        case 4: SFX(tf_mv_tile)(4, K, x, Pu, ss, y + u, n_last, acc); break;
        case 3: SFX(tf_mv_tile)(3, K, x, Pu, ss, y + u, n_last, acc); break;
        case 2: SFX(tf_mv_tile)(2, K, x, Pu, ss, y + u, n_last, acc); break;
        default: SFX(tf_mv_tile)(1, K, x, Pu, ss, y + u, n_last, acc); break;
        }
    }
}

/* The forward slabs of units [u0, u1) of every gate. */
static void SFX(tf_pack_fwd)(const SFX(tf_ctx) *c, int64_t u0, int64_t u1)
{
    const int64_t H = c->H, H3 = c->H3;
    for (int g = 0; g < 3; g++)
        for (int64_t cg = u0 / VW; cg * VW < u1; cg++) {
            float *slab = c->upk + (g * c->ncg + cg) * H * VW;
            for (int64_t k = 0; k < H; k++)
                for (int l = 0; l < VW; l++) {
                    const int64_t u = cg * VW + l;
                    slab[k * VW + l] = u < H ? c->U[k * H3 + g * H + u] : 0.0f;
                }
        }
}

/* The backward slabs of units [u0, u1): slab[k][l] = U[u][k], u = c*VW + l, k < 3H. */
static void SFX(tf_pack_bwd)(const SFX(tf_ctx) *c, int64_t u0, int64_t u1)
{
    const int64_t H = c->H, H3 = c->H3;
    for (int64_t cg = u0 / VW; cg * VW < u1; cg++) {
        float *slab = c->upk + cg * H3 * VW;
        for (int l = 0; l < VW; l++) {
            const int64_t u = cg * VW + l;
            const float *row = c->U + u * H3;
            for (int64_t k = 0; k < H3; k++)
                slab[k * VW + l] = u < H ? row[k] : 0.0f;
        }
    }
}

/* ---- B > 1: products on the GEMM's packed B ----------------------------------------
 * The recurrent kernel packed once per call by the GEMM's own layout (gemm_body.h), one
 * H x H matrix per gate at upk + g * H * np: forward, U[:, g*H ...]; backward, the rows
 * g*H ... of U^T. Units splits are then cut at multiples of the GEMM's strip width. */
static int64_t SFX(tf_unit_align)(const SFX(tf_ctx) *c)
{
#if defined(TF_GEMM_PB)
    if (c->pb)
        return TF_GEMM_NR;
#endif
    (void)c;
    return VW;
}

/* Thread tid's samples [b0, b1) and units [u0, u1) of the time loops: all units of a
 * share of the samples (c->rows), or a share of the units of every sample. */
static void SFX(tf_range)(const SFX(tf_ctx) *c, int tid, int nth, int64_t *b0, int64_t *b1,
                          int64_t *u0, int64_t *u1)
{
    *b0 = 0;
    *b1 = c->B;
    *u0 = 0;
    *u1 = c->H;
    if (c->rows)
        SFX(tf_split)(c->B, tid, nth, 1, b0, b1);
    else
        SFX(tf_split)(c->H, tid, nth, SFX(tf_unit_align)(c), u0, u1);
}

/* Pack the gates g = tid, tid + nth, ... for the forward (bwd 0) or the backward (bwd 1). */
static void SFX(tf_pack_pb)(const SFX(tf_ctx) *c, int bwd, int tid, int nth)
{
#if defined(TF_GEMM_PB)
    const int64_t H = c->H, H3 = c->H3;
    for (int g = tid; g < 3; g += nth)
        TF_GEMM_PACKB(bwd, H, H, bwd ? c->U + g * H : c->U + g * H, H3, c->upk + g * H * c->np);
#else
    (void)c; (void)bwd; (void)tid; (void)nth;
#endif
}

/* C[:, u0:u1] (+)= A (M x H, row stride lda) · the units [u0, u1) of gate g's packed matrix;
 * C points at column 0 of the gate's block. */
static void SFX(tf_pb)(const SFX(tf_ctx) *c, int slot, int64_t M, const float *A, int64_t lda,
                       int g, int64_t u0, int64_t u1, float *C, int64_t ldc, int acc)
{
#if defined(TF_GEMM_PB)
    gru__gemm_seg sg = {c->upk + g * c->H * c->np, c->np, u0, u1 - u0, C + u0, ldc};
    TF_GEMM_PB(M, c->H, A, lda, 1, &sg, acc, TF_SCR(c, slot), c->nscr);
#else
    (void)c; (void)slot; (void)M; (void)A; (void)lda; (void)g; (void)u0; (void)u1; (void)C;
    (void)ldc; (void)acc;
#endif
}

/* hr[:, g*H + u0 .. g*H + u1) = h · the units [u0, u1) of gates 0 .. ng-1, h packed once. */
static void SFX(tf_pb_gates)(const SFX(tf_ctx) *c, int slot, int64_t M, const float *h, int ng,
                             int64_t u0, int64_t u1, float *hr)
{
#if defined(TF_GEMM_PB)
    gru__gemm_seg sg[3];
    for (int g = 0; g < ng; g++) {
        gru__gemm_seg one = {c->upk + g * c->H * c->np, c->np, u0, u1 - u0,
                             hr + g * c->H + u0, c->H3};
        sg[g] = one;
    }
    TF_GEMM_PB(M, c->H, h, c->H, ng, sg, 0, TF_SCR(c, slot), c->nscr);
#else
    (void)c; (void)slot; (void)M; (void)h; (void)ng; (void)u0; (void)u1; (void)hr;
#endif
}

static void SFX(tf_pause)(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause();
#endif
}

/* Wait until the counter reaches n (acquire: what was written before it was published is
 * visible). */
static void SFX(tf_wait)(atomic_int_fast64_t *v, int64_t n)
{
    while (atomic_load_explicit(v, memory_order_acquire) < n)
        SFX(tf_pause)();
}

/* Steps per part of an overlapped job: about 48 rows. */
static int64_t SFX(tf_part_steps)(const SFX(tf_ctx) *c)
{
    const int64_t p = (48 + c->B - 1) / c->B;
    return p < c->T ? p : c->T;
}

/* ---- forward ------------------------------------------------------------------------ */

/* x in processing order and the input projections of every timestep (without bias: the
 * gate math adds it, in the reference's order), split between the threads. */
/* Rows [r0, r1) of xs (x in processing order) and of pre = (xs * mx_g) · W_g. */
/* Row s * B + b of xs (T, B, I) = the input that step s of sample b reads. */
static inline void SFX(tf_xs_row)(const SFX(tf_ctx) *c, int64_t s, int64_t b)
{
    const int64_t T = c->T, I = c->I, t = c->goback ? T - 1 - s : s;
    const float *x = c->a->x; /* (B, T, I) */
    memcpy(c->xs + (s * c->B + b) * I, x + (b * T + t) * I, (size_t)I * sizeof(float));
}

static void SFX(tf_fwd_proj_rows)(const SFX(tf_ctx) *c, int slot, int64_t r0, int64_t r1)
{
    const int64_t B = c->B, I = c->I, H = c->H, H3 = c->H3;
    for (int64_t row = r0; row < r1; row++)
        SFX(tf_xs_row)(c, row / B, row % B);
    if (r1 <= r0)
        return;
    if (c->xdrop == 0) {
        SFX(tf_gemm)(c, slot, 0, r1 - r0, H3, I, c->xs + r0 * I, I, c->K, H3, c->pre + r0 * H3,
                     H3, 0);
    } else if (c->xdrop == 1) {
        SFX(tf_rows_mask)(r0, r1, B, I, c->xs, c->mx, c->big);
        SFX(tf_gemm)(c, slot, 0, r1 - r0, H3, I, c->big + r0 * I, I, c->K, H3,
                     c->pre + r0 * H3, H3, 0);
    } else {
        for (int g = 0; g < 3; g++) {
            SFX(tf_rows_mask)(r0, r1, B, I, c->xs, c->mx + g * B * I, c->big);
            SFX(tf_gemm)(c, slot, 0, r1 - r0, H, I, c->big + r0 * I, I, c->K + g * H, H3,
                         c->pre + r0 * H3 + g * H, H3, 0);
        }
    }
}

/* The input projections of every timestep (without bias: the gate math adds it, in the
 * reference's order) and the packed recurrent kernel, split between the threads. */
static void SFX(tf_fwd_proj)(void *ctx, int tid, int nth)
{
    SFX(tf_ctx) *c = ctx;
    int64_t r0, r1;
    SFX(tf_split)(c->TB, tid, nth, 24, &r0, &r1);
    if (c->pb)
        SFX(tf_pack_pb)(c, 0, tid, nth);
#if defined(TF_GEMM_PB)
    if (c->pstep) { /* K packed per gate, the projections formed step by step */
        for (int g = tid; g < 3; g += nth)
            TF_GEMM_PACKB(0, c->I, c->H, c->K + g * c->H, c->H3, c->KT + g * c->I * c->np);
        return;
    }
#endif
    SFX(tf_fwd_proj_rows)(c, tid, r0, r1);
}

/* Whether the forward forms each step's input projections in the time loop (c->pstep):
 * with the packed recurrent kernel, no input dropout, K packed per gate fitting in KT, I
 * of 128 or more, H of 256 or more, and K and U together within 12 MiB. Each step's rows
 * of pre are then formed just before the gate math reads them (from cache instead of
 * memory), by the products on a packed B of the recurrent ones, instead of one product
 * over all T*B rows (which packs K's columns in chunks, and A once per chunk): at S4
 * (6 MiB) the forward measured 1-2% faster; at S5 (24 MiB, both read every step) 1-3%
 * slower. At S3 (I = 128, 1.1 MiB; 2026-11-28, AVX-512 Xeon, one thread) the forward
 * measured 5% faster, training 0-4%. */
static int SFX(tf_pstep_ok)(const SFX(tf_ctx) *c)
{
    return c->pb && c->xdrop == 0 && c->I >= 128 && c->H >= 256 &&
           (c->I + c->H) * c->H3 <= ((int64_t)3 << 20) &&
           c->I * c->np <= c->H * (int64_t)GRU__TRAIN_RUP(c->I);
}

/* pstep, step s: rows [b0, b1), units [u0, u1) of every gate of the input projections
 * pre = x · K (without bias; x read in place, rows T*I apart) on K packed per gate, and
 * the rows [x0, x1) of x into xs (for dK). slot: the calling thread's scratch. */
static void SFX(tf_fwd_proj_step)(const SFX(tf_ctx) *c, int slot, int64_t s, int64_t b0,
                                  int64_t b1, int64_t u0, int64_t u1, int64_t x0, int64_t x1)
{
#if defined(TF_GEMM_PB)
    const int64_t T = c->T, I = c->I, H = c->H, H3 = c->H3;
    const int64_t t = c->goback ? T - 1 - s : s;
    const float *x = c->a->x; /* (B, T, I) */
    gru__gemm_seg sg[3];
    for (int g = 0; g < 3; g++) {
        gru__gemm_seg one = {c->KT + g * I * c->np, c->np, u0, u1 - u0,
                             SFX(tf_pre)(c, s, b0) + g * H + u0, H3};
        sg[g] = one;
    }
    if (b1 > b0 && u1 > u0)
        TF_GEMM_PB(b1 - b0, I, x + (b0 * T + t) * I, T * I, 3, sg, 0, TF_SCR(c, slot),
                   c->nscr);
    for (int64_t b = x0; b < x1; b++)
        SFX(tf_xs_row)(c, s, b);
#else
    (void)c; (void)slot; (void)s; (void)b0; (void)b1; (void)u0; (void)u1; (void)x0; (void)x1;
#endif
}

/* Forward parts: claim the next part of the projections (only part `want` when want >= 0)
 * and form it; 0 when nothing was claimed. */
static int SFX(tf_fwd_part)(const SFX(tf_ctx) *c, int slot, int64_t want)
{
    struct SFX(tf_sync) *y = c->sync;
    const int64_t P = SFX(tf_part_steps)(c), n = (c->T + P - 1) / P;
    int_fast64_t j = want;
    if (want >= 0) {
        if (want >= n || !atomic_compare_exchange_strong(&y->next, &j, want + 1))
            return 0;
    } else {
        j = atomic_fetch_add_explicit(&y->next, 1, memory_order_relaxed);
        if (j >= n)
            return 0;
    }
    const int64_t sb = (j + 1) * P < c->T ? (j + 1) * P : c->T;
    SFX(tf_fwd_proj_rows)(c, slot, j * P * c->B, sb * c->B);
    SFX(tf_wait)(&y->done, j); /* published in order */
    atomic_store_explicit(&y->done, j + 1, memory_order_release);
    return 1;
}

/* Before step s of the one-thread loop: its projections, formed by the helper, or here
 * when the helper has not claimed them yet. */
static void SFX(tf_fwd_need)(const SFX(tf_ctx) *c, int64_t s)
{
    const int64_t k = s / SFX(tf_part_steps)(c);
    while (atomic_load_explicit(&c->sync->done, memory_order_acquire) <= k)
        if (!SFX(tf_fwd_part)(c, 0, k)) /* the loop runs as thread 0 */
            SFX(tf_pause)();
}

/* Gate math of reset_after TRUE for row b, units [u0, u1) of step s. */
TF_AI void SFX(tf_fwd_gates_ra)(const SFX(tf_ctx) *c, gru_activation act,
                                gru_activation ract, int64_t s, int64_t b, int64_t u0,
                                int64_t u1)
{
    const int64_t H = c->H, H3 = c->H3, BH = c->BH, T = c->T;
    const int64_t t = c->goback ? T - 1 - s : s;
    const float *hb = c->hs + s * BH + b * H;
    float *hnb = c->hs + (s + 1) * BH + b * H;
    float *Pb = SFX(tf_pre)(c, s, b), *Ab = c->actv + (s * c->B + b) * H3;
    float *Cb = c->cc + s * BH + b * H;
    const float *hrb = c->hr + b * H3;
    const float *bi = c->bias, *br = c->b_rec;
    const int kept = !c->mask || c->mask[b * T + t];
    for (int64_t j = u0; j < u1; j += VW) {
        const int n = (int)(u1 - j < VW ? u1 - j : VW);
        TF_PFW(Ab + j);
        TF_PFW(Ab + H + j);
        TF_PFW(Ab + 2 * H + j);
        TF_PFW(Cb + j);
        TF_PFW(hnb + j);
        VEC rz = TF_LD(hrb + j), rr = TF_LD(hrb + H + j), rhh = TF_LD(hrb + 2 * H + j);
        VEC pz = TF_LD(Pb + j), pr = TF_LD(Pb + H + j), ph = TF_LD(Pb + 2 * H + j);
        if (bi) {
            pz = VADD(pz, TF_LD(bi + j));
            pr = VADD(pr, TF_LD(bi + H + j));
            ph = VADD(ph, TF_LD(bi + 2 * H + j));
        }
        if (br) {
            rz = VADD(rz, TF_LD(br + j));
            rr = VADD(rr, TF_LD(br + H + j));
            rhh = VADD(rhh, TF_LD(br + 2 * H + j));
        }
        VEC az = VADD(pz, rz), ar = VADD(pr, rr);
        VEC z = SFX(vact)(ract, az), r = SFX(vact)(ract, ar);
        VEC ah = VADD(ph, VMUL(r, rhh));
        VEC hh = SFX(vact)(act, ah);
        TF_ST(Pb + j, az);
        TF_ST(Pb + H + j, ar);
        TF_ST(Pb + 2 * H + j, ah);
        TF_ST(Ab + j, z);
        TF_ST(Ab + H + j, r);
        TF_ST(Ab + 2 * H + j, hh);
        TF_ST(Cb + j, rhh);
        VEC h = TF_LD(hb + j);
        TF_ST(hnb + j, kept ? SFX(hmix)(z, h, hh) : h);
    }
}

/* reset_after FALSE, first half: z, r and q = r * (h * mh_h) for row b, units [u0, u1). */
TF_AI void SFX(tf_fwd_gates_zr)(const SFX(tf_ctx) *c, gru_activation ract, int64_t s,
                                int64_t b, int64_t u0, int64_t u1)
{
    const int64_t H = c->H, H3 = c->H3, BH = c->BH;
    const float *hb = c->hs + s * BH + b * H;
    float *Pb = SFX(tf_pre)(c, s, b), *Ab = c->actv + (s * c->B + b) * H3;
    float *Cb = c->cc + s * BH + b * H;
    const float *hrb = c->hr + b * H3;
    const float *bi = c->bias;
    const float *mhh = c->hdrop ? c->mh + 2 * BH + b * H : NULL;
    for (int64_t j = u0; j < u1; j += VW) {
        const int n = (int)(u1 - j < VW ? u1 - j : VW);
        TF_PFW(Ab + j);
        TF_PFW(Ab + H + j);
        TF_PFW(Cb + j);
        VEC pz = TF_LD(Pb + j), pr = TF_LD(Pb + H + j);
        if (bi) {
            pz = VADD(pz, TF_LD(bi + j));
            pr = VADD(pr, TF_LD(bi + H + j));
        }
        VEC az = VADD(pz, TF_LD(hrb + j)), ar = VADD(pr, TF_LD(hrb + H + j));
        VEC z = SFX(vact)(ract, az), r = SFX(vact)(ract, ar);
        TF_ST(Pb + j, az);
        TF_ST(Pb + H + j, ar);
        TF_ST(Ab + j, z);
        TF_ST(Ab + H + j, r);
        VEC h = TF_LD(hb + j);
        if (mhh)
            h = VMUL(h, TF_LD(mhh + j));
        TF_ST(Cb + j, VMUL(r, h));
    }
}

/* reset_after FALSE, second half: hh and the new state for row b, units [u0, u1). */
TF_AI void SFX(tf_fwd_gates_h)(const SFX(tf_ctx) *c, gru_activation act, int64_t s, int64_t b,
                               int64_t u0, int64_t u1)
{
    const int64_t H = c->H, H3 = c->H3, BH = c->BH, T = c->T;
    const int64_t t = c->goback ? T - 1 - s : s;
    const float *hb = c->hs + s * BH + b * H;
    float *hnb = c->hs + (s + 1) * BH + b * H;
    float *Pb = SFX(tf_pre)(c, s, b), *Ab = c->actv + (s * c->B + b) * H3;
    const float *hrb = c->hr + b * H3;
    const float *bi = c->bias;
    const int kept = !c->mask || c->mask[b * T + t];
    for (int64_t j = u0; j < u1; j += VW) {
        const int n = (int)(u1 - j < VW ? u1 - j : VW);
        TF_PFW(Ab + 2 * H + j);
        TF_PFW(hnb + j);
        VEC ph = TF_LD(Pb + 2 * H + j);
        if (bi)
            ph = VADD(ph, TF_LD(bi + 2 * H + j));
        VEC ah = VADD(ph, TF_LD(hrb + 2 * H + j));
        VEC hh = SFX(vact)(act, ah);
        TF_ST(Pb + 2 * H + j, ah);
        TF_ST(Ab + 2 * H + j, hh);
        VEC z = TF_LD(Ab + j), h = TF_LD(hb + j);
        TF_ST(hnb + j, kept ? SFX(hmix)(z, h, hh) : h);
    }
}

/* After the new state of step s (units [u0, u1)): the output of step s and, with recurrent
 * dropout, the masked copies of the new state for step s + 1. */
static void SFX(tf_fwd_after)(const SFX(tf_ctx) *c, int64_t s, int64_t b0, int64_t b1,
                              int64_t u0, int64_t u1)
{
    const int64_t H = c->H, BH = c->BH, T = c->T;
    const float *hn = c->hs + (s + 1) * BH;
    float *y = c->a->y;
    if (c->ret_seq || s == T - 1) {
        for (int64_t b = b0; b < b1; b++) {
            float *yb = (c->ret_seq ? y + (b * T + s) * H : y + b * H) + u0;
            if (c->first[b] <= s)
                memcpy(yb, hn + b * H + u0, (size_t)(u1 - u0) * sizeof(float));
            else
                memset(yb, 0, (size_t)(u1 - u0) * sizeof(float));
        }
    }
    if (c->hdrop && s + 1 < T) {
        float *dst = c->hm3 + ((s + 1) & 1) * 3 * BH;
        for (int g = 0; g < 3; g++)
            for (int64_t b = b0; b < b1; b++)
                for (int64_t j = u0; j < u1; j++)
                    dst[g * BH + b * H + j] = hn[b * H + j] * c->mh[g * BH + b * H + j];
    }
}

/* The time loop on nth threads, the activation pair fixed by the caller. Thread tid owns
 * samples [b0, b1) and units [u0, u1): all units of a share of the samples (c->rows: no
 * barrier, each sample's recurrence is independent), or a share of the units of every
 * sample (one barrier per step, two for reset_after FALSE). */
TF_AI void SFX(tf_fwd_loop)(SFX(tf_ctx) *c, int tid, int nth, gru_activation act,
                            gru_activation ract)
{
    const int64_t B = c->B, T = c->T, H = c->H, H3 = c->H3, BH = c->BH;
    int64_t u0, u1, b0, b1;
    SFX(tf_range)(c, tid, nth, &b0, &b1, &u0, &u1);
    gru__pool *pool = c->rows ? NULL : c->pool;
    const int64_t nu = u1 - u0, nb = b1 - b0;
    const int work = nu > 0 && nb > 0;
    const float *U = c->U;
    float *hr = c->hr + b0 * H3; /* rows [b0, b1) of (B, 3H) */
    const int mv = c->mv;       /* B = 1: products on the packed slabs */
    const int64_t fss = H * VW; /* forward slab stride */
    if (mv && work)
        SFX(tf_pack_fwd)(c, u0, u1);
    int64_t x0 = b0, x1 = b1; /* pstep: rows of x this thread copies into xs */
    if (!c->rows)
        SFX(tf_split)(B, tid, nth, 1, &x0, &x1);
    if (c->hdrop && work) { /* masked copies of h_0 */
        const float *h0 = c->hs;
        for (int g = 0; g < 3; g++)
            for (int64_t b = b0; b < b1; b++)
                for (int64_t j = u0; j < u1; j++)
                    c->hm3[g * BH + b * H + j] = h0[b * H + j] * c->mh[g * BH + b * H + j];
    }
    gru__pool_barrier(pool, tid);
    for (int64_t s = 0; s < T; s++) {
        const float *h = c->hs + s * BH + b0 * H;            /* rows [b0, b1) */
        if (c->sync) /* projections formed alongside (tf_fwd_overlap) */
            SFX(tf_fwd_need)(c, s);
        const float *hm = c->hm3 + (s & 1) * 3 * BH + b0 * H; /* (3, B, H), rows [b0, b1) */
        const int ng = c->ra ? 3 : 2; /* gates whose product reads h */
        if (c->pstep)
            SFX(tf_fwd_proj_step)(c, tid, s, b0, b1, u0, u1, x0, x1);
        if (work) {
            if (mv)
                for (int g = 0; g < ng; g++)
                    SFX(tf_matvec)(H, c->hdrop ? hm + g * BH : h, c->upk + g * c->ncg * fss,
                                   fss, u0, u1, hr + g * H, 0);
            else if (c->pb && !c->hdrop)
                SFX(tf_pb_gates)(c, tid, nb, h, ng, u0, u1, hr);
            else if (c->pb)
                for (int g = 0; g < ng; g++)
                    SFX(tf_pb)(c, tid, nb, hm + g * BH, H, g, u0, u1, hr + g * H, H3, 0);
            else if (!c->hdrop && nu == H)
                TF_GEMM(0, nb, ng * H, H, h, H, U, H3, hr, H3, 0);
            else
                for (int g = 0; g < ng; g++)
                    TF_GEMM(0, nb, nu, H, c->hdrop ? hm + g * BH : h, H, U + g * H + u0, H3,
                            hr + g * H + u0, H3, 0);
            for (int64_t b = b0; b < b1; b++) {
                if (c->ra)
                    SFX(tf_fwd_gates_ra)(c, act, ract, s, b, u0, u1);
                else
                    SFX(tf_fwd_gates_zr)(c, ract, s, b, u0, u1);
            }
        }
        if (!c->ra) {
            gru__pool_barrier(pool, tid);
            if (work) {
                if (mv)
                    SFX(tf_matvec)(H, c->cc + s * BH, c->upk + 2 * c->ncg * fss, fss, u0, u1,
                                   hr + 2 * H, 0);
                else if (c->pb)
                    SFX(tf_pb)(c, tid, nb, c->cc + s * BH + b0 * H, H, 2, u0, u1, hr + 2 * H, H3,
                               0);
                else
                    TF_GEMM(0, nb, nu, H, c->cc + s * BH + b0 * H, H, U + 2 * H + u0, H3,
                            hr + 2 * H + u0, H3, 0);
                for (int64_t b = b0; b < b1; b++)
                    SFX(tf_fwd_gates_h)(c, act, s, b, u0, u1);
            }
        }
        if (work)
            SFX(tf_fwd_after)(c, s, b0, b1, u0, u1);
        gru__pool_barrier(pool, tid);
    }
}

/* loop(c, tid, nth, act, ract) with the default pairs passed as constants, so that their
 * loops are compiled with the activations known; any other pair at run time. */
#define TF_ACT_DISPATCH(loop, c, tid, nth)                                                   \
    do {                                                                                    \
        if ((c)->act == GRU_ACT_TANH && (c)->ract == GRU_ACT_SIGMOID)                       \
            loop(c, tid, nth, GRU_ACT_TANH, GRU_ACT_SIGMOID);                               \
        else if ((c)->act == GRU_ACT_TANH && (c)->ract == GRU_ACT_HARD_SIGMOID) /* Keras 2 */ \
            loop(c, tid, nth, GRU_ACT_TANH, GRU_ACT_HARD_SIGMOID);                          \
        else                                                                                \
            loop(c, tid, nth, (c)->act, (c)->ract);                                         \
    } while (0)

static void SFX(tf_fwd_loop_any)(void *ctx, int tid, int nth)
{
    SFX(tf_ctx) *c = ctx;
    TF_ACT_DISPATCH(SFX(tf_fwd_loop), c, tid, nth);
}

/* The time loop on one thread (tid 0) while another (tid 1) forms the input projections
 * ahead of it, part by part; the loop forms a part itself when it finds it unclaimed, so
 * that a late helper costs nothing. Other threads stay idle. */
static void SFX(tf_fwd_overlap)(void *ctx, int tid, int nth)
{
    SFX(tf_ctx) *c = ctx;
    (void)nth;
    if (tid == 0) {
        if (c->pb)
            SFX(tf_pack_pb)(c, 0, 0, 1);
        SFX(tf_fwd_loop_any)(c, 0, 1);
    } else if (tid == 1) {
        while (SFX(tf_fwd_part)(c, 1, -1))
            ;
    }
}

void SFX(gru__tf_forward)(const gru__train_args *a, const gru__tf_run *run)
{
    SFX(tf_ctx) c;
    SFX(tf_ctx_init)(&c, a);
    gru__pool *pool = run->nth > 1 ? run->pool : NULL;
    c.rows = run->rows && run->nr > 1 && pool;
    SFX(tf_scr_init)(&c, pool ? run->nth : 1);
    if (a->h0)
        memcpy(c.hs, a->h0, (size_t)c.BH * sizeof(float));
    else
        memset(c.hs, 0, (size_t)c.BH * sizeof(float));
    /* the forward leaves dg (T*B x 3H floats) alone: it is the GEMMs' scratch when larger
     * than their part of ut (the input projection over all T*B rows then packs A once
     * instead of once per chunk of K's columns: at S5 on 2 threads, the forward measured
     * 1% faster; the same on 1) */
    const int64_t ndg = c.TB * c.H3 / (pool ? run->nth : 1) / 16 * 16;
    if (c.scr && ndg > c.nscr) {
        c.scr = c.dg;
        c.nscr = ndg;
    }
    const int overlap = run->nr <= 1 && pool && c.T >= 2 * SFX(tf_part_steps)(&c);
    c.pstep = !overlap && SFX(tf_pstep_ok)(&c);
    c.pring = c.pstep && SFX(tf_dact_y)(c.act) && SFX(tf_dact_y)(c.ract);
    ((gru__train_hdr *)(a->ws + a->lay->hdr))->pre_ring = c.pring;
    if (overlap) {
        /* the loop on one thread, the projections of the next steps on another */
        struct SFX(tf_sync) y;
        atomic_init(&y.loop, 0);
        atomic_init(&y.next, 0);
        atomic_init(&y.done, 0);
        c.sync = &y;
        gru__pool_run(pool, SFX(tf_fwd_overlap), &c);
    } else {
        gru__pool_run(pool, SFX(tf_fwd_proj), &c);
        if (run->nr > 1 && pool) {
            c.pool = pool;
            gru__pool_run(pool, SFX(tf_fwd_loop_any), &c);
        } else {
            c.pool = NULL;
            SFX(tf_fwd_loop_any)(&c, 0, 1);
        }
    }
    if (a->h_final)
        memcpy(a->h_final, c.hs + c.T * c.BH, (size_t)c.BH * sizeof(float));
}

/* ---- backward ----------------------------------------------------------------------- */

/* U^T and W^T (so that dh = dA·U^T and dx = dA·W^T stream rows) and the gradient on the
 * final state, split between the threads. */
static void SFX(tf_bwd_prep)(void *ctx, int tid, int nth)
{
    SFX(tf_ctx) *c = ctx;
    const int64_t B = c->B, T = c->T, H = c->H, H3 = c->H3;
    int64_t j0, j1;
    SFX(tf_split)(H3, tid, nth, 16, &j0, &j1);
    if (c->pb)
        SFX(tf_pack_pb)(c, 1, tid, nth);
    else if (!c->mv)
        SFX(tf_transpose)(H, j0, j1, c->U, H3, c->UT);
    if (c->kpk) {
#if defined(TF_GEMM_PB)
        if (tid == nth - 1)
            TF_GEMM_PACKB(1, H3, c->I, c->K, H3, c->KT);
#endif
    } else if (c->a->dx) {
        SFX(tf_transpose)(c->I, j0, j1, c->K, H3, c->KT);
    }
    if (tid == 0) {
        const float *dy = c->a->dy;
        if (c->a->dy_state)
            memcpy(c->dh, c->a->dy_state, (size_t)c->BH * sizeof(float));
        else
            memset(c->dh, 0, (size_t)c->BH * sizeof(float));
        if (dy && !c->ret_seq)
            for (int64_t b = 0; b < B; b++)
                if (c->first[b] < T)
                    for (int64_t j = 0; j < H; j++)
                        c->dh[b * H + j] += dy[b * H + j];
    }
}

/* Gate gradients of row b, units [u0, u1) of step s: dt = g*z (g for a masked step), and
 * dA_z, dA_h (and dA_r, dc when reset_after TRUE), from g = dh (+ dy of this output); their
 * sums added to dbs (2, 3H) when not NULL. */
TF_AI void SFX(tf_bwd_gates)(const SFX(tf_ctx) *c, gru_activation act, gru_activation ract,
                             int64_t s, int64_t b, int64_t u0, int64_t u1, const float *dh,
                             float *dt, float *dbs)
{
    const int64_t H = c->H, H3 = c->H3, BH = c->BH, T = c->T;
    const int64_t t = c->goback ? T - 1 - s : s;
    const int64_t row = s * c->B + b;
    const float *Pb = SFX(tf_pre)(c, s, b), *Ab = c->actv + row * H3;
    const float *Cb = c->cc + s * BH + b * H;
    const float *hb = c->hs + s * BH + b * H;
    const float *dyb = (c->a->dy && c->ret_seq && c->first[b] <= s)
                           ? (const float *)c->a->dy + (b * T + s) * H
                           : NULL;
    const float *gb = dh + b * H;
    float *Gb = c->dg + row * H3, *GRb = c->dgr + row * H3, *dtb = dt + b * H;
    const VEC one = VSET1(1.0f);
    if (c->mask && !c->mask[b * T + t]) {
        for (int64_t j = u0; j < u1; j += VW) {
            const int n = (int)(u1 - j < VW ? u1 - j : VW);
            VEC g = TF_LD(gb + j);
            if (dyb)
                g = VADD(g, TF_LD(dyb + j));
            TF_ST(dtb + j, g);
            for (int k = 0; k < 3; k++) {
                TF_ST(Gb + k * H + j, VZERO());
                if (c->ra && (k == 2 || !c->grh))
                    TF_ST(GRb + k * H + j, VZERO());
            }
        }
        return;
    }
    for (int64_t j = u0; j < u1; j += VW) {
        const int n = (int)(u1 - j < VW ? u1 - j : VW);
        TF_PFW(Gb + j);
        TF_PFW(Gb + 2 * H + j);
        if (c->ra) {
            TF_PFW(Gb + H + j);
            TF_PFW(GRb + 2 * H + j);
            if (!c->grh) {
                TF_PFW(GRb + j);
                TF_PFW(GRb + H + j);
            }
        }
        VEC g = TF_LD(gb + j);
        if (dyb)
            g = VADD(g, TF_LD(dyb + j));
        VEC z = TF_LD(Ab + j), hh = TF_LD(Ab + 2 * H + j);
        VEC dz = VMUL(g, VSUB(TF_LD(hb + j), hh));
        VEC dah = VMUL(VMUL(g, VSUB(one, z)), SFX(tf_vdact)(act, TF_LD(Pb + 2 * H + j), hh));
        TF_ST(dtb + j, VMUL(g, z));
        VEC gz = VMUL(dz, SFX(tf_vdact)(ract, TF_LD(Pb + j), z));
        TF_ST(Gb + j, gz);
        TF_ST(Gb + 2 * H + j, dah);
        if (dbs) {
            TF_ST(dbs + j, VADD(TF_LD(dbs + j), gz));
            TF_ST(dbs + 2 * H + j, VADD(TF_LD(dbs + 2 * H + j), dah));
        }
        if (c->ra) {
            VEC r = TF_LD(Ab + H + j);
            VEC dr = VMUL(dah, TF_LD(Cb + j));
            VEC gr = VMUL(dr, SFX(tf_vdact)(ract, TF_LD(Pb + H + j), r));
            VEC dc = VMUL(dah, r);
            TF_ST(Gb + H + j, gr);
            if (!c->grh) {
                TF_ST(GRb + j, gz);
                TF_ST(GRb + H + j, gr);
            }
            TF_ST(GRb + 2 * H + j, dc);
            if (dbs) {
                float *d1 = dbs + 3 * H;
                TF_ST(dbs + H + j, VADD(TF_LD(dbs + H + j), gr));
                TF_ST(d1 + j, VADD(TF_LD(d1 + j), gz));
                TF_ST(d1 + H + j, VADD(TF_LD(d1 + H + j), gr));
                TF_ST(d1 + 2 * H + j, VADD(TF_LD(d1 + 2 * H + j), dc));
            }
        }
    }
}

/* reset_after FALSE: from dq = dA_h·U_h^T (units [u0, u1) of row b): dA_r and dt += dq*r*mh_h. */
TF_AI void SFX(tf_bwd_gates_r)(const SFX(tf_ctx) *c, gru_activation ract, int64_t s, int64_t b,
                               int64_t u0, int64_t u1, float *dt, float *dbs)
{
    const int64_t H = c->H, H3 = c->H3, BH = c->BH, T = c->T;
    const int64_t t = c->goback ? T - 1 - s : s;
    if (c->mask && !c->mask[b * T + t])
        return;
    const int64_t row = s * c->B + b;
    const float *Pb = SFX(tf_pre)(c, s, b), *Ab = c->actv + row * H3;
    const float *hb = c->hs + s * BH + b * H, *dqb = c->hm + b * H;
    const float *mhh = c->hdrop ? c->mh + 2 * BH + b * H : NULL;
    float *Gb = c->dg + row * H3, *dtb = dt + b * H;
    for (int64_t j = u0; j < u1; j += VW) {
        const int n = (int)(u1 - j < VW ? u1 - j : VW);
        TF_PFW(Gb + H + j);
        VEC r = TF_LD(Ab + H + j), dq = TF_LD(dqb + j);
        VEC m = mhh ? TF_LD(mhh + j) : VSET1(1.0f);
        VEC dr = VMUL(VMUL(dq, TF_LD(hb + j)), m);
        VEC gr = VMUL(dr, SFX(tf_vdact)(ract, TF_LD(Pb + H + j), r));
        TF_ST(Gb + H + j, gr);
        if (dbs)
            TF_ST(dbs + H + j, VADD(TF_LD(dbs + H + j), gr));
        TF_ST(dtb + j, VADD(TF_LD(dtb + j), VMUL(VMUL(dq, r), m)));
    }
}

/* Rows [b0, b1), units [u0, u1) of dt += sum over the first ng gates of
 * (GR_g · U_g^T) * mh_g; GR (B, 3H) of this step, its z and r blocks those of G (B, 3H)
 * when c->grh. */
static void SFX(tf_bwd_dh)(const SFX(tf_ctx) *c, int tid, int ng, const float *G,
                           const float *GR, int64_t b0, int64_t b1, int64_t u0, int64_t u1,
                           float *dt)
{
    const int64_t H = c->H, H3 = c->H3, BH = c->BH, nu = u1 - u0, nb = b1 - b0;
    const int64_t bss = H3 * VW; /* backward slab stride */
    const float *GRb = GR + b0 * H3;
#define TF_GRG(g) ((c->grh && (g) < 2 ? G : GR) + b0 * H3 + (g) * H) /* gate g's rows */
    if (!c->hdrop) {
        if (c->mv)
            SFX(tf_matvec)(ng * H, GR, c->upk, bss, u0, u1, dt, 1);
        else if (c->pb)
            for (int g = 0; g < ng; g++)
                SFX(tf_pb)(c, tid, nb, TF_GRG(g), H3, g, u0, u1, dt + b0 * H, H, 1);
        else
            TF_GEMM(0, nb, nu, ng * H, GRb, H3, c->UT + u0, H, dt + b0 * H + u0, H, 1);
        return;
    }
    for (int g = 0; g < ng; g++) {
        if (c->mv)
            SFX(tf_matvec)(H, GR + g * H, c->upk + g * H * VW, bss, u0, u1, c->hm, 0);
        else if (c->pb)
            SFX(tf_pb)(c, tid, nb, TF_GRG(g), H3, g, u0, u1, c->hm + b0 * H, H, 0);
        else
            TF_GEMM(0, nb, nu, H, GRb + g * H, H3, c->UT + g * H * H + u0, H,
                    c->hm + b0 * H + u0, H, 0);
        const float *m = c->mh + g * BH;
        for (int64_t b = b0; b < b1; b++)
            for (int64_t j = u0; j < u1; j++)
                dt[b * H + j] += c->hm[b * H + j] * m[b * H + j];
    }
#undef TF_GRG
}

static void SFX(tf_bwd_weights_steps)(const SFX(tf_ctx) *c, gru__pool *pool, int tid, int nth,
                                      int slot, int64_t sa, int64_t sb, int first);

TF_AI void SFX(tf_bwd_loop)(SFX(tf_ctx) *c, int tid, int nth, gru_activation act,
                            gru_activation ract)
{
    const int64_t B = c->B, T = c->T, H = c->H, H3 = c->H3;
    int64_t u0, u1, b0, b1;
    SFX(tf_range)(c, tid, nth, &b0, &b1, &u0, &u1);
    gru__pool *pool = c->rows ? NULL : c->pool;
    const int64_t nu = u1 - u0, nb = b1 - b0;
    const int work = nu > 0 && nb > 0;
    float *dh = c->dh, *dt = c->dt;
    if (c->mv && work)
        SFX(tf_pack_bwd)(c, u0, u1);
    /* the bias gradient sums: units split, a thread owns its columns; split by samples,
     * each thread its own sums */
    float *dbt = c->dbs && c->ndbs > 1 ? c->dbs + tid * 6 * H : c->dbs;
    if (dbt && (work || c->ndbs > 1)) /* (a thread without samples adds zeros) */
        for (int k = 0; k < 6; k++)
            memset(dbt + k * H + u0, 0, (size_t)nu * sizeof(float));
    for (int64_t s = T - 1; s >= 0; s--) {
        float *G = c->dg + s * B * H3, *GR = c->dgr + s * B * H3;
        if (work)
            for (int64_t b = b0; b < b1; b++)
                SFX(tf_bwd_gates)(c, act, ract, s, b, u0, u1, dh, dt, dbt);
        gru__pool_barrier(pool, tid);
        if (c->ra) {
            if (work)
                SFX(tf_bwd_dh)(c, tid, 3, G, GR, b0, b1, u0, u1, dt);
        } else {
            if (work) {
                /* dq = dA_h · U_h^T into hm */
                if (c->mv)
                    SFX(tf_matvec)(H, G + 2 * H, c->upk + 2 * H * VW, H3 * VW, u0, u1, c->hm, 0);
                else if (c->pb)
                    SFX(tf_pb)(c, tid, nb, G + b0 * H3 + 2 * H, H3, 2, u0, u1, c->hm + b0 * H, H,
                               0);
                else
                    TF_GEMM(0, nb, nu, H, G + b0 * H3 + 2 * H, H3, c->UT + 2 * H * H + u0, H,
                            c->hm + b0 * H + u0, H, 0);
                for (int64_t b = b0; b < b1; b++)
                    SFX(tf_bwd_gates_r)(c, ract, s, b, u0, u1, dt, dbt);
            }
            gru__pool_barrier(pool, tid);
            if (work)
                SFX(tf_bwd_dh)(c, tid, 2, G, G, b0, b1, u0, u1, dt);
        }
        float *tmp = dh;
        dh = dt;
        dt = tmp;
        if (c->sync) /* steps s .. T-1 are done: their dA rows may be read */
            atomic_store_explicit(&c->sync->loop, T - s, memory_order_release);
        if (c->inl) { /* part j: steps [sa, sb), the last part first */
            const int64_t j = (T - 1 - s) / c->inl, sb = T - j * c->inl;
            const int64_t sa = sb > c->inl ? sb - c->inl : 0;
            if (s == sa) {
                gru__pool_barrier(c->pool, tid); /* every thread's rows of the part */
                SFX(tf_bwd_weights_steps)(c, c->pool, tid, nth, tid, sa, sb, j == 0);
            }
        }
    }
    /* the gradient of h_0 sits in dh (c->dh when T is even, c->dt when odd) */
    if (c->a->dh0 && work)
        for (int64_t b = b0; b < b1; b++)
            memcpy((float *)c->a->dh0 + b * H + u0, dh + b * H + u0, (size_t)nu * sizeof(float));
}

static void SFX(tf_bwd_loop_any)(void *ctx, int tid, int nth)
{
    SFX(tf_ctx) *c = ctx;
    TF_ACT_DISPATCH(SFX(tf_bwd_loop), c, tid, nth);
}

/* dx rows (M of them, row stride ldc) = dA rows (M x 3H) · W^T, K^T packed or plain. */
static void SFX(tf_dx_rows)(const SFX(tf_ctx) *c, int slot, int64_t M, const float *dA,
                            float *dx, int64_t ldc)
{
#if defined(TF_GEMM_PB)
    if (c->kpk) {
        gru__gemm_seg sg = {c->KT, c->ki, 0, c->I, dx, ldc};
        TF_GEMM_PB(M, c->H3, dA, c->H3, 1, &sg, 0, TF_SCR(c, slot), c->nscr);
        return;
    }
#endif
    (void)slot;
    TF_GEMM(0, M, c->I, c->H3, dA, c->H3, c->KT, c->I, dx, ldc, 0);
}

/* Weight gradients (dK, dU) and dx from the steps [sa, sb) (rows sa*B .. sb*B of the
 * (T*B) arrays), split between the nth threads of pool (barriers only around the shared
 * masked copies in big). first: the first part of this backward (overwrite or accumulate
 * as asked), else accumulate onto the earlier parts. slot: the calling thread's scratch. */
static void SFX(tf_bwd_weights_steps)(const SFX(tf_ctx) *c, gru__pool *pool, int tid, int nth,
                                      int slot, int64_t sa, int64_t sb, int first)
{
    const gru__train_args *a = c->a;
    const int64_t B = c->B, T = c->T, I = c->I, H = c->H, H3 = c->H3, BH = c->BH;
    const int64_t R = sa * B, n = (sb - sa) * B; /* first row, rows */
    const int acc = first ? !a->overwrite : 1;
    const int weights = a->layer->cfg.trainable && (a->dk || a->drk || a->db);
    int64_t r0, r1;
    SFX(tf_split)(n, tid, nth, 24, &r0, &r1);
    r0 += R;
    r1 += R;
    if (n <= 0)
        return;
    if (weights && a->dk) {
        float *dK = a->dk;
        if (c->xdrop == 0) {
            SFX(tf_gemm_part)(c, slot, tid, nth, 1, I, H3, n, c->xs + R * I, I, c->dg + R * H3, H3, dK,
                              H3, acc);
        } else {
            for (int g = 0; g < (c->xdrop == 1 ? 1 : 3); g++) {
                SFX(tf_rows_mask)(r0, r1, B, I, c->xs, c->mx + g * B * I, c->big);
                gru__pool_barrier(pool, tid);
                if (c->xdrop == 1)
                    SFX(tf_gemm_part)(c, slot, tid, nth, 1, I, H3, n, c->big + R * I, I, c->dg + R * H3,
                                      H3, dK, H3, acc);
                else
                    SFX(tf_gemm_part)(c, slot, tid, nth, 1, I, H, n, c->big + R * I, I,
                                      c->dg + R * H3 + g * H, H3, dK + g * H, H3, acc);
                gru__pool_barrier(pool, tid);
            }
        }
    }
    if (weights && a->drk) {
        float *dU = a->drk;
        const int ng = c->ra ? 3 : 2;
        if (!c->hdrop && c->grh) { /* z and r blocks from dg, the h block from dgr */
            SFX(tf_gemm_part)(c, slot, tid, nth, 1, H, 2 * H, n, c->hs + R * H, H,
                              c->dg + R * H3, H3, dU, H3, acc);
            SFX(tf_gemm_part)(c, slot, tid, nth, 1, H, H, n, c->hs + R * H, H,
                              c->dgr + R * H3 + 2 * H, H3, dU + 2 * H, H3, acc);
        } else if (!c->hdrop) {
            SFX(tf_gemm_part)(c, slot, tid, nth, 1, H, ng * H, n, c->hs + R * H, H, c->dgr + R * H3, H3,
                              dU, H3, acc);
        } else {
            for (int g = 0; g < ng; g++) {
                SFX(tf_rows_mask)(r0, r1, B, H, c->hs, c->mh + g * BH, c->big);
                gru__pool_barrier(pool, tid);
                SFX(tf_gemm_part)(c, slot, tid, nth, 1, H, H, n, c->big + R * H, H,
                                  (c->grh && g < 2 ? c->dg : c->dgr) + R * H3 + g * H, H3,
                                  dU + g * H, H3, acc);
                gru__pool_barrier(pool, tid);
            }
        }
        if (!c->ra)
            SFX(tf_gemm_part)(c, slot, tid, nth, 1, H, H, n, c->cc + R * H, H, c->dg + R * H3 + 2 * H,
                              H3, dU + 2 * H, H3, acc);
    }
    if (c->dxdirect) {
        /* dx = dA · W^T (* mx) straight into (B, T, I): B = 1 in processing order is one
         * product; otherwise one product per timestep, its rows T*I apart */
        float *dx = a->dx;
        if (B == 1) {
            if (r1 > r0)
                SFX(tf_dx_rows)(c, slot, r1 - r0, c->dg + r0 * H3, dx + r0 * I, I);
            if (c->xdrop == 1)
                SFX(tf_rows_mask)(r0, r1, 1, I, dx, c->mx, dx);
        } else {
            int64_t s0, s1;
            SFX(tf_split)(sb - sa, tid, nth, 1, &s0, &s1);
            for (int64_t s = sa + s0; s < sa + s1; s++) {
                const int64_t t = c->goback ? T - 1 - s : s;
                float *dxt = dx + t * I; /* row b at dxt + b * T * I */
                SFX(tf_dx_rows)(c, slot, B, c->dg + s * B * H3, dxt, T * I);
                if (c->xdrop == 1)
                    for (int64_t b = 0; b < B; b++)
                        for (int64_t j = 0; j < I; j++)
                            dxt[b * T * I + j] *= c->mx[b * I + j];
            }
        }
    } else if (a->dx && r1 > r0) {
        float *dx = a->dx;
        const int64_t nr = r1 - r0;
        if (c->xdrop != 3) {
            TF_GEMM(0, nr, I, H3, c->dg + r0 * H3, H3, c->KT, I, c->dxs + r0 * I, I, 0);
            if (c->xdrop == 1)
                SFX(tf_rows_mask)(r0, r1, B, I, c->dxs, c->mx, c->dxs);
        } else {
            memset(c->dxs + r0 * I, 0, (size_t)(nr * I) * sizeof(float));
            for (int g = 0; g < 3; g++) {
                TF_GEMM(0, nr, I, H, c->dg + r0 * H3 + g * H, H3, c->KT + g * H * I, I,
                        c->big + r0 * I, I, 0);
                const float *m = c->mx + g * B * I;
                for (int64_t row = r0; row < r1; row++)
                    for (int64_t j = 0; j < I; j++)
                        c->dxs[row * I + j] += c->big[row * I + j] * m[(row % B) * I + j];
            }
        }
        for (int64_t row = r0; row < r1; row++) {
            const int64_t s = row / B, b = row % B, t = c->goback ? T - 1 - s : s;
            memcpy(dx + (b * T + t) * I, c->dxs + row * I, (size_t)I * sizeof(float));
        }
    }
}

/* The bias gradient: the column sums of dA (and of the recurrent side), summed by the time
 * loop when it was split by units (c->dbs), else here; columns split between threads. */
static void SFX(tf_bwd_db)(const SFX(tf_ctx) *c, int tid, int nth)
{
    const gru__train_args *a = c->a;
    if (!(a->layer->cfg.trainable && a->db && a->layer->bias))
        return;
    const int64_t H3 = c->H3, TB = c->TB;
    float *db = a->db;
    const int nbk = c->ra ? 2 : 1;
    int64_t j0, j1;
    SFX(tf_split)(H3, tid, nth, 16, &j0, &j1);
    for (int k = 0; k < nbk; k++) {
        float *d = db + k * H3;
        if (a->overwrite)
            memset(d + j0, 0, (size_t)(j1 - j0) * sizeof(float));
        if (c->dbs) {
            for (int p = 0; p < c->ndbs; p++) /* the threads' sums in order */
                for (int64_t j = j0; j < j1; j++)
                    d[j] += c->dbs[p * 2 * H3 + k * H3 + j];
        } else {
            /* (the recurrent side: dgr, its z and r blocks those of dg when c->grh) */
            const int64_t jh = k && !c->grh ? 0 : k ? 2 * c->H : H3; /* dgr from column jh */
            for (int64_t row = 0; row < TB; row++)
                for (int64_t j = j0; j < j1; j++)
                    d[j] += (j < jh ? c->dg : c->dgr)[row * H3 + j];
        }
    }
}

/* Weight gradients (products over all T*B rows, unless the time loop formed them in parts:
 * c->inl) and dx, and the bias gradient, split between the threads. */
static void SFX(tf_bwd_weights)(void *ctx, int tid, int nth)
{
    SFX(tf_ctx) *c = ctx;
    if (!c->inl)
        SFX(tf_bwd_weights_steps)(c, c->pool, tid, nth, tid, 0, c->T, 1);
    SFX(tf_bwd_db)(c, tid, nth);
}

/* Backward parts (steps from the last one down): claim the next, wait until the loop has
 * finished its steps and the parts before it are accumulated, form its weight gradients
 * and dx; 0 when none is left. */
static int SFX(tf_bwd_part)(const SFX(tf_ctx) *c, int slot)
{
    struct SFX(tf_sync) *y = c->sync;
    const int64_t T = c->T, P = SFX(tf_part_steps)(c), n = (T + P - 1) / P;
    const int64_t j = atomic_fetch_add_explicit(&y->next, 1, memory_order_relaxed);
    if (j >= n)
        return 0;
    const int64_t sb = T - j * P, sa = sb - P > 0 ? sb - P : 0;
    SFX(tf_wait)(&y->loop, T - sa);
    SFX(tf_wait)(&y->done, j); /* one part at a time onto dK, dU */
    SFX(tf_bwd_weights_steps)(c, NULL, 0, 1, slot, sa, sb, j == 0);
    atomic_store_explicit(&y->done, j + 1, memory_order_release);
    return 1;
}

/* The time loop on one thread (tid 0) while another (tid 1) forms the weight gradients and
 * dx of the steps it has finished, part by part; after the loop, tid 0 takes the parts
 * still unclaimed. Other threads stay idle. */
static void SFX(tf_bwd_overlap)(void *ctx, int tid, int nth)
{
    SFX(tf_ctx) *c = ctx;
    (void)nth;
    if (tid == 0)
        SFX(tf_bwd_loop_any)(c, 0, 1);
    if (tid <= 1)
        while (SFX(tf_bwd_part)(c, tid))
            ;
}

/* rows per part, and the most floats of dK and dU, of tf_inl_steps */
#define TF_INL_ROWS 256
#define TF_INL_C ((int64_t)1 << 19)
/* Steps per part of the weight gradients formed by the time loop (c->inl; one thread, or
 * all threads when the loop is split, not when it is overlapped): about TF_INL_ROWS rows,
 * for B > 1 while dK and dU ((I + H) x 3H) stay within TF_INL_C floats; else 0 (all rows
 * after the loop). Each part's rows of dA, x and h are then read by the products while
 * still in cache, instead of from memory after the loop. At S3 (dK and dU 1.2 MB;
 * 2026-11-28, the AVX-512 Xeon) training on one thread measured 0-5% faster (medians of
 * five paired runs 0.97-1.0), two threads level; parts of 128 and 512 rows were level
 * with 256. Larger products would pass over C once more per part. */
static int64_t SFX(tf_inl_steps)(const SFX(tf_ctx) *c)
{
    if (c->B < 2 || (c->I + c->H) * c->H3 > TF_INL_C)
        return 0;
    const int64_t p = (TF_INL_ROWS + c->B - 1) / c->B;
    return p < c->T ? p : c->T;
}

void SFX(gru__tf_backward)(const gru__train_args *a, const gru__tf_run *run)
{
    SFX(tf_ctx) c;
    SFX(tf_ctx_init)(&c, a);
    gru__pool *pool = run->nth > 1 ? run->pool : NULL;
    c.rows = run->rows && run->nr > 1 && pool;
    SFX(tf_scr_init)(&c, pool ? run->nth : 1);
    /* the bias gradient is summed in the time loop: split by units, in dbs (a thread owns
     * its columns); split by samples, one sum per thread in hr (free in the backward), added
     * up by tf_bwd_db (instead of its sums over all T*B rows of dA: at S4 and S5 on 2
     * threads, 40 to 80 MB read from memory; about 1% faster at S4) */
    if (a->layer->cfg.trainable && a->db && a->layer->bias) {
        if (!c.rows) {
            c.dbs = (float *)(a->ws + a->lay->dbs);
            c.ndbs = 1;
        } else if (c.B * c.H3 >= (int64_t)run->nth * 6 * c.H) {
            c.dbs = c.hr;
            c.ndbs = run->nth;
        }
    }
    gru__pool_run(pool, SFX(tf_bwd_prep), &c);
    if (run->nr > 1 && pool) {
        c.pool = pool;
        c.inl = SFX(tf_inl_steps)(&c);
        gru__pool_run(pool, SFX(tf_bwd_loop_any), &c);
    } else if (pool && c.T >= 2 * SFX(tf_part_steps)(&c)) {
        /* the loop on one thread, the products of its finished steps on another */
        struct SFX(tf_sync) y;
        atomic_init(&y.loop, 0);
        atomic_init(&y.next, 0);
        atomic_init(&y.done, 0);
        c.sync = &y;
        c.pool = NULL;
        gru__pool_run(pool, SFX(tf_bwd_overlap), &c);
        SFX(tf_bwd_db)(&c, 0, 1);
        return;
    } else {
        c.pool = NULL;
        c.inl = pool ? 0 : SFX(tf_inl_steps)(&c);
        SFX(tf_bwd_loop_any)(&c, 0, 1);
    }
    c.pool = pool;
    gru__pool_run(pool, SFX(tf_bwd_weights), &c);
}

#undef TF_LD
#undef TF_ST
#undef TF_AI
#undef TF_ACT_DISPATCH
#undef TF_INL_ROWS
#undef TF_INL_C
#undef TF_PFW
