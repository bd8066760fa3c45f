/* The fast float32 kernels (portable C, AVX2, AVX-512, whichever this CPU runs) against
 * the reference kernel on many random shapes and arguments, 1 to 3 threads; the streaming
 * API against gru_forward; and the accuracy of the vectorized exp / sigmoid / tanh against
 * double-precision libm on dense sweeps including extreme values, infinities and NaN.
 *
 * Stated accuracy of the vectorized math (AVX2 and AVX-512; the portable kernel uses
 * libm), checked here:
 *   exp      <= 2 ulp for x in [-87.3, 88.7] (normal results); subnormal results within
 *            2^-149 * 2; 0 below -104; +inf above 88.73; NaN -> NaN
 *   sigmoid  <= 4 ulp relative where the result is >= 2^-126, else within 2^-126
 *            absolute (like the reference formula, 0 once exp(-x) overflows)
 *   tanh     <= 3 ulp; tanh(±inf) = ±1, tanh(±0) = ±0, NaN -> NaN
 *   gelu     <= 8 ulp (measured 7.2, the worst for x < -2; 5.0 for x in [-2, 0), 3.9
 *            for x >= 0) of float64 gelu, 0.5 x erfc(-x / sqrt2), where that is >= 2^-126 in
 *            magnitude, else within 2^-126 absolute (x below -13); the reference's float
 *            formula 0.5 x (1 + erff(x / sqrt2)) is off by up to 2^-25 |x| absolute, as
 *            1 + erf cancels for x < 0 (thousands of ulp from x = -4 on, 0 below -5.6);
 *            gelu(inf) = inf, gelu(-inf) = NaN as the reference, NaN -> NaN
 *   softplus <= 4 ulp (measured 3.4) of float64 softplus where that is >= 2^-126, else
 *            within 2^-126 absolute; softplus(-inf) = 0, softplus(inf) = inf, NaN -> NaN
 * elu, selu, swish and exponential within a few ulp of the reference's scalar functions;
 * the other activations are exact (bitwise equal to them).
 */
#include "cpu/fast.h"
#include "test_util.h"

#include <float.h>
#include <math.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>

/* ---- vector math ----------------------------------------------------------------- */

#define GELU_ULP 8.0
#define SOFTPLUS_ULP 4.0

/* act in float64; gelu as 0.5 x erfc(-x / sqrt2), whose tail does not cancel */
static double act64(gru_activation act, double x)
{
    if (act == GRU_ACT_GELU)
        return 0.5 * x * erfc(-x * 0.70710678118654752440);
    return gru__act_f64(act, x);
}

static double ulp_of(double v)
{
    double a = fabs(v);
    if (a < FLT_MIN)
        return ldexp(1.0, -149);
    int e;
    frexp(a, &e); /* a = m 2^e, m in [0.5, 1) */
    return ldexp(1.0, e - 24);
}

static double ulp_err(float got, double want)
{
    if (isnan(want))
        return isnan(got) ? 0 : 1e9;
    if (isinf(want) || isinf(got))
        return (double)got == want ? 0 : 1e9;
    return fabs((double)got - want) / ulp_of(want);
}

static void test_vmath_isa(int isa)
{
    enum { N = 1 << 16 };
    static float in[N], out[N];
    const char *name = gru__isa_name(isa);
    const double lo[3] = {-104.5, -110.0, -25.0}, hi[3] = {89.5, 110.0, 25.0};
    double worst[3] = {0, 0, 0};
    for (int which = 0; which < 3; which++) {
        /* dense sweep: 2^22 points over the range, in chunks */
        const int64_t total = (int64_t)1 << 22;
        for (int64_t base = 0; base < total; base += N) {
            for (int i = 0; i < N; i++)
                in[i] = (float)(lo[which] + (hi[which] - lo[which]) * (double)(base + i) /
                                                (double)total);
            if (gru__fast_vmath(isa, which, in, out, N) != 0) {
                CHECK_MSG(0, "%s: vmath unavailable", name);
                return;
            }
            for (int i = 0; i < N; i++) {
                double x = in[i], want;
                if (which == 0)
                    want = exp(x);
                else if (which == 1)
                    want = 1.0 / (1.0 + exp(-x));
                else
                    want = tanh(x);
                double e = ulp_err(out[i], want);
                /* sigmoid below 2^-126: the reference formula 1 / (1 + expf(-x)) itself
                 * flushes to 0 once expf overflows; allow an absolute 2^-126 there */
                if (which == 1 && want < FLT_MIN)
                    e = fabs(out[i] - want) <= FLT_MIN ? 0 : 1e9;
                /* results that overflow float: the vector exp must give +inf */
                if (want > FLT_MAX)
                    e = isinf(out[i]) && out[i] > 0 ? 0 : 1e9;
                if (e > worst[which]) {
                    worst[which] = e;
                    if (e > 3.0)
                        fprintf(stderr, "%s vmath %d: x = %.9g got %.9g want %.9g (%.2f ulp)\n",
                                name, which, x, out[i], want, e);
                }
            }
        }
    }
    printf("%s: max error exp %.2f ulp, sigmoid %.2f ulp, tanh %.2f ulp\n", name, worst[0],
           worst[1], worst[2]);
    CHECK_MSG(worst[0] <= 2.0, "%s exp: %.2f ulp", name, worst[0]);
    CHECK_MSG(worst[1] <= 4.0, "%s sigmoid: %.2f ulp", name, worst[1]);
    CHECK_MSG(worst[2] <= 3.0, "%s tanh: %.2f ulp", name, worst[2]);

    /* tanh near 0 (relative accuracy of tiny values) */
    double wt = 0;
    for (int i = 0; i < N; i++)
        in[i] = ldexpf(1.0f + (float)i / N, -(i % 140)) * (i & 1 ? -1.0f : 1.0f);
    gru__fast_vmath(isa, 2, in, out, N);
    for (int i = 0; i < N; i++) {
        double e = ulp_err(out[i], tanh((double)in[i]));
        wt = e > wt ? e : wt;
    }
    CHECK_MSG(wt <= 3.0, "%s tanh small arguments: %.2f ulp", name, wt);

    /* special values */
    const float sp[] = {INFINITY, -INFINITY, NAN, -NAN, 0.0f, -0.0f, 1e30f, -1e30f,
                        88.72f, 88.73f, -87.33f, -103.0f, -104.0f, -200.0f, FLT_MAX, -FLT_MAX,
                        FLT_MIN, -FLT_MIN, 1e-45f, 0.625f, -0.625f, 0.62499994f, 9.0f, 20.0f};
    const int ns = (int)(sizeof sp / sizeof sp[0]);
    float o[3][32];
    for (int which = 0; which < 3; which++)
        gru__fast_vmath(isa, which, sp, o[which], ns);
    for (int i = 0; i < ns; i++) {
        float x = sp[i];
        double we = exp((double)x), ws = 1.0 / (1.0 + exp(-(double)x)), wtn = tanh((double)x);
        if (isnan(x)) {
            CHECK_MSG(isnan(o[0][i]) && isnan(o[1][i]) && isnan(o[2][i]),
                      "%s: NaN in must give NaN (%g %g %g)", name, o[0][i], o[1][i], o[2][i]);
            continue;
        }
        CHECK_MSG(we > FLT_MAX ? isinf(o[0][i]) : ulp_err(o[0][i], we) <= 2.0,
                  "%s exp(%g) = %g, want %g", name, x, o[0][i], we);
        CHECK_MSG(ws < FLT_MIN ? fabs(o[1][i] - ws) <= FLT_MIN : ulp_err(o[1][i], ws) <= 4.0,
                  "%s sigmoid(%g) = %g, want %g", name, x,
                  o[1][i], ws);
        CHECK_MSG(ulp_err(o[2][i], wtn) <= 3.0, "%s tanh(%g) = %g, want %g", name, x, o[2][i],
                  wtn);
        CHECK_MSG(!(x == 0.0f) || signbit(o[2][i]) == signbit(x), "%s tanh(-0) sign", name);
        CHECK_MSG(o[1][i] >= 0.0f && o[1][i] <= 1.0f, "%s sigmoid(%g) = %g out of [0, 1]",
                  name, x, o[1][i]);
        CHECK_MSG(o[2][i] >= -1.0f && o[2][i] <= 1.0f, "%s tanh(%g) = %g out of [-1, 1]",
                  name, x, o[2][i]);
    }

    /* every activation on random and special values: the non-transcendental ones (and
     * the ones computed lane by lane) are bitwise the reference's; those on the vector exp
     * within a few ulp (swish: sigmoid's 4 and a product; elu, selu: the vector expm1) */
    tu_rng r = {0x5eedULL + (uint64_t)isa};
    for (int i = 0; i < 1000; i++)
        in[i] = i < ns ? sp[i] : (float)(tu_normal(&r) * (i % 3 == 0 ? 30.0 : 2.0));
    for (int act = 0; act < GRU_ACT_COUNT; act++) {
        gru__fast_vmath(isa, 3 + act, in, out, 1000);
        int bad = 0;
        double tol = act == GRU_ACT_TANH || act == GRU_ACT_SIGMOID ? 4.0
                     : act == GRU_ACT_EXPONENTIAL                  ? 2.0
                     : act == GRU_ACT_SWISH                        ? 5.0
                     : act == GRU_ACT_ELU || act == GRU_ACT_SELU   ? 4.0
                     : act == GRU_ACT_GELU                         ? GELU_ULP
                     : act == GRU_ACT_SOFTPLUS                     ? SOFTPLUS_ULP
                                                                   : 0.0;
        double wact = 0;
        for (int i = 0; i < 1000; i++) {
            float want = gru__act_f32((gru_activation)act, in[i]);
            if (act == GRU_ACT_GELU) /* more accurate than the reference's float formula */
                want = (float)act64((gru_activation)act, in[i]);
            if (tol > 0) {
                double e = ulp_err(out[i], want);
                bool ok = e <= tol || (isnan(want) && isnan(out[i])) || out[i] == want ||
                          (fabsf(want) < FLT_MIN * (1.0f + fabsf(in[i])) &&
                           fabsf(out[i] - want) <= FLT_MIN * (1.0f + fabsf(in[i])));
                if (!ok && bad++ < 3)
                    fprintf(stderr, "%s %s(%.9g) = %.9g, want %.9g (%.2f ulp)\n", name,
                            gru_activation_name((gru_activation)act), in[i], out[i], want, e);
                if (ok && isfinite(e) && e > wact)
                    wact = e;
            } else if (!(memcmp(&out[i], &want, sizeof want) == 0 ||
                         (isnan(want) && isnan(out[i])))) {
                if (bad++ < 3)
                    fprintf(stderr, "%s %s(%.9g) = %.9g, want %.9g\n", name,
                            gru_activation_name((gru_activation)act), in[i], out[i], want);
            }
        }
        if (tol > 0)
            printf("%s: activation %s max error %.2f ulp\n", name,
                   gru_activation_name((gru_activation)act), wact);
        CHECK_MSG(bad == 0, "%s activation %s: %d mismatches", name,
                  gru_activation_name((gru_activation)act), bad);
    }
}

/* gelu and softplus (the vector Phi and log1p of src/cpu/vmath_body.h) against float64 on
 * dense sweeps: 2^22 points over the range where the result moves, small arguments of
 * every exponent, and special values. */
static void test_vmath_gelu_softplus(int isa)
{
    enum { N = 1 << 16 };
    static float in[N], out[N];
    const char *name = gru__isa_name(isa);
    const gru_activation acts[2] = {GRU_ACT_GELU, GRU_ACT_SOFTPLUS};
    const double bound[2] = {GELU_ULP, SOFTPLUS_ULP};
    const double lo[2] = {-16.0, -105.0}, hi[2] = {16.0, 30.0};
    for (int k = 0; k < 2; k++) {
        const gru_activation act = acts[k];
        double worst = 0, wx = 0;
        int bad = 0;
        for (int part = 0; part < 65; part++) {
            /* parts 0..63: the dense sweep; 64: small arguments */
            for (int i = 0; i < N; i++) {
                if (part < 64)
                    in[i] = (float)(lo[k] + (hi[k] - lo[k]) * (double)(part * N + i) /
                                                ((double)N * 64));
                else
                    in[i] = ldexpf(1.0f + (float)i / N, -(i % 150)) * (i & 1 ? -1.0f : 1.0f);
            }
            CHECK(gru__fast_vmath(isa, 3 + act, in, out, N) == 0);
            for (int i = 0; i < N; i++) {
                double want = act64(act, (double)in[i]);
                double e = ulp_err(out[i], want);
                bool ok = fabs(want) < FLT_MIN ? fabs(out[i] - want) <= FLT_MIN : e <= bound[k];
                if (fabs(want) >= FLT_MIN && e > worst) {
                    worst = e;
                    wx = in[i];
                }
                if (!ok && bad++ < 3)
                    fprintf(stderr, "%s %s(%.9g) = %.9g, want %.9g (%.2f ulp)\n", name,
                            gru_activation_name(act), in[i], out[i], want, e);
            }
        }
        printf("%s: %s max error %.2f ulp (at %.9g)\n", name, gru_activation_name(act), worst,
               wx);
        CHECK_MSG(bad == 0, "%s %s: %d points beyond the bound", name, gru_activation_name(act),
                  bad);
    }

    /* special values: as the reference (NaN where it gives NaN) */
    const float sp[] = {INFINITY, -INFINITY, NAN, 0.0f, -0.0f, 1e30f, -1e30f, FLT_MAX,
                        -FLT_MAX, 14.5f, -14.5f, 15.0f, -15.0f, 100.0f, -100.0f, -1e-45f};
    const int ns = (int)(sizeof sp / sizeof sp[0]);
    for (int k = 0; k < 2; k++) {
        float o[32];
        gru__fast_vmath(isa, 3 + acts[k], sp, o, ns);
        for (int i = 0; i < ns; i++) {
            float want = gru__act_f32(acts[k], sp[i]);
            bool ok = isnan(want)                    ? isnan(o[i])
                      : isinf(want) || want == 0.0f ? memcmp(&o[i], &want, sizeof want) == 0
                      : ulp_err(o[i], act64(acts[k], sp[i])) <= bound[k];
            CHECK_MSG(ok, "%s %s(%g) = %g, want %g", name, gru_activation_name(acts[k]), sp[i],
                      o[i], want);
        }
    }
}

/* ---- kernels against the reference --------------------------------------------------- */

typedef struct kcase {
    int64_t B, T, I, H;
    bool reset_after, use_bias, ret_seq, go_backwards, with_mask, with_h0;
    gru_activation act, ract;
    double scale; /* input magnitude */
} kcase;

static const char *case_str(const kcase *c, char *buf, size_t n)
{
    snprintf(buf, n,
             "B=%lld T=%lld I=%lld H=%lld reset_after=%d bias=%d seq=%d back=%d mask=%d h0=%d "
             "act=%s ract=%s",
             (long long)c->B, (long long)c->T, (long long)c->I, (long long)c->H, c->reset_after,
             c->use_bias, c->ret_seq, c->go_backwards, c->with_mask, c->with_h0,
             gru_activation_name(c->act), gru_activation_name(c->ract));
    return buf;
}

static float *rand_buf(tu_rng *r, int64_t n, double scale)
{
    float *p = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    for (int64_t i = 0; i < n; i++)
        p[i] = (float)tu_uniform(r, -scale, scale);
    return p;
}

static gru_layer *make_layer(const kcase *c, tu_rng *r, float **w)
{
    gru_config cfg;
    gru_config_init(&cfg, c->H);
    cfg.input_dim = c->I;
    cfg.reset_after = c->reset_after;
    cfg.use_bias = c->use_bias;
    cfg.return_sequences = c->ret_seq;
    cfg.return_state = true;
    cfg.go_backwards = c->go_backwards;
    cfg.activation = c->act;
    cfg.recurrent_activation = c->ract;
    gru_layer *layer = NULL;
    if (gru_layer_create(&cfg, &layer) != GRU_OK)
        return NULL;
    int64_t H3 = 3 * c->H;
    /* Keras-like scales: glorot_uniform kernel, recurrent kernel of spectral radius ~1
     * (larger ones make the recurrence chaotic: any rounding difference then grows) */
    w[0] = rand_buf(r, c->I * H3, sqrt(6.0 / (double)(c->I + H3)));
    w[1] = rand_buf(r, c->H * H3, sqrt(3.0 / (double)c->H));
    w[2] = rand_buf(r, (c->reset_after ? 2 : 1) * H3, 0.3);
    gru_tensor k = gru_tensor_2d(GRU_FLOAT32, c->I, H3, w[0]);
    gru_tensor u = gru_tensor_2d(GRU_FLOAT32, c->H, H3, w[1]);
    gru_tensor b = c->reset_after ? gru_tensor_2d(GRU_FLOAT32, 2, H3, w[2])
                                  : gru_tensor_1d(GRU_FLOAT32, H3, w[2]);
    if (gru_layer_set_weights(layer, &k, &u, c->use_bias ? &b : NULL) != GRU_OK) {
        gru_layer_destroy(layer);
        return NULL;
    }
    return layer;
}

/* tu_close_f32, but a NaN matches a NaN and an infinity the same infinity (unbounded
 * activations can overflow; the fast kernels must then overflow the same way). */
static int close_nan(const float *got, const float *want, int64_t n, double atol, double rtol,
                     const char *what)
{
    for (int64_t i = 0; i < n; i++) {
        float g = got[i], w = want[i];
        if ((isnan(g) && isnan(w)) || (isinf(w) && g == w))
            continue;
        if (!(fabs((double)g - (double)w) <= atol + rtol * fabs((double)w))) {
            fprintf(stderr, "%s: element %lld: got %.9g, want %.9g\n", what, (long long)i, g, w);
            return 0;
        }
    }
    return 1;
}

/* Run one case on the reference and on instruction set isa with nth threads; 0 when
 * they agree within 1e-5 + 1e-4 |ref| (scaled by the largest reference value). */
static int run_case(const kcase *c, int isa, int nth, uint64_t seed)
{
    char desc[256];
    tu_rng r = {seed};
    float *w[3];
    gru_layer *layer = make_layer(c, &r, w);
    CHECK_MSG(layer != NULL, "create: %s", gru_errmsg());
    if (!layer)
        return 1;
    const int64_t B = c->B, T = c->T, I = c->I, H = c->H;
    float *x = rand_buf(&r, B * T * I, c->scale);
    float *h0 = rand_buf(&r, B * H, 0.8);
    uint8_t *m = malloc((size_t)(B * T));
    for (int64_t b = 0; b < B; b++) {
        int kind = (int)(tu_next(&r) % 5);
        for (int64_t t = 0; t < T; t++) {
            int keep = tu_next(&r) % 4 != 0;
            if (kind == 1 && t < T / 2) keep = 0;          /* leading masked */
            if (kind == 2 && t >= T / 2) keep = 0;         /* trailing masked */
            if (kind == 3) keep = 0;                       /* all masked */
            if (kind == 4) keep = 1;
            m[b * T + t] = (uint8_t)keep;
        }
    }
    const int64_t ny = c->ret_seq ? B * T * H : B * H;
    float *y_ref = calloc((size_t)ny, sizeof(float)), *y = calloc((size_t)ny, sizeof(float));
    float *s_ref = calloc((size_t)(B * H), sizeof(float)), *s = calloc((size_t)(B * H), 4);
    gru_tensor tx = gru_tensor_3d(GRU_FLOAT32, B, T, I, x);
    gru_tensor tm = gru_tensor_2d(GRU_UINT8, B, T, m);
    gru_tensor th0 = gru_tensor_2d(GRU_FLOAT32, B, H, h0);
    gru_tensor tyr = c->ret_seq ? gru_tensor_3d(GRU_FLOAT32, B, T, H, y_ref)
                                : gru_tensor_2d(GRU_FLOAT32, B, H, y_ref);
    gru_tensor ty = c->ret_seq ? gru_tensor_3d(GRU_FLOAT32, B, T, H, y)
                               : gru_tensor_2d(GRU_FLOAT32, B, H, y);
    gru_tensor tsr = gru_tensor_2d(GRU_FLOAT32, B, H, s_ref);
    gru_tensor ts = gru_tensor_2d(GRU_FLOAT32, B, H, s);

    gru__isa_force(GRU__ISA_REF);
    int rc1 = gru_forward(layer, &tx, c->with_mask ? &tm : NULL, c->with_h0 ? &th0 : NULL,
                          &tyr, &tsr);
    gru__isa_force(isa);
    int rc2 = gru_layer_set_num_threads(layer, nth);
    /* NaNs in the workspace, so that what the fast kernels read without having written it
     * (the reference left its own input projection there) shows */
    if (layer->ws)
        memset(layer->ws, 0xff, layer->ws_bytes);
    int rc3 = gru_forward(layer, &tx, c->with_mask ? &tm : NULL, c->with_h0 ? &th0 : NULL,
                          &ty, &ts);
    gru__isa_force(-1);
    CHECK_MSG(rc1 == 0 && rc2 == 0 && rc3 == 0, "forward failed: %s", gru_errmsg());
    double ymax = 0;
    for (int64_t i = 0; i < ny; i++)
        if (isfinite(y_ref[i]))
            ymax = fmax(ymax, fabs(y_ref[i]));
    for (int64_t i = 0; i < B * H; i++)
        if (isfinite(s_ref[i]))
            ymax = fmax(ymax, fabs(s_ref[i]));
    double atol = 1e-5 * (ymax > 1.0 ? ymax : 1.0);
    char what[320];
    snprintf(what, sizeof what, "%s nth=%d output %s", gru__isa_name(isa), nth,
             case_str(c, desc, sizeof desc));
    int bad = !close_nan(y, y_ref, ny, atol, 1e-4, what);
    snprintf(what, sizeof what, "%s nth=%d state %s", gru__isa_name(isa), nth, desc);
    bad |= !close_nan(s, s_ref, B * H, atol, 1e-4, what);
    CHECK_MSG(!bad, "%s", what);

    gru_layer_destroy(layer);
    free(w[0]); free(w[1]); free(w[2]);
    free(x); free(h0); free(m); free(y_ref); free(y); free(s_ref); free(s);
    return bad;
}

static void test_kernels_random(int isa)
{
    static const int64_t Bs[] = {1, 1, 2, 3, 5, 8, 9, 13, 17};
    static const int64_t Ts[] = {1, 2, 3, 7, 12};
    static const int64_t Is[] = {1, 3, 8, 16, 17, 40};
    static const int64_t Hs[] = {1, 2, 7, 8, 15, 16, 17, 24, 33, 48, 70};
    tu_rng r = {0xabcdef12345ULL + (uint64_t)isa * 7919};
    int fails = 0;
    const int ncases = 160;
    for (int i = 0; i < ncases && fails < 5; i++) {
        kcase c;
        c.B = Bs[tu_next(&r) % 9];
        c.T = Ts[tu_next(&r) % 5];
        c.I = Is[tu_next(&r) % 6];
        c.H = Hs[tu_next(&r) % 11];
        c.reset_after = i & 1;
        c.use_bias = tu_next(&r) % 4 != 0;
        c.ret_seq = tu_next(&r) % 2;
        c.go_backwards = tu_next(&r) % 3 == 0;
        c.with_mask = tu_next(&r) % 3 == 0;
        c.with_h0 = tu_next(&r) % 2;
        /* the two default pairs often, every activation in both slots sometimes */
        int pick = (int)(tu_next(&r) % 4);
        if (pick == 0) {
            c.act = GRU_ACT_TANH;
            c.ract = GRU_ACT_HARD_SIGMOID;
        } else if (pick == 1) {
            c.act = GRU_ACT_TANH;
            c.ract = GRU_ACT_SIGMOID;
        } else {
            c.act = (gru_activation)(tu_next(&r) % GRU_ACT_COUNT);
            c.ract = (gru_activation)(tu_next(&r) % GRU_ACT_COUNT);
        }
        /* unbounded activations explode over long sequences: keep those short and small */
        bool bounded = c.act == GRU_ACT_TANH || c.act == GRU_ACT_SIGMOID ||
                       c.act == GRU_ACT_HARD_SIGMOID || c.act == GRU_ACT_HARD_SIGMOID_KERAS3 ||
                       c.act == GRU_ACT_SOFTSIGN;
        c.scale = tu_next(&r) % 6 == 0 ? 8.0 : 1.0;
        if (!bounded) {
            c.T = c.T > 3 ? 3 : c.T;
            c.scale = 0.5;
        }
        int nth = 1 + (int)(i % 3);
        fails += run_case(&c, isa, nth, tu_next(&r));
    }
    printf("%s: %d random cases, %d failed\n", gru__isa_name(isa), ncases, fails);
}

/* Benchmark-like shapes at B = 1 and B = 32, both variants, 1 and 2 threads; batches
 * shared by samples between 2-4 threads. */
static void test_kernels_shapes(int isa)
{
    static const kcase cs[] = {
        {1, 50, 64, 128, false, true, true, false, false, false, GRU_ACT_TANH, GRU_ACT_HARD_SIGMOID, 1},
        {1, 50, 64, 128, true, true, true, false, false, true, GRU_ACT_TANH, GRU_ACT_SIGMOID, 1},
        {1, 20, 256, 256, true, true, false, true, true, false, GRU_ACT_TANH, GRU_ACT_SIGMOID, 1},
        {1, 20, 256, 256, false, true, false, false, false, false, GRU_ACT_TANH, GRU_ACT_SIGMOID, 1},
        {32, 10, 128, 256, true, true, true, false, true, true, GRU_ACT_TANH, GRU_ACT_SIGMOID, 1},
        {32, 10, 128, 256, false, true, true, true, false, false, GRU_ACT_TANH, GRU_ACT_HARD_SIGMOID, 1},
        {20, 6, 100, 200, false, false, true, false, true, true, GRU_ACT_SOFTSIGN, GRU_ACT_HARD_SIGMOID_KERAS3, 2},
        {7, 6, 33, 100, true, true, true, false, true, true, GRU_ACT_RELU, GRU_ACT_SIGMOID, 0.3},
        /* B = 1, H not a multiple of the reversed walk's 32-row blocks, masked steps */
        {1, 9, 40, 100, true, true, true, true, true, true, GRU_ACT_TANH, GRU_ACT_SIGMOID, 1},
        {1, 9, 40, 100, false, true, true, false, true, true, GRU_ACT_TANH, GRU_ACT_SIGMOID, 1},
    };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
        for (int nth = 1; nth <= 3; nth++)
            run_case(&cs[i], isa, nth, 1000 + i);
    /* batches that several threads share by samples (dispatch.c: B >= nth row tiles):
     * uneven shares, remainder rows, masks, go_backwards, last output only, 2-4 threads */
    static const kcase bs[] = {
        {16, 5, 24, 40, true, true, true, false, true, true, GRU_ACT_TANH, GRU_ACT_SIGMOID, 1},
        {16, 5, 24, 40, false, true, true, true, true, false, GRU_ACT_TANH, GRU_ACT_HARD_SIGMOID, 1},
        {33, 4, 17, 33, true, false, false, true, true, true, GRU_ACT_TANH, GRU_ACT_SIGMOID, 1},
        {33, 4, 17, 33, false, true, true, false, true, true, GRU_ACT_SOFTSIGN, GRU_ACT_SIGMOID, 1},
        {50, 3, 40, 70, true, true, true, true, false, true, GRU_ACT_TANH, GRU_ACT_HARD_SIGMOID, 1},
        {50, 3, 40, 70, false, true, false, false, true, false, GRU_ACT_TANH, GRU_ACT_SIGMOID, 1},
    };
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; i++)
        for (int nth = 2; nth <= 4; nth++)
            run_case(&bs[i], isa, nth, 2000 + i);
}

/* ---- streaming ------------------------------------------------------------------------ */

/* gru_step() step by step against the reference gru_forward(). B = 1 streams walk the
 * weights backwards on odd calls (run_alt in fast_body.h): there H and I are not
 * multiples of the superpanels and of the reversed walk's blocks. */
static void test_stream(int isa, int nth, bool reset_after, bool with_mask, int64_t B,
                        int64_t I, int64_t H)
{
    const int64_t T = 9;
    kcase c = {B, T, I, H, reset_after, true, true, false, with_mask, true,
               GRU_ACT_TANH, GRU_ACT_SIGMOID, 1.0};
    tu_rng r = {77 + (uint64_t)reset_after + (uint64_t)B * 13};
    float *w[3];
    gru_layer *layer = make_layer(&c, &r, w);
    CHECK(layer != NULL);
    if (!layer)
        return;
    float *x = rand_buf(&r, B * T * I, 1.0), *h0 = rand_buf(&r, B * H, 0.5);
    float *m = malloc((size_t)(B * T) * sizeof(float));
    for (int i = 0; i < B * T; i++)
        m[i] = (i % 4 == 1 || i < 2) ? 0.0f : 1.0f;
    float *y = calloc((size_t)(B * T * H), 4), *hs = calloc((size_t)(B * H), 4);
    gru_tensor tx = gru_tensor_3d(GRU_FLOAT32, B, T, I, x);
    gru_tensor tm = gru_tensor_2d(GRU_FLOAT32, B, T, m);
    gru_tensor th0 = gru_tensor_2d(GRU_FLOAT32, B, H, h0);
    gru_tensor ty = gru_tensor_3d(GRU_FLOAT32, B, T, H, y);
    gru_tensor ths = gru_tensor_2d(GRU_FLOAT32, B, H, hs);
    gru__isa_force(GRU__ISA_REF);
    CHECK_OK(gru_forward(layer, &tx, with_mask ? &tm : NULL, &th0, &ty, &ths));
    gru__isa_force(isa);
    CHECK_OK(gru_layer_set_num_threads(layer, nth));
    CHECK_OK(gru_stream_begin(layer, B, &th0));
    float *xt = malloc((size_t)(B * I) * 4), *mt = malloc((size_t)B * 4);
    float *yt = malloc((size_t)(B * H) * 4), *hst = malloc((size_t)(B * H) * 4);
    int bad = 0;
    for (int64_t t = 0; t < T; t++) {
        for (int64_t b = 0; b < B; b++) {
            memcpy(xt + b * I, x + (b * T + t) * I, (size_t)I * 4);
            mt[b] = m[b * T + t];
        }
        gru_tensor txt = gru_tensor_2d(GRU_FLOAT32, B, I, xt);
        gru_tensor tmt = gru_tensor_1d(GRU_FLOAT32, B, mt);
        gru_tensor tyt = gru_tensor_2d(GRU_FLOAT32, B, H, yt);
        CHECK_OK(gru_step(layer, &txt, with_mask ? &tmt : NULL, &tyt));
        for (int64_t b = 0; b < B; b++)
            for (int64_t j = 0; j < H; j++) {
                float want = y[(b * T + t) * H + j], got = yt[b * H + j];
                if (fabsf(got - want) > 1e-5f + 1e-4f * fabsf(want))
                    bad++;
            }
    }
    gru_tensor thst = gru_tensor_2d(GRU_FLOAT32, B, H, hst);
    CHECK_OK(gru_stream_get_state(layer, &thst));
    CHECK_MSG(bad == 0, "stream %s nth=%d reset_after=%d mask=%d: %d outputs differ",
              gru__isa_name(isa), nth, reset_after, with_mask, bad);
    CHECK(tu_close_f32(hst, hs, B * H, 1e-5, 1e-4, "stream final state"));
    gru__isa_force(-1);
    gru_layer_destroy(layer);
    free(w[0]); free(w[1]); free(w[2]);
    free(x); free(h0); free(y); free(hs); free(m);
    free(xt); free(mt); free(yt); free(hst);
}

static void test_errors(void)
{
    kcase c = {2, 3, 4, 5, false, true, true, false, false, false, GRU_ACT_TANH,
               GRU_ACT_HARD_SIGMOID, 1.0};
    tu_rng r = {5};
    float *w[3];
    gru_layer *layer = make_layer(&c, &r, w);
    CHECK(layer != NULL);
    CHECK_ERR(gru_layer_set_num_threads(NULL, 2), GRU_ERR_NULL, "layer");
    CHECK_ERR(gru_layer_set_num_threads(layer, 0), GRU_ERR_ARG, "n: expected 1..64");
    CHECK_ERR(gru_layer_set_num_threads(layer, 65), GRU_ERR_ARG, "n: expected 1..64");
    CHECK(gru_layer_get_num_threads(layer) == 1);
    CHECK_OK(gru_layer_set_num_threads(layer, 2));
    CHECK(gru_layer_get_num_threads(layer) == 2);
    CHECK(gru_layer_get_num_threads(NULL) == GRU_ERR_NULL);

    float x[2 * 4] = {0}, y[2 * 5], yb[3 * 5], m[2] = {1, 1}, h[2 * 5];
    gru_tensor tx = gru_tensor_2d(GRU_FLOAT32, 2, 4, x);
    gru_tensor ty = gru_tensor_2d(GRU_FLOAT32, 2, 5, y);
    CHECK_ERR(gru_step(layer, &tx, NULL, &ty), GRU_ERR_STATE, "gru_stream_begin");
    gru_tensor th = gru_tensor_2d(GRU_FLOAT32, 2, 5, h);
    CHECK_ERR(gru_stream_get_state(layer, &th), GRU_ERR_STATE, "gru_stream_begin");
    CHECK_ERR(gru_stream_begin(NULL, 2, NULL), GRU_ERR_NULL, "layer");
    CHECK_ERR(gru_stream_begin(layer, 0, NULL), GRU_ERR_ARG, "B: expected >= 1");
    gru_tensor bad_h0 = gru_tensor_2d(GRU_FLOAT32, 3, 5, yb);
    CHECK_ERR(gru_stream_begin(layer, 2, &bad_h0), GRU_ERR_SHAPE, "h0");
    CHECK_OK(gru_stream_begin(layer, 2, NULL));
    CHECK_ERR(gru_step(NULL, &tx, NULL, &ty), GRU_ERR_NULL, "layer");
    CHECK_ERR(gru_step(layer, NULL, NULL, &ty), GRU_ERR_NULL, "x_t");
    gru_tensor tx_bad = gru_tensor_2d(GRU_FLOAT32, 2, 3, x);
    for (int i = 0; i < 10; i++)
        y[i] = 7.0f;
    CHECK_ERR(gru_step(layer, &tx_bad, NULL, &ty), GRU_ERR_SHAPE, "x_t");
    CHECK(y[0] == 0.0f && y[9] == 0.0f); /* zero-filled on failure */
    gru_tensor tm_bad = gru_tensor_1d(GRU_FLOAT32, 3, m);
    CHECK_ERR(gru_step(layer, &tx, &tm_bad, &ty), GRU_ERR_SHAPE, "mask_t");
    gru_tensor tm_dt = gru_tensor_1d(GRU_DTYPE_INVALID, 2, m);
    CHECK_ERR(gru_step(layer, &tx, &tm_dt, &ty), GRU_ERR_SHAPE, "mask_t");
    gru_tensor ty_bad = gru_tensor_2d(GRU_FLOAT32, 3, 5, yb);
    CHECK_ERR(gru_step(layer, &tx, NULL, &ty_bad), GRU_ERR_SHAPE, "y_t");
    CHECK_ERR(gru_step(layer, &tx, NULL, NULL), GRU_ERR_NULL, "y_t");
    gru_tensor tyd = gru_tensor_2d(GRU_FLOAT64, 2, 5, y);
    CHECK_ERR(gru_step(layer, &tx, NULL, &tyd), GRU_ERR_SHAPE, "y_t");
    gru_tensor tm = gru_tensor_1d(GRU_FLOAT32, 2, m);
    CHECK_OK(gru_step(layer, &tx, &tm, &ty));
    CHECK_ERR(gru_stream_get_state(layer, &ty_bad), GRU_ERR_SHAPE, "h");
    CHECK_ERR(gru_stream_get_state(NULL, &th), GRU_ERR_NULL, "layer");
    CHECK_OK(gru_stream_get_state(layer, &th));
    gru_layer_destroy(layer);
    free(w[0]); free(w[1]); free(w[2]);
}

/* Weights set after a forward are used by the next one (the packed copy is refreshed);
 * float64 layers keep working (reference kernel). */
static void test_weights_refresh(void)
{
    kcase c = {2, 4, 6, 20, true, true, false, false, false, false, GRU_ACT_TANH,
               GRU_ACT_SIGMOID, 1.0};
    tu_rng r = {9};
    float *w[3];
    gru_layer *layer = make_layer(&c, &r, w);
    CHECK(layer != NULL);
    float x[2 * 4 * 6], y1[40], y2[40], yr[40];
    for (int i = 0; i < 48; i++)
        x[i] = (float)tu_uniform(&r, -1, 1);
    gru_tensor tx = gru_tensor_3d(GRU_FLOAT32, 2, 4, 6, x);
    gru_tensor t1 = gru_tensor_2d(GRU_FLOAT32, 2, 20, y1), t2 = gru_tensor_2d(GRU_FLOAT32, 2, 20, y2);
    gru_tensor tr = gru_tensor_2d(GRU_FLOAT32, 2, 20, yr);
    float st[40];
    gru_tensor ts = gru_tensor_2d(GRU_FLOAT32, 2, 20, st);
    CHECK_OK(gru_forward(layer, &tx, NULL, NULL, &t1, &ts));
    for (int i = 0; i < 60 * 6; i++)
        w[0][i] *= -1.5f;
    for (int i = 0; i < 60 * 20; i++)
        w[1][i] *= 0.5f;
    gru_tensor k = gru_tensor_2d(GRU_FLOAT32, 6, 60, w[0]);
    gru_tensor u = gru_tensor_2d(GRU_FLOAT32, 20, 60, w[1]);
    gru_tensor b = gru_tensor_2d(GRU_FLOAT32, 2, 60, w[2]);
    CHECK_OK(gru_layer_set_weights(layer, &k, &u, &b));
    CHECK_OK(gru_forward(layer, &tx, NULL, NULL, &t2, &ts));
    gru__isa_force(GRU__ISA_REF);
    CHECK_OK(gru_forward(layer, &tx, NULL, NULL, &tr, &ts));
    gru__isa_force(-1);
    CHECK(tu_close_f32(y2, yr, 40, 1e-5, 1e-4, "after set_weights"));
    CHECK(memcmp(y1, y2, sizeof y1) != 0);
    gru_layer_destroy(layer);
    free(w[0]); free(w[1]); free(w[2]);
}

/* Batches split by units with chunks of groups handed out as threads ask (J->dyn,
 * fast_body.h; batches of nth full register tiles, 8 rows at most): what a chunk
 * computes must not depend on which thread took it, so 2, 3 and 4 threads give the bits
 * of one thread, call after call, with the projection whole and in chunks, both
 * variants; H = 137 gives every ISA chunks of three groups before the single ones at the
 * end of a phase (dyn_take), H = 37 single ones only with AVX-512. */
static void test_dyn_bits(int isa)
{
    const int64_t units_big = gru__fast_units_big, xchunk_min = gru__fast_xchunk_min;
    gru__fast_units_big = 0;
    gru__isa_force(isa);
    for (int v = 0; v < 8; v++) {
        const int64_t B = 33 + 4 * (v & 1), T = 5, I = 19, H = 37 + 100 * (v >> 2);
        kcase c = {B, T, I, H, v & 1, true, true, (v >> 1) & 1, true, true, GRU_ACT_TANH,
                   GRU_ACT_SIGMOID, 1.0};
        gru__fast_xchunk_min = (v >> 1) & 1 ? 0 : xchunk_min;
        tu_rng r = {77 + (uint64_t)v};
        float *w[3];
        gru_layer *layer = make_layer(&c, &r, w);
        CHECK(layer != NULL);
        float *x = rand_buf(&r, B * T * I, 1.0), *h0 = rand_buf(&r, B * H, 0.5);
        float *y1 = calloc((size_t)(B * T * H), 4), *y = calloc((size_t)(B * T * H), 4);
        float *s1 = calloc((size_t)(B * H), 4), *st = calloc((size_t)(B * H), 4);
        uint8_t m[37 * 5];
        for (int i = 0; i < B * T; i++)
            m[i] = (uint8_t)(i % 6 != 4);
        gru_tensor tx = gru_tensor_3d(GRU_FLOAT32, B, T, I, x);
        gru_tensor tm = gru_tensor_2d(GRU_UINT8, B, T, m);
        gru_tensor th0 = gru_tensor_2d(GRU_FLOAT32, B, H, h0);
        gru_tensor ty1 = gru_tensor_3d(GRU_FLOAT32, B, T, H, y1);
        gru_tensor ty = gru_tensor_3d(GRU_FLOAT32, B, T, H, y);
        gru_tensor ts1 = gru_tensor_2d(GRU_FLOAT32, B, H, s1);
        gru_tensor ts = gru_tensor_2d(GRU_FLOAT32, B, H, st);
        CHECK_OK(gru_layer_set_num_threads(layer, 1));
        CHECK_OK(gru_forward(layer, &tx, &tm, &th0, &ty1, &ts1));
        for (int nth = 2; nth <= 4; nth++) {
            CHECK_OK(gru_layer_set_num_threads(layer, nth));
            for (int rep = 0; rep < 4; rep++) {
                memset(y, 0xff, (size_t)(B * T * H) * 4);
                memset(st, 0xff, (size_t)(B * H) * 4);
                CHECK_OK(gru_forward(layer, &tx, &tm, &th0, &ty, &ts));
                CHECK_MSG(memcmp(y, y1, (size_t)(B * T * H) * 4) == 0 &&
                              memcmp(st, s1, (size_t)(B * H) * 4) == 0,
                          "%s dyn nth=%d v=%d rep=%d: not the bits of one thread",
                          gru__isa_name(isa), nth, v, rep);
            }
        }
        gru_layer_destroy(layer);
        free(w[0]); free(w[1]); free(w[2]);
        free(x); free(h0); free(y1); free(y); free(s1); free(st);
    }
    gru__isa_force(-1);
    gru__fast_units_big = units_big;
    gru__fast_xchunk_min = xchunk_min;
}

/* After gru_layer_reserve() / gru_stream_begin(), forward and step allocate nothing
 * (glibc's heap statistics stay the same), with 1 and 2 threads, both variants. */
static void test_no_alloc(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    for (int v = 0; v < 4; v++) {
        const int64_t B = 3, T = 20, I = 24, H = 40;
        kcase c = {B, T, I, H, v & 1, true, true, false, true, true, GRU_ACT_TANH,
                   GRU_ACT_SIGMOID, 1.0};
        tu_rng r = {31 + (uint64_t)v};
        float *w[3];
        gru_layer *layer = make_layer(&c, &r, w);
        CHECK(layer != NULL);
        CHECK_OK(gru_layer_set_num_threads(layer, 1 + (v >> 1)));
        float *x = rand_buf(&r, B * T * I, 1.0), *h0 = rand_buf(&r, B * H, 0.5);
        float *y = calloc((size_t)(B * T * H), 4), *hs = calloc((size_t)(B * H), 4);
        uint8_t m[3 * 20];
        for (int i = 0; i < B * T; i++)
            m[i] = (uint8_t)(i % 5 != 2);
        gru_tensor tx = gru_tensor_3d(GRU_FLOAT32, B, T, I, x);
        gru_tensor tm = gru_tensor_2d(GRU_UINT8, B, T, m);
        gru_tensor th0 = gru_tensor_2d(GRU_FLOAT32, B, H, h0);
        gru_tensor ty = gru_tensor_3d(GRU_FLOAT32, B, T, H, y);
        gru_tensor ths = gru_tensor_2d(GRU_FLOAT32, B, H, hs);
        gru_tensor txt = gru_tensor_2d(GRU_FLOAT32, B, I, x);
        gru_tensor tyt = gru_tensor_2d(GRU_FLOAT32, B, H, y);
        CHECK_OK(gru_layer_reserve(layer, B, T));
        CHECK_OK(gru_stream_begin(layer, B, NULL));
        struct mallinfo2 before = mallinfo2();
        for (int rep = 0; rep < 3; rep++) {
            CHECK_OK(gru_forward(layer, &tx, &tm, &th0, &ty, &ths));
            CHECK_OK(gru_forward(layer, &tx, NULL, NULL, &ty, &ths));
            CHECK_OK(gru_step(layer, &txt, NULL, &tyt));
        }
        struct mallinfo2 after = mallinfo2();
        CHECK_MSG(before.uordblks == after.uordblks && before.hblkhd == after.hblkhd,
                  "variant %d: heap in use changed during forward/step: %zu -> %zu bytes, "
                  "mmapped %zu -> %zu", v, before.uordblks, after.uordblks, before.hblkhd,
                  after.hblkhd);
        gru_layer_destroy(layer);
        free(w[0]); free(w[1]); free(w[2]);
        free(x); free(h0); free(y); free(hs);
    }
#endif
}

/* B = 1 with the input projection ridden along the recurrent tiles (fast_body.h,
 * step_fx; AVX-512 only), forced on for every size: blocks of the ring with a short last
 * block or none (T = 18 ... 50), the input width at the stack buffer's limit (512) and
 * one past it (the plain path), vector counts that do not fill the last ride-along tile
 * (odd group counts), unit counts off the vector width, 1-3 threads, masks,
 * go_backwards, the bounded activations in some cases. */
static void test_fx(int isa)
{
    static const int64_t Ts[] = {18, 19, 23, 24, 31, 37, 50};
    static const int64_t Is[] = {1, 5, 17, 40, 64, 512, 513};
    static const int64_t Hs[] = {1, 7, 16, 33, 48, 70, 100, 130};
    const int64_t fx_min = gru__fast_fx_min, fx_max = gru__fast_fx_max;
    gru__fast_fx_min = 0;
    gru__fast_fx_max = INT64_MAX;
    tu_rng r = {0x5eedf00dULL + (uint64_t)isa};
    int fails = 0;
    const int ncases = 60;
    for (int i = 0; i < ncases && fails < 5; i++) {
        kcase c = {1, Ts[tu_next(&r) % 7], Is[tu_next(&r) % 7], Hs[tu_next(&r) % 8],
                   i & 1, tu_next(&r) % 4 != 0, tu_next(&r) % 2, tu_next(&r) % 2 == 0,
                   tu_next(&r) % 3 == 0, tu_next(&r) % 2, GRU_ACT_TANH, GRU_ACT_SIGMOID, 1.0};
        if (i % 5 == 4) { /* bounded ones: unbounded ones explode over these lengths */
            static const gru_activation ba[] = {GRU_ACT_TANH, GRU_ACT_SIGMOID,
                                                GRU_ACT_HARD_SIGMOID, GRU_ACT_HARD_SIGMOID_KERAS3,
                                                GRU_ACT_SOFTSIGN};
            c.act = ba[tu_next(&r) % 5];
            c.ract = ba[tu_next(&r) % 5];
        }
        fails += run_case(&c, isa, 1 + (int)(i / 2 % 3), tu_next(&r));
    }
    gru__fast_fx_min = fx_min;
    gru__fast_fx_max = fx_max;
    printf("%s: %d ride-along cases, %d failed\n", gru__isa_name(isa), ncases, fails);
}

/* B = 1, reset_after = FALSE, one thread: z and r walked apart, z in halves alternating
 * between steps (zsplit, fast_body.h), on every layer it can serve (gru__fast_zsplit 2:
 * whatever the L2 size; two superpanels of z | r or more, H > 64 at AVX-512, 32 at AVX2),
 * whole sequences and streams, against the reference. */
static void test_zsplit(int isa)
{
    static const int64_t Ts[] = {1, 2, 3, 7, 12};
    static const int64_t Is[] = {1, 5, 17, 64};
    static const int64_t Hs[] = {33, 65, 70, 100, 128, 130, 144, 200};
    const int64_t zsplit = gru__fast_zsplit;
    gru__fast_zsplit = 2;
    tu_rng r = {0x25b117ULL + (uint64_t)isa};
    int fails = 0;
    const int ncases = 48;
    for (int i = 0; i < ncases && fails < 5; i++) {
        kcase c = {1, Ts[tu_next(&r) % 5], Is[tu_next(&r) % 4], Hs[tu_next(&r) % 8], false,
                   tu_next(&r) % 4 != 0, tu_next(&r) % 2, tu_next(&r) % 2 == 0,
                   tu_next(&r) % 3 == 0, tu_next(&r) % 2, GRU_ACT_TANH, GRU_ACT_SIGMOID, 1.0};
        if (i % 4 == 3) {
            static const gru_activation ba[] = {GRU_ACT_TANH, GRU_ACT_SIGMOID,
                                                GRU_ACT_HARD_SIGMOID, GRU_ACT_HARD_SIGMOID_KERAS3,
                                                GRU_ACT_SOFTSIGN};
            c.act = ba[tu_next(&r) % 5];
            c.ract = ba[tu_next(&r) % 5];
        }
        fails += run_case(&c, isa, 1, tu_next(&r));
    }
    test_stream(isa, 1, false, true, 1, 40, 70);
    test_stream(isa, 1, false, false, 1, 17, 130);
    gru__fast_zsplit = zsplit;
    printf("%s: %d zsplit cases, %d failed\n", gru__isa_name(isa), ncases, fails);
}

/* The ride-along projection's lower bound (gru__fast_fx_lo): the knob where it is set,
 * else 256 KiB on AMD CPUs and off (INT64_MAX) on others. */
static void test_fx_lo(void)
{
    const int64_t fx_min = gru__fast_fx_min;
    gru__fast_fx_min = 12345;
    CHECK(gru__fast_fx_lo() == 12345);
    gru__fast_fx_min = 0;
    CHECK(gru__fast_fx_lo() == 0);
    gru__fast_fx_min = -1;
    const int64_t want = gru__cpu_amd() ? (int64_t)256 << 10 : INT64_MAX;
    CHECK_MSG(gru__fast_fx_lo() == want, "fx_lo: %lld, want %lld", (long long)gru__fast_fx_lo(),
              (long long)want);
    CHECK(gru__fast_fx_lo() == want); /* the cached value */
    gru__fast_fx_min = fx_min;
}

/* B = 1 split by units: the input projection of the steps after the first two blocks
 * runs in the barriers' waits (fast_body.h, x_window), with the ride-along projection off:
 * lengths just past two blocks and long ones (a short last block or none), a thread's
 * groups fewer and more than a block's steps, 2-4 threads, both variants, masks,
 * go_backwards; then the same with the projection before the steps (gru__fast_xwin 0). */
static void test_xwin(int isa)
{
    static const int64_t Ts[] = {9, 10, 13, 17, 40, 61};
    static const int64_t Is[] = {1, 5, 17, 64};
    static const int64_t Hs[] = {1, 7, 16, 33, 48, 70, 100, 130, 300};
    const int64_t fx_min = gru__fast_fx_min, xwin = gru__fast_xwin;
    gru__fast_fx_min = INT64_MAX;
    tu_rng r = {0x77a1b2c3ULL + (uint64_t)isa};
    int fails = 0;
    const int ncases = 48;
    for (int i = 0; i < ncases && fails < 5; i++) {
        gru__fast_xwin = i < ncases - 8 ? INT64_MAX : 0;
        kcase c = {1, Ts[tu_next(&r) % 6], Is[tu_next(&r) % 4], Hs[tu_next(&r) % 9],
                   i & 1, tu_next(&r) % 4 != 0, tu_next(&r) % 2, tu_next(&r) % 2 == 0,
                   tu_next(&r) % 3 == 0, tu_next(&r) % 2, GRU_ACT_TANH, GRU_ACT_SIGMOID, 1.0};
        fails += run_case(&c, isa, 2 + (int)(i / 2 % 3), tu_next(&r));
    }
    gru__fast_fx_min = fx_min;
    gru__fast_xwin = xwin;
    printf("%s: %d cases with the projection in the barriers' waits, %d failed\n",
           gru__isa_name(isa), ncases, fails);
}

/* The random and shape cases with the input projection whole, then a few steps at a time
 * (fast_body.h, x_chunk): one step, and chunks of 40 rows that do not divide T. */
static void test_kernel_cases(int isa)
{
    test_kernels_random(isa);
    test_kernels_shapes(isa);
    const int64_t xchunk_min = gru__fast_xchunk_min, xchunk_rows = gru__fast_xchunk_rows;
    for (int rows = 1; rows <= 40; rows += 39) {
        gru__fast_xchunk_min = 0;
        gru__fast_xchunk_rows = rows;
        test_kernels_random(isa);
        test_kernels_shapes(isa);
    }
    gru__fast_xchunk_min = xchunk_min;
    gru__fast_xchunk_rows = xchunk_rows;
}

/* xp's rows padded apart (gru__xp_row) at every batch of several samples, not only where
 * a row takes a multiple of 4 KiB: the random cases with the projection whole and in
 * chunks of 40 rows, split by samples and (units_big 0) by units. */
static void test_xp_pad(int isa)
{
    const int64_t pad_bytes = gru__xp_pad_bytes, units_big = gru__fast_units_big;
    const int64_t xchunk_min = gru__fast_xchunk_min, xchunk_rows = gru__fast_xchunk_rows;
    gru__xp_pad_bytes = 4;
    for (int pass = 0; pass < 3; pass++) {
        gru__fast_xchunk_min = pass ? 0 : xchunk_min;
        gru__fast_xchunk_rows = pass ? 40 : xchunk_rows;
        gru__fast_units_big = pass == 2 ? 0 : units_big;
        test_kernels_random(isa);
    }
    gru__fast_xchunk_min = xchunk_min;
    gru__fast_xchunk_rows = xchunk_rows;
    gru__fast_units_big = units_big;
    gru__xp_pad_bytes = pad_bytes;
}

/* One core's L2 (gru__fast_l2) bounds the whole projection and starts the middle range of
 * the split by units (dispatch.c): with the middle range from 0 bytes, a tiny L2 projects
 * every sequence in chunks and splits reset_after = TRUE batches by units, a huge one
 * splits every batch of full tiles by samples; the random cases must agree with the
 * reference either way. */
static void test_l2_rule(int isa)
{
    const int64_t l2 = gru__fast_l2_bytes, units_mid = gru__fast_units_mid;
    gru__fast_l2_bytes = 3;
    CHECK(gru__fast_l2() == 3);
    gru__fast_units_mid = 0;
    const int64_t sizes[2] = {1, (int64_t)1 << 40};
    for (int i = 0; i < 2; i++) {
        gru__fast_l2_bytes = sizes[i];
        test_kernels_random(isa);
    }
    gru__fast_l2_bytes = -1;
    CHECK(gru__fast_l2() >= 0);
    gru__fast_l2_bytes = l2;
    gru__fast_units_mid = units_mid;
}

int main(void)
{
    int best = gru__isa_current();
    printf("instruction set of this machine: %s\n", gru__isa_name(best));
    test_fx_lo();
    /* small layers split by units as well (by default they run on one thread) */
    const int64_t units_min = gru__fast_units_min;
    gru__fast_units_min = 0;
    for (int isa = GRU__ISA_GENERIC; isa <= best; isa++) {
        if (isa != GRU__ISA_GENERIC) {
            test_vmath_isa(isa);
            test_vmath_gelu_softplus(isa);
        }
        test_kernel_cases(isa);
        test_xp_pad(isa);
        test_l2_rule(isa);
        test_fx(isa);
        test_xwin(isa);
        /* B = 1, reset_after = FALSE: odd steps walk z | r backwards (fast_body.h, run_alt
         * without the projection) only with a large recurrent kernel (gru__fast_zrv_min):
         * always here */
        const int64_t zrv_min = gru__fast_zrv_min, zsplit = gru__fast_zsplit;
        gru__fast_zrv_min = 0;
        gru__fast_zsplit = 0;
        test_kernels_random(isa);
        gru__fast_zrv_min = zrv_min;
        gru__fast_zsplit = zsplit;
        test_zsplit(isa);
        /* batches split by units between threads, as those of large recurrent kernels
         * are (dispatch.c, gru__fast_units_big; reset_after = FALSE with two barriers a
         * step), with the input projection whole and in chunks of each thread's own
         * groups */
        const int64_t units_big = gru__fast_units_big;
        gru__fast_units_big = 0;
        test_kernel_cases(isa);
        gru__fast_units_big = units_big;
        test_dyn_bits(isa);
        for (int nth = 1; nth <= 2; nth++) {
            test_stream(isa, nth, false, false, 3, 10, 21);
            test_stream(isa, nth, true, true, 3, 10, 21);
            test_stream(isa, nth, false, true, 3, 10, 21);
            test_stream(isa, nth, true, false, 1, 40, 70);
            test_stream(isa, nth, true, true, 1, 70, 100);
            test_stream(isa, nth, false, true, 1, 40, 70);
            /* reset_after = FALSE walks backwards only with large weights: always here */
            const int64_t alt_min = gru__fast_alt_min, zs = gru__fast_zsplit;
            gru__fast_alt_min = 0;
            gru__fast_zsplit = 0;
            test_stream(isa, nth, false, true, 1, 40, 70);
            test_stream(isa, nth, false, false, 1, 70, 100);
            gru__fast_alt_min = alt_min;
            gru__fast_zsplit = zs;
        }
    }
    /* the default: small layers on one thread whatever the thread count */
    gru__fast_units_min = units_min;
    test_kernels_random(best);
    for (int nth = 1; nth <= 2; nth++) {
        test_stream(best, nth, true, true, 1, 40, 70);  /* B H^2 above the threshold */
        test_stream(best, nth, true, true, 1, 12, 33);  /* below: one thread */
        test_stream(best, nth, false, false, 1, 12, 33);
    }
    test_errors();
    test_weights_refresh();
    test_no_alloc();
    return tu_finish("test_kernels");
}
