/* Training a GRU with libgru: the adding problem (Hochreiter & Schmidhuber, 1997).
 *
 * Each sequence has T steps of two features: a value drawn from U(0, 1) and a marker that
 * is 1 at exactly two steps (one in each half of the sequence) and 0 elsewhere. The target
 * is the sum of the two marked values, so the network must remember the first marked
 * value until the end of the sequence. Predicting the mean (1.0) scores a mean squared
 * error of 1/6 ~ 0.167.
 *
 * Model: one GRU layer (the last output, (B, H)) and a linear readout written here,
 * pred = h_T · w + c; the GRU uses the TF2 preset (sigmoid, reset_after = TRUE).
 * Loss: mean squared error. Plain gradient descent (learning rate 0.5) on fresh random
 * minibatches of 32 sequences of T = 30 steps: gru_forward_train -> readout ->
 * gru_backward -> gru_layer_sgd_step; every 250 steps the MSE on a fixed validation set
 * decides whether to stop (below 0.002; at most 4000 steps). Seeded and deterministic.
 * It passes (exit 0) when the MSE on 1000 new test sequences is below 0.01 and at least
 * 90% of the test predictions are within 0.1 of the target. */
#include <gru.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T = 30, I = 2, H = 16, B = 32, STEPS = 4000, NVAL = 256, NTEST = 1000 };
#define LR 0.5f

static uint64_t rng_state = 0x5eed;
static double uniform(void) /* splitmix64 -> [0, 1) */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

/* A batch of n sequences x (n, T, I) and targets (n). */
static void make_batch(int n, float *x, float *target)
{
    memset(x, 0, sizeof(float) * (size_t)(n * T * I));
    for (int b = 0; b < n; b++) {
        int p1 = (int)(uniform() * (T / 2)), p2 = T / 2 + (int)(uniform() * (T - T / 2));
        float sum = 0.0f;
        for (int t = 0; t < T; t++) {
            float v = (float)uniform();
            x[(b * T + t) * I] = v;
            if (t == p1 || t == p2) {
                x[(b * T + t) * I + 1] = 1.0f;
                sum += v;
            }
        }
        target[b] = sum;
    }
}

/* Mean squared error of the model on n sequences (the inference forward), and the
 * number of predictions within 0.1 of the target; -1 on error. h: (n, H) scratch. */
static double evaluate(gru_layer *layer, const float *w, float c, int n, float *x,
                       const float *target, float *h, int *close)
{
    gru_tensor tx = gru_tensor_3d(GRU_FLOAT32, n, T, I, x);
    gru_tensor th = gru_tensor_2d(GRU_FLOAT32, n, H, h);
    if (gru_forward(layer, &tx, NULL, NULL, &th, NULL) != GRU_OK)
        return -1.0;
    double mse = 0.0;
    int k = 0;
    for (int b = 0; b < n; b++) {
        float pred = c;
        for (int j = 0; j < H; j++)
            pred += h[b * H + j] * w[j];
        double e = (double)pred - target[b];
        mse += e * e / n;
        k += fabs(e) < 0.1;
    }
    if (close)
        *close = k;
    return mse;
}

static int fail(const char *what)
{
    fprintf(stderr, "train_adding: %s: %s\n", what, gru_errmsg());
    return 1;
}

int main(void)
{
    gru_config cfg;
    gru_config_init_preset(&cfg, H, GRU_PRESET_TF2); /* sigmoid + reset_after TRUE */
    cfg.input_dim = I;
    cfg.seed = 2024;
    gru_layer *layer;
    if (gru_layer_create(&cfg, &layer) != GRU_OK)
        return fail("gru_layer_create");

    size_t ws_bytes;
    if (gru_train_workspace_size(layer, NTEST, T, &ws_bytes) != GRU_OK) /* the larger size */
        return fail("gru_train_workspace_size");
    void *ws = malloc(ws_bytes);
    float *x = malloc(sizeof(float) * NTEST * T * I), *target = malloc(sizeof(float) * NTEST);
    float *h = malloc(sizeof(float) * NTEST * H), dh[B * H];
    float dk[I * 3 * H], drk[H * 3 * H], db[2 * 3 * H];
    float w[H], c = 0.0f; /* readout */
    for (int j = 0; j < H; j++)
        w[j] = (float)((uniform() * 2 - 1) * 0.3);
    gru_tensor tdk = gru_tensor_2d(GRU_FLOAT32, I, 3 * H, dk);
    gru_tensor tdrk = gru_tensor_2d(GRU_FLOAT32, H, 3 * H, drk);
    gru_tensor tdb = gru_tensor_2d(GRU_FLOAT32, 2, 3 * H, db);
    gru_grads grads = {&tdk, &tdrk, &tdb};
    float *xval = malloc(sizeof(float) * NVAL * T * I), *tval = malloc(sizeof(float) * NVAL);
    make_batch(NVAL, xval, tval);

    for (int step = 0; step <= STEPS; step++) {
        make_batch(B, x, target);
        gru_tensor tx = gru_tensor_3d(GRU_FLOAT32, B, T, I, x);
        gru_tensor th = gru_tensor_2d(GRU_FLOAT32, B, H, h);
        if (gru_forward_train(layer, &tx, NULL, NULL, &th, NULL, ws, ws_bytes, NULL) != GRU_OK)
            return fail("gru_forward_train");
        /* readout, loss = mean (pred - target)^2, and its gradients */
        double loss = 0.0;
        float dw[H] = {0}, dc = 0.0f;
        for (int b = 0; b < B; b++) {
            float pred = c;
            for (int j = 0; j < H; j++)
                pred += h[b * H + j] * w[j];
            float e = pred - target[b], g = 2.0f * e / B;
            loss += (double)e * e / B;
            dc += g;
            for (int j = 0; j < H; j++) {
                dw[j] += g * h[b * H + j];
                dh[b * H + j] = g * w[j];
            }
        }
        gru_tensor tdh = gru_tensor_2d(GRU_FLOAT32, B, H, dh);
        if (gru_backward(layer, ws, ws_bytes, &tdh, NULL, NULL, NULL, &grads,
                         GRU_GRAD_OVERWRITE) != GRU_OK)
            return fail("gru_backward");
        if (gru_layer_sgd_step(layer, LR, &grads) != GRU_OK)
            return fail("gru_layer_sgd_step");
        for (int j = 0; j < H; j++)
            w[j] -= LR * dw[j];
        c -= LR * dc;
        if (step % 250 == 0) {
            /* validation on a fixed set (the inference forward); stop once it is solved */
            double vmse = evaluate(layer, w, c, NVAL, xval, tval, h, NULL);
            printf("step %4d  train mse %.4f  validation mse %.4f\n", step, loss, vmse);
            if (vmse < 0.002)
                break;
        }
    }

    /* test on new sequences */
    make_batch(NTEST, x, target);
    int close = 0;
    double mse = evaluate(layer, w, c, NTEST, x, target, h, &close);
    if (mse < 0)
        return fail("gru_forward");
    printf("test: mse %.4f (predicting the mean: 0.167), %.1f%% within 0.1 of the target\n",
           mse, 100.0 * close / NTEST);
    free(ws);
    free(xval);
    free(tval);
    free(x);
    free(target);
    free(h);
    gru_layer_destroy(layer);
    if (mse < 0.01 && close >= NTEST * 9 / 10) {
        printf("learned the adding problem\n");
        return 0;
    }
    printf("did not learn the adding problem\n");
    return 1;
}
