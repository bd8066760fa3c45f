/* Dropout and recurrent_dropout in gru_forward_train() (SEMANTICS.md, "Training-only
 * semantics"): kept fraction and inverted scaling statistics, one mask per sample reused
 * at every timestep, independent masks per sample and per gate (implementation 1 when
 * recurrent_dropout > 0; one shared input mask otherwise), the exact masked equations
 * against a float64 reference written here and fed the multipliers read back, rates 0
 * and 1 meaning no dropout, reproducibility from the seed, and backward through the
 * drawn masks equal to backward through the same masks supplied by the caller.
 *
 * Statistics: with n Bernoulli(1 - rate) draws the kept fraction has standard deviation
 * sqrt(rate (1 - rate) / n); the bound used is 5 standard deviations. */
#include "gru.h"
#include "test_util.h"

#include <math.h>
#include <stdlib.h>

enum { B = 48, T = 5, I = 40, H = 30, H3 = 3 * H };

static double sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

/* The masked equations in float64, written independently of the library:
 * x_g = x * mx[g][b], h_g = h * mh[g][b] for the products; the mix uses the raw h. */
static void reference(bool reset_after, const double *K, const double *U, const double *bias,
                      const double *x, const double *mx, const double *mh, double *y)
{
    double h[H], hn[H];
    for (int b = 0; b < B; b++) {
        memset(h, 0, sizeof h);
        for (int t = 0; t < T; t++) {
            const double *xt = x + (b * T + t) * I;
            double a[3][H], rec[3][H];
            for (int g = 0; g < 3; g++)
                for (int j = 0; j < H; j++) {
                    double s = bias[g * H + j];
                    for (int i = 0; i < I; i++)
                        s += xt[i] * mx[(g * B + b) * I + i] * K[i * H3 + g * H + j];
                    a[g][j] = s;
                    double q = reset_after ? bias[H3 + g * H + j] : 0.0;
                    for (int k = 0; k < H; k++)
                        q += h[k] * mh[(g * B + b) * H + k] * U[k * H3 + g * H + j];
                    rec[g][j] = q; /* for g = h and reset_before: recomputed below */
                }
            double z[H], r[H];
            for (int j = 0; j < H; j++) {
                z[j] = sigmoid(a[0][j] + rec[0][j]);
                r[j] = sigmoid(a[1][j] + rec[1][j]);
            }
            for (int j = 0; j < H; j++) {
                double ah;
                if (reset_after) {
                    ah = a[2][j] + r[j] * rec[2][j];
                } else {
                    double q = 0.0;
                    for (int k = 0; k < H; k++)
                        q += r[k] * h[k] * mh[(2 * B + b) * H + k] * U[k * H3 + 2 * H + j];
                    ah = a[2][j] + q;
                }
                double hh = tanh(ah);
                hn[j] = z[j] * h[j] + (1 - z[j]) * hh;
            }
            memcpy(h, hn, sizeof h);
            memcpy(y + (b * T + t) * H, h, sizeof h);
        }
    }
}

typedef struct run {
    gru_layer *layer;
    void *ws;
    size_t bytes;
    double x[B * T * I], y[B * T * H], mx[3 * B * I], mh[3 * B * H];
} run;

static gru_layer *make(double rate, double rrate, bool reset_after, gru_dtype dt, uint64_t seed)
{
    gru_config cfg;
    gru_config_init(&cfg, H);
    cfg.input_dim = I;
    cfg.dtype = dt;
    cfg.dropout = rate;
    cfg.recurrent_dropout = rrate;
    cfg.reset_after = reset_after;
    cfg.recurrent_activation = GRU_ACT_SIGMOID;
    cfg.return_sequences = true;
    cfg.bias_initializer = gru_initializer_default(GRU_INIT_RANDOM_UNIFORM);
    cfg.seed = seed;
    gru_layer *layer = NULL;
    CHECK_OK(gru_layer_create(&cfg, &layer));
    return layer;
}

/* forward_train with the layer's own dropout; masks read back into r. */
static void forward(run *r, gru_layer *layer, tu_rng *rng)
{
    r->layer = layer;
    CHECK_OK(gru_train_workspace_size(layer, B, T, &r->bytes));
    r->ws = malloc(r->bytes);
    for (int i = 0; i < B * T * I; i++)
        r->x[i] = tu_uniform(rng, -1, 1);
    gru_tensor x = gru_tensor_3d(GRU_FLOAT64, B, T, I, r->x);
    gru_tensor y = gru_tensor_3d(GRU_FLOAT64, B, T, H, r->y);
    CHECK_OK(gru_forward_train(layer, &x, NULL, NULL, &y, NULL, r->ws, r->bytes, NULL));
    gru_tensor mx = gru_tensor_3d(GRU_FLOAT64, 3, B, I, r->mx);
    gru_tensor mh = gru_tensor_3d(GRU_FLOAT64, 3, B, H, r->mh);
    CHECK_OK(gru_train_get_dropout_masks(layer, r->ws, r->bytes, &mx, &mh));
}

/* Kept fraction, values, mean multiplier of n multipliers for rate. */
static void check_stats(const double *m, int n, double rate, const char *what)
{
    const double keep = 1.0 / (1.0 - rate);
    int kept = 0, bad = 0;
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        if (m[i] == keep)
            kept++;
        else if (m[i] != 0.0)
            bad++;
        sum += m[i];
    }
    const double frac = (double)kept / n, sd = sqrt(rate * (1 - rate) / n);
    CHECK_MSG(bad == 0, "%s: %d multipliers are neither 0 nor 1/(1-rate)", what, bad);
    CHECK_MSG(fabs(frac - (1 - rate)) <= 5 * sd, "%s: kept fraction %.4f, expected %.4f +- %.4f",
              what, frac, 1 - rate, 5 * sd);
    /* inverted scaling: the mean multiplier is 1 */
    CHECK_MSG(fabs(sum / n - 1.0) <= 5 * sd * keep, "%s: mean multiplier %.4f, expected 1", what,
              sum / n);
}

static bool all_ones(const double *m, int n)
{
    for (int i = 0; i < n; i++)
        if (m[i] != 1.0)
            return false;
    return true;
}

static bool rows_differ(const double *m, int n_rows, int len)
{
    for (int a = 0; a < n_rows; a++)
        for (int b = 0; b < a; b++)
            if (memcmp(m + a * len, m + b * len, (size_t)len * sizeof(double)) == 0)
                return false;
    return true;
}

static void check_equations(run *r, bool reset_after, const char *what)
{
    double K[I * H3], U[H * H3], bias[2 * H3];
    gru_tensor tk = gru_tensor_2d(GRU_FLOAT64, I, H3, K), tu = gru_tensor_2d(GRU_FLOAT64, H, H3, U);
    gru_tensor tb = reset_after ? gru_tensor_2d(GRU_FLOAT64, 2, H3, bias)
                                : gru_tensor_1d(GRU_FLOAT64, H3, bias);
    CHECK_OK(gru_layer_get_weights(r->layer, &tk, &tu, &tb));
    static double want[B * T * H];
    reference(reset_after, K, U, bias, r->x, r->mx, r->mh, want);
    tu_close_f64(r->y, want, B * T * H, 1e-12, 1e-12, what);
}

static void finish(run *r)
{
    free(r->ws);
    gru_layer_destroy(r->layer);
}

int main(void)
{
    tu_rng rng = {777};
    static run r;
    for (int ra = 0; ra < 2; ra++) {
        /* dropout only: one input mask shared by the three gates */
        forward(&r, make(0.3, 0.0, ra, GRU_FLOAT64, 5), &rng);
        check_stats(r.mx, B * I, 0.3, "dropout 0.3 (shared)");
        CHECK(memcmp(r.mx, r.mx + B * I, sizeof(double) * B * I) == 0);
        CHECK(memcmp(r.mx, r.mx + 2 * B * I, sizeof(double) * B * I) == 0);
        CHECK(rows_differ(r.mx, B, I)); /* a different mask per sample */
        CHECK(all_ones(r.mh, 3 * B * H));
        check_equations(&r, ra, "masked equations, dropout only");
        finish(&r);

        /* dropout and recurrent_dropout: three input and three recurrent masks */
        forward(&r, make(0.25, 0.4, ra, GRU_FLOAT64, 6), &rng);
        for (int g = 0; g < 3; g++) {
            check_stats(r.mx + g * B * I, B * I, 0.25, "dropout 0.25 (per gate)");
            check_stats(r.mh + g * B * H, B * H, 0.4, "recurrent_dropout 0.4");
        }
        CHECK(rows_differ(r.mx, 3, B * I)); /* independent per gate */
        CHECK(rows_differ(r.mh, 3, B * H));
        CHECK(rows_differ(r.mh, B, H));
        check_equations(&r, ra, "masked equations, implementation 1");
        finish(&r);

        /* recurrent_dropout only */
        forward(&r, make(0.0, 0.5, ra, GRU_FLOAT64, 7), &rng);
        CHECK(all_ones(r.mx, 3 * B * I));
        for (int g = 0; g < 3; g++)
            check_stats(r.mh + g * B * H, B * H, 0.5, "recurrent_dropout 0.5 only");
        check_equations(&r, ra, "masked equations, recurrent dropout only");
        finish(&r);

        /* rates 0 and 1 (outside the open interval): no dropout, same as gru_forward */
        const double rates[2] = {0.0, 1.0};
        for (int k = 0; k < 2; k++) {
            forward(&r, make(rates[k], rates[k], ra, GRU_FLOAT64, 8), &rng);
            CHECK_MSG(all_ones(r.mx, 3 * B * I) && all_ones(r.mh, 3 * B * H),
                      "rate %g must mean no dropout", rates[k]);
            static double yi[B * T * H];
            gru_tensor x = gru_tensor_3d(GRU_FLOAT64, B, T, I, r.x);
            gru_tensor y = gru_tensor_3d(GRU_FLOAT64, B, T, H, yi);
            CHECK_OK(gru_forward(r.layer, &x, NULL, NULL, &y, NULL));
            tu_close_f64(r.y, yi, B * T * H, 1e-13, 1e-13, "rate 0/1: training = inference");
            finish(&r);
        }
    }

    /* float32: multipliers are exactly (float)(1/(1-rate)) or 0 */
    {
        gru_layer *l = make(0.2, 0.3, true, GRU_FLOAT32, 9);
        size_t bytes;
        CHECK_OK(gru_train_workspace_size(l, B, T, &bytes));
        void *ws = malloc(bytes);
        static float x[B * T * I], y[B * T * H], mx[3 * B * I], mh[3 * B * H];
        for (int i = 0; i < B * T * I; i++)
            x[i] = (float)tu_uniform(&rng, -1, 1);
        gru_tensor tx = gru_tensor_3d(GRU_FLOAT32, B, T, I, x);
        gru_tensor ty = gru_tensor_3d(GRU_FLOAT32, B, T, H, y);
        CHECK_OK(gru_forward_train(l, &tx, NULL, NULL, &ty, NULL, ws, bytes, NULL));
        gru_tensor tmx = gru_tensor_3d(GRU_FLOAT32, 3, B, I, mx);
        gru_tensor tmh = gru_tensor_3d(GRU_FLOAT32, 3, B, H, mh);
        CHECK_OK(gru_train_get_dropout_masks(l, ws, bytes, &tmx, &tmh));
        int bad = 0;
        for (int i = 0; i < 3 * B * I; i++)
            bad += mx[i] != 0.0f && mx[i] != (float)(1.0 / 0.8);
        for (int i = 0; i < 3 * B * H; i++)
            bad += mh[i] != 0.0f && mh[i] != (float)(1.0 / 0.7);
        CHECK_MSG(bad == 0, "float32 multipliers: %d bad values", bad);
        free(ws);
        gru_layer_destroy(l);
    }

    /* reproducibility: same seed -> same masks; successive calls -> new masks */
    {
        static run a, b2, c2;
        gru_layer *l1 = make(0.3, 0.3, false, GRU_FLOAT64, 42);
        gru_layer *l2 = make(0.3, 0.3, false, GRU_FLOAT64, 42);
        tu_rng r1 = {1}, r2 = {1};
        forward(&a, l1, &r1);
        forward(&b2, l2, &r2);
        CHECK_MSG(memcmp(a.mx, b2.mx, sizeof a.mx) == 0 && memcmp(a.mh, b2.mh, sizeof a.mh) == 0,
                  "two layers with the same seed must draw the same masks");
        tu_rng r3 = {1};
        free(a.ws);
        forward(&a, l1, &r3); /* second call on l1 */
        CHECK_MSG(memcmp(a.mx, b2.mx, sizeof a.mx) != 0, "the next call must draw new masks");
        CHECK_OK(gru_train_seed_dropout(l1, 99));
        CHECK_OK(gru_train_seed_dropout(l2, 99));
        free(a.ws);
        free(b2.ws);
        tu_rng r4 = {1}, r5 = {1};
        forward(&a, l1, &r4);
        forward(&b2, l2, &r5);
        CHECK_MSG(memcmp(a.mx, b2.mx, sizeof a.mx) == 0 && memcmp(a.mh, b2.mh, sizeof a.mh) == 0,
                  "gru_train_seed_dropout must restart the stream");

        /* backward through the drawn masks == backward through the same masks supplied */
        static double dy[B * T * H], dx1[B * T * I], dx2[B * T * I], dk1[I * H3], dk2[I * H3];
        static double du1[H * H3], du2[H * H3];
        for (int i = 0; i < B * T * H; i++)
            dy[i] = tu_uniform(&rng, -1, 1);
        gru_tensor tdy = gru_tensor_3d(GRU_FLOAT64, B, T, H, dy);
        gru_tensor tdx1 = gru_tensor_3d(GRU_FLOAT64, B, T, I, dx1);
        gru_tensor tdx2 = gru_tensor_3d(GRU_FLOAT64, B, T, I, dx2);
        gru_tensor k1 = gru_tensor_2d(GRU_FLOAT64, I, H3, dk1), k2 = gru_tensor_2d(GRU_FLOAT64, I, H3, dk2);
        gru_tensor u1 = gru_tensor_2d(GRU_FLOAT64, H, H3, du1), u2 = gru_tensor_2d(GRU_FLOAT64, H, H3, du2);
        gru_grads g1 = {&k1, &u1, NULL}, g2 = {&k2, &u2, NULL};
        CHECK_OK(gru_backward(l1, a.ws, a.bytes, &tdy, NULL, &tdx1, NULL, &g1, GRU_GRAD_OVERWRITE));
        gru_tensor tmx = gru_tensor_3d(GRU_FLOAT64, 3, B, I, a.mx);
        gru_tensor tmh = gru_tensor_3d(GRU_FLOAT64, 3, B, H, a.mh);
        gru_dropout_masks dm = {&tmx, &tmh};
        gru_tensor tx = gru_tensor_3d(GRU_FLOAT64, B, T, I, a.x);
        gru_tensor ty = gru_tensor_3d(GRU_FLOAT64, B, T, H, c2.y);
        CHECK_OK(gru_forward_train(l1, &tx, NULL, NULL, &ty, NULL, b2.ws, b2.bytes, &dm));
        tu_close_f64(c2.y, a.y, B * T * H, 0, 0, "supplied masks: same output");
        CHECK_OK(gru_backward(l1, b2.ws, b2.bytes, &tdy, NULL, &tdx2, NULL, &g2, GRU_GRAD_OVERWRITE));
        tu_close_f64(dx2, dx1, B * T * I, 0, 0, "supplied masks: same dx");
        tu_close_f64(dk2, dk1, I * H3, 0, 0, "supplied masks: same dkernel");
        tu_close_f64(du2, du1, H * H3, 0, 0, "supplied masks: same drecurrent_kernel");
        free(a.ws);
        free(b2.ws);
        gru_layer_destroy(l1);
        gru_layer_destroy(l2);
    }
    return tu_finish("test_train_dropout");
}
