/* The fast float32 training path (src/cpu/train_fast_body.h: portable C, AVX2, AVX-512,
 * whichever this CPU runs) against the reference training body, float32 (GRU_ISA=ref,
 * through gru__isa_force) and float64, on random shapes and arguments: both reset_after
 * variants, every activation in each slot (and sampled pairs), masks (leading, interior,
 * trailing, all-zero rows), go_backwards, initial state, return_state gradients,
 * return_sequences both ways, dropout multipliers (none, one shared input mask, three
 * input masks, three recurrent masks), use_bias, accumulation and GRU_GRAD_OVERWRITE,
 * NULL dx / dh0, on 1, 2 and 3 threads with the time loop not split, split by units and
 * split by samples.
 *
 * Checks, for every output and gradient:
 *   fast float32 vs float64 reference, and float32 reference vs float64 reference:
 *     |got - want| <= TOL_ABS * max(1, max|want|) + TOL_REL * |want|
 *   the time loop split by units (the products over all timesteps split by rows or
 *   columns) gives the same bits as one thread (each element is computed by one thread in
 *   the same order whatever the split); split by samples, or on one thread with the
 *   weight gradients formed part by part alongside, the float64 tolerance.
 * Also: a forward by the fast path followed by a backward by the reference (and the other
 * way round) agree with the reference: the workspace layout is shared. */
#include "cpu/fast.h"
#include "cpu/train_fast.h"
#include "gru.h"
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOL_ABS 2e-5
#define TOL_REL 2e-4

typedef struct tcase {
    int64_t B, T, I, H;
    bool reset_after, use_bias, ret_seq, ret_state, goback, h0, trainable;
    gru_activation act, ract;
    int mask;     /* 0 none, 1 mixed patterns incl. an all-zero row */
    int xdrop;    /* 0, 1 (one shared input mask), 3 */
    bool hdrop;
    bool overwrite, want_dx, want_dh0;
} tcase;

/* Everything one run produces, float64 for comparison. */
typedef struct result {
    double *y, *st, *dx, *dh0, *dk, *dr, *db;
    int64_t ny, nx, nh, nk, nr, nb;
} result;

typedef struct data {
    float *K, *U, *bias;       /* weights */
    float *x, *h0, *dy, *dys;  /* inputs */
    float *mask, *mx, *mh;     /* (B, T), (3, B, I), (3, B, H) */
    float *gk, *gr, *gb;       /* initial gradient contents (accumulation) */
} data;

static float *rndf(tu_rng *r, int64_t n, double scale)
{
    float *p = calloc((size_t)(n > 0 ? n : 1), sizeof *p);
    for (int64_t i = 0; i < n; i++)
        p[i] = (float)tu_uniform(r, -scale, scale);
    return p;
}

static double *to64(const void *src, gru_dtype dt, int64_t n)
{
    double *d = calloc((size_t)(n > 0 ? n : 1), sizeof *d);
    for (int64_t i = 0; i < n; i++)
        d[i] = dt == GRU_FLOAT32 ? (double)((const float *)src)[i] : ((const double *)src)[i];
    return d;
}

static void *conv(const float *src, gru_dtype dt, int64_t n)
{
    if (dt == GRU_FLOAT32) {
        float *d = malloc((size_t)(n > 0 ? n : 1) * sizeof *d);
        memcpy(d, src, (size_t)n * sizeof *d);
        return d;
    }
    double *d = malloc((size_t)(n > 0 ? n : 1) * sizeof *d);
    for (int64_t i = 0; i < n; i++)
        d[i] = src[i];
    return d;
}

static void result_free(result *r)
{
    free(r->y); free(r->st); free(r->dx); free(r->dh0); free(r->dk); free(r->dr); free(r->db);
    memset(r, 0, sizeof *r);
}

/* One forward_train + backward in dtype dt on nth threads. split: -1 auto, 0 never split
 * the time loop, 1 always. isa_fwd / isa_bwd: the ISA cap of each half (GRU__ISA_REF =
 * the reference body). Returns 0 on success. */
static int run_once(const tcase *tc, const data *d, gru_dtype dt, int nth, int split,
                    int isa_fwd, int isa_bwd, result *out)
{
    const int64_t B = tc->B, T = tc->T, I = tc->I, H = tc->H, H3 = 3 * H;
    const size_t es = dt == GRU_FLOAT32 ? 4 : 8;
    memset(out, 0, sizeof *out);
    gru_config cfg;
    gru_config_init(&cfg, H);
    cfg.input_dim = I;
    cfg.dtype = dt;
    cfg.reset_after = tc->reset_after;
    cfg.use_bias = tc->use_bias;
    cfg.return_sequences = tc->ret_seq;
    cfg.return_state = tc->ret_state;
    cfg.go_backwards = tc->goback;
    cfg.trainable = tc->trainable;
    cfg.activation = tc->act;
    cfg.recurrent_activation = tc->ract;
    gru_layer *L = NULL;
    if (gru_layer_create(&cfg, &L) != GRU_OK) {
        CHECK_MSG(0, "create: %s", gru_errmsg());
        return -1;
    }
    const int64_t nb = tc->reset_after ? 2 * H3 : H3;
    gru_tensor w;
    gru_layer_weight_view(L, 0, &w);
    void *t = conv(d->K, dt, I * H3);
    memcpy(w.data, t, (size_t)(I * H3) * es);
    free(t);
    gru_layer_weight_view(L, 1, &w);
    t = conv(d->U, dt, H * H3);
    memcpy(w.data, t, (size_t)(H * H3) * es);
    free(t);
    if (tc->use_bias) {
        gru_layer_weight_view(L, 2, &w);
        t = conv(d->bias, dt, nb);
        memcpy(w.data, t, (size_t)nb * es);
        free(t);
    }
    CHECK_OK(gru_layer_weights_updated(L));
    CHECK_OK(gru_layer_set_num_threads(L, nth));
    gru__train_fast_set_split(split);

    out->ny = tc->ret_seq ? B * T * H : B * H;
    out->nx = B * T * I;
    out->nh = B * H;
    out->nk = I * H3;
    out->nr = H * H3;
    out->nb = nb;
    void *x = conv(d->x, dt, B * T * I), *h0 = conv(d->h0, dt, B * H);
    void *dy = conv(d->dy, dt, out->ny), *dys = conv(d->dys, dt, B * H);
    void *mx = conv(d->mx, dt, 3 * B * I), *mh = conv(d->mh, dt, 3 * B * H);
    void *gk = conv(d->gk, dt, I * H3), *gr = conv(d->gr, dt, H * H3), *gb = conv(d->gb, dt, nb);
    void *y = calloc((size_t)out->ny, es), *st = calloc((size_t)(B * H), es);
    void *dx = calloc((size_t)(B * T * I), es), *dh0 = calloc((size_t)(B * H), es);
    gru_tensor tx = gru_tensor_3d(dt, B, T, I, x);
    gru_tensor tm = gru_tensor_2d(GRU_FLOAT32, B, T, d->mask);
    gru_tensor th0 = gru_tensor_2d(dt, B, H, h0);
    gru_tensor ty = tc->ret_seq ? gru_tensor_3d(dt, B, T, H, y) : gru_tensor_2d(dt, B, H, y);
    gru_tensor tst = gru_tensor_2d(dt, B, H, st);
    gru_tensor tdy = tc->ret_seq ? gru_tensor_3d(dt, B, T, H, dy) : gru_tensor_2d(dt, B, H, dy);
    gru_tensor tdys = gru_tensor_2d(dt, B, H, dys);
    gru_tensor tdx = gru_tensor_3d(dt, B, T, I, dx);
    gru_tensor tdh0 = gru_tensor_2d(dt, B, H, dh0);
    gru_tensor tgk = gru_tensor_2d(dt, I, H3, gk), tgr = gru_tensor_2d(dt, H, H3, gr);
    gru_tensor tgb = tc->reset_after ? gru_tensor_2d(dt, 2, H3, gb) : gru_tensor_1d(dt, H3, gb);
    gru_tensor tmx = gru_tensor_3d(dt, 3, B, I, mx), tmh = gru_tensor_3d(dt, 3, B, H, mh);
    gru_dropout_masks dm = {tc->xdrop ? &tmx : NULL, tc->hdrop ? &tmh : NULL};
    gru_grads g = {&tgk, &tgr, tc->use_bias ? &tgb : NULL};
    size_t bytes = 0;
    CHECK_OK(gru_train_workspace_size(L, B, T, &bytes));
    void *ws = malloc(bytes);
    int rc = -1;
    gru__isa_force(isa_fwd);
    if (gru_forward_train(L, &tx, tc->mask ? &tm : NULL, tc->h0 ? &th0 : NULL, &ty,
                          tc->ret_state ? &tst : NULL, ws, bytes,
                          (tc->xdrop || tc->hdrop) ? &dm : NULL) != GRU_OK) {
        CHECK_MSG(0, "forward_train: %s", gru_errmsg());
        goto out;
    }
    gru__isa_force(isa_bwd);
    if (gru_backward(L, ws, bytes, &tdy, tc->ret_state ? &tdys : NULL,
                     tc->want_dx ? &tdx : NULL, tc->want_dh0 ? &tdh0 : NULL, &g,
                     tc->overwrite ? GRU_GRAD_OVERWRITE : 0) != GRU_OK) {
        CHECK_MSG(0, "backward: %s", gru_errmsg());
        goto out;
    }
    out->y = to64(y, dt, out->ny);
    out->st = to64(st, dt, B * H);
    out->dx = to64(dx, dt, out->nx);
    out->dh0 = to64(dh0, dt, B * H);
    out->dk = to64(gk, dt, out->nk);
    out->dr = to64(gr, dt, out->nr);
    out->db = to64(gb, dt, nb);
    rc = 0;
out:
    gru__isa_force(-1);
    gru__train_fast_set_split(-1);
    free(ws);
    free(x); free(h0); free(dy); free(dys); free(mx); free(mh); free(gk); free(gr); free(gb);
    free(y); free(st); free(dx); free(dh0);
    gru_layer_destroy(L);
    return rc;
}

static void describe(const tcase *tc, char *buf, size_t n)
{
    snprintf(buf, n,
             "B=%lld T=%lld I=%lld H=%lld ra=%d bias=%d seq=%d state=%d back=%d h0=%d train=%d "
             "act=%s ract=%s mask=%d xdrop=%d hdrop=%d over=%d dx=%d dh0=%d",
             (long long)tc->B, (long long)tc->T, (long long)tc->I, (long long)tc->H,
             tc->reset_after, tc->use_bias, tc->ret_seq, tc->ret_state, tc->goback, tc->h0,
             tc->trainable, gru_activation_name(tc->act), gru_activation_name(tc->ract),
             tc->mask, tc->xdrop, tc->hdrop, tc->overwrite, tc->want_dx, tc->want_dh0);
}

/* worst |got - want| / (TOL_ABS * max(1, max|want|) + TOL_REL * |want|); <= 1 passes */
static double worst(const double *got, const double *want, int64_t n)
{
    double m = 1.0, w = 0.0;
    for (int64_t i = 0; i < n; i++)
        if (fabs(want[i]) > m)
            m = fabs(want[i]);
    for (int64_t i = 0; i < n; i++) {
        double e = fabs(got[i] - want[i]) / (TOL_ABS * m + TOL_REL * fabs(want[i]));
        if (!(e <= w)) /* NaN counts as a failure */
            w = e != e ? 1e30 : e;
    }
    return w;
}

static void compare(const result *got, const result *want, const char *who, const tcase *tc,
                    bool bitwise)
{
    const double *g[7] = {got->y, got->st, got->dx, got->dh0, got->dk, got->dr, got->db};
    const double *w[7] = {want->y, want->st, want->dx, want->dh0, want->dk, want->dr, want->db};
    const int64_t n[7] = {got->ny, got->nh, got->nx, got->nh, got->nk, got->nr, got->nb};
    static const char *const names[7] = {"y", "state", "dx", "dh0", "dkernel",
                                         "drecurrent_kernel", "dbias"};
    for (int k = 0; k < 7; k++) {
        if (bitwise) {
            bool same = memcmp(g[k], w[k], (size_t)n[k] * sizeof(double)) == 0;
            if (!same) {
                char buf[400];
                describe(tc, buf, sizeof buf);
                CHECK_MSG(same, "%s: %s not bitwise equal to one thread (%s)", who, names[k], buf);
            } else {
                tu_passed++;
            }
            continue;
        }
        double e = worst(g[k], w[k], n[k]);
        if (!(e <= 1.0)) {
            char buf[400];
            describe(tc, buf, sizeof buf);
            CHECK_MSG(e <= 1.0, "%s: %s off by %.3g x the tolerance (%s)", who, names[k], e, buf);
        } else {
            tu_passed++;
        }
    }
}

static void make_data(const tcase *tc, tu_rng *r, data *d)
{
    const int64_t B = tc->B, T = tc->T, I = tc->I, H = tc->H, H3 = 3 * H;
    const bool bounded = tc->ract == GRU_ACT_SIGMOID || tc->ract == GRU_ACT_HARD_SIGMOID ||
                         tc->ract == GRU_ACT_HARD_SIGMOID_KERAS3;
    const double ws = (bounded ? 1.6 : tc->ract == GRU_ACT_EXPONENTIAL ? 0.2 : 0.6) /
                      sqrt((double)(H > I ? H : I));
    d->K = rndf(r, I * H3, ws);
    d->U = rndf(r, H * H3, ws);
    d->bias = rndf(r, 2 * H3, 0.5);
    d->x = rndf(r, B * T * I, 1.5);
    d->h0 = rndf(r, B * H, 0.9);
    d->dy = rndf(r, tc->ret_seq ? B * T * H : B * H, 1.0);
    d->dys = rndf(r, B * H, 1.0);
    d->gk = rndf(r, I * H3, 0.5);
    d->gr = rndf(r, H * H3, 0.5);
    d->gb = rndf(r, 2 * H3, 0.5);
    d->mask = calloc((size_t)(B * T), sizeof(float));
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < T; t++) {
            bool keep = true;
            if (tc->mask) {
                switch (b % 4) {
                case 0: keep = t >= 2; break;
                case 1: keep = t != 1 && t != T - 2; break;
                case 2: keep = t < T - 2; break;
                default: keep = false; break;
                }
            }
            d->mask[b * T + t] = keep ? 1.0f : 0.0f;
        }
    d->mx = calloc((size_t)(3 * B * I), sizeof(float));
    d->mh = calloc((size_t)(3 * B * H), sizeof(float));
    for (int64_t i = 0; i < 3 * B * I; i++)
        d->mx[i] = tu_uniform(r, 0, 1) < 0.3 ? 0.0f : (float)(1.0 / 0.7);
    if (tc->xdrop == 1)
        for (int g = 1; g < 3; g++)
            memcpy(d->mx + g * B * I, d->mx, (size_t)(B * I) * sizeof(float));
    for (int64_t i = 0; i < 3 * B * H; i++)
        d->mh[i] = tu_uniform(r, 0, 1) < 0.3 ? 0.0f : (float)(1.0 / 0.7);
}

static void free_data(data *d)
{
    free(d->K); free(d->U); free(d->bias); free(d->x); free(d->h0); free(d->dy); free(d->dys);
    free(d->gk); free(d->gr); free(d->gb); free(d->mask); free(d->mx); free(d->mh);
}

static int n_isas;
static int isas[3];

static void run_case(const tcase *tc, tu_rng *r, bool cross)
{
    data d;
    make_data(tc, r, &d);
    result r64, r32;
    if (run_once(tc, &d, GRU_FLOAT64, 1, -1, -1, -1, &r64) ||
        run_once(tc, &d, GRU_FLOAT32, 1, -1, GRU__ISA_REF, GRU__ISA_REF, &r32)) {
        free_data(&d);
        return;
    }
    compare(&r32, &r64, "float32 reference vs float64", tc, false);
    for (int k = 0; k < n_isas; k++) {
        const int isa = isas[k];
        char who[96];
        result one;
        if (run_once(tc, &d, GRU_FLOAT32, 1, -1, isa, isa, &one))
            continue;
        snprintf(who, sizeof who, "%s 1 thread vs float64", gru__isa_name(isa));
        compare(&one, &r64, who, tc, false);
        /* (threads, split of the time loop: 0 none, 1 units, 2 samples) */
        static const int threads[4][2] = {{2, 1}, {2, 0}, {3, 1}, {3, 2}};
        for (int j = 0; j < 4; j++) {
            result many;
            if (run_once(tc, &d, GRU_FLOAT32, threads[j][0], threads[j][1], isa, isa, &many))
                continue;
            snprintf(who, sizeof who, "%s %d threads (split %d)", gru__isa_name(isa),
                     threads[j][0], threads[j][1]);
            /* the units split (with the products split) gives the same bits as one
             * thread; the samples split changes the register tiles of the products, and
             * the loop on one thread with the weight gradients formed alongside sums them
             * in parts (other summation orders): those are held to the float64 tolerance */
            compare(&many, threads[j][1] == 1 ? &one : &r64, who, tc, threads[j][1] == 1);
            result_free(&many);
        }
        if (cross) {
            result mixed;
            if (!run_once(tc, &d, GRU_FLOAT32, 2, 2, isa, GRU__ISA_REF, &mixed)) {
                snprintf(who, sizeof who, "%s forward + reference backward", gru__isa_name(isa));
                compare(&mixed, &r64, who, tc, false);
                result_free(&mixed);
            }
            if (!run_once(tc, &d, GRU_FLOAT32, 2, 1, GRU__ISA_REF, isa, &mixed)) {
                snprintf(who, sizeof who, "reference forward + %s backward", gru__isa_name(isa));
                compare(&mixed, &r64, who, tc, false);
                result_free(&mixed);
            }
        }
        result_free(&one);
    }
    result_free(&r64);
    result_free(&r32);
    free_data(&d);
}

static tcase random_case(tu_rng *r)
{
    static const int64_t Bs[] = {1, 2, 3, 5, 13};
    static const int64_t Ts[] = {1, 2, 5, 9};
    static const int64_t Is[] = {1, 3, 8, 19};
    static const int64_t Hs[] = {1, 5, 16, 17, 33, 40};
    tcase tc;
    memset(&tc, 0, sizeof tc);
    tc.B = Bs[tu_next(r) % 5];
    tc.T = Ts[tu_next(r) % 4];
    tc.I = Is[tu_next(r) % 4];
    tc.H = Hs[tu_next(r) % 6];
    tc.reset_after = tu_next(r) % 2;
    tc.use_bias = tu_next(r) % 4 != 0;
    tc.ret_seq = tu_next(r) % 3 != 0;
    tc.ret_state = tu_next(r) % 2;
    tc.goback = tu_next(r) % 3 == 0;
    tc.h0 = tu_next(r) % 2;
    tc.trainable = tu_next(r) % 8 != 0;
    tc.mask = tu_next(r) % 3 == 0;
    static const int xd[] = {0, 0, 1, 3};
    tc.xdrop = xd[tu_next(r) % 4];
    tc.hdrop = tu_next(r) % 3 == 0;
    tc.overwrite = tu_next(r) % 2;
    tc.want_dx = tu_next(r) % 4 != 0;
    tc.want_dh0 = tu_next(r) % 2;
    /* mostly the default pair, else any pair */
    if (tu_next(r) % 3 == 0) {
        tc.act = GRU_ACT_TANH;
        tc.ract = GRU_ACT_SIGMOID;
    } else {
        tc.act = (gru_activation)(tu_next(r) % GRU_ACT_COUNT);
        tc.ract = (gru_activation)(tu_next(r) % GRU_ACT_COUNT);
    }
    return tc;
}

/* gelu's derivative as the vector backward computes it (AVX2, AVX-512; the portable body
 * runs the reference's scalar formula) against float64 on a dense sweep over [-16, 16]:
 *   |got - want| <= DGELU_ULP ulp(want) + 2^-22
 * the absolute part for the zero of gelu' at x = -0.7518 (the two terms, of about 0.23,
 * cancel there; the reference's float formula is no closer) and the underflow below
 * x = -13 (the result subnormal, then 0). */
#define DGELU_ULP 8.0
static void test_dact_gelu(void)
{
    enum { N = 1 << 16 };
    static float v[N], out[N];
    for (int k = 0; k < n_isas; k++) {
        void (*fn)(gru_activation, const float *, float *, int64_t) = NULL;
#if defined(GRU_HAVE_X86_KERNELS)
        if (isas[k] == GRU__ISA_AVX2)
            fn = gru__tf_dact_avx2;
        if (isas[k] == GRU__ISA_AVX512)
            fn = gru__tf_dact_avx512;
#endif
        if (!fn)
            continue;
        double worst = 0, wx = 0, wabs = 0;
        int bad = 0;
        for (int part = 0; part < 64; part++) {
            for (int i = 0; i < N; i++)
                v[i] = (float)(-16.0 + 32.0 * (double)(part * N + i) / ((double)N * 64));
            fn(GRU_ACT_GELU, v, out, N - part); /* vector tails too */
            for (int i = 0; i < N - part; i++) {
                double x = v[i];
                double want = 0.5 * erfc(-x * 0.70710678118654752440) +
                              x * exp(-0.5 * x * x) * 0.39894228040143267794;
                int ex;
                frexp(fabs(want), &ex);
                double ulp = ldexp(1.0, (ex - 24 < -149 ? -149 : ex - 24));
                double err = fabs((double)out[i] - want);
                if (err > DGELU_ULP * ulp + ldexp(1.0, -22) && bad++ < 3)
                    fprintf(stderr, "%s: gelu'(%.9g) = %.9g, want %.9g\n",
                            gru__isa_name(isas[k]), x, out[i], want);
                if (fabs(x + 0.7518) > 0.5 && err / ulp > worst) {
                    worst = err / ulp;
                    wx = x;
                }
                wabs = err > wabs ? err : wabs;
            }
        }
        printf("%s: gelu' max error %.2f ulp away from its zero (at %.9g), %.3g absolute\n",
               gru__isa_name(isas[k]), worst, wx, wabs);
        CHECK_MSG(bad == 0, "%s: gelu' off at %d points", gru__isa_name(isas[k]), bad);
    }
}

int main(void)
{
    tu_rng r = {0x7261696e66617374ull};
    for (int isa = GRU__ISA_GENERIC; isa <= GRU__ISA_AVX512; isa++) {
        gru__isa_force(isa);
        if (gru__isa_current() == isa)
            isas[n_isas++] = isa;
    }
    gru__isa_force(-1);
    printf("fast training ISAs:");
    for (int k = 0; k < n_isas; k++)
        printf(" %s", gru__isa_name(isas[k]));
    printf("\n");
    test_dact_gelu();

    /* every activation in each slot, both variants, everything on */
    for (int slot = 0; slot < 2; slot++)
        for (int a = 0; a < GRU_ACT_COUNT; a++) {
            tcase tc = {.B = 3, .T = 5, .I = 4, .H = 19, .reset_after = a % 2, .use_bias = true,
                        .ret_seq = true, .ret_state = true, .goback = a % 3 == 0, .h0 = true,
                        .trainable = true, .act = GRU_ACT_TANH, .ract = GRU_ACT_SIGMOID,
                        .mask = 1, .xdrop = a % 4 == 1 ? 3 : 0, .hdrop = a % 4 == 2,
                        .overwrite = a % 2 == 0, .want_dx = true, .want_dh0 = true};
            if (slot == 0)
                tc.act = (gru_activation)a;
            else
                tc.ract = (gru_activation)a;
            run_case(&tc, &r, a < 2);
        }
    /* sizes of the benchmark's kind, briefly: B = 1 and a batch, vector tails */
    for (int ra = 0; ra < 2; ra++) {
        tcase big = {.B = 1, .T = 30, .I = 24, .H = 72, .reset_after = ra, .use_bias = true,
                     .ret_seq = true, .trainable = true, .act = GRU_ACT_TANH,
                     .ract = GRU_ACT_SIGMOID, .overwrite = true, .want_dx = true,
                     .want_dh0 = true};
        run_case(&big, &r, true);
        big.B = 7;
        big.H = 50;
        big.hdrop = true;
        big.xdrop = 1;
        big.mask = 1;
        run_case(&big, &r, false);
    }
    /* units large enough for the GEMM scratch (3H x H floats split between the threads)
     * to take the products that pack B too (input projection, dK, dU) and, with B > 48,
     * A's larger row blocks in the per-step products; I across 24 rows of dK */
    for (int ra = 0; ra < 2; ra++) {
        tcase wide = {.B = 53, .T = 3, .I = 30, .H = 300, .reset_after = ra, .use_bias = true,
                      .ret_seq = true, .ret_state = true, .goback = ra, .h0 = true,
                      .trainable = true, .act = GRU_ACT_TANH, .ract = GRU_ACT_SIGMOID,
                      .overwrite = ra, .want_dx = true, .want_dh0 = true};
        run_case(&wide, &r, ra == 0);
    }
    /* B = 1, long enough for the weight gradients formed alongside the one-thread loop
     * (parts of 48 steps): plain, then dropout and go_backwards (dx through dxs) */
    for (int ra = 0; ra < 2; ra++) {
        tcase lng = {.B = 1, .T = 120, .I = 24, .H = 40, .reset_after = ra, .use_bias = true,
                     .ret_seq = ra, .ret_state = true, .trainable = true, .act = GRU_ACT_TANH,
                     .ract = GRU_ACT_SIGMOID, .overwrite = ra, .want_dx = true,
                     .want_dh0 = true};
        run_case(&lng, &r, false);
        lng.goback = true;
        lng.xdrop = ra ? 3 : 1;
        lng.hdrop = true;
        lng.mask = 1;
        run_case(&lng, &r, false);
    }
    for (int i = 0; i < 60; i++) {
        tcase tc = random_case(&r);
        run_case(&tc, &r, i % 10 == 0);
    }
    /* I and H of 256 or more (pstep needs I >= 128, H >= 256): the input projections
     * formed step by step in the time loop on K packed per gate (pstep), x read in place;
     * tails in I and H (after the random cases, whose draws stay as they were) */
    for (int ra = 0; ra < 2; ra++) {
        tcase deep = {.B = 11, .T = 3, .I = 260, .H = 264, .reset_after = ra, .use_bias = true,
                      .ret_seq = !ra, .ret_state = true, .goback = !ra, .h0 = true,
                      .mask = ra, .hdrop = ra, .trainable = true, .act = GRU_ACT_TANH,
                      .ract = GRU_ACT_SIGMOID, .overwrite = true, .want_dx = true,
                      .want_dh0 = true};
        run_case(&deep, &r, ra == 1);
    }
    /* B > 1 and long enough for the weight gradients formed by the time loop in parts
     * (tf_inl_steps: 256 rows, 7 steps at B = 40; 20 steps: parts of 7, 7 and 6, the last
     * first): on one thread and the units split (the same bits), the samples split; I of
     * 128 or more with H of 256 or more: the input projections formed step by step; then
     * dropout, a mask and go_backwards, the gradients accumulated */
    for (int ra = 0; ra < 2; ra++) {
        tcase parts = {.B = 40, .T = 20, .I = 130, .H = 260, .reset_after = ra,
                       .use_bias = true, .ret_seq = true, .ret_state = true, .h0 = true,
                       .trainable = true, .act = GRU_ACT_TANH, .ract = GRU_ACT_SIGMOID,
                       .overwrite = true, .want_dx = true, .want_dh0 = true};
        run_case(&parts, &r, false);
        parts.I = 21;
        parts.H = 35;
        parts.goback = true;
        parts.mask = 1;
        parts.xdrop = ra ? 3 : 1;
        parts.hdrop = true;
        parts.overwrite = false;
        run_case(&parts, &r, ra == 1);
    }
    /* pstep with activation pairs whose derivatives need only the outputs (elu | sigmoid,
     * selu | exponential: pre is a ring of two steps, tf_pre; T = 5 wraps it twice; with
     * the backward on another kernel too) and one that needs the pre-activations
     * (tanh | hard_sigmoid: the whole of pre kept) */
    static const gru_activation ring_acts[3][2] = {{GRU_ACT_ELU, GRU_ACT_SIGMOID},
                                                   {GRU_ACT_SELU, GRU_ACT_EXPONENTIAL},
                                                   {GRU_ACT_TANH, GRU_ACT_HARD_SIGMOID}};
    for (int k = 0; k < 3; k++) {
        tcase ring = {.B = 9, .T = 5, .I = 136, .H = 256, .reset_after = k != 1,
                      .use_bias = true, .ret_seq = true, .ret_state = true, .h0 = true,
                      .mask = k == 2, .trainable = true, .act = ring_acts[k][0],
                      .ract = ring_acts[k][1], .overwrite = true, .want_dx = true,
                      .want_dh0 = true};
        run_case(&ring, &r, k != 2);
    }
    return tu_finish("test_train_fast");
}
