/* Keras's built-in initializers (tf.keras / Keras 2 semantics), applied to one whole
 * weight array: the concatenated kernel (I, 3H), recurrent_kernel (H, 3H) or bias (3H) /
 * (2, 3H), never per gate block.
 *
 *   fans        2-D (rows, cols): fan_in = rows, fan_out = cols; 1-D (n): both n
 *               (tf_keras initializers._compute_fans).
 *   variance_scaling(scale, mode, distribution): s = scale / max(1, fan) with fan =
 *               fan_in, fan_out or (fan_in + fan_out) / 2;
 *                 truncated_normal   N(0, sd) redrawn beyond 2 sd, sd = sqrt(s) / 0.8796...
 *                 untruncated_normal N(0, sqrt(s))
 *                 uniform            U(-sqrt(3 s), sqrt(3 s))
 *   glorot_uniform = VS(1, fan_avg, uniform)      glorot_normal = VS(1, fan_avg, trunc.)
 *   he_uniform     = VS(2, fan_in, uniform)       he_normal     = VS(2, fan_in, trunc.)
 *   lecun_uniform  = VS(1, fan_in, uniform)       lecun_normal  = VS(1, fan_in, trunc.)
 *   identity(gain)   gain * eye(rows, cols), non-square allowed; 2-D only.
 *   orthogonal(gain) A ~ N(0, 1) of shape (max(rows, cols), min(rows, cols)), A = QR,
 *               Q *= sign(diag(R)), transposed when rows < cols, times gain: the
 *               recurrent kernel (H, 3H) has orthonormal rows. 2-D only.
 *
 * Everything is computed in double and rounded once to the output dtype. Random values
 * come from gru__rng (src/rng.c) seeded with the initializer's own seed when it has one,
 * else with the `seed` argument, in C order of the output (for orthogonal: C order of A).
 * Bit-exact agreement with TensorFlow's generator is not a goal; the distribution is. */
#include "gru_internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* sqrt(variance) of the standard normal truncated to [-2, 2]
 * (scipy.stats.truncnorm.std(a=-2, b=2)), the constant Keras divides by. */
#define GRU__TRUNC_STD 0.87962566103423978

static const char *init_name(gru_init_kind kind)
{
    switch (kind) {
#define GRU__INIT_NAME(name, str) \
    case GRU_INIT_##name:         \
        return str;
        GRU_INITIALIZER_MAP(GRU__INIT_NAME)
#undef GRU__INIT_NAME
    default:
        return "unknown";
    }
}

static inline void put(void *data, gru_dtype dtype, int64_t i, double v)
{
    if (dtype == GRU_FLOAT32)
        ((float *)data)[i] = (float)v;
    else
        ((double *)data)[i] = v;
}

/* ---- parameter checks ------------------------------------------------------- */

static double dtype_max(gru_dtype dtype)
{
    return dtype == GRU_FLOAT32 ? (double)FLT_MAX : DBL_MAX;
}

/* A finite value that also fits the output dtype. */
static int check_finite(const char *kname, const char *what, double v, gru_dtype dtype)
{
    if (!isfinite(v))
        return gru__error(GRU_ERR_ARG, "%s: %s must be finite, got %g", kname, what, v);
    if (fabs(v) > dtype_max(dtype))
        return gru__error(GRU_ERR_ARG, "%s: %s %g does not fit %s", kname, what, v,
                          gru_dtype_name(dtype));
    return GRU_OK;
}

static int check_params(const gru_initializer *init, gru_dtype dtype)
{
    const char *k = init_name(init->kind);
    int rc = GRU_OK;
    switch (init->kind) {
    case GRU_INIT_CONSTANT:
        return check_finite(k, "value", init->value, dtype);
    case GRU_INIT_RANDOM_NORMAL:
    case GRU_INIT_TRUNCATED_NORMAL:
        if ((rc = check_finite(k, "mean", init->mean, dtype)) != GRU_OK)
            return rc;
        if ((rc = check_finite(k, "stddev", init->stddev, dtype)) != GRU_OK)
            return rc;
        if (!(init->stddev > 0.0))
            return gru__error(GRU_ERR_ARG, "%s: stddev must be > 0, got %g", k,
                              init->stddev);
        /* every draw is within mean +- 8.6 stddev (gru__rng_normal's range) */
        if (!(fabs(init->mean) + 9.0 * init->stddev <= dtype_max(dtype)))
            return gru__error(GRU_ERR_ARG, "%s: mean %g and stddev %g give values beyond "
                              "the range of %s", k, init->mean, init->stddev,
                              gru_dtype_name(dtype));
        return GRU_OK;
    case GRU_INIT_RANDOM_UNIFORM:
        if ((rc = check_finite(k, "minval", init->minval, dtype)) != GRU_OK)
            return rc;
        if ((rc = check_finite(k, "maxval", init->maxval, dtype)) != GRU_OK)
            return rc;
        if (init->minval > init->maxval)
            return gru__error(GRU_ERR_ARG,
                              "%s: minval must be <= maxval, got minval %g > maxval %g", k,
                              init->minval, init->maxval);
        if (!isfinite(init->maxval - init->minval))
            return gru__error(GRU_ERR_ARG, "%s: maxval - minval overflows (minval %g, "
                              "maxval %g)", k, init->minval, init->maxval);
        return GRU_OK;
    case GRU_INIT_VARIANCE_SCALING:
        if (!isfinite(init->scale) || !(init->scale > 0.0))
            return gru__error(GRU_ERR_ARG, "%s: scale must be a finite value > 0, got %g",
                              k, init->scale);
        /* the widest case is fan 1: values within 9 sqrt(scale) / 0.88 */
        if (!(9.0 * sqrt(init->scale) / GRU__TRUNC_STD <= dtype_max(dtype)))
            return gru__error(GRU_ERR_ARG, "%s: scale %g gives values beyond the range of "
                              "%s", k, init->scale, gru_dtype_name(dtype));
        if (init->mode != GRU_FAN_IN && init->mode != GRU_FAN_OUT &&
            init->mode != GRU_FAN_AVG)
            return gru__error(GRU_ERR_ARG, "%s: mode %d is not one of fan_in (0), "
                              "fan_out (1), fan_avg (2)", k, (int)init->mode);
        if (init->distribution != GRU_DIST_TRUNCATED_NORMAL &&
            init->distribution != GRU_DIST_UNTRUNCATED_NORMAL &&
            init->distribution != GRU_DIST_UNIFORM)
            return gru__error(GRU_ERR_ARG, "%s: distribution %d is not one of "
                              "truncated_normal (0), untruncated_normal (1), uniform (2)",
                              k, (int)init->distribution);
        return GRU_OK;
    case GRU_INIT_IDENTITY:
    case GRU_INIT_ORTHOGONAL:
        return check_finite(k, "gain", init->gain, dtype);
    default:
        return GRU_OK;
    }
}

/* ---- the distributions -------------------------------------------------------- */

static void fill_const(void *data, gru_dtype dtype, int64_t n, double v)
{
    for (int64_t i = 0; i < n; i++)
        put(data, dtype, i, v);
}

static void fill_normal(void *data, gru_dtype dtype, int64_t n, double mean, double sd,
                        bool truncated, gru__rng *rng)
{
    for (int64_t i = 0; i < n; i++) {
        double z = gru__rng_normal(rng);
        /* TF's truncated normal: values beyond 2 sd of the mean are redrawn. */
        while (truncated && fabs(z) > 2.0)
            z = gru__rng_normal(rng);
        put(data, dtype, i, mean + sd * z);
    }
}

static void fill_uniform(void *data, gru_dtype dtype, int64_t n, double lo, double hi,
                         gru__rng *rng)
{
    double w = hi - lo;
    for (int64_t i = 0; i < n; i++) {
        double v = lo + w * gru__rng_uniform(rng);
        if (v >= hi && lo < hi) /* keep [lo, hi) when lo + w u rounds up to hi */
            v = nextafter(hi, lo);
        put(data, dtype, i, v);
    }
}

static void fill_variance_scaling(void *data, gru_dtype dtype, int64_t n, double scale,
                                  gru_fan_mode mode, gru_distribution dist, double fan_in,
                                  double fan_out, gru__rng *rng)
{
    double fan = mode == GRU_FAN_IN ? fan_in
                 : mode == GRU_FAN_OUT ? fan_out
                                       : (fan_in + fan_out) / 2.0;
    double s = scale / (fan > 1.0 ? fan : 1.0);
    if (dist == GRU_DIST_TRUNCATED_NORMAL)
        fill_normal(data, dtype, n, 0.0, sqrt(s) / GRU__TRUNC_STD, true, rng);
    else if (dist == GRU_DIST_UNTRUNCATED_NORMAL)
        fill_normal(data, dtype, n, 0.0, sqrt(s), false, rng);
    else {
        double limit = sqrt(3.0 * s);
        fill_uniform(data, dtype, n, -limit, limit, rng);
    }
}

static void fill_identity(void *data, gru_dtype dtype, int64_t rows, int64_t cols,
                          double gain)
{
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++)
            put(data, dtype, i * cols + j, i == j ? gain : 0.0);
}

/* Apply the Householder reflector H_k = I - tau v v^T, v = (0..0, 1, vk[k+1..m-1]), to a
 * column a (m) in place; only rows k..m-1 change. */
static inline void apply_reflector(const double *vk, double tau, double *a, int64_t k,
                                   int64_t m)
{
    /* v . a with 8 partial sums: independent chains, which the compiler may vectorize */
    double p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = k + 1;
    for (; i + 8 <= m; i += 8)
        for (int l = 0; l < 8; l++)
            p[l] += vk[i + l] * a[i + l];
    for (; i < m; i++)
        p[0] += vk[i] * a[i];
    double w = a[k] + (((p[0] + p[4]) + (p[1] + p[5])) + ((p[2] + p[6]) + (p[3] + p[7])));
    w *= tau;
    a[k] -= w;
    for (i = k + 1; i < m; i++)
        a[i] -= w * vk[i];
}

/* Reflectors are applied to the columns right of a panel of ORTHO_NB columns one column at
 * a time, all the panel's reflectors in a row, so a column stays in cache while the
 * panel's reflectors stream past it. Each column sees the same operations in the same
 * order as the unblocked algorithm: the result does not depend on ORTHO_NB. */
#define ORTHO_NB 32

/* Householder QR of A (m, n), m >= n, held transposed: at (n, m), row k = column k of A.
 * On return row k of `at` is column k of the thin Q (m, n), and sgn[k] = sign(R[k][k])
 * (+1 for a zero R[k][k]); multiplying column k by sgn[k] gives R a positive diagonal,
 * the unique QR, which makes Q Haar-distributed. tau (n) is scratch. */
static void orthonormalize(double *at, double *tau, double *sgn, int64_t m, int64_t n)
{
    /* Factor, panel by panel: H_k = I - tau_k v_k v_k^T, v_k stored in at[k][k+1..]. */
    for (int64_t k0 = 0; k0 < n; k0 += ORTHO_NB) {
        int64_t k1 = k0 + ORTHO_NB < n ? k0 + ORTHO_NB : n;
        for (int64_t k = k0; k < k1; k++) {
            double *v = at + k * m;
            double alpha = v[k], norm2 = 0.0;
            for (int64_t i = k; i < m; i++)
                norm2 += v[i] * v[i];
            if (norm2 == 0.0) { /* column already zero: H_k = I, R[k][k] = 0 */
                tau[k] = 0.0;
                sgn[k] = 1.0;
                continue;
            }
            double norm = sqrt(norm2);
            double beta = alpha >= 0.0 ? -norm : norm; /* R[k][k], no cancellation */
            tau[k] = (beta - alpha) / beta;
            double inv = 1.0 / (alpha - beta);
            for (int64_t i = k + 1; i < m; i++)
                v[i] *= inv;
            v[k] = beta;
            sgn[k] = beta > 0.0 ? 1.0 : -1.0;
            for (int64_t j = k + 1; j < k1; j++)
                apply_reflector(v, tau[k], at + j * m, k, m);
        }
        for (int64_t j = k1; j < n; j++)
            for (int64_t k = k0; k < k1; k++)
                apply_reflector(at + k * m, tau[k], at + j * m, k, m);
    }
    /* Form Q = H_0 H_1 ... H_{n-1} applied to the first n columns of I, in place, last
     * reflector first (as LAPACK dorg2r): column k is made from v_k once H_{k+1..n-1}
     * have been applied to the columns right of it, which at that point hold zeros in
     * rows 0..k. Panels from the last one down. */
    for (int64_t k1 = n; k1 > 0; k1 -= ORTHO_NB) {
        int64_t k0 = k1 - ORTHO_NB > 0 ? k1 - ORTHO_NB : 0;
        for (int64_t j = k1; j < n; j++)
            for (int64_t k = k1 - 1; k >= k0; k--)
                apply_reflector(at + k * m, tau[k], at + j * m, k, m);
        for (int64_t k = k1 - 1; k >= k0; k--) {
            double *v = at + k * m;
            for (int64_t j = k + 1; j < k1; j++)
                apply_reflector(v, tau[k], at + j * m, k, m);
            for (int64_t i = k + 1; i < m; i++)
                v[i] *= -tau[k];
            v[k] = 1.0 - tau[k];
            for (int64_t i = 0; i < k; i++)
                v[i] = 0.0;
        }
    }
}

static int fill_orthogonal(void *data, gru_dtype dtype, int64_t rows, int64_t cols,
                           double gain, gru__rng *rng)
{
    int64_t m = rows > cols ? rows : cols, n = rows > cols ? cols : rows;
    size_t mn, ws_bytes;
    if (!gru__mul_size((size_t)m, (size_t)n, &mn) || mn > SIZE_MAX - 2 * (size_t)n ||
        !gru__mul_size(mn + 2 * (size_t)n, sizeof(double), &ws_bytes))
        return gru__error(GRU_ERR_ARG, "shape: orthogonal workspace of (%lld, %lld) "
                          "doubles overflows", (long long)m, (long long)n);
    double *at = gru__alloc(ws_bytes); /* (n, m): A transposed, then Q transposed */
    if (!at)
        return gru__error(GRU_ERR_NOMEM, "orthogonal: cannot allocate %zu bytes of "
                          "workspace for shape (%lld, %lld)", ws_bytes, (long long)rows,
                          (long long)cols);
    double *tau = at + mn; /* (n) */
    double *sgn = tau + n; /* (n) sign(diag(R)) */

    /* A (m, n) drawn in C order, as Keras draws random_normal(flat_shape). */
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++)
            at[j * m + i] = gru__rng_normal(rng);
    orthonormalize(at, tau, sgn, m, n);

    if (rows >= cols) { /* W = Q (m = rows, n = cols): W[i][j] = at[j][i] */
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++)
                put(data, dtype, i * cols + j, gain * sgn[j] * at[j * m + i]);
    } else { /* W = Q^T (n = rows, m = cols): W[i][j] = at[i][j] */
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++)
                put(data, dtype, i * cols + j, gain * sgn[i] * at[i * m + j]);
    }
    gru__free(at);
    return GRU_OK;
}

/* ---- entry point ------------------------------------------------------------- */

int gru_initializer_fill(const gru_initializer *init, gru_dtype dtype, int ndim,
                         const int64_t *shape, uint64_t seed, void *data)
{
    if (!init)
        return gru__error(GRU_ERR_NULL, "init: is NULL");
    if (!shape)
        return gru__error(GRU_ERR_NULL, "shape: is NULL");
    if (!data)
        return gru__error(GRU_ERR_NULL, "data: is NULL");
    if ((int)init->kind < 0 || init->kind >= GRU_INIT_COUNT)
        return gru__error(GRU_ERR_ARG, "init: kind %d is not a known initializer",
                          (int)init->kind);
    const char *kname = init_name(init->kind);
    if (dtype != GRU_FLOAT32 && dtype != GRU_FLOAT64)
        return gru__error(GRU_ERR_ARG, "dtype: expected float32 or float64, got %s",
                          gru_dtype_name(dtype));
    if (ndim != 1 && ndim != 2)
        return gru__error(GRU_ERR_ARG, "ndim: expected 1 or 2, got %d", ndim);
    for (int d = 0; d < ndim; d++)
        if (shape[d] <= 0)
            return gru__error(GRU_ERR_ARG, "shape[%d]: expected a dimension >= 1, got %lld",
                              d, (long long)shape[d]);
    int64_t rows = shape[0], cols = ndim == 2 ? shape[1] : 1, numel;
    size_t bytes; /* of the output, which the caller holds */
    char sbuf[64];
    if (!gru__mul_i64(rows, cols, &numel) || (uint64_t)numel > (uint64_t)SIZE_MAX ||
        !gru__mul_size((size_t)numel, gru_dtype_size(dtype), &bytes))
        return gru__error(GRU_ERR_ARG, "shape: %s of %s overflows",
                          gru__shape_str(sbuf, sizeof sbuf, ndim, shape),
                          gru_dtype_name(dtype));
    if ((init->kind == GRU_INIT_IDENTITY || init->kind == GRU_INIT_ORTHOGONAL) &&
        ndim != 2)
        return gru__error(GRU_ERR_ARG, "%s: needs a 2-D shape, got a 1-D shape (%lld,)",
                          kname, (long long)rows);
    int rc = check_params(init, dtype);
    if (rc != GRU_OK)
        return rc;

    /* tf_keras _compute_fans: 1-D (n) -> fan_in = fan_out = n. */
    double fan_in = (double)rows, fan_out = ndim == 2 ? (double)cols : (double)rows;
    gru__rng rng;
    gru__rng_seed(&rng, init->has_seed ? init->seed : seed);

    switch (init->kind) {
    case GRU_INIT_ZEROS:
        fill_const(data, dtype, numel, 0.0);
        break;
    case GRU_INIT_ONES:
        fill_const(data, dtype, numel, 1.0);
        break;
    case GRU_INIT_CONSTANT:
        fill_const(data, dtype, numel, init->value);
        break;
    case GRU_INIT_RANDOM_NORMAL:
        fill_normal(data, dtype, numel, init->mean, init->stddev, false, &rng);
        break;
    case GRU_INIT_TRUNCATED_NORMAL:
        fill_normal(data, dtype, numel, init->mean, init->stddev, true, &rng);
        break;
    case GRU_INIT_RANDOM_UNIFORM:
        fill_uniform(data, dtype, numel, init->minval, init->maxval, &rng);
        break;
    case GRU_INIT_VARIANCE_SCALING:
        fill_variance_scaling(data, dtype, numel, init->scale, init->mode,
                              init->distribution, fan_in, fan_out, &rng);
        break;
    case GRU_INIT_GLOROT_UNIFORM:
        fill_variance_scaling(data, dtype, numel, 1.0, GRU_FAN_AVG, GRU_DIST_UNIFORM,
                              fan_in, fan_out, &rng);
        break;
    case GRU_INIT_GLOROT_NORMAL:
        fill_variance_scaling(data, dtype, numel, 1.0, GRU_FAN_AVG,
                              GRU_DIST_TRUNCATED_NORMAL, fan_in, fan_out, &rng);
        break;
    case GRU_INIT_HE_NORMAL:
        fill_variance_scaling(data, dtype, numel, 2.0, GRU_FAN_IN,
                              GRU_DIST_TRUNCATED_NORMAL, fan_in, fan_out, &rng);
        break;
    case GRU_INIT_HE_UNIFORM:
        fill_variance_scaling(data, dtype, numel, 2.0, GRU_FAN_IN, GRU_DIST_UNIFORM, fan_in,
                              fan_out, &rng);
        break;
    case GRU_INIT_LECUN_NORMAL:
        fill_variance_scaling(data, dtype, numel, 1.0, GRU_FAN_IN,
                              GRU_DIST_TRUNCATED_NORMAL, fan_in, fan_out, &rng);
        break;
    case GRU_INIT_LECUN_UNIFORM:
        fill_variance_scaling(data, dtype, numel, 1.0, GRU_FAN_IN, GRU_DIST_UNIFORM, fan_in,
                              fan_out, &rng);
        break;
    case GRU_INIT_IDENTITY:
        fill_identity(data, dtype, rows, cols, init->gain);
        break;
    case GRU_INIT_ORTHOGONAL:
        return fill_orthogonal(data, dtype, rows, cols, init->gain, &rng);
    default: /* unreachable: kind checked above */
        return gru__error(GRU_ERR_ARG, "init: kind %d is not a known initializer",
                          (int)init->kind);
    }
    return GRU_OK;
}
