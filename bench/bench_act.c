/* bench_act: what a non-default activation pair costs libgru.
 *
 *   bench_act [--shapes S1,...] [--modes infer,train] [--threads N] [--time S]
 *             [--pairs tanh:sigmoid,tanh:hard_sigmoid,...]
 *
 * oneDNN has only sigmoid and tanh, so the other pairs cannot be compared with it
 * directly; this program times libgru with each pair on the same shapes (float32, the
 * shapes of bench/SHAPES.md, both reset_after variants) and prints the median ms and the
 * ratio to libgru's own tanh/sigmoid in the same run: the median over repetitions of the
 * pair's time divided by the baseline's in the same repetition, the pairs called in turn
 * (--time S: about S seconds per pair and case). Multiply that ratio by bench_gru's
 * ratio to oneDNN for the pair's ratio to oneDNN. The first pair listed is the baseline.
 * Default pairs: tanh:sigmoid, tanh:hard_sigmoid (the Keras 2 default), the Keras 3
 * hard_sigmoid, relu:sigmoid, gelu:sigmoid, swish:hard_sigmoid, softsign:sigmoid. */
#define _POSIX_C_SOURCE 200809L
#include "fma_peak.h"
#include "gru.h"
#include "gru_train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct shape {
    const char *name;
    int64_t B, T, I, H;
} shape;

static const shape shapes[] = {
    {"S1", 1, 1000, 64, 128}, {"S2", 1, 100, 256, 256}, {"S3", 32, 100, 128, 256},
    {"S4", 64, 50, 512, 512}, {"S5", 128, 25, 1024, 1024},
};

static double now_s(void) { return bench_clock_s(CLOCK_MONOTONIC); }

static int in_list(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, item, n) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

static float *random_floats(int64_t n, float scale, unsigned *seed)
{
    float *p = malloc((size_t)n * sizeof(float));
    if (!p)
        return NULL;
    for (int64_t i = 0; i < n; i++) {
        *seed = *seed * 1664525u + 1013904223u;
        p[i] = scale * ((float)(*seed >> 8) / 16777216.0f * 2.0f - 1.0f);
    }
    return p;
}

enum { MAXP = 16 };

/* Each pair's median ms of one forward (or training forward + backward), and the median
 * of its time divided by the first pair's in the same repetition: every repetition calls
 * each pair's layer once, in turn (the order rotating), so that neighbouring calls see the
 * same machine (on a shared VM the speed of the same code moves by 10-30% within
 * minutes). The layers share their inputs, outputs and training workspace. 0, or -1 on
 * an error. */
static int time_pairs(const shape *s, int ra, int train, int threads, double budget, int np,
                      const gru_activation *act, const gru_activation *ract, double *ms,
                      double *ratio)
{
    const int64_t B = s->B, T = s->T, I = s->I, H = s->H;
    unsigned seed = 12345u;
    int result = -1;
    gru_layer *layer[MAXP] = {NULL};
    void *ws = NULL;
    enum { MAXREP = 200 };
    double *t = malloc(sizeof(double) * MAXREP * (size_t)np);
    double *v = malloc(sizeof(double) * MAXREP);
    float *x = random_floats(B * T * I, 1.0f, &seed);
    float *k = random_floats(I * 3 * H, 0.1f, &seed);
    float *rk = random_floats(H * 3 * H, 0.1f, &seed);
    float *bias = random_floats(2 * 3 * H, 0.1f, &seed);
    float *y = malloc((size_t)(B * T * H) * sizeof(float));
    float *dy = random_floats(B * T * H, 1.0f, &seed);
    float *dx = malloc((size_t)(B * T * I) * sizeof(float));
    float *dk = malloc((size_t)(I * 3 * H) * sizeof(float));
    float *drk = malloc((size_t)(H * 3 * H) * sizeof(float));
    float *db = malloc((size_t)(2 * 3 * H) * sizeof(float));
    if (!t || !v || !x || !k || !rk || !bias || !y || !dy || !dx || !dk || !drk || !db)
        goto out;
    size_t wsb = 0;
    for (int p = 0; p < np; p++) {
        gru_config cfg;
        if (gru_config_init(&cfg, H) != GRU_OK)
            goto out;
        cfg.input_dim = I;
        cfg.activation = act[p];
        cfg.recurrent_activation = ract[p];
        cfg.reset_after = ra;
        cfg.return_sequences = true;
        cfg.weights[0] = k;
        cfg.weights[1] = rk;
        cfg.weights[2] = bias;
        size_t w = 0;
        if (gru_layer_create(&cfg, &layer[p]) != GRU_OK ||
            gru_layer_set_num_threads(layer[p], threads) != GRU_OK ||
            gru_layer_reserve(layer[p], B, T) != GRU_OK ||
            (train && gru_train_workspace_size(layer[p], B, T, &w) != GRU_OK))
            goto out;
        wsb = w > wsb ? w : wsb;
    }
    if (train && !(ws = malloc(wsb)))
        goto out;
    gru_tensor tx = gru_tensor_3d(GRU_FLOAT32, B, T, I, x);
    gru_tensor ty = gru_tensor_3d(GRU_FLOAT32, B, T, H, y);
    gru_tensor tdy = gru_tensor_3d(GRU_FLOAT32, B, T, H, dy);
    gru_tensor tdx = gru_tensor_3d(GRU_FLOAT32, B, T, I, dx);
    gru_tensor tdk = gru_tensor_2d(GRU_FLOAT32, I, 3 * H, dk);
    gru_tensor tdrk = gru_tensor_2d(GRU_FLOAT32, H, 3 * H, drk);
    gru_tensor tdb = ra ? gru_tensor_2d(GRU_FLOAT32, 2, 3 * H, db)
                        : gru_tensor_1d(GRU_FLOAT32, 3 * H, db);
    gru_grads g = {&tdk, &tdrk, &tdb};
    int reps = 0;
    const double start = now_s();
    /* two untimed rounds, then rounds until about budget seconds per pair */
    for (int rep = -2; rep < MAXREP; rep++) {
        for (int j = 0; j < np; j++) {
            const int p = (j + (rep < 0 ? 0 : rep)) % np;
            const double t0 = now_s();
            int rc;
            if (train) {
                rc = gru_forward_train(layer[p], &tx, NULL, NULL, &ty, NULL, ws, wsb, NULL);
                if (rc == GRU_OK)
                    rc = gru_backward(layer[p], ws, wsb, &tdy, NULL, &tdx, NULL, &g,
                                      GRU_GRAD_OVERWRITE);
            } else {
                rc = gru_forward(layer[p], &tx, NULL, NULL, &ty, NULL);
            }
            if (rc != GRU_OK) {
                fprintf(stderr, "bench_act: %s\n", gru_errmsg());
                goto out;
            }
            if (rep >= 0)
                t[(size_t)p * MAXREP + (size_t)reps] = now_s() - t0;
        }
        if (rep >= 0)
            reps++;
        if (reps >= 3 && now_s() - start > budget * np)
            break;
    }
    for (int p = 0; p < np; p++) {
        double *tp = t + (size_t)p * MAXREP;
        for (int r = 0; r < reps; r++)
            v[r] = tp[r] / t[r];
        qsort(v, (size_t)reps, sizeof v[0], bench_cmp_double);
        ratio[p] = v[reps / 2];
    }
    for (int p = 0; p < np; p++) { /* after every ratio: sorting reorders the times */
        double *tp = t + (size_t)p * MAXREP;
        qsort(tp, (size_t)reps, sizeof tp[0], bench_cmp_double);
        ms[p] = 1e3 * tp[reps / 2];
    }
    result = 0;
out:
    for (int p = 0; p < np; p++)
        gru_layer_destroy(layer[p]);
    free(ws); free(x); free(k); free(rk); free(bias); free(y); free(dy); free(dx);
    free(dk); free(drk); free(db); free(t); free(v);
    return result;
}

int main(int argc, char **argv)
{
    const char *shape_list = "S1,S2,S3,S4,S5", *modes = "infer,train";
    const char *pairs = "tanh:sigmoid,tanh:hard_sigmoid,tanh:hard_sigmoid_keras3,"
                        "relu:sigmoid,gelu:sigmoid,swish:hard_sigmoid,softsign:sigmoid";
    int threads = 1;
    double budget = 0.5;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--shapes") && v) shape_list = argv[++i];
        else if (!strcmp(a, "--modes") && v) modes = argv[++i];
        else if (!strcmp(a, "--pairs") && v) pairs = argv[++i];
        else if (!strcmp(a, "--threads") && v) threads = atoi(argv[++i]);
        else if (!strcmp(a, "--time") && v) budget = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_act [--shapes S1,..] [--modes infer,train] "
                            "[--threads N] [--time S] [--pairs act:ract,...]\n");
            return 2;
        }
    }
    /* the pairs, parsed once */
    gru_activation pa[MAXP], pr[MAXP];
    char names[MAXP][132];
    int np = 0;
    for (const char *p = pairs; p && *p && np < MAXP;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char buf[64];
        if (len >= sizeof buf)
            return 2;
        memcpy(buf, p, len);
        buf[len] = 0;
        char *colon = strchr(buf, ':');
        if (!colon || gru_activation_from_name(buf + (colon - buf) + 1, &pr[np]) != GRU_OK) {
            fprintf(stderr, "bench_act: bad pair '%s' (act:recurrent_act)\n", buf);
            return 2;
        }
        *colon = 0;
        if (gru_activation_from_name(buf, &pa[np]) != GRU_OK) {
            fprintf(stderr, "bench_act: bad activation '%s'\n", buf);
            return 2;
        }
        snprintf(names[np], sizeof names[np], "%s/%s", buf, colon + 1);
        np++;
        p = e ? e + 1 : NULL;
    }
    printf("# bench_act: libgru float32, %d thread(s); ratio = median of ms / ms of %s in "
           "the same repetition\n",
           threads, names[0]);
    printf("%-5s %-6s %-3s %-32s %10s %7s\n", "shape", "mode", "ra", "activation/recurrent",
           "median_ms", "ratio");
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        if (!in_list(shape_list, shapes[si].name))
            continue;
        for (int train = 0; train < 2; train++) {
            if (!in_list(modes, train ? "train" : "infer"))
                continue;
            for (int ra = 0; ra < 2; ra++) {
                double ms[MAXP], ratio[MAXP];
                if (time_pairs(&shapes[si], ra, train, threads, budget, np, pa, pr, ms, ratio))
                    return 1;
                for (int p = 0; p < np; p++)
                    printf("%-5s %-6s %-3s %-32s %10.3f %7.2f\n", shapes[si].name,
                           train ? "train" : "infer", ra ? "T" : "F", names[p], ms[p],
                           ratio[p]);
                fflush(stdout);
            }
        }
    }
    return 0;
}
