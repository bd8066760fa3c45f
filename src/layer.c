/* The layer object: creation from a configuration, weights in Keras layout, the states
 * of stateful layers, and the forward workspace. No math here. */
#include "gru_internal.h"

#include <stdio.h>
#include <string.h>

/* Elements of weight `which` (0 kernel, 1 recurrent_kernel, 2 bias). */
static void weight_shape(const gru_layer *layer, int which, int *ndim, int64_t shape[2])
{
    int64_t H3 = 3 * layer->H;
    switch (which) {
    case 0: *ndim = 2; shape[0] = layer->I; shape[1] = H3; break;
    case 1: *ndim = 2; shape[0] = layer->H; shape[1] = H3; break;
    default:
        if (layer->cfg.reset_after) {
            *ndim = 2; shape[0] = 2; shape[1] = H3;
        } else {
            *ndim = 1; shape[0] = H3; shape[1] = 0;
        }
        break;
    }
}

static int64_t weight_numel(const gru_layer *layer, int which)
{
    int ndim;
    int64_t shape[2];
    weight_shape(layer, which, &ndim, shape);
    return ndim == 1 ? shape[0] : shape[0] * shape[1];
}

static void **weight_ptr(gru_layer *layer, int which)
{
    return which == 0 ? &layer->kernel : which == 1 ? &layer->recurrent_kernel : &layer->bias;
}

static const char *const weight_names[3] = {"kernel", "recurrent_kernel", "bias"};

/* A different seed per weight, derived from the layer seed. */
static uint64_t weight_seed(uint64_t seed, int which)
{
    gru__rng rng;
    gru__rng_seed(&rng, seed);
    uint64_t s = 0;
    for (int i = 0; i <= which; i++)
        s = gru__rng_next(&rng);
    return s;
}

int gru_layer_create(const gru_config *cfg, gru_layer **out)
{
    int rc;
    if (out)
        *out = NULL;
    if (!cfg)
        return gru__error(GRU_ERR_NULL, "cfg: is NULL");
    if (!out)
        return gru__error(GRU_ERR_NULL, "out: is NULL");
    rc = gru_config_validate(cfg);
    if (rc)
        return rc;
    if (cfg->input_dim <= 0)
        return gru__error(GRU_ERR_ARG,
                          "input_dim: unknown; set input_shape = c(timesteps, input_dim), "
                          "batch_input_shape or input_dim to a positive integer (got %lld)",
                          (long long)cfg->input_dim);
    /* Sizes: everything the layer allocates must fit in size_t and int64. */
    int64_t H3, n;
    if (!gru__mul_i64(cfg->units, 3, &H3) || !gru__mul_i64(cfg->input_dim, H3, &n) ||
        !gru__mul_i64(cfg->units, H3, &n) || (size_t)n > SIZE_MAX / 8)
        return gru__error(GRU_ERR_ARG, "units: %lld with input_dim %lld is too large",
                          (long long)cfg->units, (long long)cfg->input_dim);
    if (cfg->stateful && !gru__mul_i64(cfg->batch_size, cfg->units, &n))
        return gru__error(GRU_ERR_ARG, "batch_size: %lld is too large",
                          (long long)cfg->batch_size);

    gru_layer *layer = gru__alloc(sizeof *layer);
    if (!layer)
        return gru__error(GRU_ERR_NOMEM, "out of memory creating the layer");
    layer->cfg = *cfg;
    for (int i = 0; i < 3; i++)
        layer->cfg.weights[i] = NULL;
    if (layer->cfg.name[0] == '\0')
        snprintf(layer->cfg.name, sizeof layer->cfg.name, "gru");
    layer->I = cfg->input_dim;
    layer->H = cfg->units;
    layer->esize = gru_dtype_size(cfg->dtype);

    int nw = cfg->use_bias ? 3 : 2;
    for (int w = 0; w < nw; w++) {
        size_t bytes = (size_t)weight_numel(layer, w) * layer->esize;
        void **p = weight_ptr(layer, w);
        *p = gru__alloc(bytes);
        if (!*p) {
            rc = gru__error(GRU_ERR_NOMEM, "%s: out of memory (%zu bytes)", weight_names[w],
                            bytes);
            goto out_destroy;
        }
        if (cfg->weights[w]) {
            memcpy(*p, cfg->weights[w], bytes);
            continue;
        }
        const gru_initializer *init = w == 0 ? &cfg->kernel_initializer
                                      : w == 1 ? &cfg->recurrent_initializer
                                               : &cfg->bias_initializer;
        int ndim;
        int64_t shape[2];
        weight_shape(layer, w, &ndim, shape);
        rc = gru_initializer_fill(init, cfg->dtype, ndim, shape, weight_seed(cfg->seed, w), *p);
        if (rc) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", gru_errmsg());
            rc = gru__error(rc, "%s_initializer: %s", w == 0 ? "kernel"
                                                      : w == 1 ? "recurrent" : "bias", msg);
            goto out_destroy;
        }
    }
    if (cfg->stateful) {
        layer->states = gru__alloc((size_t)(cfg->batch_size * layer->H) * layer->esize);
        if (!layer->states) {
            rc = gru__error(GRU_ERR_NOMEM, "states: out of memory");
            goto out_destroy;
        }
    }
    gru__layer_weights_changed(layer);
    *out = layer;
    return GRU_OK;

out_destroy:
    gru_layer_destroy(layer);
    return rc;
}

void gru_layer_destroy(gru_layer *layer)
{
    if (!layer)
        return;
    gru__free(layer->kernel);
    gru__free(layer->recurrent_kernel);
    gru__free(layer->bias);
    gru__free(layer->states);
    gru__free(layer->ws);
    gru__layer_free_kernels(layer);
    gru__free(layer);
}

const gru_config *gru_layer_config(const gru_layer *layer) { return layer ? &layer->cfg : NULL; }

int gru_layer_num_weights(const gru_layer *layer)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    return layer->cfg.use_bias ? 3 : 2;
}

int gru_layer_weight_shape(const gru_layer *layer, int which, int *ndim, int64_t shape[2])
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    if (!ndim || !shape)
        return gru__error(GRU_ERR_NULL, "%s: is NULL", !ndim ? "ndim" : "shape");
    if (which < 0 || which >= gru_layer_num_weights(layer))
        return gru__error(GRU_ERR_ARG, "which: expected 0..%d, got %d",
                          gru_layer_num_weights(layer) - 1, which);
    weight_shape(layer, which, ndim, shape);
    return GRU_OK;
}

int64_t gru_layer_param_count(const gru_layer *layer)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    int64_t n = 0;
    for (int w = 0; w < gru_layer_num_weights(layer); w++)
        n += weight_numel(layer, w);
    return n;
}

/* Check a caller tensor against weight `which`, with a precise message. */
static int check_weight(const gru_layer *layer, int which, const gru_tensor *t)
{
    int ndim;
    int64_t shape[2];
    const char *what = weight_names[which];
    weight_shape(layer, which, &ndim, shape);
    if (!t)
        return gru__error(GRU_ERR_NULL, "%s: is NULL", what);
    if (which == 2 && t->dtype == layer->cfg.dtype) {
        char got[64];
        int64_t H3 = 3 * layer->H;
        gru__shape_str(got, sizeof got, t->ndim < 0 || t->ndim > GRU_MAX_DIMS ? 0 : t->ndim,
                       t->shape);
        if (layer->cfg.reset_after && t->ndim == 1 && t->shape[0] == H3)
            return gru__error(GRU_ERR_SHAPE,
                              "bias: expected shape (2, %lld) for reset_after = TRUE "
                              "(row 0 input bias, row 1 recurrent bias), got %s: a "
                              "reset_after = FALSE bias",
                              (long long)H3, got);
        if (!layer->cfg.reset_after && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == H3)
            return gru__error(GRU_ERR_SHAPE,
                              "bias: expected shape (%lld,) for reset_after = FALSE, got %s: "
                              "a reset_after = TRUE bias",
                              (long long)H3, got);
    }
    return gru__check_tensor(t, what, layer->cfg.dtype, ndim, shape);
}

int gru_layer_set_weights(gru_layer *layer, const gru_tensor *kernel,
                          const gru_tensor *recurrent_kernel, const gru_tensor *bias)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    const gru_tensor *t[3] = {kernel, recurrent_kernel, bias};
    int nw = gru_layer_num_weights(layer);
    if (!layer->cfg.use_bias && bias)
        return gru__error(GRU_ERR_ARG, "bias: must be NULL when use_bias = FALSE");
    for (int w = 0; w < nw; w++) {
        int rc = check_weight(layer, w, t[w]);
        if (rc)
            return rc;
    }
    for (int w = 0; w < nw; w++)
        memcpy(*weight_ptr(layer, w), t[w]->data,
               (size_t)weight_numel(layer, w) * layer->esize);
    gru__layer_weights_changed(layer);
    return GRU_OK;
}

int gru_layer_get_weights(const gru_layer *layer, gru_tensor *kernel,
                          gru_tensor *recurrent_kernel, gru_tensor *bias)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    gru_tensor *t[3] = {kernel, recurrent_kernel, bias};
    int nw = gru_layer_num_weights(layer);
    if (!layer->cfg.use_bias && bias)
        return gru__error(GRU_ERR_ARG, "bias: the layer has no bias (use_bias = FALSE); "
                                       "pass NULL");
    for (int w = 0; w < nw; w++) {
        if (!t[w])
            continue;
        int rc = check_weight(layer, w, t[w]);
        if (rc)
            return rc;
    }
    for (int w = 0; w < nw; w++)
        if (t[w])
            memcpy(t[w]->data, *weight_ptr((gru_layer *)layer, w),
                   (size_t)weight_numel(layer, w) * layer->esize);
    return GRU_OK;
}

int gru_layer_reset_states(gru_layer *layer, const gru_tensor *values)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    if (!layer->cfg.stateful)
        return gru__error(GRU_ERR_STATE, "reset_states: the layer is not stateful "
                                         "(stateful = FALSE)");
    size_t bytes = (size_t)(layer->cfg.batch_size * layer->H) * layer->esize;
    if (!values) {
        memset(layer->states, 0, bytes);
        return GRU_OK;
    }
    int64_t shape[2] = {layer->cfg.batch_size, layer->H};
    int rc = gru__check_tensor(values, "reset_states: values", layer->cfg.dtype, 2, shape);
    if (rc)
        return rc;
    memcpy(layer->states, values->data, bytes);
    return GRU_OK;
}

int gru_layer_get_states(const gru_layer *layer, gru_tensor *out)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    if (!layer->cfg.stateful)
        return gru__error(GRU_ERR_STATE, "get_states: the layer is not stateful "
                                         "(stateful = FALSE)");
    int64_t shape[2] = {layer->cfg.batch_size, layer->H};
    int rc = gru__check_tensor(out, "out", layer->cfg.dtype, 2, shape);
    if (rc)
        return rc;
    memcpy(out->data, layer->states, (size_t)(shape[0] * shape[1]) * layer->esize);
    return GRU_OK;
}

int gru_layer_reserve(gru_layer *layer, int64_t B, int64_t T)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    if (B < 1 || T < 1)
        return gru__error(GRU_ERR_ARG, "%s: expected >= 1, got %lld", B < 1 ? "B" : "T",
                          (long long)(B < 1 ? B : T));
    gru__kernels_reserve(layer, B);
    if (layer->ws && B <= layer->ws_B && T <= layer->ws_T)
        return GRU_OK;
    int64_t nB = B > layer->ws_B ? B : layer->ws_B, nT = T > layer->ws_T ? T : layer->ws_T;
    size_t bytes = gru__fwd_ws_bytes(layer, nB, nT);
    if (bytes == SIZE_MAX)
        return gru__error(GRU_ERR_ARG, "B = %lld, T = %lld: the workspace size overflows",
                          (long long)B, (long long)T);
    void *ws = gru__alloc(bytes);
    if (!ws)
        return gru__error(GRU_ERR_NOMEM, "workspace: out of memory (%zu bytes for B = %lld, "
                                         "T = %lld)",
                          bytes, (long long)nB, (long long)nT);
    gru__free(layer->ws);
    layer->ws = ws;
    layer->ws_bytes = bytes;
    layer->ws_B = nB;
    layer->ws_T = nT;
    return GRU_OK;
}
