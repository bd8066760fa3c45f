/* The forward pass against a float64 GRU written here, separately from the library,
 * straight from SEMANTICS.md, plus every error path of the layer and forward API.
 * float64 layers must agree to 1e-12 relative; float32 layers to the project tolerance
 * |d| <= 1e-5 + 1e-4 |ref| (scaled by the largest |ref| for large-magnitude inputs). */
#include "gru.h"
#include "test_util.h"

#include <math.h>
#include <stdlib.h>

/* ---- the independent float64 reference ---------------------------------------- */

static double act64(gru_activation a, double x)
{
    switch (a) {
    case GRU_ACT_TANH: return tanh(x);
    case GRU_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case GRU_ACT_HARD_SIGMOID: return fmin(1.0, fmax(0.0, 0.2 * x + 0.5));
    case GRU_ACT_HARD_SIGMOID_KERAS3: return fmin(6.0, fmax(0.0, x + 3.0)) / 6.0;
    case GRU_ACT_RELU: return x > 0 ? x : 0;
    case GRU_ACT_LINEAR: return x;
    case GRU_ACT_ELU: return x > 0 ? x : exp(x) - 1.0;
    case GRU_ACT_SELU: {
        const double alpha = 1.6732632423543772848170429916717;
        const double scale = 1.0507009873554804934193349852946;
        return x > 0 ? scale * x : scale * alpha * (exp(x) - 1.0);
    }
    case GRU_ACT_SOFTPLUS: return x > 30 ? x : log(1.0 + exp(x));
    case GRU_ACT_SOFTSIGN: return x / (1.0 + fabs(x));
    case GRU_ACT_EXPONENTIAL: return exp(x);
    case GRU_ACT_SWISH: return x / (1.0 + exp(-x));
    case GRU_ACT_GELU: return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
    default: abort();
    }
}

typedef struct refcase {
    int64_t B, T, I, H;
    bool reset_after, use_bias, return_sequences, go_backwards;
    gru_activation act, ract;
    double *K, *U, *bias;     /* (I,3H) (H,3H) (3H) or (2,3H) */
    double *x;                /* (B,T,I) */
    uint8_t *mask;            /* (B,T) or NULL */
    double *h0;               /* (B,H) or NULL */
} refcase;

/* y: (B,T,H) or (B,H); hT: (B,H) */
static void ref_forward(const refcase *c, double *y, double *hT)
{
    int64_t B = c->B, T = c->T, I = c->I, H = c->H;
    double *h = calloc((size_t)H, sizeof *h), *hn = calloc((size_t)H, sizeof *hn);
    for (int64_t b = 0; b < B; b++) {
        for (int64_t j = 0; j < H; j++)
            h[j] = c->h0 ? c->h0[b * H + j] : 0.0;
        int started = 0;
        for (int64_t s = 0; s < T; s++) {
            int64_t t = c->go_backwards ? T - 1 - s : s;
            const double *xt = c->x + (b * T + t) * I;
            int keep = !c->mask || c->mask[b * T + t];
            if (keep) {
                for (int64_t j = 0; j < H; j++) {
                    double xz = 0, xr = 0, xh = 0, hz = 0, hr = 0;
                    for (int64_t i = 0; i < I; i++) {
                        xz += xt[i] * c->K[i * 3 * H + j];
                        xr += xt[i] * c->K[i * 3 * H + H + j];
                        xh += xt[i] * c->K[i * 3 * H + 2 * H + j];
                    }
                    for (int64_t k = 0; k < H; k++) {
                        hz += h[k] * c->U[k * 3 * H + j];
                        hr += h[k] * c->U[k * 3 * H + H + j];
                    }
                    double bz = 0, br = 0, bh = 0, rbz = 0, rbr = 0, rbh = 0;
                    if (c->use_bias) {
                        bz = c->bias[j], br = c->bias[H + j], bh = c->bias[2 * H + j];
                        if (c->reset_after)
                            rbz = c->bias[3 * H + j], rbr = c->bias[4 * H + j],
                            rbh = c->bias[5 * H + j];
                    }
                    double z = act64(c->ract, xz + bz + hz + rbz);
                    double r = act64(c->ract, xr + br + hr + rbr);
                    double rec = 0;
                    if (c->reset_after) {
                        for (int64_t k = 0; k < H; k++)
                            rec += h[k] * c->U[k * 3 * H + 2 * H + j];
                        rec = r * (rec + rbh);
                    } else {
                        /* (r ⊙ h) · Uh needs every r: recompute r_k for each k */
                        for (int64_t k = 0; k < H; k++) {
                            double xrk = 0, hrk = 0;
                            for (int64_t i = 0; i < I; i++)
                                xrk += xt[i] * c->K[i * 3 * H + H + k];
                            for (int64_t m = 0; m < H; m++)
                                hrk += h[m] * c->U[m * 3 * H + H + k];
                            double rk = act64(c->ract, xrk + (c->use_bias ? c->bias[H + k] : 0) + hrk);
                            rec += rk * h[k] * c->U[k * 3 * H + 2 * H + j];
                        }
                    }
                    double hh = act64(c->act, xh + bh + rec);
                    hn[j] = z * h[j] + (1 - z) * hh;
                }
                for (int64_t j = 0; j < H; j++)
                    h[j] = hn[j];
                started = 1;
            }
            if (c->return_sequences || s == T - 1) {
                double *yb = c->return_sequences ? y + (b * T + s) * H : y + b * H;
                for (int64_t j = 0; j < H; j++)
                    yb[j] = started ? h[j] : 0.0;
            }
        }
        for (int64_t j = 0; j < H; j++)
            hT[b * H + j] = h[j];
    }
    free(h);
    free(hn);
}

/* ---- random cases ----------------------------------------------------------------- */

static double *randv(tu_rng *r, int64_t n, double scale)
{
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++)
        v[i] = tu_uniform(r, -scale, scale);
    return v;
}

static float *to_f32(const double *v, int64_t n)
{
    float *f = malloc((size_t)(n ? n : 1) * sizeof *f);
    for (int64_t i = 0; i < n; i++)
        f[i] = (float)v[i];
    return f;
}

static double *from_f32(const float *v, int64_t n)
{
    double *d = malloc((size_t)(n ? n : 1) * sizeof *d);
    for (int64_t i = 0; i < n; i++)
        d[i] = v[i];
    return d;
}

/* Run case c through the library in dtype dt and compare with the reference. The
 * float32 run gets float32-rounded data and the reference is computed from the same
 * rounded values, so only the arithmetic differs. */
static void run_case(refcase *c, gru_dtype dt, int case_no, double xscale)
{
    gru_config cfg;
    gru_config_init(&cfg, c->H);
    cfg.input_dim = c->I;
    cfg.reset_after = c->reset_after;
    cfg.use_bias = c->use_bias;
    cfg.return_sequences = c->return_sequences;
    cfg.return_state = true;
    cfg.go_backwards = c->go_backwards;
    cfg.activation = c->act;
    cfg.recurrent_activation = c->ract;
    cfg.dtype = dt;
    int64_t H3 = 3 * c->H, nb = c->reset_after ? 2 * H3 : H3;
    int64_t nK = c->I * H3, nU = c->H * H3, nx = c->B * c->T * c->I, nh = c->B * c->H;
    int64_t ny = c->return_sequences ? c->B * c->T * c->H : nh;
    if (dt == GRU_FLOAT32) { /* round the inputs to float32 first */
        double *arrs[5] = {c->K, c->U, c->bias, c->x, c->h0};
        int64_t ns[5] = {nK, nU, c->use_bias ? nb : 0, nx, c->h0 ? nh : 0};
        for (int a = 0; a < 5; a++)
            for (int64_t i = 0; arrs[a] && i < ns[a]; i++)
                arrs[a][i] = (float)arrs[a][i];
    }
    double *yref = calloc((size_t)ny, sizeof *yref), *href = calloc((size_t)nh, sizeof *href);
    ref_forward(c, yref, href);

    gru_layer *layer = NULL;
    CHECK_OK(gru_layer_create(&cfg, &layer));
    if (!layer)
        return;
    void *K, *U, *bias = NULL, *x, *h0 = NULL, *y, *hT;
    if (dt == GRU_FLOAT32) {
        K = to_f32(c->K, nK), U = to_f32(c->U, nU), x = to_f32(c->x, nx);
        if (c->use_bias)
            bias = to_f32(c->bias, nb);
        if (c->h0)
            h0 = to_f32(c->h0, nh);
        y = calloc((size_t)ny, 4), hT = calloc((size_t)nh, 4);
    } else {
        K = c->K, U = c->U, x = c->x, bias = c->bias, h0 = c->h0;
        y = calloc((size_t)ny, 8), hT = calloc((size_t)nh, 8);
    }
    gru_tensor tk = gru_tensor_2d(dt, c->I, H3, K), tu = gru_tensor_2d(dt, c->H, H3, U);
    gru_tensor tb = c->reset_after ? gru_tensor_2d(dt, 2, H3, bias) : gru_tensor_1d(dt, H3, bias);
    CHECK_OK(gru_layer_set_weights(layer, &tk, &tu, c->use_bias ? &tb : NULL));
    gru_tensor tx = gru_tensor_3d(dt, c->B, c->T, c->I, x);
    gru_tensor tm = gru_tensor_2d(GRU_UINT8, c->B, c->T, c->mask);
    gru_tensor th0 = gru_tensor_2d(dt, c->B, c->H, h0);
    gru_tensor ty = c->return_sequences ? gru_tensor_3d(dt, c->B, c->T, c->H, y)
                                        : gru_tensor_2d(dt, c->B, c->H, y);
    gru_tensor thT = gru_tensor_2d(dt, c->B, c->H, hT);
    CHECK_OK(gru_forward(layer, &tx, c->mask ? &tm : NULL, h0 ? &th0 : NULL, &ty, &thT));

    char what[160];
    snprintf(what, sizeof what,
             "case %d %s B=%lld T=%lld I=%lld H=%lld reset_after=%d bias=%d seq=%d back=%d "
             "act=%s ract=%s mask=%d h0=%d",
             case_no, gru_dtype_name(dt), (long long)c->B, (long long)c->T, (long long)c->I,
             (long long)c->H, c->reset_after, c->use_bias, c->return_sequences,
             c->go_backwards, gru_activation_name(c->act), gru_activation_name(c->ract),
             c->mask != NULL, c->h0 != NULL);
    if (dt == GRU_FLOAT64) {
        tu_close_f64(y, yref, ny, 1e-12, 1e-12, what);
        tu_close_f64(hT, href, nh, 1e-12, 1e-12, what);
        /* relative with a floor: values near 0 get 1e-12 absolute */
    } else {
        double ymax = 1.0;
        for (int64_t i = 0; i < ny; i++)
            ymax = fmax(ymax, fabs(yref[i]));
        double scale = xscale > 1.0 ? ymax : 1.0;
        double *yd = from_f32(y, ny), *hd = from_f32(hT, nh);
        tu_close_f64(yd, yref, ny, 1e-5 * scale, 1e-4, what);
        tu_close_f64(hd, href, nh, 1e-5 * scale, 1e-4, what);
        free(yd);
        free(hd);
        free(K), free(U), free(x), free(bias), free(h0);
    }
    free(y), free(hT), free(yref), free(href);
    gru_layer_destroy(layer);
}

static void random_cases(void)
{
    tu_rng r = {20261125};
    const char *env = getenv("GRU_TEST_SEED");
    if (env)
        r.s = strtoull(env, NULL, 10);
    printf("test_forward: seed %llu\n", (unsigned long long)r.s);
    for (int n = 0; n < 400; n++) {
        refcase c = {0};
        c.B = 1 + (int64_t)(tu_next(&r) % 4);
        c.T = 1 + (int64_t)(tu_next(&r) % 7);
        c.I = 1 + (int64_t)(tu_next(&r) % 6);
        c.H = 1 + (int64_t)(tu_next(&r) % 9);
        c.reset_after = tu_next(&r) & 1;
        c.use_bias = (tu_next(&r) % 4) != 0;
        c.return_sequences = tu_next(&r) & 1;
        c.go_backwards = (tu_next(&r) % 3) == 0;
        c.act = (gru_activation)(n % GRU_ACT_COUNT);
        c.ract = (gru_activation)((n / GRU_ACT_COUNT + n) % GRU_ACT_COUNT);
        bool big = (n % 10) == 9 && c.act != GRU_ACT_EXPONENTIAL &&
                   c.ract != GRU_ACT_EXPONENTIAL;
        double xscale = big ? 50.0 : 1.0;
        if (c.act == GRU_ACT_EXPONENTIAL || c.ract == GRU_ACT_EXPONENTIAL)
            xscale = 0.3;
        double wscale = c.act == GRU_ACT_EXPONENTIAL ? 0.3 : 0.8;
        /* A recurrent activation without a bound in [0, 1] lets z leave the interval and
         * the state grow without limit; keep those cases well-conditioned (no overflow,
         * no cancellation), since the point is the arithmetic, not float range. */
        bool unbounded = c.ract != GRU_ACT_SIGMOID && c.ract != GRU_ACT_HARD_SIGMOID &&
                         c.ract != GRU_ACT_HARD_SIGMOID_KERAS3 && c.ract != GRU_ACT_TANH &&
                         c.ract != GRU_ACT_SOFTSIGN;
        if (unbounded) {
            wscale = 0.15;
            xscale = fmin(xscale, 0.5);
        }
        c.K = randv(&r, c.I * 3 * c.H, wscale);
        c.U = randv(&r, c.H * 3 * c.H, wscale);
        c.bias = randv(&r, 6 * c.H, unbounded ? 0.1 : 0.5);
        c.x = randv(&r, c.B * c.T * c.I, xscale);
        if (tu_next(&r) % 3 == 0) {
            c.mask = malloc((size_t)(c.B * c.T));
            for (int64_t i = 0; i < c.B * c.T; i++)
                c.mask[i] = (tu_next(&r) % 3) != 0;
            /* a fully masked sample and a leading-masked one when possible */
            if (c.B > 1)
                for (int64_t t = 0; t < c.T; t++)
                    c.mask[t] = 0;
            if (c.T > 1)
                c.mask[(c.B - 1) * c.T] = 0;
        }
        if (tu_next(&r) & 1)
            c.h0 = randv(&r, c.B * c.H, unbounded ? 0.3 : 0.9);
        for (int d = 0; d < 2; d++) {
            /* copy the double arrays: the float32 run rounds them in place */
            refcase cc = c;
            int64_t nb = 6 * c.H;
            cc.K = malloc((size_t)(c.I * 3 * c.H) * 8), cc.U = malloc((size_t)(c.H * 3 * c.H) * 8);
            cc.bias = malloc((size_t)nb * 8), cc.x = malloc((size_t)(c.B * c.T * c.I) * 8);
            memcpy(cc.K, c.K, (size_t)(c.I * 3 * c.H) * 8);
            memcpy(cc.U, c.U, (size_t)(c.H * 3 * c.H) * 8);
            memcpy(cc.bias, c.bias, (size_t)nb * 8);
            memcpy(cc.x, c.x, (size_t)(c.B * c.T * c.I) * 8);
            if (c.h0) {
                cc.h0 = malloc((size_t)(c.B * c.H) * 8);
                memcpy(cc.h0, c.h0, (size_t)(c.B * c.H) * 8);
            }
            run_case(&cc, d ? GRU_FLOAT32 : GRU_FLOAT64, n, xscale);
            free(cc.K), free(cc.U), free(cc.bias), free(cc.x), free(cc.h0);
        }
        free(c.K), free(c.U), free(c.bias), free(c.x), free(c.mask), free(c.h0);
    }
}

/* ---- stateful ------------------------------------------------------------------- */

static void stateful_cases(void)
{
    /* Three calls on a stateful layer == one call on the concatenated sequence; then
     * reset_states() to zeros and to values. */
    const int64_t B = 2, T = 3, I = 3, H = 4, H3 = 12;
    tu_rng r = {7};
    double *K = randv(&r, I * H3, 0.7), *U = randv(&r, H * H3, 0.7), *bias = randv(&r, 2 * H3, 0.3);
    double *x = randv(&r, B * 3 * T * I, 1.0), *hv = randv(&r, B * H, 0.8);
    gru_config cfg;
    gru_config_init(&cfg, H);
    cfg.input_dim = I;
    cfg.stateful = true;
    cfg.batch_size = B;
    cfg.reset_after = true;
    cfg.return_sequences = true;
    cfg.dtype = GRU_FLOAT64;
    gru_layer *layer = NULL;
    CHECK_OK(gru_layer_create(&cfg, &layer));
    gru_tensor tk = gru_tensor_2d(GRU_FLOAT64, I, H3, K), tu = gru_tensor_2d(GRU_FLOAT64, H, H3, U);
    gru_tensor tb = gru_tensor_2d(GRU_FLOAT64, 2, H3, bias);
    CHECK_OK(gru_layer_set_weights(layer, &tk, &tu, &tb));

    refcase c = {.B = B, .T = 3 * T, .I = I, .H = H, .reset_after = true, .use_bias = true,
                 .return_sequences = true, .act = GRU_ACT_TANH, .ract = GRU_ACT_HARD_SIGMOID,
                 .K = K, .U = U, .bias = bias, .x = x};
    double yref[2 * 9 * 4], href[8];
    ref_forward(&c, yref, href);
    double xs[2 * 3 * 3], y[2 * 3 * 4];
    for (int call = 0; call < 3; call++) {
        for (int64_t b = 0; b < B; b++)
            memcpy(xs + b * T * I, x + (b * 3 * T + call * T) * I, (size_t)(T * I) * 8);
        gru_tensor tx = gru_tensor_3d(GRU_FLOAT64, B, T, I, xs);
        gru_tensor ty = gru_tensor_3d(GRU_FLOAT64, B, T, H, y);
        CHECK_OK(gru_forward(layer, &tx, NULL, NULL, &ty, NULL));
        for (int64_t b = 0; b < B; b++)
            tu_close_f64(y + b * T * H, yref + (b * 3 * T + call * T) * H, T * H, 1e-13, 1e-12,
                         "stateful call");
    }
    double st[8];
    gru_tensor tst = gru_tensor_2d(GRU_FLOAT64, B, H, st);
    CHECK_OK(gru_layer_get_states(layer, &tst));
    tu_close_f64(st, href, B * H, 1e-13, 1e-12, "stateful carried state");

    /* reset_states(values): the next call starts from values */
    gru_tensor tv = gru_tensor_2d(GRU_FLOAT64, B, H, hv);
    CHECK_OK(gru_layer_reset_states(layer, &tv));
    refcase c2 = c;
    c2.T = T;
    double x2[2 * 3 * 3];
    memcpy(x2, x, sizeof x2);
    c2.x = x2;
    c2.h0 = hv;
    double y2ref[2 * 3 * 4], h2ref[8];
    ref_forward(&c2, y2ref, h2ref);
    gru_tensor tx = gru_tensor_3d(GRU_FLOAT64, B, T, I, x2);
    gru_tensor ty = gru_tensor_3d(GRU_FLOAT64, B, T, H, y);
    CHECK_OK(gru_forward(layer, &tx, NULL, NULL, &ty, NULL));
    tu_close_f64(y, y2ref, B * T * H, 1e-13, 1e-12, "after reset_states(values)");
    /* reset_states(): zeros */
    CHECK_OK(gru_layer_reset_states(layer, NULL));
    c2.h0 = NULL;
    ref_forward(&c2, y2ref, h2ref);
    CHECK_OK(gru_forward(layer, &tx, NULL, NULL, &ty, NULL));
    tu_close_f64(y, y2ref, B * T * H, 1e-13, 1e-12, "after reset_states()");
    /* a passed initial_state wins over the carried state */
    c2.h0 = hv;
    ref_forward(&c2, y2ref, h2ref);
    CHECK_OK(gru_forward(layer, &tx, NULL, &tv, &ty, NULL));
    tu_close_f64(y, y2ref, B * T * H, 1e-13, 1e-12, "initial_state wins");

    /* errors */
    double bad[3 * 4];
    gru_tensor tbad = gru_tensor_2d(GRU_FLOAT64, 3, H, bad);
    CHECK_ERR(gru_layer_reset_states(layer, &tbad), GRU_ERR_SHAPE, "expected shape (2, 4)");
    gru_tensor tx3 = gru_tensor_3d(GRU_FLOAT64, 3, T, I, bad);
    CHECK_ERR(gru_forward(layer, &tx3, NULL, NULL, &ty, NULL), GRU_ERR_SHAPE, "x: expected shape (2, ?, 3)");
    gru_layer_destroy(layer);
    free(K), free(U), free(bias), free(x), free(hv);
}

/* ---- error paths ------------------------------------------------------------------ */

static void error_paths(void)
{
    gru_config cfg;
    gru_layer *layer = (gru_layer *)&cfg; /* must be set to NULL on failure */
    CHECK_ERR(gru_layer_create(NULL, &layer), GRU_ERR_NULL, "cfg");
    CHECK(layer == NULL);
    gru_config_init(&cfg, 4);
    CHECK_ERR(gru_layer_create(&cfg, NULL), GRU_ERR_NULL, "out");
    CHECK_ERR(gru_layer_create(&cfg, &layer), GRU_ERR_ARG, "input_dim");
    cfg.input_dim = 3;
    cfg.units = 0;
    CHECK_ERR(gru_layer_create(&cfg, &layer), GRU_ERR_ARG, "units");
    cfg.units = -5;
    CHECK_ERR(gru_layer_create(&cfg, &layer), GRU_ERR_ARG, "units");
    cfg.units = INT64_MAX / 2;
    CHECK(gru_layer_create(&cfg, &layer) != GRU_OK);
    CHECK(layer == NULL);
    cfg.units = 4;
    cfg.activation = (gru_activation)99;
    CHECK_ERR(gru_layer_create(&cfg, &layer), GRU_ERR_ARG, "activation");
    cfg.activation = GRU_ACT_TANH;
    cfg.stateful = true;
    CHECK_ERR(gru_layer_create(&cfg, &layer), GRU_ERR_ARG, "batch");
    cfg.stateful = false;
    CHECK_OK(gru_layer_create(&cfg, &layer));
    CHECK(gru_layer_param_count(layer) == 3 * (4 * (3 + 4) + 4));
    gru_activation a;
    CHECK_ERR(gru_activation_from_name("tanhh", &a), GRU_ERR_ARG, "tanhh");

    float K[3 * 12], U[4 * 12], b[24], bad[4 * 6], x[2 * 5 * 3], y[2 * 5 * 4], h[8];
    memset(x, 0, sizeof x);
    gru_tensor tk = gru_tensor_2d(GRU_FLOAT32, 3, 12, K), tu = gru_tensor_2d(GRU_FLOAT32, 4, 12, U);
    gru_tensor tb = gru_tensor_1d(GRU_FLOAT32, 12, b), tb2 = gru_tensor_2d(GRU_FLOAT32, 2, 12, b);
    gru_tensor tbad = gru_tensor_2d(GRU_FLOAT32, 4, 6, bad);
    CHECK_ERR(gru_layer_set_weights(NULL, &tk, &tu, &tb), GRU_ERR_NULL, "layer");
    CHECK_ERR(gru_layer_set_weights(layer, NULL, &tu, &tb), GRU_ERR_NULL, "kernel");
    CHECK_ERR(gru_layer_set_weights(layer, &tk, &tbad, &tb), GRU_ERR_SHAPE,
              "recurrent_kernel: expected shape (4, 12), got (4, 6)");
    CHECK_ERR(gru_layer_set_weights(layer, &tk, &tu, &tb2), GRU_ERR_SHAPE, "reset_after = TRUE bias");
    CHECK_ERR(gru_layer_set_weights(layer, &tk, &tu, NULL), GRU_ERR_NULL, "bias");
    gru_tensor tk64 = gru_tensor_2d(GRU_FLOAT64, 3, 12, K);
    CHECK_ERR(gru_layer_set_weights(layer, &tk64, &tu, &tb), GRU_ERR_SHAPE, "dtype float32");
    int nd;
    int64_t shp[2];
    CHECK_ERR(gru_layer_weight_shape(layer, 3, &nd, shp), GRU_ERR_ARG, "which");

    gru_tensor tx = gru_tensor_3d(GRU_FLOAT32, 2, 5, 3, x), ty = gru_tensor_2d(GRU_FLOAT32, 2, 4, y);
    gru_tensor th = gru_tensor_2d(GRU_FLOAT32, 2, 4, h);
    CHECK_ERR(gru_forward(NULL, &tx, NULL, NULL, &ty, NULL), GRU_ERR_NULL, "layer");
    CHECK_ERR(gru_forward(layer, NULL, NULL, NULL, &ty, NULL), GRU_ERR_NULL, "x");
    CHECK_ERR(gru_forward(layer, &tx, NULL, NULL, NULL, NULL), GRU_ERR_NULL, "output");
    gru_tensor tx2 = gru_tensor_2d(GRU_FLOAT32, 2, 15, x);
    CHECK_ERR(gru_forward(layer, &tx2, NULL, NULL, &ty, NULL), GRU_ERR_SHAPE, "3-D input");
    gru_tensor tx64 = gru_tensor_3d(GRU_FLOAT64, 2, 5, 3, x);
    CHECK_ERR(gru_forward(layer, &tx64, NULL, NULL, &ty, NULL), GRU_ERR_SHAPE, "x: expected dtype float32, got float64");
    gru_tensor txi = gru_tensor_3d(GRU_FLOAT32, 2, 5, 4, x);
    CHECK_ERR(gru_forward(layer, &txi, NULL, NULL, &ty, NULL), GRU_ERR_SHAPE, "x: expected shape (?, ?, 3)");
    gru_tensor tx0 = gru_tensor_3d(GRU_FLOAT32, 2, 0, 3, x);
    CHECK_ERR(gru_forward(layer, &tx0, NULL, NULL, &ty, NULL), GRU_ERR_SHAPE, "x");
    uint8_t m[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    gru_tensor tm = gru_tensor_2d(GRU_UINT8, 2, 4, m);
    CHECK_ERR(gru_forward(layer, &tx, &tm, NULL, &ty, NULL), GRU_ERR_SHAPE, "mask: expected shape (2, 5), got (2, 4)");
    gru_tensor tm3 = gru_tensor_3d(GRU_UINT8, 2, 5, 1, m);
    CHECK_ERR(gru_forward(layer, &tx, &tm3, NULL, &ty, NULL), GRU_ERR_SHAPE, "mask");
    gru_tensor tmbad = gru_tensor_2d((gru_dtype)77, 2, 5, m);
    CHECK_ERR(gru_forward(layer, &tx, &tmbad, NULL, &ty, NULL), GRU_ERR_SHAPE, "mask");
    gru_tensor th0bad = gru_tensor_2d(GRU_FLOAT32, 2, 3, h);
    CHECK_ERR(gru_forward(layer, &tx, NULL, &th0bad, &ty, NULL), GRU_ERR_SHAPE, "initial_state: expected shape (2, 4), got (2, 3)");
    gru_tensor tyseq = gru_tensor_3d(GRU_FLOAT32, 2, 5, 4, y);
    CHECK_ERR(gru_forward(layer, &tx, NULL, NULL, &tyseq, NULL), GRU_ERR_SHAPE, "return_sequences = FALSE");
    /* a failed call leaves the output zero-filled, not half-written */
    for (int i = 0; i < 8; i++)
        y[i] = 123.0f;
    CHECK(gru_forward(layer, &tx, NULL, &th0bad, &ty, NULL) == GRU_ERR_SHAPE);
    CHECK(y[0] == 0.0f && y[7] == 0.0f);
    CHECK_OK(gru_forward(layer, &tx, NULL, NULL, &ty, &th));
    CHECK_ERR(gru_layer_reset_states(layer, NULL), GRU_ERR_STATE, "not stateful");
    gru_layer_destroy(layer);
    gru_layer_destroy(NULL);

    cfg.return_state = true;
    CHECK_OK(gru_layer_create(&cfg, &layer));
    CHECK_ERR(gru_forward(layer, &tx, NULL, NULL, &ty, NULL), GRU_ERR_NULL, "return_state");
    gru_layer_destroy(layer);

    /* fixed timesteps from input_shape */
    cfg.return_state = false;
    cfg.timesteps = 4;
    CHECK_OK(gru_layer_create(&cfg, &layer));
    CHECK_ERR(gru_forward(layer, &tx, NULL, NULL, &ty, NULL), GRU_ERR_SHAPE, "x: expected shape (?, 4, 3)");
    gru_layer_destroy(layer);

    /* use_bias = FALSE: two weights, a bias is refused */
    cfg.timesteps = 0;
    cfg.use_bias = false;
    CHECK_OK(gru_layer_create(&cfg, &layer));
    CHECK(gru_layer_num_weights(layer) == 2);
    CHECK(gru_layer_param_count(layer) == 3 * 4 * (3 + 4));
    CHECK_ERR(gru_layer_set_weights(layer, &tk, &tu, &tb), GRU_ERR_ARG, "use_bias");
    CHECK_OK(gru_layer_set_weights(layer, &tk, &tu, NULL));
    gru_layer_destroy(layer);

    /* reset_after TRUE: a flat bias is refused with the reason */
    cfg.use_bias = true;
    cfg.reset_after = true;
    CHECK_OK(gru_layer_create(&cfg, &layer));
    CHECK(gru_layer_param_count(layer) == 3 * (4 * (3 + 4) + 4) + 12);
    CHECK_ERR(gru_layer_set_weights(layer, &tk, &tu, &tb), GRU_ERR_SHAPE,
              "bias: expected shape (2, 12) for reset_after = TRUE");
    gru_layer_destroy(layer);

    /* zero_output_for_mask: masked steps output zeros (the state still carries); with a
     * mask it is inference-only, and training says so */
    cfg.reset_after = false;
    cfg.zero_output_for_mask = true;
    cfg.return_sequences = true;
    CHECK_OK(gru_layer_create(&cfg, &layer));
    {
        float xs[1 * 3 * 3] = {0.5f, -1, 2, 0, 0, 0, 1, 1, 1}, ys[3 * 4], hs[4];
        uint8_t ms[3] = {1, 0, 1};
        gru_tensor tx1 = gru_tensor_3d(GRU_FLOAT32, 1, 3, 3, xs);
        gru_tensor tm1 = gru_tensor_2d(GRU_UINT8, 1, 3, ms);
        gru_tensor ty1 = gru_tensor_3d(GRU_FLOAT32, 1, 3, 4, ys);
        gru_tensor th1 = gru_tensor_2d(GRU_FLOAT32, 1, 4, hs);
        CHECK_OK(gru_forward(layer, &tx1, &tm1, NULL, &ty1, &th1));
        CHECK(ys[4] == 0 && ys[5] == 0 && ys[6] == 0 && ys[7] == 0);
        CHECK(ys[0] != 0 && ys[8] != 0 && hs[0] == ys[8]);
        size_t wsb = 0;
        CHECK_OK(gru_train_workspace_size(layer, 1, 3, &wsb));
        void *ws = malloc(wsb);
        CHECK_ERR(gru_forward_train(layer, &tx1, &tm1, NULL, &ty1, &th1, ws, wsb, NULL),
                  GRU_ERR_UNSUPPORTED, "zero_output_for_mask");
        free(ws);
    }
    gru_layer_destroy(layer);

    CHECK(strcmp(gru_status_name(GRU_ERR_SHAPE), "GRU_ERR_SHAPE") == 0);
    CHECK(strlen(gru_status_str(-1234)) > 0);
}

/* The weights argument of the configuration, and get_weights. */
static void weights_argument(void)
{
    const int64_t I = 2, H = 3, H3 = 9;
    double K[2 * 9], U[3 * 9], b[9], K2[2 * 9], U2[3 * 9], b2[9];
    for (int i = 0; i < 18; i++)
        K[i] = i * 0.1;
    for (int i = 0; i < 27; i++)
        U[i] = -i * 0.05;
    for (int i = 0; i < 9; i++)
        b[i] = i;
    gru_config cfg;
    gru_config_init(&cfg, H);
    cfg.input_dim = I;
    cfg.dtype = GRU_FLOAT64;
    cfg.weights[0] = K, cfg.weights[1] = U, cfg.weights[2] = b;
    gru_layer *layer;
    CHECK_OK(gru_layer_create(&cfg, &layer));
    gru_tensor tk = gru_tensor_2d(GRU_FLOAT64, I, H3, K2), tu = gru_tensor_2d(GRU_FLOAT64, H, H3, U2);
    gru_tensor tb = gru_tensor_1d(GRU_FLOAT64, H3, b2);
    CHECK_OK(gru_layer_get_weights(layer, &tk, &tu, &tb));
    CHECK(memcmp(K, K2, sizeof K) == 0 && memcmp(U, U2, sizeof U) == 0 && memcmp(b, b2, sizeof b) == 0);
    CHECK(gru_layer_config(layer)->weights[0] == NULL);
    CHECK(strcmp(gru_layer_config(layer)->name, "gru") == 0);
    gru_layer_destroy(layer);
}

int main(void)
{
    error_paths();
    weights_argument();
    stateful_cases();
    random_cases();
    return tu_finish("test_forward");
}
