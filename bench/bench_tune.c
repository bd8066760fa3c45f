/*
 * bench/bench_tune.c: libgru against itself, one setting of its kernel thresholds against
 * another, in one process, call by call.
 *
 * On a shared machine the speed of the same code moves by 10-30% within minutes (on the
 * KVM Zen 3 of bench/RESULTS.md an identical GEMM loop ran at 62-84 GFLOP/s on the same
 * core, minutes apart). Runs of two binaries in turn cannot resolve the few percent a
 * threshold is worth. Here every repetition calls gru_forward once per arm, the arms in
 * turn, so that neighbouring calls see the same machine, and it reports the ratio of each
 * arm's time to the first arm's in the same repetition (quartiles over repetitions). Give
 * the first arm twice to see the spread of two identical arms. The layer is bench_gru's:
 * tanh and sigmoid, a bias, return_sequences.
 *
 * The thresholds are the kernels' selection constants (src/cpu/fast.h, src/cpu/dispatch.c),
 * which the tests also lower; they are read at every call, so that changing them between
 * calls changes the kernel's plan without packing the weights again.
 *
 * Usage: bench_tune B,T,I,H RESET_AFTER THREADS REPS ARM [ARM...]
 *   ARM: "-" (the defaults) or name=value[,name=value...] with names xchunk_min,
 *   xchunk_rows, units_min, units_big, units_mid, alt_min, zrv_min, fx_min, fx_max, nxpf, l2,
 *   xwin, zsplit (see fast.h).
 * Example: bench_tune 64,50,512,512 0 1 16 - - xchunk_rows=512
 */
#define _POSIX_C_SOURCE 200809L
#include "cpu/fast.h"
#include "fma_peak.h"
#include "gru.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) { return bench_clock_s(CLOCK_MONOTONIC); }

static const struct {
    const char *name;
    int64_t *var;
} knobs[] = {
    {"xchunk_min", &gru__fast_xchunk_min}, {"xchunk_rows", &gru__fast_xchunk_rows},
    {"units_min", &gru__fast_units_min},   {"units_big", &gru__fast_units_big},
    {"alt_min", &gru__fast_alt_min},       {"zrv_min", &gru__fast_zrv_min},
    {"fx_min", &gru__fast_fx_min},         {"fx_max", &gru__fast_fx_max},
    {"units_mid", &gru__fast_units_mid}, {"nxpf", &gru__fast_nxpf},
    {"l2", &gru__fast_l2_bytes}, {"xwin", &gru__fast_xwin},
    {"zsplit", &gru__fast_zsplit},
};
enum { NKNOBS = sizeof knobs / sizeof knobs[0] };
static int64_t defaults[NKNOBS];

/* Sets the knobs an arm names, the others to their defaults; 0, or -1 on a bad arm. */
static int set_arm(const char *arm)
{
    for (int i = 0; i < NKNOBS; i++)
        *knobs[i].var = defaults[i];
    if (!strcmp(arm, "-"))
        return 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", arm);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            return -1;
        *eq = '\0';
        int i = 0;
        while (i < NKNOBS && strcmp(tok, knobs[i].name))
            i++;
        if (i == NKNOBS)
            return -1;
        *knobs[i].var = strtoll(eq + 1, NULL, 0);
    }
    return 0;
}

/* One timed unit: a whole-sequence forward, or (stream) T calls of gru_step on the
 * timesteps laid out (T, B, I) in xs, outputs (T, B, H) in ys. */
static int run_once(gru_layer *layer, int stream, long B, long T, long I, long H,
                    const gru_tensor *tx, gru_tensor *ty, float *xs, float *ys)
{
    if (!stream)
        return gru_forward(layer, tx, NULL, NULL, ty, NULL);
    int rc = gru_stream_begin(layer, B, NULL);
    for (long t = 0; t < T && rc == GRU_OK; t++) {
        gru_tensor xt = gru_tensor_2d(GRU_FLOAT32, B, I, xs + t * B * I);
        gru_tensor yt = gru_tensor_2d(GRU_FLOAT32, B, H, ys + t * B * H);
        rc = gru_step(layer, &xt, NULL, &yt);
    }
    return rc;
}

static float frand(void) { return (float)rand() / (float)RAND_MAX - 0.5f; }

int main(int argc, char **argv)
{
    long B, T, I, H;
    if (argc < 6 || sscanf(argv[1], "%ld,%ld,%ld,%ld", &B, &T, &I, &H) != 4 || B < 1 ||
        T < 1 || I < 1 || H < 1) {
        fprintf(stderr, "usage: bench_tune B,T,I,H RESET_AFTER THREADS REPS ARM [ARM...]\n"
                        "  (BENCH_TUNE_STREAM=1 in the environment: T calls of gru_step)\n");
        return 2;
    }
    const int ra = atoi(argv[2]), nth = atoi(argv[3]), reps = atoi(argv[4]), na = argc - 5;
    char **arms = argv + 5;
    for (int i = 0; i < NKNOBS; i++)
        defaults[i] = *knobs[i].var;
    for (int a = 0; a < na; a++)
        if (set_arm(arms[a]) != 0) {
            fprintf(stderr, "bench_tune: bad arm '%s' (name=value, names:", arms[a]);
            for (int i = 0; i < NKNOBS; i++)
                fprintf(stderr, " %s", knobs[i].name);
            fprintf(stderr, ")\n");
            return 2;
        }
    if (reps < 1 || nth < 1) {
        fprintf(stderr, "bench_tune: REPS and THREADS must be at least 1\n");
        return 2;
    }

    gru_config cfg;
    gru_config_init(&cfg, H);
    cfg.input_dim = I;
    cfg.return_sequences = true;
    /* the activations bench_gru times (Keras 2's preset has hard_sigmoid, whose gate math
     * goes one item at a time: tuned with it before 2026-11-27, gate-math changes showed
     * nothing) */
    cfg.activation = GRU_ACT_TANH;
    cfg.recurrent_activation = GRU_ACT_SIGMOID;
    cfg.reset_after = ra != 0;
    gru_layer *layer = NULL;
    float *k = malloc(sizeof(float) * I * 3 * H), *rk = malloc(sizeof(float) * H * 3 * H);
    float *bias = malloc(sizeof(float) * 6 * H), *x = malloc(sizeof(float) * B * T * I);
    float *y = malloc(sizeof(float) * B * T * H);
    double *t = malloc(sizeof(double) * (size_t)na * reps), *v = malloc(sizeof(double) * reps);
    if (!k || !rk || !bias || !x || !y || !t || !v || gru_layer_create(&cfg, &layer) != GRU_OK) {
        fprintf(stderr, "bench_tune: setup failed: %s\n", gru_errmsg());
        return 1;
    }
    srand(1);
    for (long i = 0; i < I * 3 * H; i++)
        k[i] = 0.2f * frand();
    for (long i = 0; i < H * 3 * H; i++)
        rk[i] = 0.2f * frand();
    for (long i = 0; i < 6 * H; i++)
        bias[i] = 0.02f * frand();
    for (long i = 0; i < B * T * I; i++)
        x[i] = frand();
    gru_tensor tk = gru_tensor_2d(GRU_FLOAT32, I, 3 * H, k);
    gru_tensor trk = gru_tensor_2d(GRU_FLOAT32, H, 3 * H, rk);
    gru_tensor tb = ra ? gru_tensor_2d(GRU_FLOAT32, 2, 3 * H, bias)
                       : gru_tensor_1d(GRU_FLOAT32, 3 * H, bias);
    const char *sev = getenv("BENCH_TUNE_STREAM");
    const int stream = sev && atoi(sev) != 0;
    /* the stream's inputs and outputs time-major, (T, B, I) and (T, B, H) */
    float *xs = NULL, *ys = NULL;
    if (stream) {
        xs = malloc(sizeof(float) * B * T * I);
        ys = malloc(sizeof(float) * B * T * H);
        if (!xs || !ys) {
            fprintf(stderr, "bench_tune: out of memory\n");
            return 1;
        }
        for (long b = 0; b < B; b++)
            for (long s = 0; s < T; s++)
                memcpy(xs + (s * B + b) * I, x + (b * T + s) * I, sizeof(float) * I);
    }
    gru_tensor tx = gru_tensor_3d(GRU_FLOAT32, B, T, I, x);
    gru_tensor ty = gru_tensor_3d(GRU_FLOAT32, B, T, H, y);
    if (gru_layer_set_num_threads(layer, nth) != GRU_OK ||
        gru_layer_set_weights(layer, &tk, &trk, &tb) != GRU_OK ||
        gru_layer_reserve(layer, B, T) != GRU_OK) {
        fprintf(stderr, "bench_tune: %s\n", gru_errmsg());
        return 1;
    }
    /* warm-up, every arm once; each arm's outputs against the first's (an arm that
     * changes the order of a sum may change the last bits, one that changes only the
     * order of the work should not) */
    float *y0 = malloc(sizeof(float) * B * T * H);
    for (int a = 0; a < na; a++) {
        set_arm(arms[a]);
        if (!y0 || run_once(layer, stream, B, T, I, H, &tx, &ty, xs, ys) != GRU_OK) {
            fprintf(stderr, "bench_tune: %s\n", y0 ? gru_errmsg() : "out of memory");
            return 1;
        }
        if (stream)
            for (long b = 0; b < B; b++)
                for (long s = 0; s < T; s++)
                    memcpy(y + (b * T + s) * H, ys + (s * B + b) * H, sizeof(float) * H);
        if (a == 0) {
            memcpy(y0, y, sizeof(float) * B * T * H);
            continue;
        }
        double md = 0;
        long nd = 0;
        for (long i = 0; i < B * T * H; i++) {
            double d = fabs((double)y[i] - y0[i]);
            md = d > md ? d : md;
            nd += y[i] != y0[i];
        }
        printf("arm %d (%s): %ld outputs differ from the first arm's, by %.3g at most\n", a,
               arms[a], nd, md);
    }
    free(y0);
    for (int r = 0; r < reps; r++)
        for (int a = 0; a < na; a++) {
            set_arm(arms[a]);
            double t0 = now_s();
            run_once(layer, stream, B, T, I, H, &tx, &ty, xs, ys);
            t[(size_t)a * reps + r] = now_s() - t0;
        }
    printf("B,T,I,H = %ld,%ld,%ld,%ld, reset_after %s, %d thread(s), %d repetitions%s\n", B,
           T, I, H, ra ? "TRUE" : "FALSE", nth, reps, stream ? ", streamed (gru_step)" : "");
    for (int a = 0; a < na; a++) {
        const double *ta = t + (size_t)a * reps;
        for (int r = 0; r < reps; r++)
            v[r] = ta[r];
        qsort(v, reps, sizeof *v, bench_cmp_double);
        printf("%-32s ms min %9.3f q1 %9.3f median %9.3f", arms[a], 1e3 * v[0],
               1e3 * v[reps / 4], 1e3 * v[reps / 2]);
        for (int r = 0; r < reps; r++)
            v[r] = ta[r] / t[r];
        qsort(v, reps, sizeof *v, bench_cmp_double);
        printf(" | / first arm: q1 %.3f median %.3f q3 %.3f\n", v[reps / 4], v[reps / 2],
               v[3 * reps / 4]);
    }
    gru_layer_destroy(layer);
    free(k), free(rk), free(bias), free(x), free(y), free(t), free(v), free(xs), free(ys);
    return 0;
}
