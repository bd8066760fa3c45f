/* The training entry points: gru_forward_train(), gru_backward() and the dropout masks.
 * They validate every argument, lay out the caller's workspace, draw or copy the dropout
 * multipliers and dispatch to a kernel. No math here beyond that. */
#include "gru_train_internal.h"
#include "cpu/train_fast.h"

#include <string.h>

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

void gru__train_layout_get(const gru_layer *layer, int64_t B, int64_t T, gru__train_layout *lay)
{
    const size_t e = layer->esize;
    memset(lay, 0, sizeof *lay);
    lay->total = SIZE_MAX;
    if (B < 1 || T < 1)
        return;
    const size_t sB = (size_t)B, sT = (size_t)T, I = (size_t)layer->I, H = (size_t)layer->H;
    const size_t IH = I > H ? I : H;
    size_t TB, BH, BI, TBH, TBI, TBIH, T1BH;
    if (!gru__mul_size(sT, sB, &TB) || !gru__mul_size(sB, H, &BH) ||
        !gru__mul_size(sB, I, &BI) || !gru__mul_size(TB, H, &TBH) ||
        !gru__mul_size(TB, I, &TBI) || !gru__mul_size(TB, IH, &TBIH) ||
        !gru__mul_size(sT + 1, BH, &T1BH))
        return;
    /* element counts; each times e must fit (checked below) */
    struct { size_t *field; size_t count; size_t unit; } parts[] = {
        {&lay->hdr, 1, sizeof(gru__train_hdr)},
        {&lay->mask, TB, 1},
        {&lay->first, sB, sizeof(int64_t)},
        {&lay->x, TBI, e},
        {&lay->mx, BI, 3 * e},
        {&lay->mh, BH, 3 * e},
        {&lay->hs, T1BH, e},
        {&lay->pre, TBH, 3 * e},
        {&lay->act, TBH, 3 * e},
        {&lay->c, TBH, e},
        {&lay->hr, BH, 3 * e},
        {&lay->hm, BH, e},
        {&lay->hm3, BH, 6 * e},
        {&lay->dg, TBH, 3 * e},
        {&lay->dgr, layer->cfg.reset_after ? TBH : 0, 3 * e},
        {&lay->dh, BH, e},
        {&lay->dt, BH, e},
        {&lay->big, TBIH, e},
        {&lay->dxs, TBI, e},
        {&lay->ut, 3 * H, H * e},
        /* float32: room for the fast path's packed K^T, I rounded up to GRU__TRAIN_ROUND */
        {&lay->kt, 3 * H, (e == sizeof(float) ? GRU__TRAIN_RUP(I) : I) * e},
        {&lay->dbs, 2 * 3 * H, e},
        {&lay->upk, e == sizeof(float) ? GRU__TRAIN_UPK(H) : 0, e},
    };
    size_t off = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t bytes;
        if (!gru__mul_size(parts[i].count, parts[i].unit, &bytes) || bytes > SIZE_MAX / 4 ||
            off > SIZE_MAX / 2 - align64(bytes))
            return;
        *parts[i].field = off;
        off += align64(bytes);
    }
    lay->total = off;
}

int gru_train_workspace_size(const gru_layer *layer, int64_t B, int64_t T, size_t *bytes)
{
    if (bytes)
        *bytes = 0;
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    if (!bytes)
        return gru__error(GRU_ERR_NULL, "bytes: is NULL");
    if (B < 1 || T < 1)
        return gru__error(GRU_ERR_ARG, "%s: expected >= 1, got %lld", B < 1 ? "B" : "T",
                          (long long)(B < 1 ? B : T));
    gru__train_layout lay;
    gru__train_layout_get(layer, B, T, &lay);
    if (lay.total == SIZE_MAX)
        return gru__error(GRU_ERR_ARG, "B = %lld, T = %lld: the training workspace size "
                                       "overflows",
                          (long long)B, (long long)T);
    *bytes = lay.total;
    return GRU_OK;
}

static bool rate_active(double rate) { return rate > 0.0 && rate < 1.0; }

/* Fill n multipliers at dst (layer dtype): 1/(1-rate) where u >= rate, else 0. */
static void draw_mask(gru__rng *rng, double rate, size_t esize, int64_t n, void *dst)
{
    const double keep = 1.0 / (1.0 - rate);
    for (int64_t i = 0; i < n; i++) {
        double v = gru__rng_uniform(rng) >= rate ? keep : 0.0;
        if (esize == sizeof(float))
            ((float *)dst)[i] = (float)v;
        else
            ((double *)dst)[i] = v;
    }
}

static void fill_ones(size_t esize, int64_t n, void *dst)
{
    for (int64_t i = 0; i < n; i++) {
        if (esize == sizeof(float))
            ((float *)dst)[i] = 1.0f;
        else
            ((double *)dst)[i] = 1.0;
    }
}

/* The layer's dropout generator, loaded into *rng (seeded from cfg.seed at first use);
 * store_rng() writes it back after the draws. */
static void load_rng(gru_layer *layer, gru__rng *rng)
{
    if (!layer->dropout_seeded) {
        /* a stream distinct from the initializers' (which derive from the seed itself) */
        gru__rng_seed(rng, layer->cfg.seed ^ 0xd1b54a32d192ed03ull);
        layer->dropout_seeded = true;
    } else {
        memcpy(rng->s, layer->dropout_rng, sizeof rng->s);
    }
}

static void store_rng(gru_layer *layer, const gru__rng *rng)
{
    memcpy(layer->dropout_rng, rng->s, sizeof rng->s);
}

int gru_train_seed_dropout(gru_layer *layer, uint64_t seed)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    gru__rng r;
    gru__rng_seed(&r, seed);
    memcpy(layer->dropout_rng, r.s, sizeof r.s);
    layer->dropout_seeded = true;
    return GRU_OK;
}

static int check_workspace(void *workspace, size_t workspace_bytes, size_t need,
                           int64_t B, int64_t T)
{
    if (!workspace)
        return gru__error(GRU_ERR_NULL, "workspace: is NULL");
    if ((uintptr_t)workspace % 8 != 0)
        return gru__error(GRU_ERR_ARG, "workspace: must be aligned to 8 bytes (64 "
                                       "recommended)");
    if (workspace_bytes < need)
        return gru__error(GRU_ERR_BUFFER,
                          "workspace: %zu bytes is too small for B = %lld, T = %lld: need %zu "
                          "(gru_train_workspace_size)",
                          workspace_bytes, (long long)B, (long long)T, need);
    return GRU_OK;
}

int gru_forward_train(gru_layer *layer, const gru_tensor *x, const gru_tensor *mask,
                      const gru_tensor *initial_state, gru_tensor *output, gru_tensor *state,
                      void *workspace, size_t workspace_bytes, const gru_dropout_masks *masks)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    const gru_config *c = &layer->cfg;
    const gru_dtype dt = c->dtype;
    const int64_t I = layer->I, H = layer->H;
    int rc;

    /* A workspace that fails validation must not look filled. */
    if (workspace && workspace_bytes >= sizeof(gru__train_hdr) &&
        (uintptr_t)workspace % 8 == 0)
        ((gru__train_hdr *)workspace)->magic = 0;

    if (c->zero_output_for_mask && mask)
        return gru__fail_clear(gru__error(GRU_ERR_UNSUPPORTED,
                                     "zero_output_for_mask: TRUE with a mask is supported for "
                                     "inference only (gru_forward), not for training"),
                          layer, output, state);
    int64_t B, T;
    if ((rc = gru__check_sequence_args(layer, x, mask, initial_state, output, state, &B, &T)))
        return gru__fail_clear(rc, layer, output, state);
    if (masks && masks->input) {
        int64_t s3[3] = {3, B, I};
        if ((rc = gru__check_tensor(masks->input, "masks->input", dt, 3, s3)))
            return gru__fail_clear(rc, layer, output, state);
    }
    if (masks && masks->recurrent) {
        int64_t s3[3] = {3, B, H};
        if ((rc = gru__check_tensor(masks->recurrent, "masks->recurrent", dt, 3, s3)))
            return gru__fail_clear(rc, layer, output, state);
    }
    gru__train_layout lay;
    gru__train_layout_get(layer, B, T, &lay);
    if (lay.total == SIZE_MAX)
        return gru__fail_clear(gru__error(GRU_ERR_ARG, "B = %lld, T = %lld: the training "
                                                  "workspace size overflows",
                                     (long long)B, (long long)T),
                          layer, output, state);
    if ((rc = check_workspace(workspace, workspace_bytes, lay.total, B, T)))
        return gru__fail_clear(rc, layer, output, state);

    /* Lay out the workspace: header, mask, first kept step, dropout multipliers. */
    char *ws = workspace;
    gru__train_hdr *hdr = (gru__train_hdr *)(ws + lay.hdr);
    memset(hdr, 0, sizeof *hdr);
    hdr->layer = layer;
    hdr->B = B;
    hdr->T = T;
    uint8_t *m8 = (uint8_t *)(ws + lay.mask);
    int64_t *first = (int64_t *)(ws + lay.first);
    if (mask) {
        gru__convert_mask(mask, B * T, m8);
        hdr->has_mask = 1;
    }
    for (int64_t b = 0; b < B; b++) {
        first[b] = T;
        for (int64_t s = 0; s < T; s++) {
            int64_t t = c->go_backwards ? T - 1 - s : s;
            if (!mask || m8[b * T + t]) {
                first[b] = s;
                break;
            }
        }
    }
    const size_t e = layer->esize;
    char *mx = ws + lay.mx, *mh = ws + lay.mh;
    const int64_t nBI = B * I, nBH = B * H;
    if (masks) {
        if (masks->input) {
            memcpy(mx, masks->input->data, (size_t)(3 * nBI) * e);
            bool shared = memcmp(mx, mx + nBI * e, (size_t)nBI * e) == 0 &&
                          memcmp(mx, mx + 2 * nBI * e, (size_t)nBI * e) == 0;
            hdr->xdrop = shared ? 1 : 3;
        }
        if (masks->recurrent) {
            memcpy(mh, masks->recurrent->data, (size_t)(3 * nBH) * e);
            hdr->hdrop = 3;
        }
    } else {
        const bool xd = rate_active(c->dropout), hd = rate_active(c->recurrent_dropout);
        gru__rng rngv, *rng = &rngv;
        if (xd || hd)
            load_rng(layer, rng);
        if (xd && hd) {
            /* implementation 1: three independent input masks */
            for (int g = 0; g < 3; g++)
                draw_mask(rng, c->dropout, e, nBI, mx + (size_t)(g * nBI) * e);
            hdr->xdrop = 3;
        } else if (xd) {
            /* one mask shared by the three gates */
            draw_mask(rng, c->dropout, e, nBI, mx);
            memcpy(mx + (size_t)nBI * e, mx, (size_t)nBI * e);
            memcpy(mx + (size_t)(2 * nBI) * e, mx, (size_t)nBI * e);
            hdr->xdrop = 1;
        }
        if (hd) {
            for (int g = 0; g < 3; g++)
                draw_mask(rng, c->recurrent_dropout, e, nBH, mh + (size_t)(g * nBH) * e);
            hdr->hdrop = 3;
        }
        if (xd || hd)
            store_rng(layer, rng);
    }
    if (!hdr->xdrop)
        fill_ones(e, 3 * nBI, mx);
    if (!hdr->hdrop)
        fill_ones(e, 3 * nBH, mh);

    const void *h0 = initial_state ? initial_state->data : (c->stateful ? layer->states : NULL);
    gru__train_args a = {
        .layer = layer, .B = B, .T = T, .ws = ws, .lay = &lay, .x = x->data, .h0 = h0,
        .y = output->data, .h_final = state ? state->data : NULL,
    };
    const int isa = gru__train_fast_isa(layer);
    if (dt == GRU_FLOAT64)
        gru__train_forward_ref_f64(&a);
    else if (isa != GRU__ISA_REF)
        gru__train_forward_fast_f32(&a, isa);
    else
        gru__train_forward_ref_f32(&a);
    if (c->stateful)
        memcpy(layer->states, ws + lay.hs + (size_t)(T * nBH) * e, (size_t)nBH * e);
    hdr->magic = GRU__TRAIN_MAGIC;
    return GRU_OK;
}

/* The header of a filled workspace, or NULL after recording an error. */
static const gru__train_hdr *filled_header(const gru_layer *layer, const void *workspace,
                                           size_t workspace_bytes, gru__train_layout *lay,
                                           int *rc)
{
    *rc = GRU_OK;
    if (!workspace) {
        *rc = gru__error(GRU_ERR_NULL, "workspace: is NULL");
        return NULL;
    }
    const gru__train_hdr *hdr = workspace;
    if ((uintptr_t)workspace % 8 != 0 || workspace_bytes < sizeof *hdr ||
        hdr->magic != GRU__TRAIN_MAGIC || hdr->layer != layer) {
        *rc = gru__error(GRU_ERR_STATE, "workspace: not filled by gru_forward_train() on this "
                                        "layer");
        return NULL;
    }
    gru__train_layout_get(layer, hdr->B, hdr->T, lay);
    if (lay->total == SIZE_MAX || workspace_bytes < lay->total) {
        *rc = gru__error(GRU_ERR_BUFFER,
                         "workspace: %zu bytes is smaller than the forward call on B = %lld, "
                         "T = %lld needs",
                         workspace_bytes, (long long)hdr->B, (long long)hdr->T);
        return NULL;
    }
    return hdr;
}

int gru_train_get_dropout_masks(const gru_layer *layer, const void *workspace,
                                size_t workspace_bytes, gru_tensor *input,
                                gru_tensor *recurrent)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    gru__train_layout lay;
    int rc;
    const gru__train_hdr *hdr = filled_header(layer, workspace, workspace_bytes, &lay, &rc);
    if (!hdr)
        return rc;
    int64_t si[3] = {3, hdr->B, layer->I}, sh[3] = {3, hdr->B, layer->H};
    if (input && (rc = gru__check_tensor(input, "input", layer->cfg.dtype, 3, si)))
        return rc;
    if (recurrent && (rc = gru__check_tensor(recurrent, "recurrent", layer->cfg.dtype, 3, sh)))
        return rc;
    const char *ws = workspace;
    if (input)
        memcpy(input->data, ws + lay.mx, (size_t)(3 * hdr->B * layer->I) * layer->esize);
    if (recurrent)
        memcpy(recurrent->data, ws + lay.mh, (size_t)(3 * hdr->B * layer->H) * layer->esize);
    return GRU_OK;
}

int gru_backward(gru_layer *layer, void *workspace, size_t workspace_bytes,
                 const gru_tensor *dy, const gru_tensor *dy_state, gru_tensor *dx,
                 gru_tensor *dh0, const gru_grads *grads, unsigned flags)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    const gru_config *c = &layer->cfg;
    const gru_dtype dt = c->dtype;
    const int64_t I = layer->I, H = layer->H;
    gru__train_layout lay;
    int rc;
    const gru__train_hdr *hdr = filled_header(layer, workspace, workspace_bytes, &lay, &rc);
    if (!hdr)
        return gru__fail_clear(rc, layer, dx, dh0);
    const int64_t B = hdr->B, T = hdr->T;
    int64_t hs[2] = {B, H};

    if (flags & ~GRU_GRAD_OVERWRITE)
        return gru__fail_clear(gru__error(GRU_ERR_ARG, "flags: unknown bits 0x%x (accepted: "
                                                  "GRU_GRAD_OVERWRITE)",
                                     flags & ~GRU_GRAD_OVERWRITE),
                          layer, dx, dh0);
    if (dy) {
        if (c->return_sequences) {
            int64_t os[3] = {B, T, H};
            rc = gru__check_tensor(dy, "dy (return_sequences = TRUE)", dt, 3, os);
        } else {
            rc = gru__check_tensor(dy, "dy (return_sequences = FALSE)", dt, 2, hs);
        }
        if (rc)
            return gru__fail_clear(rc, layer, dx, dh0);
    }
    if (dy_state) {
        if (!c->return_state)
            return gru__fail_clear(gru__error(GRU_ERR_ARG, "dy_state: given, but the layer has "
                                                      "return_state = FALSE (no state output)"),
                              layer, dx, dh0);
        if ((rc = gru__check_tensor(dy_state, "dy_state", dt, 2, hs)))
            return gru__fail_clear(rc, layer, dx, dh0);
    }
    if (dx) {
        int64_t xs[3] = {B, T, I};
        if ((rc = gru__check_tensor(dx, "dx", dt, 3, xs)))
            return gru__fail_clear(rc, layer, dx, dh0);
    }
    if (dh0 && (rc = gru__check_tensor(dh0, "dh0", dt, 2, hs)))
        return gru__fail_clear(rc, layer, dx, dh0);

    void *dk = NULL, *drk = NULL, *db = NULL;
    if (grads && c->trainable) {
        int64_t ks[2] = {I, 3 * H}, rs[2] = {H, 3 * H}, bs[2] = {2, 3 * H};
        if (grads->kernel && (rc = gru__check_tensor(grads->kernel, "grads->kernel", dt, 2, ks)))
            return gru__fail_clear(rc, layer, dx, dh0);
        if (grads->recurrent_kernel &&
            (rc = gru__check_tensor(grads->recurrent_kernel, "grads->recurrent_kernel", dt, 2,
                                    rs)))
            return gru__fail_clear(rc, layer, dx, dh0);
        if (grads->bias) {
            if (!c->use_bias)
                return gru__fail_clear(gru__error(GRU_ERR_ARG, "grads->bias: must be NULL when "
                                                          "use_bias = FALSE"),
                                  layer, dx, dh0);
            rc = c->reset_after
                     ? gru__check_tensor(grads->bias, "grads->bias (reset_after = TRUE)", dt,
                                         2, bs)
                     : gru__check_tensor(grads->bias, "grads->bias (reset_after = FALSE)", dt,
                                         1, bs + 1);
            if (rc)
                return gru__fail_clear(rc, layer, dx, dh0);
        }
        dk = grads->kernel ? grads->kernel->data : NULL;
        drk = grads->recurrent_kernel ? grads->recurrent_kernel->data : NULL;
        db = grads->bias ? grads->bias->data : NULL;
    }

    gru__train_args a = {
        .layer = layer, .B = B, .T = T, .ws = workspace, .lay = &lay,
        .dy = dy ? dy->data : NULL, .dy_state = dy_state ? dy_state->data : NULL,
        .dx = dx ? dx->data : NULL, .dh0 = dh0 ? dh0->data : NULL,
        .dk = dk, .drk = drk, .db = db, .overwrite = (flags & GRU_GRAD_OVERWRITE) != 0,
    };
    const int isa = gru__train_fast_isa(layer);
    if (dt == GRU_FLOAT64)
        gru__train_backward_ref_f64(&a);
    else if (isa != GRU__ISA_REF)
        gru__train_backward_fast_f32(&a, isa);
    else
        gru__train_backward_ref_f32(&a);
    return GRU_OK;
}
