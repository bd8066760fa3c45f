/* gru_forward(): validates every argument, converts the mask, manages the stateful
 * carry and dispatches to a kernel. No math here. */
#include "gru_internal.h"

#include <string.h>

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

void gru__fwd_layout_get(const gru_layer *layer, int64_t B, int64_t T, gru__fwd_layout *lay)
{
    size_t e = layer->esize, H = (size_t)layer->H, off = 0, n;
    memset(lay, 0, sizeof *lay);
    lay->total = SIZE_MAX;
    size_t sizes[6];
    /* mask (B,T) u8; xp (T,B,3H); h (B,H); hr (B,3H); rh (B,H); started (B) */
    if (!gru__mul_size((size_t)B, (size_t)T, &sizes[0]))
        return;
    if (!gru__mul_size(sizes[0], (size_t)gru__xp_row(B, (int64_t)H), &n) ||
        !gru__mul_size(n, e, &sizes[1]))
        return;
    if (!gru__mul_size((size_t)B, H * e, &sizes[2]))
        return;
    sizes[3] = 3 * sizes[2];
    sizes[4] = sizes[2];
    sizes[5] = (size_t)B;
    size_t *fields[6] = {&lay->mask, &lay->xp, &lay->h, &lay->hr, &lay->rh, &lay->started};
    for (int i = 0; i < 6; i++) {
        if (sizes[i] > SIZE_MAX / 2 - off)
            return;
        *fields[i] = off;
        off += align64(sizes[i]);
    }
    lay->total = off;
}

size_t gru__fwd_ws_bytes(const gru_layer *layer, int64_t B, int64_t T)
{
    gru__fwd_layout lay;
    gru__fwd_layout_get(layer, B, T, &lay);
    return lay.total;
}

/* The mask rule of every entry point: element i of a mask of any supported dtype is
 * "keep" when nonzero (float16: any bit but the sign; NaN counts as nonzero). */
int gru__mask_keep(const gru_tensor *m, int64_t i)
{
    const void *d = m->data;
    switch (m->dtype) {
    case GRU_FLOAT32: return ((const float *)d)[i] != 0.0f;
    case GRU_FLOAT64: return ((const double *)d)[i] != 0.0;
    case GRU_FLOAT16: return (((const uint16_t *)d)[i] & 0x7fff) != 0;
    case GRU_BOOL:
    case GRU_INT8:
    case GRU_UINT8: return ((const uint8_t *)d)[i] != 0;
    case GRU_INT16:
    case GRU_UINT16: return ((const uint16_t *)d)[i] != 0;
    case GRU_INT32:
    case GRU_UINT32: return ((const uint32_t *)d)[i] != 0;
    default: return ((const uint64_t *)d)[i] != 0;
    }
}

void gru__convert_mask(const gru_tensor *m, int64_t n, uint8_t *out)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = (uint8_t)gru__mask_keep(m, i);
}

int gru__fail_clear(int rc, const gru_layer *layer, gru_tensor *t1, gru_tensor *t2)
{
    gru_tensor *outs[2] = {t1, t2};
    for (int i = 0; i < 2; i++) {
        gru_tensor *t = outs[i];
        if (!t || !t->data || t->dtype != layer->cfg.dtype)
            continue;
        int64_t n = gru_tensor_numel(t); /* -1 for a bad ndim or shape */
        if (n > 0 && (uint64_t)n <= SIZE_MAX / layer->esize)
            memset(t->data, 0, (size_t)n * layer->esize);
    }
    return rc;
}

/* Check the arguments of a whole-sequence call (gru_forward, gru_forward_train): x (B, T, I)
 * in the layer's dtype (B and T fixed by the config when it fixes them), mask (B, T) of a
 * mask dtype, initial_state (B, H), output (B, T, H) or (B, H), state (B, H) (required
 * with return_state). Sets *B_out and *T_out on success. */
int gru__check_sequence_args(const gru_layer *layer, const gru_tensor *x, const gru_tensor *mask,
                             const gru_tensor *initial_state, const gru_tensor *output,
                             const gru_tensor *state, int64_t *B_out, int64_t *T_out)
{
    const gru_config *c = &layer->cfg;
    const gru_dtype dt = c->dtype;
    int rc;
    char shp[96];

    /* x (B, T, I) */
    if (!x)
        return gru__error(GRU_ERR_NULL, "x: is NULL");
    if (x->ndim != 3) {
        gru__shape_str(shp, sizeof shp, x->ndim >= 0 && x->ndim <= GRU_MAX_DIMS ? x->ndim : 0,
                       x->shape);
        return gru__error(GRU_ERR_SHAPE,
                                     "x: expected a 3-D input (B, T, I) = (batch, timesteps, "
                                     "%lld), got %d dimensions %s",
                                     (long long)layer->I, x->ndim, shp);
    }
    int64_t xs[3] = {-1, -1, layer->I};
    if (c->timesteps > 0)
        xs[1] = c->timesteps;
    if (c->batch_size > 0)
        xs[0] = c->batch_size;
    if ((rc = gru__check_tensor(x, "x", dt, 3, xs)))
        return rc;
    const int64_t B = x->shape[0], T = x->shape[1], H = layer->H;
    *B_out = B;
    *T_out = T;

    if (mask) {
        int64_t ms[2] = {B, T};
        if (gru_dtype_size(mask->dtype) == 0)
            return gru__error(GRU_ERR_SHAPE, "mask: unsupported dtype %d",
                                         (int)mask->dtype);
        if ((rc = gru__check_tensor(mask, "mask", GRU_DTYPE_INVALID, 2, ms)))
            return rc;
    }
    int64_t hs[2] = {B, H};
    if (initial_state && (rc = gru__check_tensor(initial_state, "initial_state", dt, 2, hs)))
        return rc;
    if (!output)
        return gru__error(GRU_ERR_NULL, "output: is NULL");
    if (c->return_sequences) {
        int64_t os[3] = {B, T, H};
        rc = gru__check_tensor(output, "output (return_sequences = TRUE)", dt, 3, os);
    } else {
        rc = gru__check_tensor(output, "output (return_sequences = FALSE)", dt, 2, hs);
    }
    if (rc)
        return rc;
    if (c->return_state && !state)
        return gru__error(GRU_ERR_NULL,
                                     "state: is NULL, but return_state = TRUE needs (%lld, %lld)",
                                     (long long)B, (long long)H);
    if (state && (rc = gru__check_tensor(state, "state", dt, 2, hs)))
        return rc;

    return GRU_OK;
}

int gru_forward(gru_layer *layer, const gru_tensor *x, const gru_tensor *mask,
                const gru_tensor *initial_state, gru_tensor *output, gru_tensor *state)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    const gru_config *c = &layer->cfg;
    int rc;
    int64_t B, T;
    if ((rc = gru__check_sequence_args(layer, x, mask, initial_state, output, state, &B, &T)))
        return gru__fail_clear(rc, layer, output, state);
    const int64_t H = layer->H;

    if ((rc = gru_layer_reserve(layer, B, T)))
        return gru__fail_clear(rc, layer, output, state);

    gru__fwd_layout lay;
    gru__fwd_layout_get(layer, B, T, &lay);
    char *ws = layer->ws;
    uint8_t *m8 = NULL;
    if (mask) {
        m8 = (uint8_t *)(ws + lay.mask);
        gru__convert_mask(mask, B * T, m8);
    }
    const void *h0 = initial_state ? initial_state->data : (c->stateful ? layer->states : NULL);

    gru__fwd_args a = {
        .layer = layer, .B = B, .T = T, .x = x->data, .mask = m8, .h0 = h0,
        .y = output->data, .h_final = NULL, .ws = ws, .lay = &lay,
    };
    /* The kernel leaves the final state in its h buffer (ws + lay.h); copied out below. */
    gru__select_forward(layer, B, T)(&a);
    if (c->zero_output_for_mask && m8) {
        /* Keras's zero_output_for_mask: a masked step outputs zeros (the kernels repeat
         * the previous output there). Output step s consumed input step t. */
        const size_t rowb = (size_t)H * layer->esize;
        for (int64_t b = 0; b < B; b++) {
            for (int64_t s = c->return_sequences ? 0 : T - 1; s < T; s++) {
                int64_t t = c->go_backwards ? T - 1 - s : s;
                if (m8[b * T + t])
                    continue;
                int64_t row = c->return_sequences ? b * T + s : b;
                memset((char *)output->data + (size_t)row * rowb, 0, rowb);
            }
        }
    }
    size_t hbytes = (size_t)(B * H) * layer->esize;
    if (state)
        memcpy(state->data, ws + lay.h, hbytes);
    if (c->stateful)
        memcpy(layer->states, ws + lay.h, hbytes);
    return GRU_OK;
}
