/* Regularizers, constraints, weight updates and the stateful carry of the training path:
 * small cases whose answers are worked out by hand here (the comparisons against
 * tf_keras's own regularizers and constraints are tests/python/test_train_regularizers.py),
 * and every error path of src/regularize.c. */
#include "gru.h"
#include "test_util.h"

#include <math.h>
#include <stdlib.h>

static gru_layer *make(gru_config *cfg)
{
    gru_layer *l = NULL;
    CHECK_OK(gru_layer_create(cfg, &l));
    return l;
}

static void base(gru_config *cfg, int64_t H, int64_t I)
{
    gru_config_init(cfg, H);
    cfg->input_dim = I;
    cfg->dtype = GRU_FLOAT64;
}

static void set_all(gru_layer *l, const double *k, const double *u, const double *b)
{
    gru_tensor t;
    const double *src[3] = {k, u, b};
    for (int w = 0; w < gru_layer_num_weights(l); w++) {
        CHECK_OK(gru_layer_weight_view(l, w, &t));
        memcpy(t.data, src[w], (size_t)gru_tensor_numel(&t) * sizeof(double));
    }
    CHECK_OK(gru_layer_weights_updated(l));
}

static void check_losses(void)
{
    /* H = 1, I = 1: kernel (1, 3), recurrent (1, 3), bias (3) */
    gru_config cfg;
    base(&cfg, 1, 1);
    cfg.kernel_regularizer = (gru_regularizer){GRU_REG_L1, 0.5, 0};
    cfg.recurrent_regularizer = (gru_regularizer){GRU_REG_L2, 0, 0.25};
    cfg.bias_regularizer = (gru_regularizer){GRU_REG_L1_L2, 0.1, 0.2};
    gru_layer *l = make(&cfg);
    const double k[3] = {1, -2, 0}, u[3] = {2, 0, -1}, b[3] = {-1, 3, 0.5};
    set_all(l, k, u, b);
    double loss = -1;
    CHECK_OK(gru_regularization_loss(l, &loss));
    /* 0.5*(1+2+0) + 0.25*(4+0+1) + 0.1*(1+3+0.5) + 0.2*(1+9+0.25) */
    double want = 1.5 + 1.25 + 0.45 + 2.05;
    CHECK_MSG(fabs(loss - want) < 1e-12, "regularization loss %.17g, want %.17g", loss, want);

    double gk[3] = {1, 1, 1}, gu[3] = {0}, gb[3] = {0};
    gru_tensor tk = gru_tensor_2d(GRU_FLOAT64, 1, 3, gk), tu = gru_tensor_2d(GRU_FLOAT64, 1, 3, gu);
    gru_tensor tb = gru_tensor_1d(GRU_FLOAT64, 3, gb);
    gru_grads g = {&tk, &tu, &tb};
    CHECK_OK(gru_regularization_grad(l, &g));
    const double wk[3] = {1.5, 0.5, 1.0}; /* added to 1: 0.5*sign, sign(0) = 0 */
    const double wu[3] = {1.0, 0.0, -0.5};
    const double wb[3] = {-0.1 - 0.4, 0.1 + 1.2, 0.1 + 0.2};
    tu_close_f64(gk, wk, 3, 1e-15, 0, "l1 gradient (added)");
    tu_close_f64(gu, wu, 3, 1e-15, 0, "l2 gradient");
    tu_close_f64(gb, wb, 3, 1e-15, 0, "l1_l2 gradient");

    /* errors */
    CHECK_ERR(gru_regularization_loss(NULL, &loss), GRU_ERR_NULL, "layer");
    CHECK_ERR(gru_regularization_loss(l, NULL), GRU_ERR_NULL, "loss");
    CHECK_ERR(gru_regularization_grad(NULL, &g), GRU_ERR_NULL, "layer");
    CHECK_ERR(gru_regularization_grad(l, NULL), GRU_ERR_NULL, "grads");
    gru_tensor bad = gru_tensor_2d(GRU_FLOAT64, 3, 1, gk);
    gru_grads gbad = {&bad, NULL, NULL};
    CHECK_ERR(gru_regularization_grad(l, &gbad), GRU_ERR_SHAPE, "grads->kernel");
    gru_tensor bad32 = gru_tensor_1d(GRU_FLOAT32, 3, gb);
    gru_grads gbad2 = {NULL, NULL, &bad32};
    CHECK_ERR(gru_regularization_grad(l, &gbad2), GRU_ERR_SHAPE, "grads->bias");
    gru_layer_destroy(l);

    /* trainable = FALSE: loss still reported, no gradient added */
    cfg.trainable = false;
    l = make(&cfg);
    set_all(l, k, u, b);
    CHECK_OK(gru_regularization_loss(l, &loss));
    CHECK(fabs(loss - want) < 1e-12);
    double z[3] = {0};
    gru_tensor tz = gru_tensor_2d(GRU_FLOAT64, 1, 3, z);
    gru_grads gz = {&tz, NULL, NULL};
    CHECK_OK(gru_regularization_grad(l, &gz));
    CHECK(z[0] == 0 && z[1] == 0 && z[2] == 0);
    gru_layer_destroy(l);

    /* no bias: grads->bias must be NULL */
    base(&cfg, 1, 1);
    cfg.use_bias = false;
    l = make(&cfg);
    gru_grads gnb = {NULL, NULL, &tb};
    CHECK_ERR(gru_regularization_grad(l, &gnb), GRU_ERR_ARG, "use_bias = FALSE");
    CHECK_ERR(gru_layer_sgd_step(l, 0.1, &gnb), GRU_ERR_ARG, "use_bias = FALSE");
    gru_tensor v;
    CHECK_ERR(gru_layer_weight_view(l, 2, &v), GRU_ERR_ARG, "which");
    gru_layer_destroy(l);
}

static void check_activity(void)
{
    gru_config cfg;
    base(&cfg, 2, 1);
    cfg.activity_regularizer = (gru_regularizer){GRU_REG_L1_L2, 0.5, 0.25};
    cfg.return_state = true;
    gru_layer *l = make(&cfg);
    /* B = 2: output (2, 2), state (2, 2) */
    double y[4] = {1, -2, 0, 3}, s[4] = {-1, 0, 2, 0.5};
    double dy[4] = {10, 10, 10, 10}, ds[4] = {0};
    gru_tensor ty = gru_tensor_2d(GRU_FLOAT64, 2, 2, y), ts = gru_tensor_2d(GRU_FLOAT64, 2, 2, s);
    gru_tensor tdy = gru_tensor_2d(GRU_FLOAT64, 2, 2, dy), tds = gru_tensor_2d(GRU_FLOAT64, 2, 2, ds);
    double loss = 0;
    CHECK_OK(gru_activity_regularization(l, &ty, &ts, &loss, &tdy, &tds));
    /* (0.5*6 + 0.25*14)/2 + (0.5*3.5 + 0.25*5.25)/2 */
    double want = (3.0 + 3.5) / 2 + (1.75 + 1.3125) / 2;
    CHECK_MSG(fabs(loss - want) < 1e-12, "activity loss %.17g, want %.17g", loss, want);
    /* gradient /B: 0.5*sign/2 + 2*0.25*v/2 */
    const double wdy[4] = {10 + 0.25 + 0.25, 10 - 0.25 - 0.5, 10, 10 + 0.25 + 0.75};
    const double wds[4] = {-0.25 - 0.25, 0, 0.25 + 0.5, 0.25 + 0.125};
    tu_close_f64(dy, wdy, 4, 1e-15, 0, "activity gradient on the output (added)");
    tu_close_f64(ds, wds, 4, 1e-15, 0, "activity gradient on the state");

    CHECK_ERR(gru_activity_regularization(NULL, &ty, &ts, &loss, NULL, NULL), GRU_ERR_NULL, "layer");
    CHECK_ERR(gru_activity_regularization(l, NULL, &ts, &loss, NULL, NULL), GRU_ERR_NULL, "output");
    CHECK_ERR(gru_activity_regularization(l, &ty, NULL, &loss, NULL, NULL), GRU_ERR_NULL, "state");
    gru_tensor t3 = gru_tensor_3d(GRU_FLOAT64, 2, 1, 2, y);
    CHECK_ERR(gru_activity_regularization(l, &t3, &ts, &loss, NULL, NULL), GRU_ERR_SHAPE, "output");
    gru_tensor tw = gru_tensor_2d(GRU_FLOAT64, 2, 3, y);
    CHECK_ERR(gru_activity_regularization(l, &tw, &ts, &loss, NULL, NULL), GRU_ERR_SHAPE, "output");
    gru_tensor ts1 = gru_tensor_2d(GRU_FLOAT64, 1, 2, s);
    CHECK_ERR(gru_activity_regularization(l, &ty, &ts1, &loss, NULL, NULL), GRU_ERR_SHAPE, "state");
    CHECK_ERR(gru_activity_regularization(l, &ty, &ts, &loss, &ts1, NULL), GRU_ERR_SHAPE, "doutput");
    CHECK_ERR(gru_activity_regularization(l, &ty, &ts, &loss, NULL, &ts1), GRU_ERR_SHAPE, "dstate");
    gru_layer_destroy(l);

    /* no activity regularizer: loss 0, nothing added */
    base(&cfg, 2, 1);
    l = make(&cfg);
    double d0[4] = {0};
    gru_tensor td0 = gru_tensor_2d(GRU_FLOAT64, 2, 2, d0);
    loss = 7;
    CHECK_OK(gru_activity_regularization(l, &ty, NULL, &loss, &td0, NULL));
    CHECK(loss == 0 && d0[0] == 0 && d0[3] == 0);
    gru_layer_destroy(l);
}

static void check_constraints_and_sgd(void)
{
    gru_config cfg;
    base(&cfg, 1, 2);
    cfg.kernel_constraint = (gru_constraint){GRU_CONSTRAINT_MAX_NORM, 2.0, 0, 0, 0};
    cfg.recurrent_constraint = (gru_constraint){GRU_CONSTRAINT_NON_NEG, 0, 0, 0, 0};
    cfg.bias_constraint = (gru_constraint){GRU_CONSTRAINT_UNIT_NORM, 0, 0, 0, 0};
    gru_layer *l = make(&cfg);
    /* kernel (2, 3): columns (3, 4) norm 5 -> scaled to 2; (0.6, 0.8) norm 1 -> kept;
     * (0, 0) -> 0 */
    const double k[6] = {3, 0.6, 0, 4, 0.8, 0}, u[3] = {-1, 0, 2}, b[3] = {3, 0, 4};
    set_all(l, k, u, b);
    CHECK_OK(gru_layer_apply_constraints(l));
    double gk[6], gu[3], gb[3];
    gru_tensor tk = gru_tensor_2d(GRU_FLOAT64, 2, 3, gk), tu = gru_tensor_2d(GRU_FLOAT64, 1, 3, gu);
    gru_tensor tb = gru_tensor_1d(GRU_FLOAT64, 3, gb);
    CHECK_OK(gru_layer_get_weights(l, &tk, &tu, &tb));
    const double e = 1e-7;
    const double wk[6] = {3 * 2 / (e + 5), 0.6 / (e + 1), 0, 4 * 2 / (e + 5), 0.8 / (e + 1), 0};
    const double wu[3] = {0, 0, 2}, wb[3] = {3 / (e + 5), 0, 4 / (e + 5)};
    tu_close_f64(gk, wk, 6, 1e-15, 1e-15, "max_norm kernel");
    tu_close_f64(gu, wu, 3, 0, 0, "non_neg recurrent_kernel");
    tu_close_f64(gb, wb, 3, 1e-15, 1e-15, "unit_norm bias (whole vector)");

    /* sgd: w -= lr * g, only the given gradients */
    double g6[6] = {1, 2, 3, 4, 5, 6};
    gru_tensor tg = gru_tensor_2d(GRU_FLOAT64, 2, 3, g6);
    gru_grads g = {&tg, NULL, NULL};
    CHECK_OK(gru_layer_sgd_step(l, 0.5, &g));
    double after[6];
    gru_tensor ta = gru_tensor_2d(GRU_FLOAT64, 2, 3, after);
    CHECK_OK(gru_layer_get_weights(l, &ta, NULL, NULL));
    double want[6];
    for (int i = 0; i < 6; i++)
        want[i] = wk[i] - 0.5 * g6[i];
    tu_close_f64(after, want, 6, 1e-15, 0, "sgd step");
    CHECK_ERR(gru_layer_apply_constraints(NULL), GRU_ERR_NULL, "layer");
    CHECK_ERR(gru_layer_weights_updated(NULL), GRU_ERR_NULL, "layer");
    gru_layer_destroy(l);

    /* min_max_norm on a (2, 3H) bias, per column; trainable FALSE makes sgd a no-op */
    base(&cfg, 1, 1);
    cfg.reset_after = true;
    cfg.trainable = false;
    cfg.bias_constraint = (gru_constraint){GRU_CONSTRAINT_MIN_MAX_NORM, 1.0, 0.5, 0.5, 0};
    l = make(&cfg);
    const double k3[3] = {1, 2, 3}, u3[3] = {1, 1, 1}, b6[6] = {0.3, 3, 0, 0.4, 4, 0.5};
    set_all(l, k3, u3, b6);
    double g3[3] = {1, 1, 1};
    gru_tensor tg3 = gru_tensor_2d(GRU_FLOAT64, 1, 3, g3);
    gru_grads gg = {&tg3, NULL, NULL};
    CHECK_OK(gru_layer_sgd_step(l, 1.0, &gg));
    CHECK_OK(gru_layer_apply_constraints(l));
    double kk[3], bb[6];
    gru_tensor tkk = gru_tensor_2d(GRU_FLOAT64, 1, 3, kk), tbb = gru_tensor_2d(GRU_FLOAT64, 2, 3, bb);
    CHECK_OK(gru_layer_get_weights(l, &tkk, NULL, &tbb));
    tu_close_f64(kk, k3, 3, 0, 0, "trainable = FALSE: sgd changes nothing");
    /* columns: norms 0.5 (in range), 5 -> 0.5*1 + 0.5*5 = 3, 0.5 (in range) */
    const double f0 = 0.5 / (e + 0.5), f1 = 3.0 / (e + 5), f2 = 0.5 / (e + 0.5);
    const double wbb[6] = {0.3 * f0, 3 * f1, 0 * f2, 0.4 * f0, 4 * f1, 0.5 * f2};
    tu_close_f64(bb, wbb, 6, 1e-15, 1e-14, "min_max_norm (2, 3H) bias per column");
    gru_layer_destroy(l);
}

/* gru_forward_train on a stateful layer carries the state like gru_forward; a failed
 * call leaves it unchanged. */
static void check_stateful(void)
{
    gru_config cfg;
    base(&cfg, 3, 2);
    cfg.stateful = true;
    cfg.batch_size = 2;
    cfg.seed = 3;
    gru_layer *a = make(&cfg), *b = make(&cfg);
    double x[2 * 4 * 2], ya[6], yb[6];
    tu_rng r = {9};
    for (int i = 0; i < 16; i++)
        x[i] = tu_uniform(&r, -1, 1);
    size_t bytes;
    CHECK_OK(gru_train_workspace_size(a, 2, 4, &bytes));
    void *ws = malloc(bytes);
    gru_tensor tx = gru_tensor_3d(GRU_FLOAT64, 2, 4, 2, x);
    gru_tensor tya = gru_tensor_2d(GRU_FLOAT64, 2, 3, ya), tyb = gru_tensor_2d(GRU_FLOAT64, 2, 3, yb);
    for (int call = 0; call < 3; call++) {
        CHECK_OK(gru_forward_train(a, &tx, NULL, NULL, &tya, NULL, ws, bytes, NULL));
        CHECK_OK(gru_forward(b, &tx, NULL, NULL, &tyb, NULL));
        tu_close_f64(ya, yb, 6, 1e-14, 1e-13, "stateful training forward = gru_forward");
    }
    double sa[6], sb[6];
    gru_tensor tsa = gru_tensor_2d(GRU_FLOAT64, 2, 3, sa), tsb = gru_tensor_2d(GRU_FLOAT64, 2, 3, sb);
    CHECK_OK(gru_layer_get_states(a, &tsa));
    gru_tensor bad = gru_tensor_2d(GRU_FLOAT64, 2, 2, ya);
    CHECK(gru_forward_train(a, &tx, NULL, NULL, &bad, NULL, ws, bytes, NULL) == GRU_ERR_SHAPE);
    CHECK_OK(gru_layer_get_states(a, &tsb));
    CHECK_MSG(memcmp(sa, sb, sizeof sa) == 0, "a failed call changed the carried state");
    free(ws);
    gru_layer_destroy(a);
    gru_layer_destroy(b);
}

int main(void)
{
    check_losses();
    check_activity();
    check_constraints_and_sgd();
    check_stateful();
    return tu_finish("test_train_regularize");
}
