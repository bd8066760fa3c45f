/*
 * bench/bench_ab.c: two builds of libgru against each other, in one process, call by call.
 *
 * bench_tune compares settings of the kernels' thresholds inside one build; a change of
 * code needs two builds. Timed as two binaries in turn, on a shared machine whose speed
 * moves by 10-30% within minutes, they cannot resolve a few percent. Here both shared
 * libraries are loaded (dlopen, RTLD_LOCAL: each keeps its own symbols), each makes the
 * same layer (bench_gru's: tanh, sigmoid, a bias, return_sequences; the same weights),
 * and every repetition times one unit of each in turn. It prints the ratio B / A of the
 * two times in the same repetition (quartiles over repetitions), each side's fastest
 * unit, and how many outputs differ between the two builds (a change of the order of work
 * only should give the same bits). Give the same library twice to see the spread. With
 * THREADS > 1 it pauses 20 ms before each unit, so that the other library's spinning
 * workers have gone to sleep.
 *
 * BENCH_AB_ACT=activation:recurrent_activation in the environment (Keras names, e.g.
 * gelu:sigmoid) gives both layers that pair instead.
 *
 * Units: infer, one gru_forward; stream, gru_stream_begin and T calls of gru_step;
 * train, gru_forward_train and gru_backward (outputs compared: y and the gradients);
 * ftrain, gru_forward_train alone (y compared).
 *
 * Usage: bench_ab LIB_A LIB_B B,T,I,H RESET_AFTER THREADS REPS [infer|stream|train|ftrain [N]]
 *   N: units per timed repetition (default 1; more for units of a few microseconds)
 * Example (the base commit built in ../base/build):
 *   bench_ab ../base/build/libgru.so build/libgru.so 1,1000,64,128 1 1 31 stream
 */
#define _POSIX_C_SOURCE 200809L
#include "fma_peak.h" /* bench_clock_s, bench_cmp_double */
#include "gru.h"
#include "gru_train.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The entry points bench_ab calls, from one library. */
typedef struct api {
    int (*config_init)(gru_config *, int64_t);
    int (*layer_create)(const gru_config *, gru_layer **);
    void (*layer_destroy)(gru_layer *);
    int (*set_threads)(gru_layer *, int);
    int (*set_weights)(gru_layer *, const gru_tensor *, const gru_tensor *, const gru_tensor *);
    int (*reserve)(gru_layer *, int64_t, int64_t);
    int (*forward)(gru_layer *, const gru_tensor *, const gru_tensor *, const gru_tensor *,
                   gru_tensor *, gru_tensor *);
    int (*stream_begin)(gru_layer *, int64_t, const gru_tensor *);
    int (*step)(gru_layer *, const gru_tensor *, const gru_tensor *, gru_tensor *);
    int (*ws_size)(const gru_layer *, int64_t, int64_t, size_t *);
    int (*forward_train)(gru_layer *, const gru_tensor *, const gru_tensor *,
                         const gru_tensor *, gru_tensor *, gru_tensor *, void *, size_t,
                         const gru_dropout_masks *);
    int (*backward)(gru_layer *, void *, size_t, const gru_tensor *, const gru_tensor *,
                    gru_tensor *, gru_tensor *, const gru_grads *, unsigned);
    const char *(*errmsg)(void);
    int (*act_from_name)(const char *, gru_activation *);
} api;

/* One side: its library, its layer, its buffers. */
typedef struct side {
    api f;
    gru_layer *layer;
    float *y, *ys, *dx, *dk, *drk, *db; /* outputs; dx..db: train */
    void *ws;
    size_t wsb;
} side;

static long B, T, I, H;
static int ra, mode; /* mode: 0 infer, 1 stream, 2 train, 3 ftrain */
static const char *acts; /* BENCH_AB_ACT: "activation:recurrent_activation", or NULL */
static float *x, *xs, *dy, *k, *rk, *bias;

static int load(const char *path, api *f)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "bench_ab: %s\n", dlerror());
        return -1;
    }
    struct {
        const char *name;
        void **slot;
    } syms[] = {
        {"gru_config_init", (void **)&f->config_init},
        {"gru_layer_create", (void **)&f->layer_create},
        {"gru_layer_destroy", (void **)&f->layer_destroy},
        {"gru_layer_set_num_threads", (void **)&f->set_threads},
        {"gru_layer_set_weights", (void **)&f->set_weights},
        {"gru_layer_reserve", (void **)&f->reserve},
        {"gru_forward", (void **)&f->forward},
        {"gru_stream_begin", (void **)&f->stream_begin},
        {"gru_step", (void **)&f->step},
        {"gru_train_workspace_size", (void **)&f->ws_size},
        {"gru_forward_train", (void **)&f->forward_train},
        {"gru_backward", (void **)&f->backward},
        {"gru_errmsg", (void **)&f->errmsg},
        {"gru_activation_from_name", (void **)&f->act_from_name},
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        /* POSIX: a data pointer from dlsym converts to a function pointer */
        *syms[i].slot = dlsym(h, syms[i].name);
        if (!*syms[i].slot) {
            fprintf(stderr, "bench_ab: %s: no %s\n", path, syms[i].name);
            return -1;
        }
    }
    return 0;
}

/* gru_tensor_2d / _3d of gru.h, written here: bench_ab links no libgru (each side's
 * functions come from its dlopened library). */
static gru_tensor t2(long a, long b, float *p)
{
    gru_tensor t = {GRU_FLOAT32, 2, {a, b, 0, 0}, p};
    return t;
}
static gru_tensor t3(long a, long b, long c, float *p)
{
    gru_tensor t = {GRU_FLOAT32, 3, {a, b, c, 0}, p};
    return t;
}

static void *xalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench_ab: out of memory\n");
        exit(1);
    }
    return p;
}

static int setup(side *s, int nth)
{
    api *f = &s->f;
    gru_config cfg;
    f->config_init(&cfg, H);
    cfg.input_dim = I;
    cfg.return_sequences = true;
    cfg.activation = GRU_ACT_TANH;
    cfg.recurrent_activation = GRU_ACT_SIGMOID;
    if (acts) {
        char a[64];
        snprintf(a, sizeof a, "%s", acts);
        char *colon = strchr(a, ':');
        if (colon)
            *colon = '\0';
        if (!colon || f->act_from_name(a, &cfg.activation) != GRU_OK ||
            f->act_from_name(colon + 1, &cfg.recurrent_activation) != GRU_OK) {
            fprintf(stderr, "bench_ab: BENCH_AB_ACT: expected activation:recurrent_activation, "
                            "got '%s'\n", acts);
            return -1;
        }
    }
    cfg.reset_after = ra != 0;
    gru_tensor tk = t2(I, 3 * H, k), trk = t2(H, 3 * H, rk);
    gru_tensor tb = ra ? t2(2, 3 * H, bias) : (gru_tensor){GRU_FLOAT32, 1, {3 * H, 0, 0, 0}, bias};
    if (f->layer_create(&cfg, &s->layer) != GRU_OK || f->set_threads(s->layer, nth) != GRU_OK ||
        f->set_weights(s->layer, &tk, &trk, &tb) != GRU_OK ||
        f->reserve(s->layer, B, T) != GRU_OK) {
        fprintf(stderr, "bench_ab: setup: %s\n", f->errmsg());
        return -1;
    }
    s->y = xalloc(sizeof(float) * B * T * H);
    s->ys = xalloc(sizeof(float) * B * T * H);
    if (mode >= 2) {
        if (f->ws_size(s->layer, B, T, &s->wsb) != GRU_OK) {
            fprintf(stderr, "bench_ab: %s\n", f->errmsg());
            return -1;
        }
        s->ws = xalloc(s->wsb);
        s->dx = xalloc(sizeof(float) * B * T * I);
        s->dk = xalloc(sizeof(float) * I * 3 * H);
        s->drk = xalloc(sizeof(float) * H * 3 * H);
        s->db = xalloc(sizeof(float) * 6 * H);
    }
    return 0;
}

/* One timed unit on side s. */
static int unit(side *s)
{
    api *f = &s->f;
    gru_tensor tx = t3(B, T, I, x), ty = t3(B, T, H, s->y);
    if (mode == 0)
        return f->forward(s->layer, &tx, NULL, NULL, &ty, NULL);
    if (mode == 1) {
        int rc = f->stream_begin(s->layer, B, NULL);
        for (long t = 0; t < T && rc == GRU_OK; t++) {
            gru_tensor xt = t2(B, I, xs + t * B * I), yt = t2(B, H, s->ys + t * B * H);
            rc = f->step(s->layer, &xt, NULL, &yt);
        }
        return rc;
    }
    gru_tensor tdy = t3(B, T, H, dy), tdx = t3(B, T, I, s->dx);
    gru_tensor dk = t2(I, 3 * H, s->dk), drk = t2(H, 3 * H, s->drk);
    gru_tensor db = ra ? t2(2, 3 * H, s->db) : (gru_tensor){GRU_FLOAT32, 1, {3 * H, 0, 0, 0}, s->db};
    gru_grads g = {&dk, &drk, &db};
    int rc = f->forward_train(s->layer, &tx, NULL, NULL, &ty, NULL, s->ws, s->wsb, NULL);
    return rc || mode == 3 ? rc
              : f->backward(s->layer, s->ws, s->wsb, &tdy, NULL, &tdx, NULL, &g,
                            GRU_GRAD_OVERWRITE);
}

/* Elements of a and b (n each) that differ, and the largest difference. */
static long ndiff(const float *a, const float *b, long n, double *md)
{
    long nd = 0;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        *md = d > *md ? d : *md;
        nd += a[i] != b[i];
    }
    return nd;
}

/* n values scale * U(-0.5, 0.5), from rand() */
static void fill(float *p, long n, float scale)
{
    for (long i = 0; i < n; i++)
        p[i] = scale * ((float)rand() / (float)RAND_MAX - 0.5f);
}

int main(int argc, char **argv)
{
    if (argc < 7 || sscanf(argv[3], "%ld,%ld,%ld,%ld", &B, &T, &I, &H) != 4 || B < 1 ||
        T < 1 || I < 1 || H < 1) {
        fprintf(stderr,
                "usage: bench_ab LIB_A LIB_B B,T,I,H RESET_AFTER THREADS REPS "
                "[infer|stream|train|ftrain [N]]\n");
        return 2;
    }
    ra = atoi(argv[4]);
    const int nth = atoi(argv[5]), reps = atoi(argv[6]);
    const char *m = argc > 7 ? argv[7] : "infer";
    const long nu = argc > 8 ? atol(argv[8]) : 1;
    mode = !strcmp(m, "infer") ? 0 : !strcmp(m, "stream") ? 1 : !strcmp(m, "train") ? 2
                                                                      : !strcmp(m, "ftrain") ? 3 : -1;
    if (mode < 0 || nth < 1 || reps < 1 || nu < 1) {
        fprintf(stderr, "bench_ab: expected THREADS, REPS, N >= 1 and a mode infer, stream "
                        "train or ftrain\n");
        return 2;
    }
    acts = getenv("BENCH_AB_ACT");
    side sd[2];
    memset(sd, 0, sizeof sd);
    if (load(argv[1], &sd[0].f) || load(argv[2], &sd[1].f))
        return 1;
    srand(1);
    k = xalloc(sizeof(float) * I * 3 * H);
    rk = xalloc(sizeof(float) * H * 3 * H);
    bias = xalloc(sizeof(float) * 6 * H);
    x = xalloc(sizeof(float) * B * T * I);
    xs = xalloc(sizeof(float) * B * T * I);
    dy = xalloc(sizeof(float) * B * T * H);
    fill(k, I * 3 * H, 0.2f);
    fill(rk, H * 3 * H, 0.2f);
    fill(bias, 6 * H, 0.02f);
    fill(x, B * T * I, 1.0f);
    fill(dy, B * T * H, 1.0f);
    /* the stream's inputs time-major (T, B, I) */
    for (long b = 0; b < B; b++)
        for (long s = 0; s < T; s++)
            memcpy(xs + (s * B + b) * I, x + (b * T + s) * I, sizeof(float) * I);
    for (int i = 0; i < 2; i++)
        if (setup(&sd[i], nth))
            return 1;
    /* warm-up and the comparison of outputs */
    for (int i = 0; i < 2; i++)
        if (unit(&sd[i]) != GRU_OK) {
            fprintf(stderr, "bench_ab: %s: %s\n", argv[1 + i], sd[i].f.errmsg());
            return 1;
        }
    double md = 0;
    const float *y0 = mode == 1 ? sd[0].ys : sd[0].y, *y1 = mode == 1 ? sd[1].ys : sd[1].y;
    long nd = ndiff(y0, y1, B * T * H, &md);
    if (mode == 2) {
        nd += ndiff(sd[0].dx, sd[1].dx, B * T * I, &md);
        nd += ndiff(sd[0].dk, sd[1].dk, I * 3 * H, &md);
        nd += ndiff(sd[0].drk, sd[1].drk, H * 3 * H, &md);
        nd += ndiff(sd[0].db, sd[1].db, (ra ? 6 : 3) * H, &md);
    }
    printf("outputs%s: %ld differ between A and B, by %.3g at most\n",
           mode == 2 ? " and gradients" : "", nd, md);
    double *r = xalloc(sizeof(double) * reps), best[2] = {INFINITY, INFINITY};
    for (int rep = 0; rep < reps; rep++) {
        double t[2];
        for (int j = 0; j < 2; j++) {
            /* alternate which side goes first, so that neither always follows the other */
            const int i = (rep & 1) ? 1 - j : j;
            if (nth > 1) {
                /* the other library's workers spin a while after its call: let them
                 * sleep first (bench_gru's --gap-us) */
                struct timespec gap = {0, 20000000L};
                nanosleep(&gap, NULL);
            }
            const double t0 = bench_clock_s(CLOCK_MONOTONIC);
            for (long u = 0; u < nu; u++)
                if (unit(&sd[i]) != GRU_OK) {
                    fprintf(stderr, "bench_ab: %s: %s\n", argv[1 + i], sd[i].f.errmsg());
                    return 1;
                }
            t[i] = (bench_clock_s(CLOCK_MONOTONIC) - t0) / (double)nu;
            best[i] = t[i] < best[i] ? t[i] : best[i];
        }
        r[rep] = t[1] / t[0];
    }
    qsort(r, (size_t)reps, sizeof(double), bench_cmp_double);
    printf("%s B=%ld T=%ld I=%ld H=%ld reset_after=%d threads=%d: fastest A %.4g ms, "
           "B %.4g ms; B / A quartiles %.3f %.3f %.3f (%d repetitions)\n",
           m, B, T, I, H, ra, nth, best[0] * 1e3, best[1] * 1e3, r[reps / 4], r[reps / 2],
           r[(3 * reps) / 4], reps);
    for (int i = 0; i < 2; i++)
        sd[i].f.layer_destroy(sd[i].layer);
    return 0;
}
