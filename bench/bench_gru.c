/*
 * bench/bench_gru.c: libgru against oneDNN on the benchmark shapes S1-S5
 * (../shared/bench/SHAPES.md, copied in README.md here), float32, both reset_after
 * variants, inference and training, 1 and 2 threads, in the same run, interleaved.
 *
 *   bench_gru [--shapes S1,S3] [--variants 0,1] [--modes infer,train,stream] [--threads 1,2]
 *             [--time SECONDS] [--min-reps N] [--max-reps N] [--warmup N] [--case-max S]
 *             [--peak1 GFLOPS --peak2 GFLOPS | --no-peak] [--lib both|libgru|onednn]
 *             [--gap-us US] [--csv FILE] [--no-selfcheck] [--quiet]
 *
 * What is timed (median of the repetitions, after warm-up):
 *   infer: libgru gru_forward (return_sequences = TRUE, x (B, T, I) -> y (B, T, H)) and
 *          oneDNN forward_inference (x (T, B, I) -> y (T, B, H), its own layout).
 *   train: oneDNN forward_training + backward (all gradients: x, weights, bias); libgru's
 *          training forward + backward when its training API is built in.
 *   stream: B = 1 shapes: T calls of one timestep each: libgru gru_step() vs oneDNN with a
 *          T = 1 primitive passing the state through src_iter / dst_iter.
 * Both use the same weights (Keras layout, converted for oneDNN), sigmoid/tanh
 * activations, zero initial state. Before timing, each case checks that the two outputs
 * agree (max |libgru - oneDNN| over the output sequence; gradients too when both train).
 * A self-check at start-up compares oneDNN with a float64 reference (forward and
 * gradients) on small odd shapes, so that the weight conversion is known to be right.
 *
 * FLOPs of one forward = 2*B*T*3H*(I+H); training counts 3x. "% peak" is against the FMA
 * peak measured in this run (fma_peak_avx512.c: 512-bit FMAs, or 256-bit ones on CPUs
 * without AVX-512) for the same thread count.
 * Threads: oneDNN through OpenMP (omp_set_num_threads); libgru through
 * gru_layer_set_num_threads() when the library has it (BENCH_HAVE_SET_THREADS), else it
 * runs single-threaded and the "lg thr" column says 1.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "fma_peak.h"
#include "onednn_gru.h"

#ifdef BENCH_WITH_LIBGRU
#include "gru.h"
#endif

/* ------------------------------------------------------------------------ */
/* Shapes and options                                                        */
/* ------------------------------------------------------------------------ */

enum { MODE_INFER = 0, MODE_TRAIN = 1, MODE_STREAM = 2 };
static const char *const MODE_NAME[3] = {"infer", "train", "stream"};

typedef struct shape {
    const char *name;
    int64_t B, T, I, H;
} shape;

static shape SHAPES[] = {
    {"S1", 1, 1000, 64, 128},
    {"S2", 1, 100, 256, 256},
    {"S3", 32, 100, 128, 256},
    {"S4", 64, 50, 512, 512},
    {"S5", 128, 25, 1024, 1024},
    {"X", 0, 0, 0, 0}, /* --custom B,T,I,H */
};
#define NSHAPES ((int)(sizeof SHAPES / sizeof SHAPES[0]))

typedef struct options {
    bool shape_on[NSHAPES];
    bool variant_on[2];   /* reset_after FALSE, TRUE */
    bool mode_on[3];      /* infer, train, stream */
    int threads[8];
    int nthreads;
    double time_budget;   /* seconds per case for the timed repetitions (both libs) */
    double case_max;      /* hard cap on the timed repetitions of one case, seconds */
    int min_reps, max_reps, warmup;
    double peak[3];       /* [1], [2]: GFLOP/s for 1 and 2 threads; <0 = measure */
    bool no_peak;
    bool run_lg, run_dn;
    long gap_us;          /* pause between the two libraries when threads > 1 (-1 auto) */
    const char *csv;
    bool selfcheck;
    bool quiet;
} options;
/* (the self-check prints -1 for a comparison it could not make) */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_gru [options]\n"
            "  --shapes S1,S2,...    shapes to run (default all: S1..S5)\n"
            "  --custom B,T,I,H      run this one shape instead (named X)\n"
            "  --variants 0,1        reset_after FALSE (0, oneDNN vanilla_gru) and/or TRUE (1, lbr_gru)\n"
            "  --modes infer,train,stream   inference, training (forward + backward) and/or\n"
            "                        streaming (one timestep per call; B = 1 shapes only)\n"
            "  --threads 1,2         thread counts (default 1,2)\n"
            "  --time S              seconds of timed repetitions per case (default 0.6)\n"
            "  --min-reps N          at least N repetitions (default 3), unless that takes\n"
            "                        over --case-max S seconds (default 20; then fewer, >= 1)\n"
            "  --max-reps N          at most N repetitions (default 200)\n"
            "  --warmup N            untimed runs before timing (default 2, plus the check run;\n"
            "                        fewer when they take over half of --time)\n"
            "  --peak1 G --peak2 G   FMA peak in GFLOP/s for 1 and 2 threads (else measured)\n"
            "  --no-peak             do not measure the peak (no %% columns)\n"
            "  --lib both|libgru|onednn   which side to run (default both)\n"
            "  --gap-us US           pause between the two libraries' runs (default 20000 when\n"
            "                        threads > 1, so that spinning workers go to sleep; with\n"
            "                        threads > 1 each library runs blocks of up to 8 timed\n"
            "                        runs, at least 4 blocks each, of 1 when a run takes 50\n"
            "                        ms or more)\n"
            "  --csv FILE            also write the results as CSV (for bench_others.py)\n"
            "  --no-selfcheck        skip the float64 reference check of the oneDNN wrapper\n"
            "  --quiet               only the table\n");
}

static int parse_list(const char *s, int *vals, int max)
{
    int n = 0;
    while (*s && n < max) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s) return -1;
        vals[n++] = (int)v;
        s = end;
        if (*s == ',') s++;
        else if (*s) return -1;
    }
    return n;
}

static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < NSHAPES; i++) o->shape_on[i] = SHAPES[i].B > 0;
    o->variant_on[0] = o->variant_on[1] = true;
    o->mode_on[0] = o->mode_on[1] = o->mode_on[2] = true;
    o->threads[0] = 1;
    o->threads[1] = 2;
    o->nthreads = 2;
    o->time_budget = 0.6;
    o->case_max = 20.0;
    o->min_reps = 3;
    o->max_reps = 200;
    o->warmup = 2;
    o->peak[1] = o->peak[2] = -1;
    o->run_lg = o->run_dn = true;
    o->gap_us = -1;
    o->selfcheck = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE                                                  \
    if (!v) {                                                       \
        fprintf(stderr, "bench_gru: %s needs a value\n", a);        \
        return -1;                                                  \
    }                                                               \
    i++;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--shapes")) {
            NEED_VALUE
            for (int k = 0; k < NSHAPES; k++) o->shape_on[k] = false;
            char buf[256];
            snprintf(buf, sizeof buf, "%s", v);
            for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
                int k = 0;
                for (; k < NSHAPES; k++)
                    if (!strcmp(tok, SHAPES[k].name) || (tok[0] && tok[1] == 0 &&
                                                          tok[0] == SHAPES[k].name[1]))
                        break;
                if (k == NSHAPES) {
                    fprintf(stderr, "bench_gru: --shapes: unknown shape '%s' (S1..S5)\n", tok);
                    return -1;
                }
                o->shape_on[k] = true;
            }
        } else if (!strcmp(a, "--custom")) {
            NEED_VALUE
            shape *x = &SHAPES[NSHAPES - 1];
            long long cb, ct, ci, ch;
            char end;
            if (sscanf(v, "%lld,%lld,%lld,%lld%c", &cb, &ct, &ci, &ch, &end) != 4 || cb < 1 ||
                ct < 1 || ci < 1 || ch < 1 || cb > 4096 || ct > 100000 || ci > 65536 ||
                ch > 65536) {
                fprintf(stderr, "bench_gru: --custom: expected B,T,I,H (positive integers)\n");
                return -1;
            }
            x->B = cb, x->T = ct, x->I = ci, x->H = ch;
            for (int k = 0; k < NSHAPES - 1; k++) o->shape_on[k] = false;
            o->shape_on[NSHAPES - 1] = true;
        } else if (!strcmp(a, "--variants")) {
            NEED_VALUE
            int vals[4];
            int n = parse_list(v, vals, 4);
            o->variant_on[0] = o->variant_on[1] = false;
            for (int k = 0; k < n; k++) {
                if (vals[k] != 0 && vals[k] != 1) n = -1;
                else o->variant_on[vals[k]] = true;
            }
            if (n <= 0) {
                fprintf(stderr, "bench_gru: --variants: expected 0, 1 or 0,1\n");
                return -1;
            }
        } else if (!strcmp(a, "--modes")) {
            NEED_VALUE
            o->mode_on[0] = strstr(v, "infer") != NULL;
            o->mode_on[1] = strstr(v, "train") != NULL;
            o->mode_on[2] = strstr(v, "stream") != NULL;
            if (!o->mode_on[0] && !o->mode_on[1] && !o->mode_on[2]) {
                fprintf(stderr, "bench_gru: --modes: expected a list of infer, train, stream\n");
                return -1;
            }
        } else if (!strcmp(a, "--threads")) {
            NEED_VALUE
            o->nthreads = parse_list(v, o->threads, 8);
            for (int k = 0; k < o->nthreads; k++)
                if (o->threads[k] < 1) o->nthreads = -1;
            if (o->nthreads <= 0) {
                fprintf(stderr, "bench_gru: --threads: expected a list like 1,2\n");
                return -1;
            }
        } else if (!strcmp(a, "--time")) {
            NEED_VALUE
            o->time_budget = atof(v);
        } else if (!strcmp(a, "--case-max")) {
            NEED_VALUE
            o->case_max = atof(v);
        } else if (!strcmp(a, "--min-reps")) {
            NEED_VALUE
            o->min_reps = atoi(v);
        } else if (!strcmp(a, "--max-reps")) {
            NEED_VALUE
            o->max_reps = atoi(v);
        } else if (!strcmp(a, "--warmup")) {
            NEED_VALUE
            o->warmup = atoi(v);
        } else if (!strcmp(a, "--peak1")) {
            NEED_VALUE
            o->peak[1] = atof(v);
        } else if (!strcmp(a, "--peak2")) {
            NEED_VALUE
            o->peak[2] = atof(v);
        } else if (!strcmp(a, "--no-peak")) {
            o->no_peak = true;
        } else if (!strcmp(a, "--lib")) {
            NEED_VALUE
            o->run_lg = !strcmp(v, "both") || !strcmp(v, "libgru");
            o->run_dn = !strcmp(v, "both") || !strcmp(v, "onednn");
            if (!o->run_lg && !o->run_dn) {
                fprintf(stderr, "bench_gru: --lib: expected both, libgru or onednn\n");
                return -1;
            }
        } else if (!strcmp(a, "--gap-us")) {
            NEED_VALUE
            o->gap_us = atol(v);
        } else if (!strcmp(a, "--csv")) {
            NEED_VALUE
            o->csv = v;
        } else if (!strcmp(a, "--no-selfcheck")) {
            o->selfcheck = false;
        } else if (!strcmp(a, "--quiet")) {
            o->quiet = true;
        } else {
            fprintf(stderr, "bench_gru: unknown option '%s' (see --help)\n", a);
            return -1;
        }
#undef NEED_VALUE
    }
    if (o->min_reps < 1) o->min_reps = 1;
    if (o->max_reps < o->min_reps) o->max_reps = o->min_reps;
    if (o->warmup < 0) o->warmup = 0;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static double now_s(void) { return bench_clock_s(CLOCK_MONOTONIC); }

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double urand(void) /* splitmix64 -> [0, 1) */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}
static void fill_uniform(float *p, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++) p[i] = (float)(lo + (hi - lo) * urand());
}

static void *xalloc(size_t bytes)
{
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p) {
        fprintf(stderr, "bench_gru: out of memory (%zu bytes)\n", bytes);
        exit(2);
    }
    memset(p, 0, bytes);
    return p;
}

static double median(double *v, int n)
{
    if (n <= 0) return NAN;
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Current resident set size in MiB (from /proc/self/statm), or 0. */
static double rss_mib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    long size = 0, res = 0;
    int n = fscanf(f, "%ld %ld", &size, &res);
    fclose(f);
    if (n != 2) return 0;
    return (double)res * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}
static double loadavg1(void)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double l = NAN;
    if (f) {
        if (fscanf(f, "%lf", &l) != 1) l = NAN;
        fclose(f);
    }
    return l;
}

/* Cross-core round trip, ns: two threads hand a counter back and forth through two cache
 * lines (the median of 5 runs of 2000 trips). On a VM it shows where the host runs the
 * vCPUs at the moment: what every barrier of a split by units costs. NAN when it cannot
 * be measured (one CPU, or a run over 50 ms: the two threads do not run at once). */
static _Alignas(64) atomic_long rtt_ping;
static _Alignas(64) atomic_long rtt_pong;
static atomic_int rtt_stop;
enum { RTT_TRIPS = 2000 };
static void *rtt_peer(void *arg)
{
    (void)arg;
    for (long i = 1; i <= RTT_TRIPS; i++) {
        while (atomic_load_explicit(&rtt_ping, memory_order_acquire) < i)
            if (atomic_load_explicit(&rtt_stop, memory_order_relaxed))
                return NULL;
        atomic_store_explicit(&rtt_pong, i, memory_order_release);
    }
    return NULL;
}
static double cross_core_rtt_ns(void)
{
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return NAN;
    double t[5];
    for (int r = 0; r < 5; r++) {
        atomic_store(&rtt_ping, 0);
        atomic_store(&rtt_pong, 0);
        atomic_store(&rtt_stop, 0);
        pthread_t th;
        if (pthread_create(&th, NULL, rtt_peer, NULL))
            return NAN;
        const double t0 = now_s();
        bool late = false;
        for (long i = 1; i <= RTT_TRIPS && !late; i++) {
            atomic_store_explicit(&rtt_ping, i, memory_order_release);
            while (atomic_load_explicit(&rtt_pong, memory_order_acquire) < i)
                if (now_s() - t0 > 0.05) {
                    late = true;
                    break;
                }
        }
        t[r] = (now_s() - t0) / RTT_TRIPS * 1e9;
        atomic_store(&rtt_stop, 1);
        pthread_join(th, NULL);
        if (late)
            return NAN;
    }
    qsort(t, 5, sizeof t[0], bench_cmp_double);
    return t[2];
}

static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

static void set_omp_threads(int n)
{
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

/* (B, T, C) <-> (T, B, C) */
static void btc_to_tbc(const float *src, float *dst, int64_t B, int64_t T, int64_t C)
{
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < T; t++)
            memcpy(dst + (t * B + b) * C, src + (b * T + t) * C, (size_t)C * sizeof(float));
}
static void tbc_to_btc(const float *src, float *dst, int64_t B, int64_t T, int64_t C)
{
    for (int64_t t = 0; t < T; t++)
        for (int64_t b = 0; b < B; b++)
            memcpy(dst + (b * T + t) * C, src + (t * B + b) * C, (size_t)C * sizeof(float));
}

static double max_abs_diff(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > m || d != d) m = d;
    }
    return m;
}

/* max |a - b| / max(1, max |b|): for gradients, which sum over B*T terms and grow. */
static double max_scaled_diff(const float *a, const float *b, size_t n)
{
    double big = 1.0;
    for (size_t i = 0; i < n; i++)
        if (fabs((double)b[i]) > big) big = fabs((double)b[i]);
    return max_abs_diff(a, b, n) / big;
}

/* ------------------------------------------------------------------------ */
/* float64 reference GRU (Keras layout, sigmoid / tanh), forward and backward */
/* ------------------------------------------------------------------------ */

static double sigm(double x) { return 1.0 / (1.0 + exp(-x)); }

/* Forward + backward of L = sum(dy * y), y (B, T, H) the output sequence, h0 = 0.
 * kernel (I, 3H), rk (H, 3H), bias (3H) or (2, 3H). Outputs: y (B, T, H); dx (B, T, I),
 * dk (I, 3H), drk (H, 3H), db like bias (any of the gradient outputs may be NULL to skip
 * backward entirely when dy is NULL). */
static void ref_gru(int64_t B, int64_t T, int64_t I, int64_t H, bool ra, const float *x,
                    const float *k, const float *rk, const float *bias, const float *dy,
                    double *y, double *dx, double *dk, double *drk, double *db)
{
    const int64_t G = 3 * H;
    double *hs = calloc((size_t)(B * (T + 1) * H), sizeof(double));   /* (B, T+1, H) states */
    double *zs = calloc((size_t)(B * T * H), sizeof(double));         /* (B, T, H) */
    double *rs = calloc((size_t)(B * T * H), sizeof(double));         /* (B, T, H) */
    double *hh = calloc((size_t)(B * T * H), sizeof(double));         /* (B, T, H) candidate */
    double *rec = calloc((size_t)(B * T * G), sizeof(double));        /* (B, T, 3H) h.U (+b_r) */
    double *xa = calloc((size_t)G, sizeof(double));
    double *rh = calloc((size_t)H, sizeof(double));
    for (int64_t b = 0; b < B; b++) {
        for (int64_t t = 0; t < T; t++) {
            const float *xt = x + (b * T + t) * I;
            const double *hp = hs + (b * (T + 1) + t) * H;
            double *hn = hs + (b * (T + 1) + t + 1) * H;
            double *rc = rec + (b * T + t) * G;
            for (int64_t j = 0; j < G; j++) {
                double s = bias ? bias[j] : 0.0;
                for (int64_t i = 0; i < I; i++) s += (double)xt[i] * k[i * G + j];
                xa[j] = s;
                double r = (ra && bias) ? bias[G + j] : 0.0;
                for (int64_t i = 0; i < H; i++) r += hp[i] * rk[i * G + j];
                rc[j] = r;
            }
            double *z = zs + (b * T + t) * H, *r = rs + (b * T + t) * H, *c = hh + (b * T + t) * H;
            for (int64_t j = 0; j < H; j++) {
                z[j] = sigm(xa[j] + rc[j]);
                r[j] = sigm(xa[H + j] + rc[H + j]);
            }
            if (ra) {
                for (int64_t j = 0; j < H; j++) c[j] = tanh(xa[2 * H + j] + r[j] * rc[2 * H + j]);
            } else {
                for (int64_t j = 0; j < H; j++) rh[j] = r[j] * hp[j];
                for (int64_t j = 0; j < H; j++) {
                    double s = 0;
                    for (int64_t i = 0; i < H; i++) s += rh[i] * rk[i * G + 2 * H + j];
                    c[j] = tanh(xa[2 * H + j] + s);
                }
            }
            for (int64_t j = 0; j < H; j++) hn[j] = z[j] * hp[j] + (1 - z[j]) * c[j];
            for (int64_t j = 0; j < H; j++) y[(b * T + t) * H + j] = hn[j];
        }
    }
    if (dy) {
        memset(dx, 0, (size_t)(B * T * I) * sizeof(double));
        memset(dk, 0, (size_t)(I * G) * sizeof(double));
        memset(drk, 0, (size_t)(H * G) * sizeof(double));
        memset(db, 0, (size_t)((ra ? 2 : 1) * G) * sizeof(double));
        double *dh = calloc((size_t)H, sizeof(double));
        double *dhp = calloc((size_t)H, sizeof(double));
        double *da = calloc((size_t)G, sizeof(double));   /* input-side pre-activation grads */
        double *dr = calloc((size_t)G, sizeof(double));   /* recurrent-side grads (lbr) */
        double *drh = calloc((size_t)H, sizeof(double));
        for (int64_t b = 0; b < B; b++) {
            memset(dh, 0, (size_t)H * sizeof(double));
            for (int64_t t = T - 1; t >= 0; t--) {
                const float *xt = x + (b * T + t) * I;
                const double *hp = hs + (b * (T + 1) + t) * H;
                const double *z = zs + (b * T + t) * H, *r = rs + (b * T + t) * H;
                const double *c = hh + (b * T + t) * H, *rc = rec + (b * T + t) * G;
                for (int64_t j = 0; j < H; j++) dh[j] += dy[(b * T + t) * H + j];
                for (int64_t j = 0; j < H; j++) {
                    double dz = dh[j] * (hp[j] - c[j]);
                    double dc = dh[j] * (1 - z[j]);
                    dhp[j] = dh[j] * z[j];
                    da[j] = dz * z[j] * (1 - z[j]);
                    da[2 * H + j] = dc * (1 - c[j] * c[j]);
                }
                if (ra) {
                    for (int64_t j = 0; j < H; j++) {
                        double drr = da[2 * H + j] * rc[2 * H + j];
                        da[H + j] = drr * r[j] * (1 - r[j]);
                        dr[j] = da[j];
                        dr[H + j] = da[H + j];
                        dr[2 * H + j] = da[2 * H + j] * r[j];
                    }
                    for (int64_t i = 0; i < H; i++) {
                        double s = 0;
                        for (int64_t j = 0; j < G; j++) {
                            drk[i * G + j] += hp[i] * dr[j];
                            s += dr[j] * rk[i * G + j];
                        }
                        dhp[i] += s;
                    }
                    for (int64_t j = 0; j < G; j++) db[G + j] += dr[j];
                } else {
                    for (int64_t i = 0; i < H; i++) {
                        double s = 0;
                        for (int64_t j = 0; j < H; j++) s += da[2 * H + j] * rk[i * G + 2 * H + j];
                        drh[i] = s;
                    }
                    for (int64_t j = 0; j < H; j++) {
                        da[H + j] = drh[j] * hp[j] * r[j] * (1 - r[j]);
                        dhp[j] += drh[j] * r[j];
                    }
                    for (int64_t i = 0; i < H; i++) {
                        double s = 0;
                        for (int64_t j = 0; j < H; j++) {
                            drk[i * G + j] += hp[i] * da[j];
                            drk[i * G + H + j] += hp[i] * da[H + j];
                            drk[i * G + 2 * H + j] += r[i] * hp[i] * da[2 * H + j];
                            s += da[j] * rk[i * G + j] + da[H + j] * rk[i * G + H + j];
                        }
                        dhp[i] += s;
                    }
                }
                for (int64_t j = 0; j < G; j++) db[j] += da[j];
                for (int64_t i = 0; i < I; i++) {
                    double s = 0;
                    for (int64_t j = 0; j < G; j++) {
                        dk[i * G + j] += xt[i] * da[j];
                        s += da[j] * k[i * G + j];
                    }
                    dx[(b * T + t) * I + i] = s;
                }
                memcpy(dh, dhp, (size_t)H * sizeof(double));
            }
        }
        free(dh); free(dhp); free(da); free(dr); free(drh);
    }
    free(hs); free(zs); free(rs); free(hh); free(rec); free(xa); free(rh);
}

static double max_abs_diff_fd(const float *a, const double *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > m || d != d) m = d;
    }
    return m;
}

/* ------------------------------------------------------------------------ */
/* libgru side                                                               */
/* ------------------------------------------------------------------------ */

typedef struct lg_case {
#ifdef BENCH_WITH_LIBGRU
    gru_layer *layer;
#endif
    int64_t B, T, I, H;
    int mode;          /* MODE_INFER, MODE_TRAIN, MODE_STREAM */
    bool training;     /* mode == MODE_TRAIN */
    int threads;       /* threads libgru actually uses */
    float *xs;         /* (T, B, I) stream: x in time-major order, x_t = xs + t*B*I */
    float *ys;         /* (T, B, H) stream: the outputs y_t */
    float *x;          /* (B, T, I) */
    float *y;          /* (B, T, H) */
    float *dy;         /* (B, T, H) training */
    float *dx;         /* (B, T, I) training */
    float *dk, *drk, *db; /* (I, 3H), (H, 3H), (3H) or (2, 3H) training */
    void *ws;          /* training workspace (workspace bytes) */
    size_t workspace;  /* bytes of the training workspace, 0 for inference */
} lg_case;

#if defined(BENCH_WITH_LIBGRU) && defined(BENCH_HAVE_TRAIN_API)
#define LG_TRAIN 1
#else
#define LG_TRAIN 0
#endif
#if defined(BENCH_WITH_LIBGRU) && defined(BENCH_HAVE_STREAM_API)
#define LG_STREAM 1
#else
#define LG_STREAM 0
#endif

static bool lg_available(void)
{
#ifdef BENCH_WITH_LIBGRU
    return true;
#else
    return false;
#endif
}

static bool lg_can_train(void) { return LG_TRAIN; }
static bool lg_can_stream(void) { return LG_STREAM; }

/* Thread hook: gru_layer_set_num_threads() when the library has it; otherwise libgru runs
 * on one thread. Returns the thread count libgru will use. */
#ifdef BENCH_WITH_LIBGRU
static int lg_set_threads(lg_case *c, int n)
{
#if defined(BENCH_WITH_LIBGRU) && defined(BENCH_HAVE_SET_THREADS)
    if (gru_layer_set_num_threads(c->layer, n) == GRU_OK) return n;
    return gru_layer_get_num_threads(c->layer);
#else
    (void)c;
    (void)n;
    return 1;
#endif
}
#endif

static void lg_destroy(lg_case *c)
{
#ifdef BENCH_WITH_LIBGRU
    gru_layer_destroy(c->layer);
#endif
    free(c->x); free(c->y); free(c->dy); free(c->dx);
    free(c->dk); free(c->drk); free(c->db); free(c->ws); free(c->xs); free(c->ys);
    memset(c, 0, sizeof *c);
}

/* Create a libgru layer with the given Keras weights; x is copied. Returns 0 or -1. */
static int lg_create(lg_case *c, int64_t B, int64_t T, int64_t I, int64_t H, bool ra,
                     int mode, int threads, const float *kernel, const float *rk,
                     const float *bias, const float *x, const float *dy)
{
    const bool training = mode == MODE_TRAIN;
    memset(c, 0, sizeof *c);
    c->B = B; c->T = T; c->I = I; c->H = H;
    c->mode = mode;
    c->training = training;
#ifdef BENCH_WITH_LIBGRU
    gru_config cfg;
    if (gru_config_init(&cfg, H) != GRU_OK) goto out_err;
    cfg.input_dim = I;
    cfg.activation = GRU_ACT_TANH;
    cfg.recurrent_activation = GRU_ACT_SIGMOID;
    cfg.use_bias = true;
    cfg.reset_after = ra;
    cfg.return_sequences = true;
    cfg.weights[0] = kernel;
    cfg.weights[1] = rk;
    cfg.weights[2] = bias;
    if (gru_layer_create(&cfg, &c->layer) != GRU_OK) goto out_err;
    c->threads = lg_set_threads(c, threads);
    if (gru_layer_reserve(c->layer, B, T) != GRU_OK) goto out_err;
    c->x = xalloc((size_t)(B * T * I) * sizeof(float));
    c->y = xalloc((size_t)(B * T * H) * sizeof(float));
    memcpy(c->x, x, (size_t)(B * T * I) * sizeof(float));
    if (training) {
#if LG_TRAIN
        c->dy = xalloc((size_t)(B * T * H) * sizeof(float));
        c->dx = xalloc((size_t)(B * T * I) * sizeof(float));
        c->dk = xalloc((size_t)(I * 3 * H) * sizeof(float));
        c->drk = xalloc((size_t)(H * 3 * H) * sizeof(float));
        c->db = xalloc((size_t)((ra ? 2 : 1) * 3 * H) * sizeof(float));
        memcpy(c->dy, dy, (size_t)(B * T * H) * sizeof(float));
        if (gru_train_workspace_size(c->layer, B, T, &c->workspace) != GRU_OK) goto out_err;
        c->ws = xalloc(c->workspace);
#else
        (void)dy;
        goto out_err;
#endif
    }
    if (mode == MODE_STREAM) {
#if LG_STREAM
        c->xs = xalloc((size_t)(T * B * I) * sizeof(float));
        c->ys = xalloc((size_t)(T * B * H) * sizeof(float));
        btc_to_tbc(x, c->xs, B, T, I);
        if (gru_stream_begin(c->layer, B, NULL) != GRU_OK) goto out_err;
#else
        goto out_err;
#endif
    }
    return 0;
out_err:
    fprintf(stderr, "bench_gru: libgru: %s\n", gru_errmsg());
    lg_destroy(c);
    return -1;
#else
    (void)ra; (void)threads; (void)kernel; (void)rk; (void)bias; (void)x; (void)dy;
    return -1;
#endif
}

/* Untimed preparation before each timed call: restart the stream (state = zeros). */
static int lg_prepare(lg_case *c)
{
#if LG_STREAM
    if (c->mode == MODE_STREAM && gru_stream_begin(c->layer, c->B, NULL) != GRU_OK) {
        fprintf(stderr, "bench_gru: gru_stream_begin: %s\n", gru_errmsg());
        return -1;
    }
#else
    (void)c;
#endif
    return 0;
}

/* One whole-sequence gru_forward: the inference call, and in streaming cases the one timed
 * next to each streamed repetition for the paired per-step ratio (the stream's own
 * workspace and state are separate from gru_forward's). */
static int lg_run_seq(lg_case *c)
{
#ifdef BENCH_WITH_LIBGRU
    gru_tensor x = gru_tensor_3d(GRU_FLOAT32, c->B, c->T, c->I, c->x);
    gru_tensor y = gru_tensor_3d(GRU_FLOAT32, c->B, c->T, c->H, c->y);
    if (gru_forward(c->layer, &x, NULL, NULL, &y, NULL) != GRU_OK) {
        fprintf(stderr, "bench_gru: gru_forward: %s\n", gru_errmsg());
        return -1;
    }
    return 0;
#else
    (void)c;
    return -1;
#endif
}

/* One timed call: inference forward, training forward + backward, or T calls of
 * gru_step (streaming). */
static int lg_run(lg_case *c)
{
#ifdef BENCH_WITH_LIBGRU
#if LG_STREAM
    if (c->mode == MODE_STREAM) {
        for (int64_t t = 0; t < c->T; t++) {
            gru_tensor xt = gru_tensor_2d(GRU_FLOAT32, c->B, c->I, c->xs + t * c->B * c->I);
            gru_tensor yt = gru_tensor_2d(GRU_FLOAT32, c->B, c->H, c->ys + t * c->B * c->H);
            if (gru_step(c->layer, &xt, NULL, &yt) != GRU_OK) {
                fprintf(stderr, "bench_gru: gru_step: %s\n", gru_errmsg());
                return -1;
            }
        }
        return 0;
    }
#endif
    if (!c->training)
        return lg_run_seq(c);
#if LG_TRAIN
    {
        const int64_t B = c->B, T = c->T, I = c->I, H = c->H;
        const gru_config *cfg = gru_layer_config(c->layer);
        gru_tensor x = gru_tensor_3d(GRU_FLOAT32, B, T, I, c->x);
        gru_tensor y = gru_tensor_3d(GRU_FLOAT32, B, T, H, c->y);
        gru_tensor dy = gru_tensor_3d(GRU_FLOAT32, B, T, H, c->dy);
        gru_tensor dx = gru_tensor_3d(GRU_FLOAT32, B, T, I, c->dx);
        gru_tensor dk = gru_tensor_2d(GRU_FLOAT32, I, 3 * H, c->dk);
        gru_tensor drk = gru_tensor_2d(GRU_FLOAT32, H, 3 * H, c->drk);
        gru_tensor db = cfg->reset_after ? gru_tensor_2d(GRU_FLOAT32, 2, 3 * H, c->db)
                                         : gru_tensor_1d(GRU_FLOAT32, 3 * H, c->db);
        gru_grads g = {&dk, &drk, &db};
        if (gru_forward_train(c->layer, &x, NULL, NULL, &y, NULL, c->ws, c->workspace,
                              NULL) != GRU_OK) {
            fprintf(stderr, "bench_gru: gru_forward_train: %s\n", gru_errmsg());
            return -1;
        }
        if (gru_backward(c->layer, c->ws, c->workspace, &dy, NULL, &dx, NULL, &g,
                         GRU_GRAD_OVERWRITE) != GRU_OK) {
            fprintf(stderr, "bench_gru: gru_backward: %s\n", gru_errmsg());
            return -1;
        }
        return 0;
    }
#else
    return -1;
#endif
#else
    (void)c;
    return -1;
#endif
}

/* Times one lg_run_seq into (*v)[(*n)++]; on failure frees *v, sets it NULL (no paired
 * ratio then) and returns -1. */
static int lg_time_seq(lg_case *c, double **v, int *n)
{
    double t0 = now_s();
    if (lg_run_seq(c) != 0) {
        free(*v);
        *v = NULL;
        return -1;
    }
    (*v)[(*n)++] = now_s() - t0;
    return 0;
}

/* oneDNN's side of one timed call. Streaming: T executions of the T = 1 primitive on
 * xs (T, B, I), each output copied into seq (T, B, H) when seq is not NULL. */
static void dn_prepare(bench_dnnl_gru *dn, int mode)
{
    if (mode == MODE_STREAM) bench_dnnl_gru_stream_reset(dn);
}
static int dn_run(bench_dnnl_gru *dn, int mode, const float *xs, int64_t T, int64_t B,
                  int64_t I, int64_t H, float *seq)
{
    if (mode == MODE_STREAM) {
        for (int64_t t = 0; t < T; t++) {
            if (bench_dnnl_gru_step(dn, xs + t * B * I) != 0) return -1;
            if (seq)
                memcpy(seq + t * B * H, bench_dnnl_gru_dst(dn), (size_t)(B * H) * sizeof(float));
        }
        return 0;
    }
    int rc = bench_dnnl_gru_forward(dn);
    if (rc == 0 && mode == MODE_TRAIN) rc = bench_dnnl_gru_backward(dn);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Self-check of the oneDNN wrapper (and libgru) against the float64 reference */
/* ------------------------------------------------------------------------ */

static int selfcheck(bool quiet)
{
    static const int64_t cases[][4] = {{3, 7, 5, 4}, {2, 9, 19, 21}};
    int bad = 0;
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const int64_t B = cases[ci][0], T = cases[ci][1], I = cases[ci][2], H = cases[ci][3];
        const int64_t G = 3 * H;
        for (int ra = 0; ra <= 1; ra++) {
            const size_t nb = (size_t)((ra ? 2 : 1) * G);
            float *k = xalloc((size_t)(I * G) * sizeof(float));
            float *rk = xalloc((size_t)(H * G) * sizeof(float));
            float *bias = xalloc(nb * sizeof(float));
            float *x = xalloc((size_t)(B * T * I) * sizeof(float));
            float *dy = xalloc((size_t)(B * T * H) * sizeof(float));
            fill_uniform(k, (size_t)(I * G), -0.5, 0.5);
            fill_uniform(rk, (size_t)(H * G), -0.5, 0.5);
            fill_uniform(bias, nb, -0.5, 0.5);
            fill_uniform(x, (size_t)(B * T * I), -1, 1);
            fill_uniform(dy, (size_t)(B * T * H), -1, 1);
            double *y = calloc((size_t)(B * T * H), sizeof(double));
            double *dx = calloc((size_t)(B * T * I), sizeof(double));
            double *dk = calloc((size_t)(I * G), sizeof(double));
            double *drk = calloc((size_t)(H * G), sizeof(double));
            double *db = calloc(nb, sizeof(double));
            ref_gru(B, T, I, H, ra, x, k, rk, bias, dy, y, dx, dk, drk, db);

            double e_y = -1, e_dx = -1, e_dk = -1, e_drk = -1, e_db = -1, e_lg = -1;
            bench_dnnl_gru *g = NULL;
            if (bench_dnnl_available() &&
                bench_dnnl_gru_create(B, T, I, H, ra, true, &g) == 0 &&
                bench_dnnl_gru_set_weights(g, k, rk, bias) == 0) {
                float *tb = xalloc((size_t)(B * T * (I > H ? I : H)) * sizeof(float));
                btc_to_tbc(x, bench_dnnl_gru_src(g), B, T, I);
                btc_to_tbc(dy, bench_dnnl_gru_diff_dst(g), B, T, H);
                bench_dnnl_gru_zero_grads(g);
                if (bench_dnnl_gru_forward(g) == 0 && bench_dnnl_gru_backward(g) == 0) {
                    tbc_to_btc(bench_dnnl_gru_dst(g), tb, B, T, H);
                    e_y = max_abs_diff_fd(tb, y, (size_t)(B * T * H));
                    tbc_to_btc(bench_dnnl_gru_diff_src(g), tb, B, T, I);
                    e_dx = max_abs_diff_fd(tb, dx, (size_t)(B * T * I));
                    float *gk = xalloc((size_t)(I * G) * sizeof(float));
                    float *grk = xalloc((size_t)(H * G) * sizeof(float));
                    float *gb = xalloc(nb * sizeof(float));
                    if (bench_dnnl_gru_get_grads(g, gk, grk, gb) == 0) {
                        e_dk = max_abs_diff_fd(gk, dk, (size_t)(I * G));
                        e_drk = max_abs_diff_fd(grk, drk, (size_t)(H * G));
                        /* lbr: oneDNN holds b_iz + b_rz (and b_ir + b_rr) as one bias;
                         * the gradient of each part equals that of the sum, as in the
                         * reference. */
                        e_db = max_abs_diff_fd(gb, db, nb);
                    }
                    free(gk); free(grk); free(gb);
                }
                free(tb);
            } else if (bench_dnnl_available()) {
                fprintf(stderr, "bench_gru: selfcheck: oneDNN: %s\n", bench_dnnl_errmsg());
                bad++;
            }
            bench_dnnl_gru_destroy(g);
            g = NULL;
            double e_dst = -1; /* oneDNN streaming (T = 1 primitive, T calls) vs reference */
            if (bench_dnnl_available() && bench_dnnl_gru_create_stream(B, I, H, ra, &g) == 0 &&
                bench_dnnl_gru_set_weights(g, k, rk, bias) == 0) {
                float *xs = xalloc((size_t)(T * B * I) * sizeof(float));
                float *seq = xalloc((size_t)(T * B * H) * sizeof(float));
                float *yb = xalloc((size_t)(T * B * H) * sizeof(float));
                btc_to_tbc(x, xs, B, T, I);
                dn_prepare(g, MODE_STREAM);
                if (dn_run(g, MODE_STREAM, xs, T, B, I, H, seq) == 0) {
                    tbc_to_btc(seq, yb, B, T, H);
                    e_dst = max_abs_diff_fd(yb, y, (size_t)(B * T * H));
                }
                free(xs); free(seq); free(yb);
            }
            bench_dnnl_gru_destroy(g);
            if (e_dst > e_y) e_y = e_dst; /* reported with oneDNN's y */

            double e_lgg = -1; /* libgru gradients vs the reference */
            if (lg_available()) {
                lg_case c;
                if (lg_create(&c, B, T, I, H, ra, MODE_INFER, 1, k, rk, bias, x, NULL) == 0) {
                    if (lg_run(&c) == 0) e_lg = max_abs_diff_fd(c.y, y, (size_t)(B * T * H));
                    lg_destroy(&c);
                }
                if (lg_can_stream() &&
                    lg_create(&c, B, T, I, H, ra, MODE_STREAM, 1, k, rk, bias, x, NULL) == 0) {
                    if (lg_prepare(&c) == 0 && lg_run(&c) == 0) {
                        float *yb = xalloc((size_t)(B * T * H) * sizeof(float));
                        tbc_to_btc(c.ys, yb, B, T, H);
                        double d = max_abs_diff_fd(yb, y, (size_t)(B * T * H));
                        if (d > e_lg || e_lg < 0) e_lg = d;
                        free(yb);
                    } else {
                        e_lg = -1;
                    }
                    lg_destroy(&c);
                }
                if (lg_can_train() &&
                    lg_create(&c, B, T, I, H, ra, MODE_TRAIN, 1, k, rk, bias, x, dy) == 0) {
                    if (lg_run(&c) == 0) {
                        double m = max_abs_diff_fd(c.y, y, (size_t)(B * T * H)), d;
                        d = max_abs_diff_fd(c.dx, dx, (size_t)(B * T * I));
                        if (d > m) m = d;
                        d = max_abs_diff_fd(c.dk, dk, (size_t)(I * G));
                        if (d > m) m = d;
                        d = max_abs_diff_fd(c.drk, drk, (size_t)(H * G));
                        if (d > m) m = d;
                        d = max_abs_diff_fd(c.db, db, nb);
                        if (d > m) m = d;
                        e_lgg = m;
                    }
                    lg_destroy(&c);
                }
            }
            const double tol = 1e-4;
            bool ok = (!bench_dnnl_available() ||
                       (e_y >= 0 && e_y < tol && e_dx >= 0 && e_dx < tol && e_dk >= 0 &&
                        e_dk < tol && e_drk < tol && e_db < tol)) &&
                      (!lg_available() || (e_lg >= 0 && e_lg < tol)) &&
                      (!lg_can_train() || (e_lgg >= 0 && e_lgg < tol));
            if (!ok) bad++;
            if (!quiet || !ok)
                printf("selfcheck B=%lld T=%lld I=%lld H=%lld reset_after=%d vs float64: "
                       "oneDNN y %.2g dx %.2g dkernel %.2g drecurrent %.2g dbias %.2g | "
                       "libgru y %.2g grads %.2g  %s\n",
                       (long long)B, (long long)T, (long long)I, (long long)H, ra, e_y, e_dx,
                       e_dk, e_drk, e_db, e_lg, e_lgg, ok ? "ok" : "MISMATCH");
            free(k); free(rk); free(bias); free(x); free(dy);
            free(y); free(dx); free(dk); free(drk); free(db);
        }
    }
    return bad;
}

/* ------------------------------------------------------------------------ */
/* One benchmark case                                                        */
/* ------------------------------------------------------------------------ */

typedef struct result {
    const shape *s;
    int reset_after;
    int mode;                /* MODE_* */
    bool train;              /* mode == MODE_TRAIN */
    int threads, lg_threads;
    double lg_ms, dn_ms;     /* median; NAN when not run */
    double lg_min, dn_min;   /* fastest repetition */
    double pratio;           /* median over repetitions i of dn_i / lg_i (NAN when not both) */
    double seq_pratio;       /* stream: median over repetitions of libgru's streamed time over
                              * its whole-sequence gru_forward timed next to it (NAN else) */
    int lg_reps, dn_reps;
    double maxdiff;          /* max |libgru - oneDNN| of y (NAN when not both) */
    double maxdiff_grad;     /* of the gradients (NAN when not both) */
    double lg_mem, dn_mem;   /* MiB of resident memory each one's setup + first run added */
    bench_dnnl_sizes dn_sizes;
    size_t lg_workspace;
    double flops;
    double peak;             /* GFLOP/s for this thread count, 0 unknown */
    double load;             /* 1-minute load average when the case started */
    double rtt;              /* cross-core round trip (ns) when the case started; 1 thread: NAN */
} result;

static int run_case(const options *o, const shape *s, int ra, int mode, int threads,
                    double peak, result *res)
{
    const int64_t B = s->B, T = s->T, I = s->I, H = s->H, G = 3 * H;
    const size_t nb = (size_t)((ra ? 2 : 1) * G);
    const bool train = mode == MODE_TRAIN, stream = mode == MODE_STREAM;
    memset(res, 0, sizeof *res);
    res->s = s;
    res->reset_after = ra;
    res->mode = mode;
    res->train = train;
    res->threads = threads;
    res->lg_ms = res->dn_ms = NAN;
    res->maxdiff = res->maxdiff_grad = NAN;
    res->lg_mem = res->dn_mem = NAN;
    res->flops = 2.0 * (double)B * (double)T * (double)G * (double)(I + H) * (train ? 3.0 : 1.0);
    res->peak = peak;
    res->load = loadavg1();
    res->rtt = threads > 1 ? cross_core_rtt_ns() : NAN;

    set_omp_threads(threads);

    /* Same weights and inputs for both. Keras-like scales: glorot_uniform kernel,
     * recurrent ~ 1/sqrt(H), small bias. */
    float *k = xalloc((size_t)(I * G) * sizeof(float));
    float *rk = xalloc((size_t)(H * G) * sizeof(float));
    float *bias = xalloc(nb * sizeof(float));
    float *x = xalloc((size_t)(B * T * I) * sizeof(float));
    float *dy = train ? xalloc((size_t)(B * T * H) * sizeof(float)) : NULL;
    double lk = sqrt(6.0 / (double)(I + G)), lr = sqrt(3.0 / (double)H);
    fill_uniform(k, (size_t)(I * G), -lk, lk);
    fill_uniform(rk, (size_t)(H * G), -lr, lr);
    fill_uniform(bias, nb, -0.1, 0.1);
    fill_uniform(x, (size_t)(B * T * I), -1, 1);
    if (dy) fill_uniform(dy, (size_t)(B * T * H), -1, 1);

    bool do_lg = o->run_lg && lg_available() && (!train || lg_can_train()) &&
                 (!stream || lg_can_stream());
    bool do_dn = o->run_dn && bench_dnnl_available();
    float *xs = stream ? xalloc((size_t)(T * B * I) * sizeof(float)) : NULL; /* (T, B, I) */
    float *dn_seq = stream ? xalloc((size_t)(T * B * H) * sizeof(float)) : NULL; /* (T, B, H) */
    if (xs) btc_to_tbc(x, xs, B, T, I);
    lg_case lg;
    memset(&lg, 0, sizeof lg);
    bench_dnnl_gru *dn = NULL;

    double rss0 = rss_mib();
    double t_lg = 0, t_dn = 0; /* seconds of the latest run of each (estimates) */
    if (do_lg) {
        bool ok = lg_create(&lg, B, T, I, H, ra, mode, threads, k, rk, bias, x, dy) == 0;
        ok = ok && lg_prepare(&lg) == 0;
        double t0 = now_s();
        ok = ok && lg_run(&lg) == 0;
        t_lg = now_s() - t0;
        if (!ok) {
            fprintf(stderr, "bench_gru: %s reset_after=%d %s: libgru failed; skipping it\n",
                    s->name, ra, MODE_NAME[mode]);
            lg_destroy(&lg);
            do_lg = false;
        } else {
            res->lg_threads = lg.threads;
            res->lg_workspace = lg.workspace;
        }
    }
    double rss1 = rss_mib();
    /* RSS deltas are approximate (the allocator may return earlier memory meanwhile). */
    if (do_lg) res->lg_mem = rss1 > rss0 ? rss1 - rss0 : 0.0;
    if (do_dn) {
        int rc = stream ? bench_dnnl_gru_create_stream(B, I, H, ra, &dn)
                        : bench_dnnl_gru_create(B, T, I, H, ra, train, &dn);
        if (rc != 0 || bench_dnnl_gru_set_weights(dn, k, rk, bias) != 0) {
            fprintf(stderr, "bench_gru: %s reset_after=%d: oneDNN: %s; skipping it\n", s->name,
                    ra, bench_dnnl_errmsg());
            bench_dnnl_gru_destroy(dn);
            dn = NULL;
            do_dn = false;
        } else {
            if (!stream) btc_to_tbc(x, bench_dnnl_gru_src(dn), B, T, I);
            if (train) {
                btc_to_tbc(dy, bench_dnnl_gru_diff_dst(dn), B, T, H);
                bench_dnnl_gru_zero_grads(dn);
            }
            dn_prepare(dn, mode);
            double t0 = now_s();
            rc = dn_run(dn, mode, xs, T, B, I, H, dn_seq);
            t_dn = now_s() - t0;
            if (rc != 0) {
                fprintf(stderr, "bench_gru: %s: oneDNN: %s; skipping it\n", s->name,
                        bench_dnnl_errmsg());
                bench_dnnl_gru_destroy(dn);
                dn = NULL;
                do_dn = false;
            } else {
                res->dn_sizes = bench_dnnl_gru_sizes(dn);
            }
        }
    }
    if (do_dn) {
        double rss2 = rss_mib();
        res->dn_mem = rss2 > rss1 ? rss2 - rss1 : 0.0;
    }

    /* Do both compute the same GRU? */
    if (do_lg && do_dn && stream) {
        res->maxdiff = max_abs_diff(lg.ys, dn_seq, (size_t)(T * B * H)); /* both (T, B, H) */
    } else if (do_lg && do_dn) {
        float *tmp = xalloc((size_t)(B * T * (I > H ? I : H)) * sizeof(float));
        tbc_to_btc(bench_dnnl_gru_dst(dn), tmp, B, T, H);
        res->maxdiff = max_abs_diff(lg.y, tmp, (size_t)(B * T * H));
        if (train && lg.dx) {
            double m = 0;
            tbc_to_btc(bench_dnnl_gru_diff_src(dn), tmp, B, T, I);
            double d = max_scaled_diff(lg.dx, tmp, (size_t)(B * T * I));
            if (d > m) m = d;
            float *gk = xalloc((size_t)(I * G) * sizeof(float));
            float *grk = xalloc((size_t)(H * G) * sizeof(float));
            float *gb = xalloc(nb * sizeof(float));
            if (bench_dnnl_gru_get_grads(dn, gk, grk, gb) == 0) {
                d = max_scaled_diff(lg.dk, gk, (size_t)(I * G));
                if (d > m) m = d;
                d = max_scaled_diff(lg.drk, grk, (size_t)(H * G));
                if (d > m) m = d;
                /* lbr: oneDNN only has b_iz + b_rz and b_ir + b_rr; the gradient of each
                 * part equals the gradient of the sum, so the comparison still holds. */
                d = max_scaled_diff(lg.db, gb, nb);
                if (d > m) m = d;
            }
            free(gk); free(grk); free(gb);
            res->maxdiff_grad = m;
        }
        free(tmp);
    }

    /* Warm-up (the check run above was the first one; slow cases stop warming up after
     * half the time budget), then the repetition count from the latest run times. */
    double t_warm = t_lg + t_dn;
    for (int w = 0; w < o->warmup && t_warm < 0.5 * o->time_budget; w++) {
        if (do_lg && lg_prepare(&lg) != 0) do_lg = false;
        double t0 = now_s();
        if (do_lg && lg_run(&lg) != 0) do_lg = false;
        double t1 = now_s();
        if (do_dn) dn_prepare(dn, mode);
        double t2 = now_s();
        if (do_dn && dn_run(dn, mode, xs, T, B, I, H, NULL) != 0) do_dn = false;
        double t3 = now_s();
        t_lg = t1 - t0;
        t_dn = t3 - t2;
        t_warm += t_lg + t_dn;
    }
    double per = (do_lg ? t_lg : 0) + (do_dn ? t_dn : 0);
    int reps = per > 0 ? (int)(o->time_budget / per) : o->max_reps;
    if (reps < o->min_reps) reps = o->min_reps;
    if (reps > o->max_reps) reps = o->max_reps;
    /* Very slow cases (a reference kernel on S5): at most --case-max seconds of timing. */
    if (per > 0 && (double)reps * per > o->case_max) {
        reps = (int)(o->case_max / per);
        if (reps < 1) reps = 1;
    }
    long gap = o->gap_us >= 0 ? o->gap_us : (threads > 1 ? 20000 : 0);
    /* With one thread the two libraries alternate run by run. With more, each library
     * runs a block of consecutive repetitions (after one untimed run), then the other:
     * idle worker threads of one library (oneDNN's OpenMP workers spin for milliseconds,
     * libgru's for 0.2 ms) would otherwise share a core with the other's running threads,
     * and a wake-up after a long pause costs a 2-thread call far more than one in a
     * stream of calls. The pause between blocks lets the other side's workers sleep.
     * Runs of 50 ms or more alternate one by one on two threads too: a wake-up is small
     * next to them, and blocks of 8 were the whole of a case's 7 repetitions at S4 and S5
     * training, so that a slow spell of the machine (2026-11-28, the Xeon: seconds at a
     * time, 1.5x on either library) fell on one library only (S5 FALSE training, 2
     * threads: 0.55, then 0.79 and 1.47 in two runs minutes apart). */
    const double t_run = t_lg > t_dn ? t_lg : t_dn;
    int block = threads > 1 && t_run < 0.05 ? 8 : 1;
    /* and at least 4 blocks of each library: a case cut to 7 repetitions by a slow
     * warm-up ran them in one block each (S3 FALSE inference on two threads, 2026-11-28
     * 11:11: libgru's median 21.7 ms against its fastest 9.2, ratio 0.52; 1.15-1.22 in
     * the runs before and after) */
    if (block > reps / 4)
        block = reps / 4 > 1 ? reps / 4 : 1;

    double *v_lg = calloc((size_t)reps, sizeof(double));
    double *v_dn = calloc((size_t)reps, sizeof(double));
    double *v_seq = stream && do_lg ? calloc((size_t)reps, sizeof(double)) : NULL;
    int n_lg = 0, n_dn = 0, n_seq = 0;
    for (int r = 0; r < reps; r += block) {
        const int nblk = reps - r < block ? reps - r : block;
        /* Alternate which library goes first, so neither always runs on a warm cache
         * left by the other or right after the other's threads. */
        for (int side = 0; side < 2; side++) {
            bool lg_turn = (side == ((r / block) & 1));
            bool ran = false;
            for (int kk = block > 1 ? -1 : 0; kk < nblk; kk++) {
                if (lg_turn && do_lg) {
                    /* streaming: the whole sequence timed next to the stream, before
                     * it and after it by turns */
                    const bool seq = v_seq && kk >= 0, seq_first = seq && ((r / block) & 1);
                    if (seq_first)
                        lg_time_seq(&lg, &v_seq, &n_seq);
                    if (lg_prepare(&lg) != 0) {
                        do_lg = false;
                        break;
                    }
                    double t0 = now_s();
                    if (lg_run(&lg) != 0) {
                        do_lg = false;
                        break;
                    }
                    double t1 = now_s();
                    if (seq && !seq_first)
                        lg_time_seq(&lg, &v_seq, &n_seq);
                    if (kk >= 0)
                        v_lg[n_lg++] = t1 - t0;
                    ran = true;
                } else if (!lg_turn && do_dn) {
                    dn_prepare(dn, mode);
                    double t0 = now_s();
                    int rc = dn_run(dn, mode, xs, T, B, I, H, NULL);
                    if (rc != 0) {
                        do_dn = false;
                        break;
                    }
                    if (kk >= 0)
                        v_dn[n_dn++] = now_s() - t0;
                    ran = true;
                }
            }
            if (ran && gap > 0 && do_lg && do_dn) {
                struct timespec ts = {gap / 1000000, (gap % 1000000) * 1000};
                nanosleep(&ts, NULL);
            }
        }
    }
    res->lg_min = res->dn_min = res->pratio = res->seq_pratio = NAN;
    if (v_seq && n_seq == n_lg && n_seq > 0) {
        for (int i = 0; i < n_seq; i++)
            v_seq[i] = v_lg[i] / v_seq[i];
        res->seq_pratio = median(v_seq, n_seq);
    }
    free(v_seq);
    /* The paired ratio: repetition i of each library ran next to each other (run by run
     * on one thread, in the same pair of blocks with more), so the machine's load of that
     * moment weighs on both; the median of these ratios moves less with a noisy
     * neighbour than the ratio of the two medians. Before the medians sort the times. */
    const int np = n_lg < n_dn ? n_lg : n_dn;
    double *v_pr = np > 0 ? calloc((size_t)np, sizeof(double)) : NULL;
    if (v_pr) {
        for (int i = 0; i < np; i++)
            v_pr[i] = v_dn[i] / v_lg[i];
        res->pratio = median(v_pr, np);
        free(v_pr);
    }
    if (n_lg > 0) {
        res->lg_ms = 1e3 * median(v_lg, n_lg); /* sorts */
        res->lg_min = 1e3 * v_lg[0];
    }
    if (n_dn > 0) {
        res->dn_ms = 1e3 * median(v_dn, n_dn);
        res->dn_min = 1e3 * v_dn[0];
    }
    res->lg_reps = n_lg;
    res->dn_reps = n_dn;

    free(v_lg); free(v_dn);
    lg_destroy(&lg);
    bench_dnnl_gru_destroy(dn);
    free(k); free(rk); free(bias); free(x); free(dy); free(xs); free(dn_seq);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Output                                                                    */
/* ------------------------------------------------------------------------ */

static void fmt_num(char *buf, size_t cap, const char *fmt, double v)
{
    if (v != v) snprintf(buf, cap, "-");
    else snprintf(buf, cap, fmt, v);
}

static void print_header(void)
{
    printf("%-5s %-5s %-5s %3s %3s %10s %10s %9s %9s %8s %8s %6s %6s %7s %7s %9s %7s %7s\n",
           "shape", "reset", "mode", "thr", "lgT", "libgru_ms", "oneDNN_ms", "lg_min", "dn_min",
           "lg_GF/s", "dn_GF/s", "lg_%pk", "dn_%pk", "ratio", "pratio", "maxdiff", "lg_MiB",
           "dn_MiB");
}

static void print_row(const result *r)
{
    char a[32], b[32], c[32], d[32], e[32], f[32], g[32], h[32], i[32], j[32], m1[32], m2[32];
    char pr[32];
    double lg_gf = r->flops / (r->lg_ms * 1e-3) * 1e-9;
    double dn_gf = r->flops / (r->dn_ms * 1e-3) * 1e-9;
    fmt_num(a, sizeof a, "%.3f", r->lg_ms);
    fmt_num(b, sizeof b, "%.3f", r->dn_ms);
    fmt_num(m1, sizeof m1, "%.3f", r->lg_min);
    fmt_num(m2, sizeof m2, "%.3f", r->dn_min);
    fmt_num(c, sizeof c, "%.1f", lg_gf);
    fmt_num(d, sizeof d, "%.1f", dn_gf);
    fmt_num(e, sizeof e, "%.1f", r->peak > 0 ? 100.0 * lg_gf / r->peak : NAN);
    fmt_num(f, sizeof f, "%.1f", r->peak > 0 ? 100.0 * dn_gf / r->peak : NAN);
    fmt_num(g, sizeof g, "%.3f", r->dn_ms / r->lg_ms);
    fmt_num(pr, sizeof pr, "%.3f", r->pratio);
    double md = r->maxdiff;
    if (r->maxdiff_grad == r->maxdiff_grad && (md != md || r->maxdiff_grad > md))
        md = r->maxdiff_grad;
    fmt_num(h, sizeof h, "%.2e", md);
    /* Tolerances for "the same GRU": outputs within 1e-4 absolute (|y| <= 1), gradients
     * within 1e-3 of their scale. A mismatch is flagged, not fatal, so the timing stays. */
    bool mismatch = (r->maxdiff == r->maxdiff && !(r->maxdiff <= 1e-4)) ||
                    (r->maxdiff_grad == r->maxdiff_grad && !(r->maxdiff_grad <= 1e-3));
    fmt_num(i, sizeof i, "%.1f", r->lg_mem);
    fmt_num(j, sizeof j, "%.1f", r->dn_mem);
    char lgt[8];
    if (r->lg_ms == r->lg_ms) snprintf(lgt, sizeof lgt, "%d", r->lg_threads);
    else snprintf(lgt, sizeof lgt, "-");
    printf("%-5s %-5s %-5s %3d %3s %10s %10s %9s %9s %8s %8s %6s %6s %7s %7s %9s %7s %7s\n",
           r->s->name, r->reset_after ? "TRUE" : "FALSE", MODE_NAME[r->mode],
           r->threads, lgt, a, b, m1, m2, c, d, e, f, g, pr, h, i, j);
    if (mismatch)
        printf("  ^ MISMATCH: libgru and oneDNN disagree on this case (maxdiff above)\n");
    fflush(stdout);
}

static void write_csv(const char *path, const result *rs, int n, const double *peaks)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench_gru: cannot write %s\n", path);
        return;
    }
    fprintf(f, "shape,B,T,I,H,reset_after,mode,threads,lg_threads,libgru_ms,onednn_ms,"
               "gflop,peak_gflops,maxdiff,maxdiff_grad,lg_reps,dn_reps,lg_mib,dn_mib,"
               "dn_workspace_bytes,dn_scratchpad_fwd_bytes,dn_scratchpad_bwd_bytes,"
               "dn_weights_bytes,lg_workspace_bytes,libgru_min_ms,onednn_min_ms,loadavg,rtt_ns,"
               "paired_ratio,stream_seq_paired_ratio\n");
    for (int i = 0; i < n; i++) {
        const result *r = &rs[i];
        fprintf(f, "%s,%lld,%lld,%lld,%lld,%d,%s,%d,%d,%.6f,%.6f,%.6f,%.2f,%.3e,%.3e,%d,%d,"
                   "%.2f,%.2f,%zu,%zu,%zu,%zu,%zu,%.6f,%.6f,%.2f,%.0f,%.4f,%.4f\n",
                r->s->name, (long long)r->s->B, (long long)r->s->T, (long long)r->s->I,
                (long long)r->s->H, r->reset_after, MODE_NAME[r->mode], r->threads,
                r->lg_threads, r->lg_ms, r->dn_ms, r->flops * 1e-9, r->peak, r->maxdiff,
                r->maxdiff_grad, r->lg_reps, r->dn_reps, r->lg_mem, r->dn_mem,
                r->dn_sizes.workspace, r->dn_sizes.scratchpad_fwd, r->dn_sizes.scratchpad_bwd,
                r->dn_sizes.weights, r->lg_workspace, r->lg_min, r->dn_min, r->load, r->rtt,
                r->pratio, r->seq_pratio);
    }
    (void)peaks;
    fclose(f);
}

int main(int argc, char **argv)
{
    options o;
    if (parse_args(argc, argv, &o) != 0) return 2;

    if (!o.quiet) {
        printf("bench_gru: libgru %s, oneDNN %s, OpenMP %s, libgru threads API %s, "
               "libgru training API %s\n",
#ifdef BENCH_WITH_LIBGRU
               gru_version(),
#else
               "(not built)",
#endif
               bench_dnnl_version(),
#ifdef _OPENMP
               "yes",
#else
               "no",
#endif
#ifdef BENCH_HAVE_SET_THREADS
               "yes",
#else
               "no (libgru runs on 1 thread)",
#endif
               lg_can_train() ? "yes" : "no (training: oneDNN only)");
    }

    if (o.selfcheck && selfcheck(o.quiet) != 0) {
        fprintf(stderr, "bench_gru: self-check FAILED: the libraries do not compute the same "
                        "GRU as the float64 reference\n");
        return 1;
    }

    /* FMA peak for each thread count used. */
    double peaks[65] = {0};
    for (int i = 0; i < o.nthreads; i++) {
        int n = o.threads[i];
        if (n > 64) continue;
        if (n <= 2 && o.peak[n] > 0) {
            peaks[n] = o.peak[n];
        } else if (!o.no_peak) {
#if defined(__x86_64__) || defined(__i386__)
            /* The best of several short samples: a ceiling, robust to other load. */
            /* the widest FMAs the CPU has: the ceiling of libgru's kernel for it */
            int w512 = __builtin_cpu_supports("avx512f");
            int w256 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
            if (w512 || w256)
                for (int k = 0; k < 6; k++) {
                    double p = w512 ? bench_fma_peak_avx512(n, 0.08)
                                    : bench_fma_peak_avx2(n, 0.08);
                    if (p > peaks[n]) peaks[n] = p;
                }
#endif
        }
        if (!o.quiet)
            printf("FMA peak (%d thread%s): %s%.0f GFLOP/s\n", n, n > 1 ? "s" : "",
                   peaks[n] > 0 ? "" : "unknown ", peaks[n]);
    }

    result rs[NSHAPES * 3 * 2 * 8];
    int nr = 0;
    if (!o.quiet) printf("\n");
    print_header();
    double t_start = now_s();
    for (int si = 0; si < NSHAPES; si++) {
        if (!o.shape_on[si]) continue;
        for (int mode = 0; mode < 3; mode++) {
            if (!o.mode_on[mode]) continue;
            if (mode == MODE_STREAM && SHAPES[si].B != 1) continue; /* streaming: B = 1 */
            for (int ra = 0; ra <= 1; ra++) {
                if (!o.variant_on[ra]) continue;
                for (int ti = 0; ti < o.nthreads; ti++) {
                    int n = o.threads[ti];
                    run_case(&o, &SHAPES[si], ra, mode, n, n <= 64 ? peaks[n] : 0,
                             &rs[nr]);
                    print_row(&rs[nr]);
                    nr++;
                }
            }
        }
    }
    if (!o.quiet) {
        printf("\nlibgru_ms / oneDNN_ms: median; lg_min / dn_min: fastest repetition. "
               "ratio = oneDNN ms / libgru ms (medians;\n> 1: libgru faster); pratio = the median "
               "of oneDNN ms / libgru ms over the repetitions,\neach pair run next to each "
               "other. GFLOP/s and %%pk from the medians: forward = 2*B*T*3H*(I+H) FLOPs,\n"
               "train = 3x.\n"
               "maxdiff = max |libgru - oneDNN| over the output sequence, and over each "
               "gradient divided by max(1, its largest |value|)\nwhen both train.\n"
               "lg_MiB / dn_MiB = resident memory added by each library's setup and first "
               "run; process peak RSS %.1f MiB.\n",
               peak_rss_mib());
        double rlo = INFINITY, rhi = -INFINITY;
        for (int i = 0; i < nr; i++)
            if (rs[i].rtt == rs[i].rtt) {
                rlo = rs[i].rtt < rlo ? rs[i].rtt : rlo;
                rhi = rs[i].rtt > rhi ? rs[i].rtt : rhi;
            }
        if (rlo <= rhi)
            printf("cross-core round trip before the multi-thread cases: %.0f-%.0f ns (what a "
                   "barrier costs; on a VM it moves with where the host runs the vCPUs)\n",
                   rlo, rhi);
        for (int i = 0; i < nr; i++) {
            const result *r = &rs[i];
            if (r->mode == MODE_STREAM) {
                /* Per-step cost of the streaming call vs inside a whole-sequence call. */
                const result *w = NULL;
                for (int j = 0; j < nr; j++)
                    if (rs[j].s == r->s && rs[j].mode == MODE_INFER &&
                        rs[j].reset_after == r->reset_after && rs[j].threads == r->threads)
                        w = &rs[j];
                double T = (double)r->s->T;
                printf("%s reset_after=%d stream, %d thread(s): libgru %.3f us/step", r->s->name,
                       r->reset_after, r->threads, 1e3 * r->lg_ms / T);
                if (w && w->lg_ms == w->lg_ms)
                    printf(" (%.2fx its whole-sequence per-step %.3f us)",
                           r->lg_ms / w->lg_ms, 1e3 * w->lg_ms / T);
                if (r->seq_pratio == r->seq_pratio)
                    printf(" (paired with a whole-sequence call next to each stream: %.2fx)",
                           r->seq_pratio);
                printf(", oneDNN T=1 %.3f us/step (%.2fx libgru's)\n", 1e3 * r->dn_ms / T,
                       r->dn_ms / r->lg_ms);
                continue;
            }
            if (i > 0 && rs[i - 1].s == r->s && rs[i - 1].mode == r->mode &&
                rs[i - 1].reset_after == r->reset_after)
                continue;
            printf("%s reset_after=%d %s:", r->s->name, r->reset_after, MODE_NAME[r->mode]);
            if (r->dn_ms == r->dn_ms)
                printf(" oneDNN workspace %.2f MiB, scratchpad fwd %.2f MiB bwd %.2f MiB, "
                       "weights %.2f MiB;",
                       r->dn_sizes.workspace / 1048576.0, r->dn_sizes.scratchpad_fwd / 1048576.0,
                       r->dn_sizes.scratchpad_bwd / 1048576.0, r->dn_sizes.weights / 1048576.0);
            if (r->train && r->lg_ms == r->lg_ms)
                printf(" libgru training workspace %.2f MiB", r->lg_workspace / 1048576.0);
            printf("\n");
        }
        printf("total %.1f s\n", now_s() - t_start);
    }
    if (o.csv) write_csv(o.csv, rs, nr, peaks);
    return 0;
}
