/* Regularizers (weight and activity), constraints and in-place weight updates: the
 * training-only arguments of layer_gru() that act outside the forward/backward pass.
 * Formulas are tf_keras's (keras/regularizers.py, keras/constraints.py). */
#include "gru_internal.h"

#include <math.h>
#include <string.h>

#define KERAS_EPSILON 1e-7 /* backend.epsilon() */

static double get(const void *p, size_t esize, int64_t i)
{
    return esize == sizeof(float) ? (double)((const float *)p)[i] : ((const double *)p)[i];
}

static void put(void *p, size_t esize, int64_t i, double v)
{
    if (esize == sizeof(float))
        ((float *)p)[i] = (float)v;
    else
        ((double *)p)[i] = v;
}

/* Weight `which`: data, element count and its shape as (rows, cols) (1-D: (1, n)). */
static void *weight(const gru_layer *layer, int which, int64_t *rows, int64_t *cols, int *ndim)
{
    const int64_t H3 = 3 * layer->H;
    switch (which) {
    case 0: *rows = layer->I; *cols = H3; *ndim = 2; return layer->kernel;
    case 1: *rows = layer->H; *cols = H3; *ndim = 2; return layer->recurrent_kernel;
    default:
        *cols = H3;
        *rows = layer->cfg.reset_after ? 2 : 1;
        *ndim = layer->cfg.reset_after ? 2 : 1;
        return layer->bias;
    }
}

static const char *const weight_names[3] = {"kernel", "recurrent_kernel", "bias"};

static double reg_loss(const gru_regularizer *r, const void *w, size_t esize, int64_t n)
{
    if (r->kind == GRU_REG_NONE || !w)
        return 0.0;
    double s1 = 0.0, s2 = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double v = get(w, esize, i);
        s1 += fabs(v);
        s2 += v * v;
    }
    double loss = 0.0;
    if (r->kind == GRU_REG_L1 || r->kind == GRU_REG_L1_L2)
        loss += r->l1 * s1;
    if (r->kind == GRU_REG_L2 || r->kind == GRU_REG_L1_L2)
        loss += r->l2 * s2;
    return loss;
}

/* g += d/dw of the regularizer at w (n elements). */
static void reg_grad_add(const gru_regularizer *r, const void *w, size_t esize, int64_t n,
                         void *g)
{
    if (r->kind == GRU_REG_NONE || !w || !g)
        return;
    const double l1 = (r->kind == GRU_REG_L1 || r->kind == GRU_REG_L1_L2) ? r->l1 : 0.0;
    const double l2 = (r->kind == GRU_REG_L2 || r->kind == GRU_REG_L1_L2) ? r->l2 : 0.0;
    for (int64_t i = 0; i < n; i++) {
        double v = get(w, esize, i);
        double sign = v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0);
        put(g, esize, i, get(g, esize, i) + l1 * sign + 2.0 * l2 * v);
    }
}

static const gru_regularizer *weight_reg(const gru_config *c, int which)
{
    return which == 0 ? &c->kernel_regularizer
           : which == 1 ? &c->recurrent_regularizer
                        : &c->bias_regularizer;
}

int gru_regularization_loss(const gru_layer *layer, double *loss)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    if (!loss)
        return gru__error(GRU_ERR_NULL, "loss: is NULL");
    double sum = 0.0;
    for (int w = 0; w < 3; w++) {
        int64_t rows, cols;
        int ndim;
        const void *data = weight(layer, w, &rows, &cols, &ndim);
        sum += reg_loss(weight_reg(&layer->cfg, w), data, layer->esize, rows * cols);
    }
    *loss = sum;
    return GRU_OK;
}

/* Check an optional gradient tensor against weight `which`. */
static int check_grad(const gru_layer *layer, int which, const gru_tensor *g, const char *what)
{
    if (!g)
        return GRU_OK;
    if (which == 2 && !layer->cfg.use_bias)
        return gru__error(GRU_ERR_ARG, "%s: must be NULL when use_bias = FALSE", what);
    int64_t rows, cols;
    int ndim;
    weight(layer, which, &rows, &cols, &ndim);
    int64_t shape[2] = {rows, cols};
    return gru__check_tensor(g, what, layer->cfg.dtype, ndim, ndim == 1 ? shape + 1 : shape);
}

static int check_grads(const gru_layer *layer, const gru_grads *grads)
{
    static const char *const names[3] = {"grads->kernel", "grads->recurrent_kernel",
                                         "grads->bias"};
    const gru_tensor *t[3] = {grads->kernel, grads->recurrent_kernel, grads->bias};
    for (int w = 0; w < 3; w++) {
        int rc = check_grad(layer, w, t[w], names[w]);
        if (rc)
            return rc;
    }
    return GRU_OK;
}

/* w -= lr * g (n elements). */
static void sgd_update(void *w, const void *g, size_t esize, int64_t n, double lr)
{
    if (esize == sizeof(float)) {
        float *p = w;
        const float *gf = g, l = (float)lr;
        for (int64_t i = 0; i < n; i++)
            p[i] -= l * gf[i];
    } else {
        double *p = w;
        const double *gd = g;
        for (int64_t i = 0; i < n; i++)
            p[i] -= lr * gd[i];
    }
}

/* What apply_grads does with the gradient g of each weight w. */
typedef enum grad_op {
    ADD_REG_GRAD, /* g += d/dw of the weight's regularizer */
    SGD_STEP      /* w -= lr * g */
} grad_op;

/* Checks grads against layer, then applies op to each weight whose gradient grads gives;
 * nothing changes when the layer is not trainable. (SGD_STEP writes the weights, which a
 * const layer points to but does not hold.) */
static int apply_grads(const gru_layer *layer, const gru_grads *grads, grad_op op, double lr)
{
    int rc = check_grads(layer, grads);
    if (rc)
        return rc;
    if (!layer->cfg.trainable)
        return GRU_OK;
    const gru_tensor *t[3] = {grads->kernel, grads->recurrent_kernel, grads->bias};
    for (int w = 0; w < 3; w++) {
        if (!t[w])
            continue;
        int64_t rows, cols;
        int ndim;
        void *data = weight(layer, w, &rows, &cols, &ndim);
        if (op == ADD_REG_GRAD)
            reg_grad_add(weight_reg(&layer->cfg, w), data, layer->esize, rows * cols, t[w]->data);
        else
            sgd_update(data, t[w]->data, layer->esize, rows * cols, lr);
    }
    return GRU_OK;
}

int gru_regularization_grad(const gru_layer *layer, const gru_grads *grads)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    if (!grads)
        return gru__error(GRU_ERR_NULL, "grads: is NULL");
    return apply_grads(layer, grads, ADD_REG_GRAD, 0.0);
}

int gru_activity_regularization(const gru_layer *layer, const gru_tensor *output,
                                const gru_tensor *state, double *loss, gru_tensor *doutput,
                                gru_tensor *dstate)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    const gru_config *c = &layer->cfg;
    const gru_dtype dt = c->dtype;
    int rc;
    if (!output)
        return gru__error(GRU_ERR_NULL, "output: is NULL");
    if (output->ndim != (c->return_sequences ? 3 : 2))
        return gru__error(GRU_ERR_SHAPE, "output: expected %s, got %d dimensions",
                          c->return_sequences ? "(B, T, H) (return_sequences = TRUE)"
                                              : "(B, H) (return_sequences = FALSE)",
                          output->ndim);
    int64_t os[3] = {-1, -1, layer->H};
    if (!c->return_sequences)
        os[1] = layer->H;
    if ((rc = gru__check_tensor(output, "output", dt, output->ndim, os)))
        return rc;
    const int64_t B = output->shape[0];
    int64_t hs[2] = {B, layer->H};
    if (c->return_state) {
        if (!state)
            return gru__error(GRU_ERR_NULL, "state: is NULL, but return_state = TRUE makes "
                                            "it an output of the layer");
        if ((rc = gru__check_tensor(state, "state", dt, 2, hs)))
            return rc;
    }
    if (doutput && (rc = gru__check_tensor(doutput, "doutput", dt, output->ndim,
                                           output->shape)))
        return rc;
    if (dstate && c->return_state && (rc = gru__check_tensor(dstate, "dstate", dt, 2, hs)))
        return rc;

    const gru_regularizer *r = &c->activity_regularizer;
    const int n_out = c->return_state ? 2 : 1;
    const gru_tensor *outs[2] = {output, state};
    gru_tensor *grads[2] = {doutput, c->return_state ? dstate : NULL};
    double total = 0.0;
    for (int k = 0; k < n_out; k++) {
        const int64_t n = gru_tensor_numel(outs[k]);
        total += reg_loss(r, outs[k]->data, layer->esize, n) / (double)B;
        if (!grads[k] || r->kind == GRU_REG_NONE)
            continue;
        /* the gradient of R(y) / B */
        gru_regularizer scaled = *r;
        scaled.l1 /= (double)B;
        scaled.l2 /= (double)B;
        reg_grad_add(&scaled, outs[k]->data, layer->esize, n, grads[k]->data);
    }
    if (loss)
        *loss = total;
    return GRU_OK;
}

int gru_layer_weight_view(gru_layer *layer, int which, gru_tensor *out)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    if (!out)
        return gru__error(GRU_ERR_NULL, "out: is NULL");
    int nw = layer->cfg.use_bias ? 3 : 2;
    if (which < 0 || which >= nw)
        return gru__error(GRU_ERR_ARG, "which: expected 0..%d (kernel, recurrent_kernel%s), "
                                       "got %d",
                          nw - 1, nw == 3 ? ", bias" : "", which);
    int64_t rows, cols;
    int ndim;
    void *data = weight(layer, which, &rows, &cols, &ndim);
    *out = ndim == 1 ? gru_tensor_1d(layer->cfg.dtype, cols, data)
                     : gru_tensor_2d(layer->cfg.dtype, rows, cols, data);
    return GRU_OK;
}

int gru_layer_weights_updated(gru_layer *layer)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    gru__layer_weights_changed(layer);
    return GRU_OK;
}

int gru_layer_sgd_step(gru_layer *layer, double lr, const gru_grads *grads)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    if (!grads)
        return gru__error(GRU_ERR_NULL, "grads: is NULL");
    if (!isfinite(lr))
        return gru__error(GRU_ERR_ARG, "lr: expected a finite number, got %g", lr);
    int rc = apply_grads(layer, grads, SGD_STEP, lr);
    if (rc == GRU_OK && layer->cfg.trainable)
        gru__layer_weights_changed(layer);
    return rc;
}

static const gru_constraint *weight_constraint(const gru_config *c, int which)
{
    return which == 0 ? &c->kernel_constraint
           : which == 1 ? &c->recurrent_constraint
                        : &c->bias_constraint;
}

/* Project one weight (rows x cols, C order) in place. axis: 0 = norms over the rows
 * (per column), 1 = over the columns (per row); a 1-D weight (rows == 1) reduces over
 * all of it. */
static void constrain(const gru_constraint *k, void *w, size_t esize, int64_t rows,
                      int64_t cols, int ndim)
{
    const int64_t n = rows * cols;
    if (k->kind == GRU_CONSTRAINT_NON_NEG) {
        for (int64_t i = 0; i < n; i++)
            if (!(get(w, esize, i) >= 0))
                put(w, esize, i, 0.0);
        return;
    }
    const int axis = k->axis < 0 ? ndim + k->axis : k->axis;
    /* groups: each group is the set of elements sharing a norm */
    int64_t ngroups, glen, gstride, estride;
    if (ndim == 1) {
        ngroups = 1; glen = n; gstride = 0; estride = 1;
    } else if (axis == 0) {
        ngroups = cols; glen = rows; gstride = 1; estride = cols;
    } else {
        ngroups = rows; glen = cols; gstride = cols; estride = 1;
    }
    for (int64_t gi = 0; gi < ngroups; gi++) {
        double ss = 0.0;
        for (int64_t e = 0; e < glen; e++) {
            double v = get(w, esize, gi * gstride + e * estride);
            ss += v * v;
        }
        const double norm = sqrt(ss);
        double desired;
        switch (k->kind) {
        case GRU_CONSTRAINT_MAX_NORM:
            desired = norm < 0 ? 0 : (norm > k->max_value ? k->max_value : norm);
            break;
        case GRU_CONSTRAINT_UNIT_NORM: desired = 1.0; break;
        case GRU_CONSTRAINT_MIN_MAX_NORM: {
            double cl = norm < k->min_value ? k->min_value
                                            : (norm > k->max_value ? k->max_value : norm);
            desired = k->rate * cl + (1.0 - k->rate) * norm;
            break;
        }
        default: return;
        }
        const double f = desired / (KERAS_EPSILON + norm);
        for (int64_t e = 0; e < glen; e++) {
            int64_t i = gi * gstride + e * estride;
            put(w, esize, i, get(w, esize, i) * f);
        }
    }
}

int gru_layer_apply_constraints(gru_layer *layer)
{
    if (!layer)
        return gru__error(GRU_ERR_NULL, "layer: is NULL");
    static const char *const names[3] = {"kernel_constraint", "recurrent_constraint",
                                         "bias_constraint"};
    int nw = layer->cfg.use_bias ? 3 : 2;
    for (int w = 0; w < nw; w++) {
        const gru_constraint *k = weight_constraint(&layer->cfg, w);
        if (k->kind == GRU_CONSTRAINT_NONE || k->kind == GRU_CONSTRAINT_NON_NEG)
            continue;
        if (k->axis < -1 || k->axis > 1)
            return gru__error(GRU_ERR_ARG, "%s: axis %d is out of range for %s (accepted: "
                                           "0, 1, -1)",
                              names[w], k->axis, weight_names[w]);
    }
    for (int w = 0; w < nw; w++) {
        int64_t rows, cols;
        int ndim;
        void *data = weight(layer, w, &rows, &cols, &ndim);
        constrain(weight_constraint(&layer->cfg, w), data, layer->esize, rows, cols, ndim);
    }
    gru__layer_weights_changed(layer);
    return GRU_OK;
}
