/* Gate-order and layout conversions between Keras GRU weights and PyTorch nn.GRU, ONNX
 * GRU and Keras 2 CuDNNGRU. Pure C, no dependencies. The layouts are described in
 * include/gru_io.h and SEMANTICS.md ("Other layouts"). */
#include "gru_internal.h"
#include "gru_io.h"

#include <string.h>

/* Element (row, col) of a C-order matrix with `cols` columns and elements of es bytes. */
#define AT(p, row, col, cols, es) ((char *)(p) + (((size_t)(row) * (size_t)(cols) + (size_t)(col)) * (es)))
#define CAT(p, row, col, cols, es) ((const char *)(p) + (((size_t)(row) * (size_t)(cols) + (size_t)(col)) * (es)))

/* The dtype shared by all weights: taken from `first`, must be float32 or float64. */
static int weight_dtype(const gru_tensor *first, const char *what, gru_dtype *dt)
{
    if (!first)
        return gru__error(GRU_ERR_NULL, "%s: is NULL", what);
    if (first->dtype != GRU_FLOAT32 && first->dtype != GRU_FLOAT64)
        return gru__error(GRU_ERR_SHAPE, "%s: expected dtype float32 or float64, got %s", what,
                          gru_dtype_name(first->dtype));
    *dt = first->dtype;
    return GRU_OK;
}

static int check2(const gru_tensor *t, const char *what, gru_dtype dt, int64_t d0, int64_t d1)
{
    int64_t s[2] = {d0, d1};
    return gru__check_tensor(t, what, dt, 2, s);
}

static int check1(const gru_tensor *t, const char *what, gru_dtype dt, int64_t d0)
{
    int64_t s[1] = {d0};
    return gru__check_tensor(t, what, dt, 1, s);
}

/* Sizes I, H from a 2-D (rows, 3H) / (3H, cols) tensor, with the 3H checked. */
static int units_from(const gru_tensor *t, const char *what, int axis, int64_t *H)
{
    if (t->ndim != 2 || t->shape[axis] < 3 || t->shape[axis] % 3 != 0 || t->shape[1 - axis] < 1) {
        char got[96];
        gru__shape_str(got, sizeof got, t->ndim, t->shape);
        return gru__error(GRU_ERR_SHAPE, "%s: expected shape %s with a multiple of 3 gates, got %s",
                          what, axis == 1 ? "(?, 3H)" : "(3H, ?)", got);
    }
    *H = t->shape[axis] / 3;
    return GRU_OK;
}

/* The dtype and sizes I, H of a GRU from its input weights `w` (Keras kernel (I, 3H): axis
 * 1; PyTorch weight_ih (3H, I): axis 0), with `w` and the recurrent weights `rec` ((H, 3H)
 * or (3H, H), the same way round) checked. */
static int weight_sizes(const gru_tensor *w, const char *wname, const gru_tensor *rec,
                     const char *rname, int axis, gru_dtype *dt, int64_t *I, int64_t *H)
{
    int rc;
    if ((rc = weight_dtype(w, wname, dt)) < 0 || (rc = units_from(w, wname, axis, H)) < 0)
        return rc;
    const int64_t G = 3 * *H;
    *I = w->shape[1 - axis];
    if ((rc = check2(w, wname, *dt, axis ? *I : G, axis ? G : *I)) < 0 ||
        (rc = check2(rec, rname, *dt, axis ? *H : G, axis ? G : *H)) < 0)
        return rc;
    return GRU_OK;
}

/* The gate-block transposes between Keras's (n, 3H) layout and the (3H, n) layout of
 * PyTorch and ONNX, whose gate blocks come in another order: Keras block g (z, r, h) is
 * block perm[g] of the other layout. to_keras copies other -> keras, else keras -> other. */
static void gate_transpose(int to_keras, void *keras, void *other, int64_t n, int64_t H,
                           const int perm[3], size_t es)
{
    for (int g = 0; g < 3; g++)
        for (int64_t j = 0; j < H; j++) {
            const int64_t orow = perm[g] * H + j, kcol = g * H + j;
            for (int64_t i = 0; i < n; i++) {
                char *k = AT(keras, i, kcol, 3 * H, es), *o = AT(other, orow, i, n, es);
                memcpy(to_keras ? k : o, to_keras ? o : k, es);
            }
        }
}

/* PyTorch block order r, z, n: Keras block g is PyTorch block torch_perm[g] (the
 * permutation is its own inverse). ONNX keeps Keras's order z, r, h. */
static const int torch_perm[3] = {1, 0, 2}, onnx_perm[3] = {0, 1, 2};

/* All of a GRU between Keras and PyTorch layouts (to_keras: PyTorch -> Keras); the bias
 * (2, 3H) row 0 is bias_ih, row 1 bias_hh, copied when bias is not NULL. */
static void torch_layout(int to_keras, void *kernel, void *recurrent_kernel, void *bias,
                         void *weight_ih, void *weight_hh, void *bias_ih, void *bias_hh,
                         int64_t I, int64_t H, size_t es)
{
    gate_transpose(to_keras, kernel, weight_ih, I, H, torch_perm, es);
    gate_transpose(to_keras, recurrent_kernel, weight_hh, H, H, torch_perm, es);
    if (bias) {
        gate_transpose(to_keras, bias, bias_ih, 1, H, torch_perm, es);
        gate_transpose(to_keras, (char *)bias + (size_t)(3 * H) * es, bias_hh, 1, H,
                       torch_perm, es);
    }
}

int gru_pytorch_to_keras(const gru_tensor *weight_ih, const gru_tensor *weight_hh,
                         const gru_tensor *bias_ih, const gru_tensor *bias_hh,
                         gru_tensor *kernel, gru_tensor *recurrent_kernel, gru_tensor *bias)
{
    gru_dtype dt = GRU_DTYPE_INVALID;
    int64_t I = 0, H = 0;
    int rc;
    if ((rc = weight_sizes(weight_ih, "weight_ih", weight_hh, "weight_hh", 0, &dt, &I, &H)) < 0 ||
        (rc = check2(kernel, "kernel", dt, I, 3 * H)) < 0 ||
        (rc = check2(recurrent_kernel, "recurrent_kernel", dt, H, 3 * H)) < 0)
        return rc;
    if ((bias_ih == NULL) != (bias_hh == NULL))
        return gru__error(GRU_ERR_NULL, "bias_ih and bias_hh: give both or neither (bias = FALSE)");
    if (bias_ih) {
        if ((rc = check1(bias_ih, "bias_ih", dt, 3 * H)) < 0 ||
            (rc = check1(bias_hh, "bias_hh", dt, 3 * H)) < 0 ||
            (rc = check2(bias, "bias", dt, 2, 3 * H)) < 0)
            return rc;
    } else if (bias) {
        return gru__error(GRU_ERR_ARG, "bias: must be NULL when bias_ih and bias_hh are NULL");
    }
    torch_layout(1, kernel->data, recurrent_kernel->data, bias_ih ? bias->data : NULL,
                 weight_ih->data, weight_hh->data, bias_ih ? bias_ih->data : NULL,
                 bias_hh ? bias_hh->data : NULL, I, H, gru_dtype_size(dt));
    return GRU_OK;
}

int gru_keras_to_pytorch(const gru_tensor *kernel, const gru_tensor *recurrent_kernel,
                         const gru_tensor *bias, gru_tensor *weight_ih,
                         gru_tensor *weight_hh, gru_tensor *bias_ih, gru_tensor *bias_hh)
{
    gru_dtype dt = GRU_DTYPE_INVALID;
    int64_t I = 0, H = 0;
    int rc;
    if ((rc = weight_sizes(kernel, "kernel", recurrent_kernel, "recurrent_kernel", 1, &dt, &I,
                           &H)) < 0 ||
        (rc = check2(weight_ih, "weight_ih", dt, 3 * H, I)) < 0 ||
        (rc = check2(weight_hh, "weight_hh", dt, 3 * H, H)) < 0)
        return rc;
    if (bias) {
        if (bias->ndim == 1)
            return gru__error(GRU_ERR_ARG,
                              "bias: shape (%lld,) is a reset_after = FALSE GRU, which PyTorch "
                              "nn.GRU cannot represent (it needs reset_after = TRUE, bias (2, %lld))",
                              (long long)bias->shape[0], (long long)(3 * H));
        if ((rc = check2(bias, "bias", dt, 2, 3 * H)) < 0 ||
            (rc = check1(bias_ih, "bias_ih", dt, 3 * H)) < 0 ||
            (rc = check1(bias_hh, "bias_hh", dt, 3 * H)) < 0)
            return rc;
    } else if (bias_ih || bias_hh) {
        return gru__error(GRU_ERR_ARG, "bias_ih, bias_hh: must be NULL when bias is NULL");
    }
    torch_layout(0, kernel->data, recurrent_kernel->data, bias ? bias->data : NULL,
                 weight_ih->data, weight_hh->data, bias ? bias_ih->data : NULL,
                 bias ? bias_hh->data : NULL, I, H, gru_dtype_size(dt));
    return GRU_OK;
}

/* Checks the ONNX W, R, B, direction and the Keras kernel and recurrent_kernel of an
 * ONNX <-> Keras conversion; sets the dtype and sizes. */
static int onnx_shapes(const gru_tensor *W, const gru_tensor *R, const gru_tensor *B, int direction,
                       const gru_tensor *kernel, const gru_tensor *recurrent_kernel,
                       gru_dtype *dt, int64_t *I, int64_t *H)
{
    int rc;
    if ((rc = weight_dtype(W, "W", dt)) < 0)
        return rc;
    if (W->ndim != 3 || W->shape[0] < 1 || W->shape[1] < 3 || W->shape[1] % 3 || W->shape[2] < 1) {
        char got[96];
        gru__shape_str(got, sizeof got, W->ndim, W->shape);
        return gru__error(GRU_ERR_SHAPE, "W: expected shape (num_directions, 3H, I), got %s", got);
    }
    const int64_t dirs = W->shape[0];
    *H = W->shape[1] / 3;
    *I = W->shape[2];
    int64_t rs[3] = {dirs, 3 * *H, *H}, bs[2] = {dirs, 6 * *H};
    if ((rc = gru__check_tensor(W, "W", *dt, 3, (int64_t[3]){dirs, 3 * *H, *I})) < 0 ||
        (rc = gru__check_tensor(R, "R", *dt, 3, rs)) < 0)
        return rc;
    if (B && (rc = gru__check_tensor(B, "B", *dt, 2, bs)) < 0)
        return rc;
    if (direction < 0 || direction >= dirs)
        return gru__error(GRU_ERR_ARG, "direction: expected 0..%lld, got %d", (long long)(dirs - 1),
                          direction);
    if ((rc = check2(kernel, "kernel", *dt, *I, 3 * *H)) < 0 ||
        (rc = check2(recurrent_kernel, "recurrent_kernel", *dt, *H, 3 * *H)) < 0)
        return rc;
    return GRU_OK;
}

/* The W (3H, I) and R (3H, H) blocks of one direction between the ONNX layout and the
 * Keras kernel and recurrent_kernel (to_keras: ONNX -> Keras). */
static void onnx_weights(int to_keras, void *kernel, void *recurrent_kernel, const gru_tensor *W,
                         const gru_tensor *R, int direction, int64_t I, int64_t H, size_t es)
{
    char *w = (char *)W->data + (size_t)direction * (size_t)(3 * H * I) * es;
    char *r = (char *)R->data + (size_t)direction * (size_t)(3 * H * H) * es;
    gate_transpose(to_keras, kernel, w, I, H, onnx_perm, es);
    gate_transpose(to_keras, recurrent_kernel, r, H, H, onnx_perm, es);
}

int gru_onnx_to_keras(const gru_tensor *W, const gru_tensor *R, const gru_tensor *B,
                      int direction, bool reset_after, gru_tensor *kernel,
                      gru_tensor *recurrent_kernel, gru_tensor *bias)
{
    gru_dtype dt = GRU_DTYPE_INVALID;
    int64_t I = 0, H = 0;
    int rc;
    if ((rc = onnx_shapes(W, R, B, direction, kernel, recurrent_kernel, &dt, &I, &H)) < 0)
        return rc;
    if (B) {
        rc = reset_after ? check2(bias, "bias", dt, 2, 3 * H) : check1(bias, "bias", dt, 3 * H);
        if (rc < 0)
            return rc;
    } else if (bias) {
        return gru__error(GRU_ERR_ARG, "bias: must be NULL when B is NULL");
    }
    size_t es = gru_dtype_size(dt);
    onnx_weights(1, kernel->data, recurrent_kernel->data, W, R, direction, I, H, es);
    if (B) {
        const char *b = (const char *)B->data + (size_t)direction * (size_t)(6 * H) * es;
        if (reset_after) {
            memcpy(bias->data, b, (size_t)(6 * H) * es);
        } else if (dt == GRU_FLOAT32) {
            const float *bf = (const float *)b;
            float *o = bias->data;
            for (int64_t j = 0; j < 3 * H; j++)
                o[j] = bf[j] + bf[3 * H + j];
        } else {
            const double *bd = (const double *)b;
            double *o = bias->data;
            for (int64_t j = 0; j < 3 * H; j++)
                o[j] = bd[j] + bd[3 * H + j];
        }
    }
    return GRU_OK;
}

int gru_keras_to_onnx(const gru_tensor *kernel, const gru_tensor *recurrent_kernel,
                      const gru_tensor *bias, int direction, gru_tensor *W, gru_tensor *R,
                      gru_tensor *B)
{
    gru_dtype dt = GRU_DTYPE_INVALID;
    int64_t I = 0, H = 0;
    int rc;
    if ((rc = onnx_shapes(W, R, B, direction, kernel, recurrent_kernel, &dt, &I, &H)) < 0)
        return rc;
    if (bias) {
        if (!B)
            return gru__error(GRU_ERR_NULL, "B: is NULL but bias is given");
        rc = bias->ndim == 1 ? check1(bias, "bias", dt, 3 * H) : check2(bias, "bias", dt, 2, 3 * H);
        if (rc < 0)
            return rc;
    }
    size_t es = gru_dtype_size(dt);
    onnx_weights(0, kernel->data, recurrent_kernel->data, W, R, direction, I, H, es);
    if (B) {
        char *b = (char *)B->data + (size_t)direction * (size_t)(6 * H) * es;
        memset(b, 0, (size_t)(6 * H) * es);
        if (bias)
            memcpy(b, bias->data, (size_t)(bias->ndim == 1 ? 3 * H : 6 * H) * es);
    }
    return GRU_OK;
}

/* k.T reshaped to k's shape (rows, cols) in Fortran order (from_cudnn) or C order (to
 * cuDNN), for the gate block of columns [c0, c0 + cols) of a (rows, ld) matrix.
 *   from cuDNN: out[a, b] = k[n / cols, n % cols] with n = a + b * rows
 *   to cuDNN:   out[a, b] = k[n % rows, n / rows] with n = a * cols + b
 * (derived from NumPy's reshape orders; see SEMANTICS.md). */
static void cudnn_block(const char *in, char *out, int64_t rows, int64_t cols, int64_t ld,
                        int64_t c0, size_t es, bool from_cudnn)
{
    for (int64_t a = 0; a < rows; a++)
        for (int64_t b = 0; b < cols; b++) {
            int64_t sr, sc;
            if (from_cudnn) {
                int64_t n = a + b * rows;
                sr = n / cols;
                sc = n % cols;
            } else {
                int64_t n = a * cols + b;
                sr = n % rows;
                sc = n / rows;
            }
            memcpy(AT(out, a, c0 + b, ld, es), CAT(in, sr, c0 + sc, ld, es), es);
        }
}

static int cudnn_convert(const gru_tensor *kernel, const gru_tensor *recurrent_kernel,
                         const gru_tensor *bias, gru_tensor *kernel_out,
                         gru_tensor *recurrent_kernel_out, gru_tensor *bias_out, bool from_cudnn)
{
    gru_dtype dt = GRU_DTYPE_INVALID;
    int64_t I = 0, H = 0;
    int rc;
    if ((rc = weight_sizes(kernel, "kernel", recurrent_kernel, "recurrent_kernel", 1, &dt, &I,
                           &H)) < 0 ||
        (rc = check2(kernel_out, "kernel_out", dt, I, 3 * H)) < 0 ||
        (rc = check2(recurrent_kernel_out, "recurrent_kernel_out", dt, H, 3 * H)) < 0)
        return rc;
    if (from_cudnn) {
        if (bias && bias->ndim == 2 && bias->shape[0] == 2)
            return gru__error(GRU_ERR_SHAPE, "bias: expected the CuDNNGRU shape (%lld,), got a "
                              "reset_after = TRUE GRU bias (2, %lld)",
                              (long long)(6 * H), (long long)bias->shape[1]);
        if ((rc = check1(bias, "bias", dt, 6 * H)) < 0 ||
            (rc = check2(bias_out, "bias_out", dt, 2, 3 * H)) < 0)
            return rc;
    } else {
        if ((rc = check2(bias, "bias", dt, 2, 3 * H)) < 0 ||
            (rc = check1(bias_out, "bias_out", dt, 6 * H)) < 0)
            return rc;
    }
    size_t es = gru_dtype_size(dt);
    for (int g = 0; g < 3; g++) {
        cudnn_block(kernel->data, kernel_out->data, I, H, 3 * H, g * H, es, from_cudnn);
        for (int64_t a = 0; a < H; a++) /* recurrent blocks: plain transpose */
            for (int64_t b = 0; b < H; b++)
                memcpy(AT(recurrent_kernel_out->data, a, g * H + b, 3 * H, es),
                       CAT(recurrent_kernel->data, b, g * H + a, 3 * H, es), es);
    }
    memcpy(bias_out->data, bias->data, (size_t)(6 * H) * es); /* (6H) <-> (2, 3H): same bytes */
    return GRU_OK;
}

int gru_cudnn_to_keras(const gru_tensor *kernel, const gru_tensor *recurrent_kernel,
                       const gru_tensor *bias, bool reset_after, gru_tensor *kernel_out,
                       gru_tensor *recurrent_kernel_out, gru_tensor *bias_out)
{
    if (!reset_after)
        return gru__error(GRU_ERR_ARG,
                          "reset_after: CuDNNGRU weights are only compatible with a GRU with "
                          "reset_after = TRUE (and sigmoid / tanh), got reset_after = FALSE");
    return cudnn_convert(kernel, recurrent_kernel, bias, kernel_out, recurrent_kernel_out,
                         bias_out, true);
}

int gru_keras_to_cudnn(const gru_tensor *kernel, const gru_tensor *recurrent_kernel,
                       const gru_tensor *bias, gru_tensor *kernel_out,
                       gru_tensor *recurrent_kernel_out, gru_tensor *bias_out)
{
    if (bias && bias->ndim == 1)
        return gru__error(GRU_ERR_ARG,
                          "bias: a reset_after = FALSE GRU (bias (%lld,)) has no CuDNNGRU "
                          "equivalent; CuDNNGRU needs reset_after = TRUE",
                          (long long)bias->shape[0]);
    return cudnn_convert(kernel, recurrent_kernel, bias, kernel_out, recurrent_kernel_out,
                         bias_out, false);
}
