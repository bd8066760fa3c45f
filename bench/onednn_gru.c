/* bench/onednn_gru.c: oneDNN's GRU for the benchmark. See onednn_gru.h. */
#include "onednn_gru.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dnnl_msg[512];

static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dnnl_msg, sizeof dnnl_msg, fmt, ap);
    va_end(ap);
    return -1;
}

const char *bench_dnnl_errmsg(void) { return dnnl_msg; }

#ifndef BENCH_HAVE_DNNL

int bench_dnnl_available(void) { return 0; }
const char *bench_dnnl_version(void) { return "none"; }
int bench_dnnl_gru_create(int64_t B, int64_t T, int64_t I, int64_t H, bool reset_after,
                          bool training, bench_dnnl_gru **out)
{
    (void)B; (void)T; (void)I; (void)H; (void)reset_after; (void)training;
    *out = NULL;
    return fail("built without oneDNN (install libdnnl-dev and reconfigure)");
}
void bench_dnnl_gru_destroy(bench_dnnl_gru *g) { (void)g; }
int bench_dnnl_gru_create_stream(int64_t B, int64_t I, int64_t H, bool reset_after,
                                 bench_dnnl_gru **out)
{
    (void)B; (void)I; (void)H; (void)reset_after;
    *out = NULL;
    return fail("built without oneDNN (install libdnnl-dev and reconfigure)");
}
void bench_dnnl_gru_stream_reset(bench_dnnl_gru *g) { (void)g; }
int bench_dnnl_gru_step(bench_dnnl_gru *g, const float *x_t)
{
    (void)g; (void)x_t;
    return fail("built without oneDNN");
}
int bench_dnnl_gru_set_weights(bench_dnnl_gru *g, const float *k, const float *rk,
                               const float *b)
{
    (void)g; (void)k; (void)rk; (void)b;
    return fail("built without oneDNN");
}
float *bench_dnnl_gru_src(bench_dnnl_gru *g) { (void)g; return NULL; }
float *bench_dnnl_gru_dst(bench_dnnl_gru *g) { (void)g; return NULL; }
float *bench_dnnl_gru_diff_dst(bench_dnnl_gru *g) { (void)g; return NULL; }
float *bench_dnnl_gru_diff_src(bench_dnnl_gru *g) { (void)g; return NULL; }
int bench_dnnl_gru_forward(bench_dnnl_gru *g) { (void)g; return fail("built without oneDNN"); }
int bench_dnnl_gru_backward(bench_dnnl_gru *g) { (void)g; return fail("built without oneDNN"); }
void bench_dnnl_gru_zero_grads(bench_dnnl_gru *g) { (void)g; }
int bench_dnnl_gru_get_grads(bench_dnnl_gru *g, float *a, float *b, float *c)
{
    (void)g; (void)a; (void)b; (void)c;
    return fail("built without oneDNN");
}
bench_dnnl_sizes bench_dnnl_gru_sizes(const bench_dnnl_gru *g)
{
    (void)g;
    bench_dnnl_sizes s = {0, 0, 0, 0};
    return s;
}
const char *bench_dnnl_gru_impl(const bench_dnnl_gru *g) { (void)g; return "none"; }

#else /* BENCH_HAVE_DNNL */

#include <oneapi/dnnl/dnnl.h>

#define DN(call)                                                                    \
    do {                                                                            \
        dnnl_status_t st_ = (call);                                                 \
        if (st_ != dnnl_success)                                                    \
            return fail("%s failed: oneDNN status %d (line %d)", #call, (int)st_,   \
                        __LINE__);                                                  \
    } while (0)

/* A buffer in oneDNN's memory and the descriptor it is laid out by. */
typedef struct dbuf {
    dnnl_memory_desc_t md;
    dnnl_memory_t mem;
    void *data;     /* owned (aligned) */
    size_t bytes;
} dbuf;

struct bench_dnnl_gru {
    int64_t B, T, I, H;
    bool lbr, training;
    bool stream;                    /* T = 1 with src_iter / dst_iter */
    int cur;                        /* stream: which of it[] holds the current state */
    int G;                          /* bias gates: 3 vanilla, 4 lbr */
    dnnl_engine_t eng;
    dnnl_stream_t stream_;
    dnnl_primitive_desc_t fwd_pd, bwd_pd;
    dnnl_primitive_t fwd, bwd;
    /* user-layout buffers */
    dbuf src;          /* (T, B, I) tnc */
    dbuf dst;          /* (T, B, H) tnc */
    dbuf bias;         /* (1, 1, G, H) ldgo */
    dbuf diff_dst;     /* (T, B, H) tnc */
    dbuf diff_src;     /* (T, B, I) tnc */
    dbuf diff_bias;    /* (1, 1, G, H) ldgo */
    dbuf u_wl, u_wi;   /* user weights (1,1,I,3,H), (1,1,H,3,H) ldigo (= Keras layout) */
    /* oneDNN-layout buffers */
    dbuf f_wl, f_wi;   /* forward weights in the forward primitive's layout */
    dbuf b_wl, b_wi;   /* backward weights in the backward primitive's layout */
    dbuf d_wl, d_wi;   /* weight gradients in the backward primitive's layout */
    dbuf ws;           /* workspace (training) */
    dbuf it[2];        /* stream: states (1, 1, B, H) ldnc, ping-pong */
    dbuf sp_fwd, sp_bwd; /* scratchpads */
    char impl[128];
};

int bench_dnnl_available(void) { return 1; }

const char *bench_dnnl_version(void)
{
    static char buf[32];
    const dnnl_version_t *v = dnnl_version();
    snprintf(buf, sizeof buf, "%d.%d.%d", v->major, v->minor, v->patch);
    return buf;
}

static int dbuf_alloc(dbuf *b, dnnl_engine_t eng)
{
    b->bytes = dnnl_memory_desc_get_size(&b->md);
    size_t n = b->bytes ? (b->bytes + 63) / 64 * 64 : 64;
    b->data = aligned_alloc(64, n);
    if (!b->data) return fail("out of memory (%zu bytes)", n);
    memset(b->data, 0, n);
    DN(dnnl_memory_create(&b->mem, &b->md, eng, b->data));
    return 0;
}

static void dbuf_free(dbuf *b)
{
    if (b->mem) dnnl_memory_destroy(b->mem);
    free(b->data);
    memset(b, 0, sizeof *b);
}

static int md_tag(dnnl_memory_desc_t *md, int nd, const int64_t *dims, dnnl_format_tag_t tag)
{
    dnnl_dims_t d = {0};
    for (int i = 0; i < nd; i++) d[i] = dims[i];
    DN(dnnl_memory_desc_init_by_tag(md, nd, d, dnnl_f32, tag));
    return 0;
}

static int reorder(bench_dnnl_gru *g, dbuf *from, dbuf *to)
{
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t r;
    DN(dnnl_reorder_primitive_desc_create(&pd, &from->md, g->eng, &to->md, g->eng, NULL));
    dnnl_status_t st = dnnl_primitive_create(&r, pd);
    dnnl_primitive_desc_destroy(pd);
    if (st != dnnl_success) return fail("reorder primitive: oneDNN status %d", (int)st);
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from->mem}, {DNNL_ARG_TO, to->mem}};
    st = dnnl_primitive_execute(r, g->stream_, 2, args);
    if (st == dnnl_success) st = dnnl_stream_wait(g->stream_);
    dnnl_primitive_destroy(r);
    if (st != dnnl_success) return fail("reorder: oneDNN status %d", (int)st);
    return 0;
}

static int pd_md(dnnl_primitive_desc_t pd, int arg, dbuf *b, dnnl_engine_t eng)
{
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg);
    if (!md) return fail("primitive has no memory for argument %d", arg);
    b->md = *md;
    return dbuf_alloc(b, eng);
}

static int create_impl(bench_dnnl_gru *g)
{
    const int64_t B = g->B, T = g->T, I = g->I, H = g->H;
    int64_t d_src[3] = {T, B, I}, d_dst[3] = {T, B, H};
    int64_t d_wl[5] = {1, 1, I, 3, H}, d_wi[5] = {1, 1, H, 3, H}, d_b[4] = {1, 1, g->G, H};

    DN(dnnl_engine_create(&g->eng, dnnl_cpu, 0));
    DN(dnnl_stream_create(&g->stream_, g->eng, dnnl_stream_default_flags));

    if (md_tag(&g->src.md, 3, d_src, dnnl_tnc) || md_tag(&g->dst.md, 3, d_dst, dnnl_tnc) ||
        md_tag(&g->bias.md, 4, d_b, dnnl_ldgo) || md_tag(&g->u_wl.md, 5, d_wl, dnnl_ldigo) ||
        md_tag(&g->u_wi.md, 5, d_wi, dnnl_ldigo))
        return -1;
    dnnl_memory_desc_t any_wl, any_wi;
    if (md_tag(&any_wl, 5, d_wl, dnnl_format_tag_any) ||
        md_tag(&any_wi, 5, d_wi, dnnl_format_tag_any))
        return -1;

    const dnnl_memory_desc_t *iter_md = NULL;
    if (g->stream) {
        int64_t d_it[4] = {1, 1, B, H};
        if (md_tag(&g->it[0].md, 4, d_it, dnnl_ldnc) || md_tag(&g->it[1].md, 4, d_it, dnnl_ldnc))
            return -1;
        iter_md = &g->it[0].md;
    }

    dnnl_primitive_attr_t attr;
    DN(dnnl_primitive_attr_create(&attr));
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);

    dnnl_rnn_desc_t fd;
    dnnl_prop_kind_t prop = g->training ? dnnl_forward_training : dnnl_forward_inference;
    dnnl_status_t st;
    if (g->lbr)
        st = dnnl_lbr_gru_forward_desc_init(&fd, prop, dnnl_unidirectional_left2right,
                                            &g->src.md, iter_md, &any_wl, &any_wi, &g->bias.md,
                                            &g->dst.md, iter_md, 0);
    else
        st = dnnl_gru_forward_desc_init(&fd, prop, dnnl_unidirectional_left2right,
                                        &g->src.md, iter_md, &any_wl, &any_wi, &g->bias.md,
                                        &g->dst.md, iter_md, 0);
    if (st == dnnl_success) st = dnnl_primitive_desc_create(&g->fwd_pd, &fd, attr, g->eng, NULL);
    if (st != dnnl_success) {
        dnnl_primitive_attr_destroy(attr);
        return fail("forward GRU primitive descriptor: oneDNN status %d", (int)st);
    }
    const char *impl = NULL;
    dnnl_primitive_desc_query(g->fwd_pd, dnnl_query_impl_info_str, 0, &impl);
    snprintf(g->impl, sizeof g->impl, "%s", impl ? impl : "?");

    if (dbuf_alloc(&g->src, g->eng) || dbuf_alloc(&g->dst, g->eng) ||
        dbuf_alloc(&g->bias, g->eng) || dbuf_alloc(&g->u_wl, g->eng) ||
        dbuf_alloc(&g->u_wi, g->eng) ||
        pd_md(g->fwd_pd, DNNL_ARG_WEIGHTS_LAYER, &g->f_wl, g->eng) ||
        pd_md(g->fwd_pd, DNNL_ARG_WEIGHTS_ITER, &g->f_wi, g->eng) ||
        pd_md(g->fwd_pd, DNNL_ARG_SCRATCHPAD, &g->sp_fwd, g->eng)) {
        dnnl_primitive_attr_destroy(attr);
        return -1;
    }
    if (g->stream && (dbuf_alloc(&g->it[0], g->eng) || dbuf_alloc(&g->it[1], g->eng))) {
        dnnl_primitive_attr_destroy(attr);
        return -1;
    }
    if (g->training && pd_md(g->fwd_pd, DNNL_ARG_WORKSPACE, &g->ws, g->eng)) {
        dnnl_primitive_attr_destroy(attr);
        return -1;
    }
    st = dnnl_primitive_create(&g->fwd, g->fwd_pd);
    if (st != dnnl_success) {
        dnnl_primitive_attr_destroy(attr);
        return fail("forward GRU primitive: oneDNN status %d", (int)st);
    }

    if (g->training) {
        dnnl_memory_desc_t any_dwl, any_dwi;
        if (md_tag(&g->diff_src.md, 3, d_src, dnnl_tnc) ||
            md_tag(&g->diff_dst.md, 3, d_dst, dnnl_tnc) ||
            md_tag(&g->diff_bias.md, 4, d_b, dnnl_ldgo) ||
            md_tag(&any_dwl, 5, d_wl, dnnl_format_tag_any) ||
            md_tag(&any_dwi, 5, d_wi, dnnl_format_tag_any)) {
            dnnl_primitive_attr_destroy(attr);
            return -1;
        }
        dnnl_rnn_desc_t bd;
        if (g->lbr)
            st = dnnl_lbr_gru_backward_desc_init(
                &bd, dnnl_backward, dnnl_unidirectional_left2right, &g->src.md, NULL,
                &any_wl, &any_wi, &g->bias.md, &g->dst.md, NULL, &g->diff_src.md, NULL,
                &any_dwl, &any_dwi, &g->diff_bias.md, &g->diff_dst.md, NULL, 0);
        else
            st = dnnl_gru_backward_desc_init(
                &bd, dnnl_backward, dnnl_unidirectional_left2right, &g->src.md, NULL,
                &any_wl, &any_wi, &g->bias.md, &g->dst.md, NULL, &g->diff_src.md, NULL,
                &any_dwl, &any_dwi, &g->diff_bias.md, &g->diff_dst.md, NULL, 0);
        if (st == dnnl_success)
            st = dnnl_primitive_desc_create(&g->bwd_pd, &bd, attr, g->eng, g->fwd_pd);
        if (st != dnnl_success) {
            dnnl_primitive_attr_destroy(attr);
            return fail("backward GRU primitive descriptor: oneDNN status %d", (int)st);
        }
        if (dbuf_alloc(&g->diff_src, g->eng) || dbuf_alloc(&g->diff_dst, g->eng) ||
            dbuf_alloc(&g->diff_bias, g->eng) ||
            pd_md(g->bwd_pd, DNNL_ARG_WEIGHTS_LAYER, &g->b_wl, g->eng) ||
            pd_md(g->bwd_pd, DNNL_ARG_WEIGHTS_ITER, &g->b_wi, g->eng) ||
            pd_md(g->bwd_pd, DNNL_ARG_DIFF_WEIGHTS_LAYER, &g->d_wl, g->eng) ||
            pd_md(g->bwd_pd, DNNL_ARG_DIFF_WEIGHTS_ITER, &g->d_wi, g->eng) ||
            pd_md(g->bwd_pd, DNNL_ARG_SCRATCHPAD, &g->sp_bwd, g->eng)) {
            dnnl_primitive_attr_destroy(attr);
            return -1;
        }
        st = dnnl_primitive_create(&g->bwd, g->bwd_pd);
        if (st != dnnl_success) {
            dnnl_primitive_attr_destroy(attr);
            return fail("backward GRU primitive: oneDNN status %d", (int)st);
        }
    }
    dnnl_primitive_attr_destroy(attr);
    return 0;
}

int bench_dnnl_gru_create(int64_t B, int64_t T, int64_t I, int64_t H, bool reset_after,
                          bool training, bench_dnnl_gru **out)
{
    *out = NULL;
    bench_dnnl_gru *g = calloc(1, sizeof *g);
    if (!g) return fail("out of memory");
    g->B = B; g->T = T; g->I = I; g->H = H;
    g->lbr = reset_after;
    g->training = training;
    g->G = reset_after ? 4 : 3;
    if (create_impl(g)) {
        bench_dnnl_gru_destroy(g);
        return -1;
    }
    *out = g;
    return 0;
}

int bench_dnnl_gru_create_stream(int64_t B, int64_t I, int64_t H, bool reset_after,
                                 bench_dnnl_gru **out)
{
    *out = NULL;
    bench_dnnl_gru *g = calloc(1, sizeof *g);
    if (!g) return fail("out of memory");
    g->B = B; g->T = 1; g->I = I; g->H = H;
    g->lbr = reset_after;
    g->stream = true;
    g->G = reset_after ? 4 : 3;
    if (create_impl(g)) {
        bench_dnnl_gru_destroy(g);
        return -1;
    }
    *out = g;
    return 0;
}

void bench_dnnl_gru_stream_reset(bench_dnnl_gru *g)
{
    if (!g->stream) return;
    memset(g->it[0].data, 0, g->it[0].bytes);
    memset(g->it[1].data, 0, g->it[1].bytes);
    g->cur = 0;
}

int bench_dnnl_gru_step(bench_dnnl_gru *g, const float *x_t)
{
    if (!g->stream) return fail("step on an object not made by bench_dnnl_gru_create_stream");
    memcpy(g->src.data, x_t, (size_t)(g->B * g->I) * sizeof(float));
    dnnl_exec_arg_t a[8] = {
        {DNNL_ARG_SRC_LAYER, g->src.mem},      {DNNL_ARG_SRC_ITER, g->it[g->cur].mem},
        {DNNL_ARG_WEIGHTS_LAYER, g->f_wl.mem}, {DNNL_ARG_WEIGHTS_ITER, g->f_wi.mem},
        {DNNL_ARG_BIAS, g->bias.mem},          {DNNL_ARG_DST_LAYER, g->dst.mem},
        {DNNL_ARG_DST_ITER, g->it[1 - g->cur].mem}, {DNNL_ARG_SCRATCHPAD, g->sp_fwd.mem}};
    DN(dnnl_primitive_execute(g->fwd, g->stream_, 8, a));
    DN(dnnl_stream_wait(g->stream_));
    g->cur = 1 - g->cur;
    return 0;
}

void bench_dnnl_gru_destroy(bench_dnnl_gru *g)
{
    if (!g) return;
    if (g->fwd) dnnl_primitive_destroy(g->fwd);
    if (g->bwd) dnnl_primitive_destroy(g->bwd);
    if (g->fwd_pd) dnnl_primitive_desc_destroy(g->fwd_pd);
    if (g->bwd_pd) dnnl_primitive_desc_destroy(g->bwd_pd);
    dbuf *all[] = {&g->src, &g->dst, &g->bias, &g->diff_dst, &g->diff_src, &g->diff_bias,
                   &g->u_wl, &g->u_wi, &g->f_wl, &g->f_wi, &g->b_wl, &g->b_wi,
                   &g->d_wl, &g->d_wi, &g->ws, &g->sp_fwd, &g->sp_bwd, &g->it[0], &g->it[1]};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) dbuf_free(all[i]);
    if (g->stream_) dnnl_stream_destroy(g->stream_);
    if (g->eng) dnnl_engine_destroy(g->eng);
    free(g);
}

int bench_dnnl_gru_set_weights(bench_dnnl_gru *g, const float *kernel,
                               const float *recurrent_kernel, const float *bias)
{
    const int64_t I = g->I, H = g->H;
    /* Keras (I, 3H) with column blocks z|r|h == ldigo (1,1,I,3,H) with gates u,r,o. */
    memcpy(g->u_wl.data, kernel, (size_t)(I * 3 * H) * sizeof(float));
    memcpy(g->u_wi.data, recurrent_kernel, (size_t)(H * 3 * H) * sizeof(float));
    float *b = g->bias.data; /* (G, H) */
    if (!bias) {
        memset(b, 0, (size_t)(g->G * H) * sizeof(float));
    } else if (!g->lbr) {
        memcpy(b, bias, (size_t)(3 * H) * sizeof(float));
    } else {
        const float *bi = bias, *br = bias + 3 * H; /* (2, 3H): input row, recurrent row */
        for (int64_t j = 0; j < H; j++) {
            b[0 * H + j] = bi[0 * H + j] + br[0 * H + j]; /* u = z */
            b[1 * H + j] = bi[1 * H + j] + br[1 * H + j]; /* r */
            b[2 * H + j] = bi[2 * H + j];                 /* o = h, input part */
            b[3 * H + j] = br[2 * H + j];                 /* u' = h, recurrent part */
        }
    }
    if (reorder(g, &g->u_wl, &g->f_wl) || reorder(g, &g->u_wi, &g->f_wi)) return -1;
    if (g->training && (reorder(g, &g->u_wl, &g->b_wl) || reorder(g, &g->u_wi, &g->b_wi)))
        return -1;
    return 0;
}

float *bench_dnnl_gru_src(bench_dnnl_gru *g) { return g->src.data; }
float *bench_dnnl_gru_dst(bench_dnnl_gru *g) { return g->dst.data; }
float *bench_dnnl_gru_diff_dst(bench_dnnl_gru *g) { return g->training ? g->diff_dst.data : NULL; }
float *bench_dnnl_gru_diff_src(bench_dnnl_gru *g) { return g->training ? g->diff_src.data : NULL; }

int bench_dnnl_gru_forward(bench_dnnl_gru *g)
{
    dnnl_exec_arg_t a[8];
    int n = 0;
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC_LAYER, g->src.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS_LAYER, g->f_wl.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS_ITER, g->f_wi.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, g->bias.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_DST_LAYER, g->dst.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, g->sp_fwd.mem};
    if (g->training) a[n++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, g->ws.mem};
    DN(dnnl_primitive_execute(g->fwd, g->stream_, n, a));
    DN(dnnl_stream_wait(g->stream_));
    return 0;
}

int bench_dnnl_gru_backward(bench_dnnl_gru *g)
{
    if (!g->training) return fail("backward on an inference object");
    dnnl_exec_arg_t a[14];
    int n = 0;
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC_LAYER, g->src.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS_LAYER, g->b_wl.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS_ITER, g->b_wi.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, g->bias.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_DST_LAYER, g->dst.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST_LAYER, g->diff_dst.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, g->ws.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_SRC_LAYER, g->diff_src.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_WEIGHTS_LAYER, g->d_wl.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_WEIGHTS_ITER, g->d_wi.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_BIAS, g->diff_bias.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, g->sp_bwd.mem};
    DN(dnnl_primitive_execute(g->bwd, g->stream_, n, a));
    DN(dnnl_stream_wait(g->stream_));
    return 0;
}

void bench_dnnl_gru_zero_grads(bench_dnnl_gru *g)
{
    if (!g->training) return;
    memset(g->d_wl.data, 0, g->d_wl.bytes);
    memset(g->d_wi.data, 0, g->d_wi.bytes);
    memset(g->diff_bias.data, 0, g->diff_bias.bytes);
}

int bench_dnnl_gru_get_grads(bench_dnnl_gru *g, float *d_kernel, float *d_recurrent,
                             float *d_bias)
{
    if (!g->training) return fail("gradients of an inference object");
    const int64_t H = g->H;
    /* Reorder the gradients back to ldigo (= Keras layout) through the user buffers. */
    dbuf tl = {0}, ti = {0};
    tl.md = g->u_wl.md;
    ti.md = g->u_wi.md;
    if (dbuf_alloc(&tl, g->eng) || dbuf_alloc(&ti, g->eng) || reorder(g, &g->d_wl, &tl) ||
        reorder(g, &g->d_wi, &ti)) {
        dbuf_free(&tl);
        dbuf_free(&ti);
        return -1;
    }
    memcpy(d_kernel, tl.data, (size_t)(g->I * 3 * H) * sizeof(float));
    memcpy(d_recurrent, ti.data, (size_t)(H * 3 * H) * sizeof(float));
    dbuf_free(&tl);
    dbuf_free(&ti);
    const float *db = g->diff_bias.data; /* (G, H) */
    if (!g->lbr) {
        memcpy(d_bias, db, (size_t)(3 * H) * sizeof(float));
    } else {
        float *bi = d_bias, *br = d_bias + 3 * H;
        for (int64_t j = 0; j < H; j++) {
            bi[0 * H + j] = br[0 * H + j] = db[0 * H + j];
            bi[1 * H + j] = br[1 * H + j] = db[1 * H + j];
            bi[2 * H + j] = db[2 * H + j];
            br[2 * H + j] = db[3 * H + j];
        }
    }
    return 0;
}

bench_dnnl_sizes bench_dnnl_gru_sizes(const bench_dnnl_gru *g)
{
    bench_dnnl_sizes s;
    s.workspace = g->training ? g->ws.bytes : 0;
    s.scratchpad_fwd = g->sp_fwd.bytes;
    s.scratchpad_bwd = g->training ? g->sp_bwd.bytes : 0;
    s.weights = g->f_wl.bytes + g->f_wi.bytes + g->bias.bytes;
    return s;
}

const char *bench_dnnl_gru_impl(const bench_dnnl_gru *g) { return g->impl; }

#endif /* BENCH_HAVE_DNNL */
