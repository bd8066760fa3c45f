/* Gradients of gru_backward() against central finite differences in float64, for every
 * configuration family: both reset_after variants, use_bias, return_sequences,
 * return_state (gradients on the sequence, the last output and the state at once),
 * go_backwards, masking (leading, interior, trailing, all-zero rows), initial_state,
 * stateful, every activation in both slots, trainable = FALSE, and dropout with fixed
 * multipliers (one shared input mask; three input and three recurrent masks).
 *
 * The loss is L = sum(dy * y) + sum(dys * state) with random dy, dys, so that the
 * backward's gradients are dL/dparams. Finite differences: (L(p + e) - L(p - e)) / 2e
 * with e = 1e-6, each evaluated by the inference forward gru_forward() (no dropout) or
 * by gru_forward_train() with the same caller-supplied multipliers.
 * Tolerance: |analytic - numeric| <= 2e-7 + 2e-6 * |numeric| elementwise.
 *
 * Also: backward accumulates (twice = 2x) unless GRU_GRAD_OVERWRITE; trainable = FALSE
 * leaves weight gradients untouched; the float32 backward agrees with the float64 one;
 * gru_forward_train() without dropout equals gru_forward() bit for bit; error paths. */
#include "gru.h"
#include "test_util.h"

#include <math.h>
#include <stdlib.h>

#define FD_EPS 1e-6
#define FD_ATOL 2e-7
#define FD_RTOL 2e-6

typedef struct tcase {
    const char *name;
    int64_t B, T, I, H;
    bool reset_after, use_bias, return_sequences, return_state, go_backwards, stateful;
    bool trainable;
    gru_activation act, ract;
    int mask;        /* 0 none, 1 mixed patterns incl. an all-zero row */
    bool h0;         /* pass an initial_state */
    int xdrop;       /* 0 none, 1 one shared input mask, 3 three input masks */
    bool hdrop;      /* three recurrent masks */
} tcase;

typedef struct problem {
    const tcase *tc;
    gru_layer *layer;
    double *x, *h0, *dy, *dys, *mask, *mx, *mh; /* mask as float64 (B, T) */
    int64_t ny;
} problem;

static double *rnd(tu_rng *r, int64_t n, double scale)
{
    double *p = calloc((size_t)n, sizeof *p);
    for (int64_t i = 0; i < n; i++)
        p[i] = tu_uniform(r, -scale, scale);
    return p;
}

static gru_dropout_masks masks_of(const problem *p, gru_tensor *tmx, gru_tensor *tmh)
{
    const tcase *tc = p->tc;
    gru_dropout_masks m = {NULL, NULL};
    *tmx = gru_tensor_3d(GRU_FLOAT64, 3, tc->B, tc->I, p->mx);
    *tmh = gru_tensor_3d(GRU_FLOAT64, 3, tc->B, tc->H, p->mh);
    if (tc->xdrop)
        m.input = tmx;
    if (tc->hdrop)
        m.recurrent = tmh;
    return m;
}

/* L for the current weights/x/h0. */
static double loss(problem *p)
{
    const tcase *tc = p->tc;
    const int64_t B = tc->B, T = tc->T, H = tc->H;
    double *y = calloc((size_t)p->ny, sizeof *y), *st = calloc((size_t)(B * H), sizeof *st);
    gru_tensor x = gru_tensor_3d(GRU_FLOAT64, B, T, tc->I, p->x);
    gru_tensor m = gru_tensor_2d(GRU_FLOAT64, B, T, p->mask);
    gru_tensor h0 = gru_tensor_2d(GRU_FLOAT64, B, H, p->h0);
    gru_tensor ty = tc->return_sequences ? gru_tensor_3d(GRU_FLOAT64, B, T, H, y)
                                         : gru_tensor_2d(GRU_FLOAT64, B, H, y);
    gru_tensor ts = gru_tensor_2d(GRU_FLOAT64, B, H, st);
    if (tc->stateful)
        CHECK_OK(gru_layer_reset_states(p->layer, &h0));
    const gru_tensor *h0p = (tc->h0 && !tc->stateful) ? &h0 : NULL;
    if (tc->xdrop || tc->hdrop) {
        size_t bytes;
        CHECK_OK(gru_train_workspace_size(p->layer, B, T, &bytes));
        void *ws = malloc(bytes);
        gru_tensor tmx, tmh;
        gru_dropout_masks dm = masks_of(p, &tmx, &tmh);
        CHECK_OK(gru_forward_train(p->layer, &x, tc->mask ? &m : NULL, h0p, &ty, &ts, ws, bytes,
                                   &dm));
        free(ws);
    } else {
        CHECK_OK(gru_forward(p->layer, &x, tc->mask ? &m : NULL, h0p, &ty, &ts));
    }
    double L = 0.0;
    for (int64_t i = 0; i < p->ny; i++)
        L += p->dy[i] * y[i];
    if (tc->return_state)
        for (int64_t i = 0; i < B * H; i++)
            L += p->dys[i] * st[i];
    free(y);
    free(st);
    return L;
}

/* Central difference of L w.r.t. v[i]. */
static double numeric(problem *p, double *v, int64_t i)
{
    double keep = v[i];
    v[i] = keep + FD_EPS;
    double lp = loss(p);
    v[i] = keep - FD_EPS;
    double lm = loss(p);
    v[i] = keep;
    return (lp - lm) / (2 * FD_EPS);
}

static void check_fd(problem *p, double *v, const double *analytic, int64_t n,
                     const char *what)
{
    double *num = calloc((size_t)n, sizeof *num);
    for (int64_t i = 0; i < n; i++)
        num[i] = numeric(p, v, i);
    char label[160];
    snprintf(label, sizeof label, "%s: %s", p->tc->name, what);
    tu_close_f64(analytic, num, n, FD_ATOL, FD_RTOL, label);
    free(num);
}

static void run_case(const tcase *tc, tu_rng *r)
{
    const int64_t B = tc->B, T = tc->T, I = tc->I, H = tc->H, H3 = 3 * H;
    gru_config cfg;
    gru_config_init(&cfg, H);
    cfg.input_dim = I;
    cfg.dtype = GRU_FLOAT64;
    cfg.reset_after = tc->reset_after;
    cfg.use_bias = tc->use_bias;
    cfg.return_sequences = tc->return_sequences;
    cfg.return_state = tc->return_state;
    cfg.go_backwards = tc->go_backwards;
    cfg.stateful = tc->stateful;
    cfg.trainable = tc->trainable;
    if (tc->stateful)
        cfg.batch_size = B;
    cfg.activation = tc->act;
    cfg.recurrent_activation = tc->ract;
    cfg.seed = tu_next(r);
    problem p = {.tc = tc};
    if (gru_layer_create(&cfg, &p.layer) != GRU_OK) {
        CHECK_MSG(0, "%s: create: %s", tc->name, gru_errmsg());
        return;
    }
    /* weights: random everywhere, biases included */
    gru_tensor wk, wr, wb;
    CHECK_OK(gru_layer_weight_view(p.layer, 0, &wk));
    CHECK_OK(gru_layer_weight_view(p.layer, 1, &wr));
    double *K = wk.data, *U = wr.data, *bias = NULL;
    /* Recurrent activations that leave [0, 1] let the state grow geometrically; smaller
     * weights keep the loss O(1) so that the finite differences stay accurate. */
    const bool bounded = tc->ract == GRU_ACT_SIGMOID || tc->ract == GRU_ACT_HARD_SIGMOID ||
                         tc->ract == GRU_ACT_HARD_SIGMOID_KERAS3;
    const double ws_scale = bounded ? 0.8 : tc->ract == GRU_ACT_EXPONENTIAL ? 0.1 : 0.3;
    for (int64_t i = 0; i < I * H3; i++)
        K[i] = tu_uniform(r, -ws_scale, ws_scale);
    for (int64_t i = 0; i < H * H3; i++)
        U[i] = tu_uniform(r, -ws_scale, ws_scale);
    int64_t nb = tc->reset_after ? 2 * H3 : H3;
    if (tc->use_bias) {
        CHECK_OK(gru_layer_weight_view(p.layer, 2, &wb));
        bias = wb.data;
        for (int64_t i = 0; i < nb; i++)
            bias[i] = tu_uniform(r, -0.5, 0.5) * (ws_scale < 0.2 ? 0.2 : 1.0);
    }
    CHECK_OK(gru_layer_weights_updated(p.layer));
    p.ny = tc->return_sequences ? B * T * H : B * H;
    p.x = rnd(r, B * T * I, 1.5);
    p.h0 = rnd(r, B * H, tc->h0 || tc->stateful ? 0.9 : 0.0);
    p.dy = rnd(r, p.ny, 1.0);
    p.dys = rnd(r, B * H, 1.0);
    p.mask = calloc((size_t)(B * T), sizeof(double));
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < T; t++) {
            bool keep = true;
            if (tc->mask) {
                switch (b % 4) {
                case 0: keep = t >= 2; break;                   /* leading masked */
                case 1: keep = t != 1 && t != T - 2; break;     /* interior */
                case 2: keep = t < T - 2; break;                /* trailing */
                default: keep = false; break;                   /* all masked */
                }
            }
            p.mask[b * T + t] = keep ? 1.0 : 0.0;
        }
    /* multipliers: 0 or 1/(1-0.3), or any positive values */
    p.mx = calloc((size_t)(3 * B * I), sizeof(double));
    p.mh = calloc((size_t)(3 * B * H), sizeof(double));
    for (int64_t i = 0; i < 3 * B * I; i++)
        p.mx[i] = tu_uniform(r, 0, 1) < 0.3 ? 0.0 : 1.0 / 0.7;
    if (tc->xdrop == 1)
        for (int g = 1; g < 3; g++)
            memcpy(p.mx + g * B * I, p.mx, (size_t)(B * I) * sizeof(double));
    for (int64_t i = 0; i < 3 * B * H; i++)
        p.mh[i] = tu_uniform(r, 0, 1) < 0.3 ? 0.0 : 1.0 / 0.7;

    /* analytic */
    size_t bytes;
    CHECK_OK(gru_train_workspace_size(p.layer, B, T, &bytes));
    void *ws = malloc(bytes);
    double *y = calloc((size_t)p.ny, sizeof(double)), *st = calloc((size_t)(B * H), 8);
    double *dx = calloc((size_t)(B * T * I), 8), *dh0 = calloc((size_t)(B * H), 8);
    double *dk = calloc((size_t)(I * H3), 8), *dr = calloc((size_t)(H * H3), 8);
    double *db = calloc((size_t)nb, 8);
    gru_tensor x = gru_tensor_3d(GRU_FLOAT64, B, T, I, p.x);
    gru_tensor m = gru_tensor_2d(GRU_FLOAT64, B, T, p.mask);
    gru_tensor th0 = gru_tensor_2d(GRU_FLOAT64, B, H, p.h0);
    gru_tensor ty = tc->return_sequences ? gru_tensor_3d(GRU_FLOAT64, B, T, H, y)
                                         : gru_tensor_2d(GRU_FLOAT64, B, H, y);
    gru_tensor tst = gru_tensor_2d(GRU_FLOAT64, B, H, st);
    gru_tensor tdy = tc->return_sequences ? gru_tensor_3d(GRU_FLOAT64, B, T, H, p.dy)
                                          : gru_tensor_2d(GRU_FLOAT64, B, H, p.dy);
    gru_tensor tdys = gru_tensor_2d(GRU_FLOAT64, B, H, p.dys);
    gru_tensor tdx = gru_tensor_3d(GRU_FLOAT64, B, T, I, dx);
    gru_tensor tdh0 = gru_tensor_2d(GRU_FLOAT64, B, H, dh0);
    gru_tensor tdk = gru_tensor_2d(GRU_FLOAT64, I, H3, dk);
    gru_tensor tdr = gru_tensor_2d(GRU_FLOAT64, H, H3, dr);
    gru_tensor tdb = tc->reset_after ? gru_tensor_2d(GRU_FLOAT64, 2, H3, db)
                                     : gru_tensor_1d(GRU_FLOAT64, H3, db);
    gru_grads g = {&tdk, &tdr, tc->use_bias ? &tdb : NULL};
    if (!tc->trainable) /* sentinels: must stay untouched */
        for (int64_t i = 0; i < I * H3; i++)
            dk[i] = 7.0;
    if (tc->stateful)
        CHECK_OK(gru_layer_reset_states(p.layer, &th0));
    gru_tensor tmx, tmh;
    gru_dropout_masks dm = masks_of(&p, &tmx, &tmh);
    CHECK_OK(gru_forward_train(p.layer, &x, tc->mask ? &m : NULL,
                               (tc->h0 && !tc->stateful) ? &th0 : NULL, &ty, &tst, ws, bytes,
                               (tc->xdrop || tc->hdrop) ? &dm : NULL));
    CHECK_OK(gru_backward(p.layer, ws, bytes, &tdy, tc->return_state ? &tdys : NULL, &tdx,
                          &tdh0, &g, GRU_GRAD_OVERWRITE));

    check_fd(&p, p.x, dx, B * T * I, "dx");
    if (tc->h0 || tc->stateful)
        check_fd(&p, p.h0, dh0, B * H, "dh0");
    if (tc->trainable) {
        check_fd(&p, K, dk, I * H3, "dkernel");
        check_fd(&p, U, dr, H * H3, "drecurrent_kernel");
        if (tc->use_bias)
            check_fd(&p, bias, db, nb, "dbias");
        /* accumulation: a second call without OVERWRITE doubles the gradients */
        double *dk1 = malloc((size_t)(I * H3) * 8);
        memcpy(dk1, dk, (size_t)(I * H3) * 8);
        CHECK_OK(gru_backward(p.layer, ws, bytes, &tdy, tc->return_state ? &tdys : NULL, NULL,
                              NULL, &g, 0));
        for (int64_t i = 0; i < I * H3; i++)
            dk1[i] *= 2;
        tu_close_f64(dk, dk1, I * H3, 1e-14, 1e-13, "accumulated dkernel");
        free(dk1);
    } else {
        bool untouched = true;
        for (int64_t i = 0; i < I * H3; i++)
            untouched = untouched && dk[i] == 7.0;
        CHECK_MSG(untouched, "%s: trainable = FALSE changed the kernel gradient", tc->name);
    }
    free(ws);
    free(y); free(st); free(dx); free(dh0); free(dk); free(dr); free(db);
    free(p.x); free(p.h0); free(p.dy); free(p.dys); free(p.mask); free(p.mx); free(p.mh);
    gru_layer_destroy(p.layer);
}

/* The float32 path against the float64 one, and the training forward against the
 * inference forward, on one configuration with everything on. */
static void check_f32_and_forward(tu_rng *r, bool reset_after)
{
    const int64_t B = 3, T = 6, I = 4, H = 5, H3 = 15;
    gru_layer *l32 = NULL, *l64 = NULL;
    gru_config cfg;
    gru_config_init(&cfg, H);
    cfg.input_dim = I;
    cfg.reset_after = reset_after;
    cfg.return_sequences = true;
    cfg.return_state = true;
    cfg.go_backwards = true;
    cfg.seed = 11;
    CHECK_OK(gru_layer_create(&cfg, &l32));
    cfg.dtype = GRU_FLOAT64;
    CHECK_OK(gru_layer_create(&cfg, &l64));
    if (!l32 || !l64)
        return;
    int64_t nb = reset_after ? 2 * H3 : H3;
    for (int w = 0; w < 3; w++) {
        gru_tensor a, b;
        gru_layer_weight_view(l32, w, &a);
        gru_layer_weight_view(l64, w, &b);
        int64_t n = w == 0 ? I * H3 : w == 1 ? H * H3 : nb;
        for (int64_t i = 0; i < n; i++) {
            float v = (float)tu_uniform(r, -0.7, 0.7);
            ((float *)a.data)[i] = v;
            ((double *)b.data)[i] = v;
        }
    }
    CHECK_OK(gru_layer_weights_updated(l32));
    CHECK_OK(gru_layer_weights_updated(l64));
    float x32[3 * 6 * 4], dy32[3 * 6 * 5], dys32[15], mk[18];
    double x64[3 * 6 * 4], dy64[3 * 6 * 5], dys64[15];
    for (int i = 0; i < 72; i++)
        x64[i] = x32[i] = (float)tu_uniform(r, -2, 2);
    for (int i = 0; i < 90; i++)
        dy64[i] = dy32[i] = (float)tu_uniform(r, -1, 1);
    for (int i = 0; i < 15; i++)
        dys64[i] = dys32[i] = (float)tu_uniform(r, -1, 1);
    for (int i = 0; i < 18; i++)
        mk[i] = (i % 5 == 2) ? 0.0f : 1.0f;
    gru_tensor m = gru_tensor_2d(GRU_FLOAT32, B, T, mk);
    float y32[90], s32[15], dx32[72], dh32[15], dk32[60], dr32[75], db32[30];
    double y64[90], s64[15], dx64[72], dh64[15], dk64[60], dr64[75], db64[30];
    float yinf[90], sinf_[15];
    size_t b32, b64;
    CHECK_OK(gru_train_workspace_size(l32, B, T, &b32));
    CHECK_OK(gru_train_workspace_size(l64, B, T, &b64));
    void *w32 = malloc(b32), *w64 = malloc(b64);
    gru_tensor tx32 = gru_tensor_3d(GRU_FLOAT32, B, T, I, x32);
    gru_tensor tx64 = gru_tensor_3d(GRU_FLOAT64, B, T, I, x64);
    gru_tensor ty32 = gru_tensor_3d(GRU_FLOAT32, B, T, H, y32);
    gru_tensor ty64 = gru_tensor_3d(GRU_FLOAT64, B, T, H, y64);
    gru_tensor ts32 = gru_tensor_2d(GRU_FLOAT32, B, H, s32);
    gru_tensor ts64 = gru_tensor_2d(GRU_FLOAT64, B, H, s64);
    gru_tensor tyi = gru_tensor_3d(GRU_FLOAT32, B, T, H, yinf);
    gru_tensor tsi = gru_tensor_2d(GRU_FLOAT32, B, H, sinf_);
    CHECK_OK(gru_forward_train(l32, &tx32, &m, NULL, &ty32, &ts32, w32, b32, NULL));
    CHECK_OK(gru_forward_train(l64, &tx64, &m, NULL, &ty64, &ts64, w64, b64, NULL));
    CHECK_OK(gru_forward(l32, &tx32, &m, NULL, &tyi, &tsi));
    /* gru_forward may use a faster kernel with another summation order */
    tu_close_f32(y32, yinf, 90, 1e-6, 1e-5, "training forward vs gru_forward: output");
    tu_close_f32(s32, sinf_, 15, 1e-6, 1e-5, "training forward vs gru_forward: state");
    gru_tensor tdy32 = gru_tensor_3d(GRU_FLOAT32, B, T, H, dy32);
    gru_tensor tdy64 = gru_tensor_3d(GRU_FLOAT64, B, T, H, dy64);
    gru_tensor tds32 = gru_tensor_2d(GRU_FLOAT32, B, H, dys32);
    gru_tensor tds64 = gru_tensor_2d(GRU_FLOAT64, B, H, dys64);
    gru_tensor tdx32 = gru_tensor_3d(GRU_FLOAT32, B, T, I, dx32);
    gru_tensor tdx64 = gru_tensor_3d(GRU_FLOAT64, B, T, I, dx64);
    gru_tensor tdh32 = gru_tensor_2d(GRU_FLOAT32, B, H, dh32);
    gru_tensor tdh64 = gru_tensor_2d(GRU_FLOAT64, B, H, dh64);
    gru_tensor k32 = gru_tensor_2d(GRU_FLOAT32, I, H3, dk32), k64 = gru_tensor_2d(GRU_FLOAT64, I, H3, dk64);
    gru_tensor r32 = gru_tensor_2d(GRU_FLOAT32, H, H3, dr32), r64 = gru_tensor_2d(GRU_FLOAT64, H, H3, dr64);
    gru_tensor bb32 = reset_after ? gru_tensor_2d(GRU_FLOAT32, 2, H3, db32) : gru_tensor_1d(GRU_FLOAT32, H3, db32);
    gru_tensor bb64 = reset_after ? gru_tensor_2d(GRU_FLOAT64, 2, H3, db64) : gru_tensor_1d(GRU_FLOAT64, H3, db64);
    gru_grads g32 = {&k32, &r32, &bb32}, g64 = {&k64, &r64, &bb64};
    CHECK_OK(gru_backward(l32, w32, b32, &tdy32, &tds32, &tdx32, &tdh32, &g32, GRU_GRAD_OVERWRITE));
    CHECK_OK(gru_backward(l64, w64, b64, &tdy64, &tds64, &tdx64, &tdh64, &g64, GRU_GRAD_OVERWRITE));
    float c64[90];
#define CMP(a32, a64, n, what)                                                    \
    do {                                                                          \
        for (int i_ = 0; i_ < (n); i_++)                                          \
            c64[i_] = (float)(a64)[i_];                                           \
        tu_close_f32(a32, c64, n, 1e-5, 1e-4, what);                              \
    } while (0)
    CMP(y32, y64, 90, "float32 vs float64: y");
    CMP(dx32, dx64, 72, "float32 vs float64: dx");
    CMP(dh32, dh64, 15, "float32 vs float64: dh0");
    CMP(dk32, dk64, 60, "float32 vs float64: dkernel");
    CMP(dr32, dr64, 75, "float32 vs float64: drecurrent_kernel");
    CMP(db32, db64, (int)nb, "float32 vs float64: dbias");
#undef CMP
    free(w32);
    free(w64);
    gru_layer_destroy(l32);
    gru_layer_destroy(l64);
}

static void check_errors(void)
{
    gru_config cfg;
    gru_config_init(&cfg, 4);
    cfg.input_dim = 3;
    cfg.return_sequences = true;
    gru_layer *layer = NULL, *other = NULL;
    CHECK_OK(gru_layer_create(&cfg, &layer));
    CHECK_OK(gru_layer_create(&cfg, &other));
    if (!layer || !other)
        return;
    size_t bytes = 0;
    CHECK_ERR(gru_train_workspace_size(NULL, 2, 3, &bytes), GRU_ERR_NULL, "layer");
    CHECK_ERR(gru_train_workspace_size(layer, 2, 3, NULL), GRU_ERR_NULL, "bytes");
    CHECK_ERR(gru_train_workspace_size(layer, 0, 3, &bytes), GRU_ERR_ARG, "B: expected >= 1");
    CHECK_ERR(gru_train_workspace_size(layer, 2, 0, &bytes), GRU_ERR_ARG, "T: expected >= 1");
    CHECK_ERR(gru_train_workspace_size(layer, INT64_MAX / 2, INT64_MAX / 2, &bytes), GRU_ERR_ARG,
              "overflows");
    CHECK_OK(gru_train_workspace_size(layer, 2, 3, &bytes));
    void *ws = malloc(bytes);
    float x[2 * 3 * 3] = {0}, y[2 * 3 * 4], st[8], dx[18], dh[8];
    float dk[36], dr[48], db[12], big[200];
    gru_tensor tx = gru_tensor_3d(GRU_FLOAT32, 2, 3, 3, x);
    gru_tensor ty = gru_tensor_3d(GRU_FLOAT32, 2, 3, 4, y);
    gru_tensor bad_y = gru_tensor_2d(GRU_FLOAT32, 2, 4, y);
    gru_tensor tx64 = gru_tensor_3d(GRU_FLOAT64, 2, 3, 3, x);
    gru_tensor tx2 = gru_tensor_2d(GRU_FLOAT32, 2, 3, x);
    gru_tensor tst = gru_tensor_2d(GRU_FLOAT32, 2, 4, st);
    CHECK_ERR(gru_forward_train(NULL, &tx, NULL, NULL, &ty, NULL, ws, bytes, NULL), GRU_ERR_NULL,
              "layer");
    CHECK_ERR(gru_forward_train(layer, NULL, NULL, NULL, &ty, NULL, ws, bytes, NULL), GRU_ERR_NULL,
              "x");
    CHECK_ERR(gru_forward_train(layer, &tx2, NULL, NULL, &ty, NULL, ws, bytes, NULL), GRU_ERR_SHAPE,
              "x: expected a 3-D input");
    CHECK_ERR(gru_forward_train(layer, &tx64, NULL, NULL, &ty, NULL, ws, bytes, NULL),
              GRU_ERR_SHAPE, "x");
    CHECK_ERR(gru_forward_train(layer, &tx, NULL, NULL, NULL, NULL, ws, bytes, NULL), GRU_ERR_NULL,
              "output");
    for (int i = 0; i < 8; i++)
        y[i] = 5.0f;
    CHECK_ERR(gru_forward_train(layer, &tx, NULL, NULL, &bad_y, NULL, ws, bytes, NULL),
              GRU_ERR_SHAPE, "output (return_sequences = TRUE)");
    CHECK(y[0] == 0.0f); /* zero-filled on failure */
    CHECK_ERR(gru_forward_train(layer, &tx, NULL, NULL, &ty, NULL, NULL, bytes, NULL), GRU_ERR_NULL,
              "workspace");
    CHECK_ERR(gru_forward_train(layer, &tx, NULL, NULL, &ty, NULL, ws, bytes - 1, NULL),
              GRU_ERR_BUFFER, "workspace");
    CHECK_ERR(gru_forward_train(layer, &tx, NULL, NULL, &ty, NULL, (char *)ws + 4, bytes - 8, NULL),
              GRU_ERR_ARG, "aligned");
    float badm[5];
    gru_tensor tbm = gru_tensor_3d(GRU_FLOAT32, 3, 2, 2, badm);
    gru_dropout_masks dm = {&tbm, NULL};
    CHECK_ERR(gru_forward_train(layer, &tx, NULL, NULL, &ty, NULL, ws, bytes, &dm), GRU_ERR_SHAPE,
              "masks->input");
    gru_dropout_masks dm2 = {NULL, &tbm};
    CHECK_ERR(gru_forward_train(layer, &tx, NULL, NULL, &ty, NULL, ws, bytes, &dm2), GRU_ERR_SHAPE,
              "masks->recurrent");
    gru_tensor tm = gru_tensor_2d(GRU_FLOAT32, 2, 2, big);
    CHECK_ERR(gru_forward_train(layer, &tx, &tm, NULL, &ty, NULL, ws, bytes, NULL), GRU_ERR_SHAPE,
              "mask");
    CHECK_ERR(gru_forward_train(layer, &tx, NULL, &tm, &ty, NULL, ws, bytes, NULL), GRU_ERR_SHAPE,
              "initial_state");

    /* backward before a successful forward: the failed calls above invalidated ws */
    gru_tensor tdx = gru_tensor_3d(GRU_FLOAT32, 2, 3, 3, dx);
    gru_tensor tdh = gru_tensor_2d(GRU_FLOAT32, 2, 4, dh);
    CHECK_ERR(gru_backward(layer, ws, bytes, &ty, NULL, &tdx, &tdh, NULL, 0), GRU_ERR_STATE,
              "workspace: not filled");
    CHECK_OK(gru_forward_train(layer, &tx, NULL, NULL, &ty, NULL, ws, bytes, NULL));
    CHECK_ERR(gru_backward(NULL, ws, bytes, &ty, NULL, &tdx, &tdh, NULL, 0), GRU_ERR_NULL, "layer");
    CHECK_ERR(gru_backward(other, ws, bytes, &ty, NULL, &tdx, &tdh, NULL, 0), GRU_ERR_STATE,
              "not filled by gru_forward_train() on this layer");
    CHECK_ERR(gru_backward(layer, NULL, bytes, &ty, NULL, &tdx, &tdh, NULL, 0), GRU_ERR_NULL,
              "workspace");
    CHECK_ERR(gru_backward(layer, ws, bytes - 64, &ty, NULL, &tdx, &tdh, NULL, 0), GRU_ERR_BUFFER,
              "workspace");
    CHECK_ERR(gru_backward(layer, ws, bytes, &ty, NULL, &tdx, &tdh, NULL, 8), GRU_ERR_ARG, "flags");
    CHECK_ERR(gru_backward(layer, ws, bytes, &bad_y, NULL, &tdx, &tdh, NULL, 0), GRU_ERR_SHAPE,
              "dy (return_sequences = TRUE)");
    CHECK_ERR(gru_backward(layer, ws, bytes, &ty, &tst, &tdx, &tdh, NULL, 0), GRU_ERR_ARG,
              "return_state = FALSE");
    CHECK_ERR(gru_backward(layer, ws, bytes, &ty, NULL, &tst, &tdh, NULL, 0), GRU_ERR_SHAPE, "dx");
    CHECK_ERR(gru_backward(layer, ws, bytes, &ty, NULL, &tdx, &tdx, NULL, 0), GRU_ERR_SHAPE, "dh0");
    gru_tensor gk_bad = gru_tensor_2d(GRU_FLOAT32, 3, 4, dk);
    gru_tensor gk = gru_tensor_2d(GRU_FLOAT32, 3, 12, dk);
    gru_tensor gr_bad = gru_tensor_2d(GRU_FLOAT32, 4, 4, dr);
    gru_tensor gb2 = gru_tensor_2d(GRU_FLOAT32, 2, 12, big);
    gru_tensor gb = gru_tensor_1d(GRU_FLOAT32, 12, db);
    gru_grads g1 = {&gk_bad, NULL, NULL}, g2 = {&gk, &gr_bad, NULL}, g3 = {&gk, NULL, &gb2};
    CHECK_ERR(gru_backward(layer, ws, bytes, &ty, NULL, NULL, NULL, &g1, 0), GRU_ERR_SHAPE,
              "grads->kernel");
    CHECK_ERR(gru_backward(layer, ws, bytes, &ty, NULL, NULL, NULL, &g2, 0), GRU_ERR_SHAPE,
              "grads->recurrent_kernel");
    CHECK_ERR(gru_backward(layer, ws, bytes, &ty, NULL, NULL, NULL, &g3, 0), GRU_ERR_SHAPE,
              "grads->bias (reset_after = FALSE)");
    gru_grads g4 = {&gk, NULL, &gb};
    CHECK_OK(gru_backward(layer, ws, bytes, NULL, NULL, NULL, NULL, &g4, GRU_GRAD_OVERWRITE));
    bool zero = true;
    for (int i = 0; i < 36; i++)
        zero = zero && dk[i] == 0.0f;
    CHECK_MSG(zero, "dy = NULL must give zero gradients");

    /* dropout masks read-back errors */
    float mxr[3 * 2 * 3];
    gru_tensor tmx = gru_tensor_3d(GRU_FLOAT32, 3, 2, 3, mxr);
    CHECK_ERR(gru_train_get_dropout_masks(NULL, ws, bytes, &tmx, NULL), GRU_ERR_NULL, "layer");
    CHECK_ERR(gru_train_get_dropout_masks(other, ws, bytes, &tmx, NULL), GRU_ERR_STATE, "workspace");
    CHECK_ERR(gru_train_get_dropout_masks(layer, ws, bytes, &tbm, NULL), GRU_ERR_SHAPE, "input");
    CHECK_ERR(gru_train_get_dropout_masks(layer, ws, bytes, NULL, &tbm), GRU_ERR_SHAPE, "recurrent");
    CHECK_OK(gru_train_get_dropout_masks(layer, ws, bytes, &tmx, NULL));
    bool ones = true;
    for (int i = 0; i < 18; i++)
        ones = ones && mxr[i] == 1.0f;
    CHECK_MSG(ones, "no dropout: the multipliers read back must be 1");
    CHECK_ERR(gru_train_seed_dropout(NULL, 1), GRU_ERR_NULL, "layer");

    /* weight view / sgd */
    gru_tensor v;
    CHECK_ERR(gru_layer_weight_view(NULL, 0, &v), GRU_ERR_NULL, "layer");
    CHECK_ERR(gru_layer_weight_view(layer, 0, NULL), GRU_ERR_NULL, "out");
    CHECK_ERR(gru_layer_weight_view(layer, 3, &v), GRU_ERR_ARG, "which");
    CHECK_ERR(gru_layer_sgd_step(NULL, 0.1, &g4), GRU_ERR_NULL, "layer");
    CHECK_ERR(gru_layer_sgd_step(layer, 0.1, NULL), GRU_ERR_NULL, "grads");
    CHECK_ERR(gru_layer_sgd_step(layer, NAN, &g4), GRU_ERR_ARG, "lr");
    CHECK_ERR(gru_layer_sgd_step(layer, 0.1, &g1), GRU_ERR_SHAPE, "grads->kernel");
    free(ws);
    gru_layer_destroy(layer);
    gru_layer_destroy(other);
}

int main(void)
{
    tu_rng r = {12345};
    static const gru_activation all[] = {
        GRU_ACT_TANH, GRU_ACT_SIGMOID, GRU_ACT_HARD_SIGMOID, GRU_ACT_HARD_SIGMOID_KERAS3,
        GRU_ACT_RELU, GRU_ACT_LINEAR, GRU_ACT_ELU, GRU_ACT_SELU, GRU_ACT_SOFTPLUS,
        GRU_ACT_SOFTSIGN, GRU_ACT_EXPONENTIAL, GRU_ACT_SWISH, GRU_ACT_GELU};
    const int nact = (int)(sizeof all / sizeof all[0]);
#define BASE .B = 4, .T = 5, .I = 3, .H = 4, .use_bias = true, .trainable = true, \
             .act = GRU_ACT_TANH, .ract = GRU_ACT_HARD_SIGMOID
    for (int ra = 0; ra < 2; ra++) {
        const tcase cases[] = {
            {"plain, last output", BASE, .reset_after = ra},
            {"sequences", BASE, .reset_after = ra, .return_sequences = true},
            {"no bias", .B = 4, .T = 5, .I = 3, .H = 4, .use_bias = false, .trainable = true,
             .act = GRU_ACT_TANH, .ract = GRU_ACT_HARD_SIGMOID, .reset_after = ra,
             .return_sequences = true},
            {"return_state, last output", BASE, .reset_after = ra, .return_state = true,
             .h0 = true},
            {"return_state, sequences", BASE, .reset_after = ra, .return_state = true,
             .return_sequences = true, .h0 = true},
            {"go_backwards", BASE, .reset_after = ra, .go_backwards = true,
             .return_sequences = true},
            {"go_backwards last", BASE, .reset_after = ra, .go_backwards = true},
            {"masked sequences", BASE, .reset_after = ra, .return_sequences = true, .mask = 1,
             .h0 = true, .return_state = true},
            {"masked last", BASE, .reset_after = ra, .mask = 1, .h0 = true},
            {"masked backwards", BASE, .reset_after = ra, .mask = 1, .go_backwards = true,
             .return_sequences = true, .h0 = true, .return_state = true},
            {"stateful", BASE, .reset_after = ra, .stateful = true, .return_sequences = true,
             .return_state = true},
            {"trainable FALSE", .B = 4, .T = 5, .I = 3, .H = 4, .use_bias = true,
             .trainable = false, .act = GRU_ACT_TANH, .ract = GRU_ACT_HARD_SIGMOID,
             .reset_after = ra, .h0 = true, .return_sequences = true},
            {"dropout shared", BASE, .reset_after = ra, .xdrop = 1, .return_sequences = true,
             .h0 = true},
            {"dropout impl 1", BASE, .reset_after = ra, .xdrop = 3, .hdrop = true,
             .return_sequences = true, .h0 = true, .mask = 1},
            {"recurrent dropout only", BASE, .reset_after = ra, .hdrop = true,
             .return_state = true, .h0 = true, .go_backwards = true},
            {"B=1 T=1", .B = 1, .T = 1, .I = 2, .H = 3, .use_bias = true, .trainable = true,
             .act = GRU_ACT_TANH, .ract = GRU_ACT_SIGMOID, .reset_after = ra, .h0 = true,
             .return_state = true},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            run_case(&cases[i], &r);
        /* every activation in both slots */
        for (int k = 0; k < nact; k++) {
            char n1[96], n2[96];
            snprintf(n1, sizeof n1, "activation %s (reset_after %d)",
                     gru_activation_name(all[k]), ra);
            snprintf(n2, sizeof n2, "recurrent_activation %s (reset_after %d)",
                     gru_activation_name(all[k]), ra);
            tcase a = {n1, BASE, .reset_after = ra, .return_sequences = true, .h0 = true};
            a.act = all[k];
            a.ract = GRU_ACT_SIGMOID;
            run_case(&a, &r);
            tcase b = {n2, BASE, .reset_after = ra, .return_sequences = true, .h0 = true};
            b.ract = all[k];
            run_case(&b, &r);
        }
        check_f32_and_forward(&r, ra);
    }
#undef BASE
    check_errors();
    return tu_finish("test_train_grad");
}
