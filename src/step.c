/* The streaming API: gru_stream_begin() allocates, gru_step() runs one timestep on the
 * state held by the layer with the same kernels as gru_forward() (T = 1), no allocation. */
#include "cpu/fast.h"

#include <string.h>

typedef struct gru__stream {
    int64_t B;
    void *h;             /* (B, H) layer dtype: the stream's state */
    uint8_t *started;    /* (B) a kept step has been seen */
    void *ws;            /* forward workspace for (B, T = 1) */
    gru__fwd_layout lay; /* its layout */
    uint64_t calls;      /* gru_step() calls that ran a step */
} gru__stream;

static void stream_free(gru__stream *s)
{
    if (!s)
        return;
    gru__free(s->h);
    gru__free(s->started);
    gru__free(s->ws);
    gru__free(s);
}

void gru__stream_free(gru_layer *layer)
{
    if (layer) {
        stream_free(layer->stream);
        layer->stream = NULL;
    }
}

int gru_stream_begin(gru_layer *layer, int64_t B, const gru_tensor *h0)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    if (B < 1)
        return gru__error(GRU_ERR_ARG, "B: expected >= 1, got %lld", (long long)B);
    const int64_t H = layer->H;
    int64_t n;
    if (!gru__mul_i64(B, 3 * H, &n) || (uint64_t)n > SIZE_MAX / 8)
        return gru__error(GRU_ERR_ARG, "B: %lld is too large", (long long)B);
    if (h0) {
        int64_t hs[2] = {B, H};
        int rc = gru__check_tensor(h0, "h0", layer->cfg.dtype, 2, hs);
        if (rc)
            return rc;
    }
    size_t hbytes = (size_t)(B * H) * layer->esize;
    gru__fwd_layout lay;
    gru__fwd_layout_get(layer, B, 1, &lay);
    const size_t wsb = lay.total;
    gru__stream *s = gru__alloc(sizeof *s);
    if (s) {
        s->B = B;
        s->calls = 0;
        s->lay = lay;
        s->h = gru__alloc(hbytes);
        s->started = gru__alloc((size_t)B);
        s->ws = wsb == SIZE_MAX ? NULL : gru__alloc(wsb);
    }
    if (!s || !s->h || !s->started || !s->ws) {
        stream_free(s);
        return gru__error(GRU_ERR_NOMEM, "stream: out of memory for B = %lld",
                          (long long)B);
    }
    if (h0)
        memcpy(s->h, h0->data, hbytes);
    gru__kernels_reserve(layer, B);
    stream_free(layer->stream);
    layer->stream = s;
    return GRU_OK;
}

static int step_fail(int rc, const gru_layer *layer, gru_tensor *y_t)
{
    if (y_t && y_t->data && y_t->dtype == layer->cfg.dtype && y_t->ndim == 2 &&
        layer->stream && y_t->shape[0] == layer->stream->B && y_t->shape[1] == layer->H)
        memset(y_t->data, 0, (size_t)(layer->stream->B * layer->H) * layer->esize);
    return rc;
}

int gru_step(gru_layer *layer, const gru_tensor *x_t, const gru_tensor *mask_t,
             gru_tensor *y_t)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    gru__stream *s = layer->stream;
    if (!s)
        return gru__error(GRU_ERR_STATE, "gru_step: no stream; call gru_stream_begin() first");
    const int64_t B = s->B, H = layer->H;
    const gru_dtype dt = layer->cfg.dtype;
    int rc;
    int64_t xs[2] = {B, layer->I}, hs[2] = {B, H}, ms[1] = {B};
    if ((rc = gru__check_tensor(x_t, "x_t", dt, 2, xs)))
        return step_fail(rc, layer, y_t);
    if (mask_t) {
        if (gru_dtype_size(mask_t->dtype) == 0)
            return step_fail(gru__error(GRU_ERR_SHAPE, "mask_t: unsupported dtype %d",
                                        (int)mask_t->dtype),
                             layer, y_t);
        if ((rc = gru__check_tensor(mask_t, "mask_t", GRU_DTYPE_INVALID, 1, ms)))
            return step_fail(rc, layer, y_t);
    }
    if ((rc = gru__check_tensor(y_t, "y_t", dt, 2, hs)))
        return step_fail(rc, layer, y_t);

    const gru__fwd_layout *lay = &s->lay;
    char *ws = s->ws;
    uint8_t *m8 = NULL;
    if (mask_t) {
        m8 = (uint8_t *)(ws + lay->mask);
        for (int64_t b = 0; b < B; b++)
            m8[b] = (uint8_t)gru__mask_keep(mask_t, b);
    }
    gru__fwd_args a = {
        .layer = layer, .B = B, .T = 1, .x = x_t->data, .mask = m8, .h0 = s->h,
        .y = y_t->data, .h_final = NULL, .ws = ws, .alt = (s->calls++ & 1) != 0,
        .lay = lay,
    };
    gru__select_forward(layer, B, 1)(&a);
    const size_t rowb = (size_t)H * layer->esize;
    memcpy(s->h, ws + lay->h, (size_t)B * rowb);
    /* The kernel saw one step: a masked row got zeros; the stream's previous output is
     * the state once a kept step has been seen. */
    for (int64_t b = 0; b < B; b++) {
        if (!m8 || m8[b]) {
            s->started[b] = 1;
        } else if (s->started[b] && !layer->cfg.zero_output_for_mask) {
            memcpy((char *)y_t->data + (size_t)b * rowb, (char *)s->h + (size_t)b * rowb, rowb);
        }
    }
    return GRU_OK;
}

int gru_stream_get_state(const gru_layer *layer, gru_tensor *h)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    if (!layer->stream)
        return gru__error(GRU_ERR_STATE,
                          "gru_stream_get_state: no stream; call gru_stream_begin() first");
    int64_t hs[2] = {layer->stream->B, layer->H};
    int rc = gru__check_tensor(h, "h", layer->cfg.dtype, 2, hs);
    if (rc)
        return rc;
    memcpy(h->data, layer->stream->h, (size_t)(hs[0] * hs[1]) * layer->esize);
    return GRU_OK;
}
