/* Kernel selection: one place that knows which kernels exist. Also the layer's fast-kernel
 * state: packed weights (refreshed by gru__layer_weights_changed), scratch (grown by
 * gru__kernels_reserve), and the thread pool (gru_layer_set_num_threads). */
#define _DEFAULT_SOURCE 1
#include "cpu/fast.h"

#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

/* Large buffers on 2 MiB boundaries with transparent huge pages where the system offers
 * them only on request (madvise): the packed weights and per-step buffers are streamed
 * every step, and 4 KiB pages would cost TLB misses. From 1 MiB on, because a huge page
 * is contiguous in physical memory, so the recurrent kernel spreads evenly over the sets
 * of the (physically indexed) L2: with 4 KiB pages at random physical addresses, S2's
 * 786 KB kernel (3.1 MB of packed weights in all) overfilled some sets of a 1 MiB L2 in
 * some processes and not in others. Inference at S2 on one thread, reset_after = FALSE:
 * 0.55-0.65 ms from run to run with 4 KiB pages, 0.50-0.51 in 8 runs of 10 with huge
 * ones (2026-11-26). Only the first `bytes` are touched: without huge pages the rest of
 * the rounding is never backed by memory. Small ones: plain gru__alloc. */
#define GRU_HUGE_MIN ((size_t)1 << 20)
static void *big_alloc(size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= GRU_HUGE_MIN) {
        void *p = NULL;
        size_t n = (bytes + ((size_t)2 << 20) - 1) & ~(((size_t)2 << 20) - 1);
        if (posix_memalign(&p, (size_t)2 << 20, n) != 0)
            return NULL;
        madvise(p, n, MADV_HUGEPAGE);
        memset(p, 0, bytes);
        return p;
    }
#endif
    return gru__alloc(bytes);
}

/* Ask for huge pages on an existing large buffer (the layer's workspace). */
static void advise_huge(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes < GRU_HUGE_MIN)
        return;
    uintptr_t a = ((uintptr_t)p + ((uintptr_t)2 << 20) - 1) & ~(((uintptr_t)2 << 20) - 1);
    uintptr_t e = ((uintptr_t)p + bytes) & ~(((uintptr_t)2 << 20) - 1);
    if (e > a)
        madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

int64_t gru__fast_xchunk_min = (int64_t)6 << 20, gru__fast_xchunk_rows = 256;
int64_t gru__fast_xwin = (int64_t)96 << 10;
int64_t gru__xp_pad_bytes = 4096;
int64_t gru__fast_alt_min = (int64_t)512 << 10;
int64_t gru__fast_zrv_min = (int64_t)512 << 10;
int64_t gru__fast_zsplit = 1;
int64_t gru__fast_units_min = 1536;
int64_t gru__fast_units_big = (int64_t)12 << 20;
int64_t gru__fast_units_mid = (int64_t)512 << 10;
int64_t gru__fast_nxpf = 1;
int64_t gru__fast_fx_min = -1, gru__fast_fx_max = (int64_t)1 << 20;
int64_t gru__fast_l2_bytes = -1;

bool gru__cpu_amd(void)
{
#if defined(GRU_HAVE_X86_KERNELS) && (defined(__x86_64__) || defined(__i386__)) &&          \
    defined(__GNUC__)
    __builtin_cpu_init();
    return __builtin_cpu_is("amd");
#else
    return false;
#endif
}

int64_t gru__fast_fx_lo(void)
{
    if (gru__fast_fx_min >= 0)
        return gru__fast_fx_min;
    static _Atomic int64_t cached = -1; /* same value from every thread: a race is benign */
    int64_t c = cached;
    if (c < 0)
        cached = c = gru__cpu_amd() ? (int64_t)256 << 10 : INT64_MAX; /* INT64_MAX: off */
    return c;
}

int64_t gru__fast_l2(void)
{
    if (gru__fast_l2_bytes >= 0)
        return gru__fast_l2_bytes;
    static _Atomic int64_t cached = -1; /* same value from every thread: a race is benign */
    int64_t c = cached;
    if (c >= 0)
        return c;
    c = 0;
#if defined(_SC_LEVEL2_CACHE_SIZE)
    const long v = sysconf(_SC_LEVEL2_CACHE_SIZE);
    if (v > 0)
        c = v;
#endif
    cached = c;
    return c;
}

bool gru__fast_zsplit_on(int64_t bytes)
{
    if (gru__fast_zsplit <= 0)
        return false;
    if (gru__fast_zsplit > 1)
        return true;
    const int64_t l2 = gru__fast_l2();
    return l2 > 0 && bytes < l2;
}

/* ---- instruction sets ------------------------------------------------------------- */

static _Atomic int isa_forced = -1;

static int isa_detect(void)
{
    static _Atomic int cached = -1; /* same value from every thread: a race is benign */
    int c = cached;
    if (c >= 0)
        return c;
    int isa = GRU__ISA_GENERIC;
#if defined(GRU_HAVE_X86_KERNELS) && (defined(__x86_64__) || defined(__i386__)) &&          \
    defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("fma"))
        isa = GRU__ISA_AVX512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        isa = GRU__ISA_AVX2;
#endif
    const char *env = getenv("GRU_ISA");
    if (env) {
        int cap = -1;
        for (int i = GRU__ISA_REF; i <= GRU__ISA_AVX512; i++)
            if (strcmp(env, gru__isa_name(i)) == 0)
                cap = i;
        if (cap >= 0 && cap < isa)
            isa = cap;
    }
    cached = isa;
    return isa;
}

int gru__isa_current(void)
{
    int isa = isa_detect();
    return isa_forced >= 0 && isa_forced < isa ? isa_forced : isa;
}

void gru__isa_force(int isa) { isa_forced = isa; }

const char *gru__isa_name(int isa)
{
    switch (isa) {
    case GRU__ISA_REF: return "ref";
    case GRU__ISA_GENERIC: return "generic";
    case GRU__ISA_AVX2: return "avx2";
    case GRU__ISA_AVX512: return "avx512";
    default: return "?";
    }
}

int gru__isa_vw(int isa)
{
#if defined(__GNUC__) || defined(__clang__)
    const int generic = 4; /* fast_generic.c's vector extension */
#else
    const int generic = 1;
#endif
    return isa == GRU__ISA_AVX512 ? 16 : isa == GRU__ISA_AVX2 ? 8 : generic;
}

static gru__pool_fn isa_worker(int isa)
{
    switch (isa) {
#if defined(GRU_HAVE_X86_KERNELS)
    case GRU__ISA_AVX512: return gru__fast_worker_avx512;
    case GRU__ISA_AVX2: return gru__fast_worker_avx2;
#endif
    case GRU__ISA_GENERIC: return gru__fast_worker_generic;
    default: return NULL;
    }
}

int gru__fast_vmath(int isa, int which, const float *in, float *out, int64_t n)
{
    if (isa > isa_detect())
        return -1;
    switch (isa) {
#if defined(GRU_HAVE_X86_KERNELS)
    case GRU__ISA_AVX512: gru__fast_vmath_avx512(which, in, out, n); return 0;
    case GRU__ISA_AVX2: gru__fast_vmath_avx2(which, in, out, n); return 0;
#endif
    case GRU__ISA_GENERIC: gru__fast_vmath_generic(which, in, out, n); return 0;
    default: return -1;
    }
}

/* ---- packed weights ------------------------------------------------------------------ */

static void fast_free(gru__fast *f)
{
    if (!f)
        return;
    gru__free(f->wmem);
    gru__free(f->scratch);
    gru__free(f);
}

/* Superpanels (see fast.h) of `rows` rows: block v of group g taken from columns
 * cols[v] + g * vw of src (rows x ld), zero beyond H. */
static void pack_panels(float *dst, const float *src, int64_t rows, int64_t ld, int64_t H,
                        int vw, int64_t ng, int nvg, int spg, const int64_t *cols)
{
    for (int64_t g = 0; g < ng; g++) {
        const int64_t sp = g / spg, gi = g % spg;
        const int64_t nb = ng - sp * spg < spg ? ng - sp * spg : spg;
        float *pg = dst + sp * rows * spg * nvg * vw + gi * nvg * vw;
        for (int64_t k = 0; k < rows; k++)
            for (int v = 0; v < nvg; v++)
                for (int l = 0; l < vw; l++) {
                    int64_t u = g * vw + l;
                    pg[k * nb * nvg * vw + v * vw + l] =
                        u < H ? src[k * ld + cols[v] + u] : 0.0f;
                }
    }
}

/* (Re)pack the float32 weights of layer for instruction set isa. 0, or -1 when out of
 * memory (the layer then runs the reference kernel). */
static int fast_pack(gru_layer *layer, int isa)
{
    gru__fast *f = layer->fast;
    const int vw = gru__isa_vw(isa);
    const int64_t I = layer->I, H = layer->H, ng = (H + vw - 1) / vw, Hp = ng * vw;
    const bool ra = layer->cfg.reset_after;
    /* floats: pk I*3Hp, pu H*3Hp (ra) or H*2Hp + puh H*Hp, bx 3Hp, bh 3Hp, + alignment */
    size_t nk = (size_t)(I * 3 * Hp), nu = (size_t)(H * 3 * Hp), nb = (size_t)(3 * Hp);
    /* z and r apart for one thread at B = 1 (zsplit, fast_body.h) */
    const bool zs = !ra && gru__fast_zsplit_on((int64_t)(nu + nk) * (int64_t)sizeof(float));
    size_t bytes = (2 * nk + 2 * nu + (zs ? (size_t)(H * 2 * Hp) : 0) + 2 * nb + 10 * 16) *
                   sizeof(float);
    if (!f) {
        f = gru__alloc(sizeof *f);
        if (!f)
            return -1;
        layer->fast = f;
    }
    if (f->wbytes != bytes) {
        gru__free(f->wmem);
        f->wmem = big_alloc(bytes);
        f->wbytes = f->wmem ? bytes : 0;
        if (!f->wmem) {
            fast_free(f);
            layer->fast = NULL;
            return -1;
        }
    }
    float *p = f->wmem;
#define TAKE(n) (p += (((size_t)(n) + 15) & ~(size_t)15), p - (((size_t)(n) + 15) & ~(size_t)15))
    for (int c = 0; c < 2; c++) {
        f->pk[c] = TAKE(nk);
        if (ra) {
            f->pu[c] = TAKE(nu);
            f->puh[c] = NULL;
        } else {
            f->pu[c] = TAKE((size_t)(H * 2 * Hp));
            f->puh[c] = TAKE((size_t)(H * Hp));
        }
    }
    f->pz1 = zs ? TAKE((size_t)(H * Hp)) : NULL;
    f->pr1 = zs ? TAKE((size_t)(H * Hp)) : NULL;
    f->bx = TAKE(nb);
    f->bh = TAKE(nb);
#undef TAKE
    f->isa = isa;
    f->vw = vw;
    f->I = I;
    f->H = H;
    f->ng = ng;
    const int64_t zrh[3] = {0, H, 2 * H}, hh[1] = {2 * H};
    for (int c = 0; c < 2; c++) {
        pack_panels(f->pk[c], layer->kernel, I, 3 * H, H, vw, ng, 3, c ? GRU__SPG3 : 1, zrh);
        if (ra) {
            pack_panels(f->pu[c], layer->recurrent_kernel, H, 3 * H, H, vw, ng, 3,
                        c ? GRU__SPG3 : 1, zrh);
        } else {
            pack_panels(f->pu[c], layer->recurrent_kernel, H, 3 * H, H, vw, ng, 2,
                        c ? GRU__SPG2 : 1, zrh);
            pack_panels(f->puh[c], layer->recurrent_kernel, H, 3 * H, H, vw, ng, 1,
                        c ? GRU__SPG1 : GRU__SPG1M, hh);
        }
    }
    if (zs) {
        const int64_t zc[1] = {0}, rc[1] = {H};
        pack_panels(f->pz1, layer->recurrent_kernel, H, 3 * H, H, vw, ng, 1, GRU__SPG2, zc);
        pack_panels(f->pr1, layer->recurrent_kernel, H, 3 * H, H, vw, ng, 1, GRU__SPG2, rc);
    }
    memset(f->bx, 0, nb * sizeof(float));
    memset(f->bh, 0, nb * sizeof(float));
    if (layer->bias) {
        pack_panels(f->bx, layer->bias, 1, 3 * H, H, vw, ng, 3, GRU__SPG3, zrh);
        if (ra)
            pack_panels(f->bh, (const float *)layer->bias + 3 * H, 1, 3 * H, H, vw, ng, 3,
                        GRU__SPG3, zrh);
    }
    return 0;
}

static int layer_nth(const gru_layer *layer)
{
    return layer->num_threads > 1 ? layer->num_threads : 1;
}

/* Scratch for batches up to B with the layer's thread count. 0 or -1 (out of memory). */
static int fast_scratch(gru_layer *layer, int64_t B)
{
    gru__fast *f = layer->fast;
    if (!f)
        return -1;
    int64_t n;
    if (!gru__mul_i64(gru__fast_bh_stride(B, layer->H), gru__fast_scratch_bufs(layer_nth(layer)),
                      &n) ||
        (uint64_t)n > SIZE_MAX / sizeof(float))
        return -1;
    size_t bytes = (size_t)n * sizeof(float);
    if (B > f->scratch_B)
        f->scratch_B = B;
    if (f->scratch && f->scratch_bytes >= bytes)
        return 0;
    float *s = big_alloc(bytes);
    if (!s)
        return -1;
    gru__free(f->scratch);
    f->scratch = s;
    f->scratch_bytes = bytes;
    return 0;
}

void gru__layer_weights_changed(gru_layer *layer)
{
    if (!layer || layer->cfg.dtype != GRU_FLOAT32)
        return;
    int isa = gru__isa_current();
    if (isa == GRU__ISA_REF)
        return;
    fast_pack(layer, isa);
}

void gru__kernels_reserve(gru_layer *layer, int64_t B)
{
    if (!layer || !layer->fast)
        return;
    fast_scratch(layer, B);
}

void gru__layer_free_kernels(gru_layer *layer)
{
    if (!layer)
        return;
    fast_free(layer->fast);
    layer->fast = NULL;
    gru__stream_free(layer);
    gru__pool_destroy(layer->pool);
    layer->pool = NULL;
}

int gru_layer_set_num_threads(gru_layer *layer, int n)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    if (n < 1 || n > 64)
        return gru__error(GRU_ERR_ARG, "n: expected 1..64 threads, got %d", n);
    if (n == layer_nth(layer))
        return GRU_OK;
    gru__pool *p = NULL;
    if (n > 1) {
        int rc = gru__pool_create(n, &p);
        if (rc)
            return rc;
    }
    gru__pool_destroy(layer->pool);
    layer->pool = p;
    layer->num_threads = n;
    /* the scratch grows with the thread count: re-size it now for the largest batch
     * it was made for, so that the next forward does not allocate */
    if (layer->fast && layer->fast->scratch_B > 0)
        fast_scratch(layer, layer->fast->scratch_B);
    return GRU_OK;
}

int gru_layer_get_num_threads(const gru_layer *layer)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    return layer_nth(layer);
}

/* ---- selection ----------------------------------------------------------------------- */

static bool fast_ready(gru_layer *layer, int64_t B)
{
    if (layer->cfg.dtype != GRU_FLOAT32)
        return false;
    int isa = gru__isa_current();
    if (isa == GRU__ISA_REF || !isa_worker(isa))
        return false;
    /* Only after a change of instruction set (tests) or a failed allocation. */
    if ((!layer->fast || layer->fast->isa != isa) && fast_pack(layer, isa))
        return false;
    int64_t need;
    if (!gru__mul_i64(gru__fast_bh_stride(B, layer->H), gru__fast_scratch_bufs(layer_nth(layer)),
                      &need))
        return false;
    if ((!layer->fast->scratch || layer->fast->scratch_bytes < (size_t)need * sizeof(float)) &&
        fast_scratch(layer, B))
        return false;
    return true;
}

gru__fwd_fn gru__select_forward(const gru_layer *layer, int64_t B, int64_t T)
{
    (void)T;
    if (layer->cfg.dtype == GRU_FLOAT64)
        return gru__forward_ref_f64;
    /* The layer's fast state is a cache: preparing it does not change what the layer
     * computes, hence the cast. */
    if (fast_ready((gru_layer *)layer, B))
        return gru__forward_fast_f32;
    return gru__forward_ref_f32;
}

/* Rows per register tile of the batched kernels (MR3 of the ISA's fast_*.c). */
static int isa_rows(int isa) { return isa == GRU__ISA_AVX512 ? 8 : 4; }

/* Two ways to share a forward between nth threads:
 * - by units (small batches: every thread owns a range of unit groups and its part of
 *   the packed weights, one barrier per step; large ones with a recurrent kernel of at
 *   least gru__fast_units_mid or gru__fast_units_big bytes: the groups of each phase
 *   handed out in chunks, J->dyn, two barriers a step with reset_after = FALSE;
 *   fast_body.h);
 * - by samples (B >= nth full register tiles): every thread runs the one-thread kernel
 *   on its own samples [B * tid / nth, B * (tid + 1) / nth); the steps need no barrier and
 *   no state crosses cores; each thread reads all of the weights (from L2 or the shared
 *   L3). Each thread's part of the workspace's xp and of the scratch is its own. */
typedef struct batch_split {
    gru__pool_fn fn;
    gru__fast_job sub[64];
} batch_split;

static void batch_split_worker(void *ctx, int tid, int nth)
{
    (void)nth;
    batch_split *bs = ctx;
    bs->fn(&bs->sub[tid], 0, 1);
}

void gru__forward_fast_f32(const gru__fwd_args *a)
{
    const gru_layer *L = a->layer;
    gru__fast *f = L->fast;
    if (f->ws_advised != L->ws) {
        advise_huge(L->ws, L->ws_bytes);
        f->ws_advised = L->ws;
    }
    const int nth = layer_nth(L);
    const int64_t B = a->B, T = a->T, I = L->I, H = L->H, bhs = gru__fast_bh_stride(B, H);
    const gru__fwd_layout *lay = a->lay;
    char *ws = a->ws;
    gru__fast_job J = {
        .f = f, .pool = nth > 1 ? L->pool : NULL, .B = B, .T = T, .I = I, .H = H,
        .x = a->x, .mask = a->mask, .xp = (float *)(ws + lay->xp), .y = a->y,
        .h_out = (float *)(ws + lay->h), .scratch = f->scratch, .bhs = bhs,
        .xs3 = gru__xp_row(B, H),
        .reset_after = L->cfg.reset_after, .ret_seq = L->cfg.return_sequences,
        .go_backwards = L->cfg.go_backwards, .act = L->cfg.activation,
        .ract = L->cfg.recurrent_activation, .alt = a->alt,
    };
    const bool ret_seq = L->cfg.return_sequences;
    /* split by samples: per thread gru__fast_scratch_bufs(1) buffers of the stride of
     * its share, within the scratch made for nth threads at batch B */
    const int64_t subB = (B + nth - 1) / nth, subbhs = gru__fast_bh_stride(subB, H);
    const int64_t subfloats = gru__fast_scratch_bufs(1) * subbhs;
    const double ubytes = (double)3 * (double)H * (double)H * sizeof(float);
    const bool full_tiles = B >= (int64_t)nth * isa_rows(f->isa); /* per thread */
    /* the middle range starts at one core's L2 where that is larger (gru__fast_l2) */
    const int64_t l2 = gru__fast_l2();
    const double mid = (double)(l2 > gru__fast_units_mid ? l2 : gru__fast_units_mid);
    const bool big_u = ubytes >= (double)gru__fast_units_big ||
                       (ubytes >= mid &&
                        (L->cfg.reset_after ||
                         (B >= 8 * (int64_t)nth && ubytes < 4 * (double)gru__fast_units_mid)));
    if (nth > 1 && L->pool && !big_u && full_tiles &&
        (size_t)(nth * subfloats) * sizeof(float) <= f->scratch_bytes) {
        batch_split bs;
        bs.fn = isa_worker(f->isa);
        for (int i = 0; i < nth; i++) {
            const int64_t b0 = B * i / nth, b1 = B * (i + 1) / nth, nb = b1 - b0;
            gru__fast_job *S = &bs.sub[i];
            *S = J;
            S->pool = NULL;
            S->B = nb;
            S->x = a->x ? (const float *)a->x + b0 * T * I : NULL;
            S->mask = a->mask ? a->mask + b0 * T : NULL;
            S->xp = J.xp + b0 * T * J.xs3; /* the parent's row stride (>= nb's) */
            S->y = a->y ? (float *)a->y + b0 * (ret_seq ? T : 1) * H : NULL;
            S->h_out = J.h_out + b0 * H;
            S->scratch = f->scratch + i * subfloats;
            S->bhs = gru__fast_bh_stride(nb, H);
            /* initial state: hb[0] (reset_after) or the one private copy */
            const size_t hb = (size_t)(nb * H) * sizeof(float);
            if (a->h0)
                memcpy(S->scratch, (const float *)a->h0 + b0 * H, hb);
            else
                memset(S->scratch, 0, hb);
        }
        gru__pool_run(L->pool, batch_split_worker, &bs);
    } else {
        /* split by units, or on one thread when the steps are too short for a barrier
         * each (gru__fast_units_min) */
        if ((double)B * (double)H * (double)H < (double)nth * (double)gru__fast_units_min)
            J.pool = NULL;
        /* a batch the samples split would have taken: chunks of groups handed out as
         * the threads ask (a host that runs one core slower then costs less), with
         * reset_after = FALSE two barriers a step */
        _Alignas(64) atomic_llong dctr[3 * GRU__DYN_PAD];
        for (int i = 0; i < 3; i++)
            atomic_init(&dctr[i * GRU__DYN_PAD], 0);
        J.dctr = dctr;
        J.dyn = J.pool && full_tiles;
        /* initial state: hb[0] (reset_after) or every thread's private copy */
        const size_t hbytes = (size_t)(B * H) * sizeof(float);
        const int copies = L->cfg.reset_after ? 1 : nth;
        for (int i = 0; i < copies; i++) {
            if (a->h0)
                memcpy(f->scratch + i * bhs, a->h0, hbytes);
            else
                memset(f->scratch + i * bhs, 0, hbytes);
        }
        gru__pool_run(J.pool, isa_worker(f->isa), &J);
    }
    if (a->h_final)
        memcpy(a->h_final, J.h_out, (size_t)(B * H) * sizeof(float));
}
