/* Tests of the random number generator (src/rng.c) and of every Keras initializer
 * (gru_initializer_fill, src/init.c).
 *
 * References, all independent of the code under test:
 *   - the generator: splitmix64 / xoshiro256** written out again below from the published
 *     algorithms, plus the published first output of splitmix64 for seed 0;
 *   - the distributions: their textbook moments (mean, variance, fourth moment), the
 *     truncated-normal moments computed here from erf, Keras's fan and scale rules as
 *     stated in tf_keras initializers.py;
 *   - orthogonal: W W^T = gain^2 I checked in double here.
 *
 * Statistical checks use fixed seeds, so they are deterministic; their tolerances are
 * Z_TOL = 5 standard errors of the statistic (a correct implementation fails one check
 * with probability ~6e-7 per check and seed), and the standard errors come from the
 * distribution's own moments: SE(mean) = sd / sqrt(n), SE(var) = sqrt((mu4 - var^2) / n).
 */
#include "gru.h"
#include "gru_internal.h"
#include "test_util.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define Z_TOL 5.0

/* ---- independent reference of the generator ------------------------------------- */

static uint64_t ref_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t ref_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** as published by Blackman & Vigna (2018). */
static uint64_t ref_xoshiro(uint64_t s[4])
{
    const uint64_t result = ref_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ref_rotl(s[3], 45);
    return result;
}

/* ---- moments -------------------------------------------------------------------- */

typedef struct stats {
    int64_t n;
    double mean, var;  /* sample mean, unbiased sample variance */
    double m3, m4;     /* central third and fourth moments (1/n) */
    double min, max;
} stats;

static stats moments(const double *v, int64_t n)
{
    stats s = {n, 0, 0, 0, 0, INFINITY, -INFINITY};
    for (int64_t i = 0; i < n; i++) {
        s.mean += v[i];
        if (v[i] < s.min)
            s.min = v[i];
        if (v[i] > s.max)
            s.max = v[i];
    }
    s.mean /= (double)n;
    double m2 = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = v[i] - s.mean;
        m2 += d * d;
        s.m3 += d * d * d;
        s.m4 += d * d * d * d;
    }
    s.var = n > 1 ? m2 / (double)(n - 1) : 0.0;
    s.m3 /= (double)n;
    s.m4 /= (double)n;
    return s;
}

/* Standard normal truncated to [-a, a]: variance and fourth moment, from erf. */
static double phi(double x) { return exp(-0.5 * x * x) / 2.5066282746310002 /* sqrt(2 pi) */; }
static double trunc_var(double a) { return 1.0 - 2.0 * a * phi(a) / erf(a / sqrt(2.0)); }
static double trunc_m4(double a)
{
    return 3.0 - (6.0 * a + 2.0 * a * a * a) * phi(a) / erf(a / sqrt(2.0));
}

/* The family a sample should follow. */
typedef enum fam { F_NORMAL, F_TRUNC, F_UNIFORM } fam;

/* F_NORMAL: N(mu, p^2); F_TRUNC: N(mu, p^2) truncated at mu +- 2p; F_UNIFORM: U(mu-p, mu+p). */
static void check_family(const char *what, const double *v, int64_t n, fam f, double mu,
                         double p)
{
    stats s = moments(v, n);
    double var, mu4, lo = -INFINITY, hi = INFINITY;
    if (f == F_NORMAL) {
        var = p * p;
        mu4 = 3.0 * var * var;
    } else if (f == F_TRUNC) {
        var = p * p * trunc_var(2.0);
        mu4 = p * p * p * p * trunc_m4(2.0);
        lo = mu - 2.0 * p;
        hi = mu + 2.0 * p;
    } else {
        var = p * p / 3.0;
        mu4 = p * p * p * p / 5.0;
        lo = mu - p;
        hi = mu + p;
    }
    /* bounds, with one float32 rounding of slack */
    double slack = 1e-6 * (fabs(mu) + p);
    CHECK_MSG(s.min >= lo - slack && s.max <= hi + slack,
              "%s: values in [%g, %g], expected within [%g, %g]", what, s.min, s.max, lo, hi);
    if (n < 2)
        return;
    double se_mean = sqrt(var / (double)n);
    double se_var = sqrt((mu4 - var * var) / (double)n);
    CHECK_MSG(fabs(s.mean - mu) <= Z_TOL * se_mean,
              "%s: mean %.6g, expected %.6g +- %.3g (n %lld)", what, s.mean, mu,
              Z_TOL * se_mean, (long long)n);
    CHECK_MSG(fabs(s.var - var) <= Z_TOL * se_var,
              "%s: variance %.6g, expected %.6g +- %.3g (n %lld)", what, s.var, var,
              Z_TOL * se_var, (long long)n);
    if (n >= 20000) {
        /* shape of the distribution: the standardized fourth moment (3 normal, 2.36..
         * truncated, 1.8 uniform), to 0.15 -- far apart, and ~8 SE at n = 20000. */
        double kurt = s.m4 / (s.var * s.var), want = mu4 / (var * var);
        CHECK_MSG(fabs(kurt - want) <= 0.15, "%s: kurtosis %.4f, expected %.4f", what, kurt,
                  want);
        /* the support is used up to its ends */
        if (f != F_NORMAL)
            CHECK_MSG(s.min < lo + 0.01 * (hi - lo) && s.max > hi - 0.01 * (hi - lo),
                      "%s: range [%g, %g] does not reach [%g, %g]", what, s.min, s.max, lo,
                      hi);
        else
            CHECK_MSG(s.min < mu - 3.0 * p && s.max > mu + 3.0 * p,
                      "%s: range [%g, %g] has no values beyond 3 sd", what, s.min, s.max);
    }
}

/* ---- helpers ---------------------------------------------------------------------- */

static gru_initializer mk(gru_init_kind kind)
{
    gru_initializer in;
    memset(&in, 0, sizeof in);
    in.kind = kind;
    in.stddev = 0.05;
    in.minval = -0.05;
    in.maxval = 0.05;
    in.gain = 1.0;
    in.scale = 1.0;
    in.mode = GRU_FAN_IN;
    in.distribution = GRU_DIST_TRUNCATED_NORMAL;
    return in;
}

/* Fill a (rows, cols) array (ndim 2) or (rows) (ndim 1) of dtype dt and return it as
 * doubles (malloc'd), or NULL on a failed fill (reported). */
static double *fill(const gru_initializer *in, gru_dtype dt, int ndim, int64_t rows,
                    int64_t cols, uint64_t seed)
{
    int64_t shape[2] = {rows, cols};
    int64_t n = ndim == 2 ? rows * cols : rows;
    void *buf = malloc((size_t)n * gru_dtype_size(dt));
    double *out = malloc((size_t)n * sizeof(double));
    int rc = gru_initializer_fill(in, dt, ndim, shape, seed, buf);
    CHECK_MSG(rc == GRU_OK, "fill %s (%lld, %lld): %d %s", gru_status_name(rc),
              (long long)rows, (long long)cols, rc, gru_errmsg());
    if (rc != GRU_OK) {
        free(buf);
        free(out);
        return NULL;
    }
    for (int64_t i = 0; i < n; i++)
        out[i] = dt == GRU_FLOAT32 ? (double)((float *)buf)[i] : ((double *)buf)[i];
    free(buf);
    return out;
}

/* ---- the generator ---------------------------------------------------------------------- */

static void test_rng(void)
{
    /* seeding is splitmix64: published first output for seed 0 */
    gru__rng r;
    gru__rng_seed(&r, 0);
    CHECK(r.s[0] == 0xe220a8397b1dcdafull);

    /* the stream is xoshiro256** of the splitmix64 state, for several seeds */
    const uint64_t seeds[] = {0, 1, 42, 0xffffffffffffffffull, 0x0123456789abcdefull};
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        uint64_t x = seeds[k], s[4];
        for (int i = 0; i < 4; i++)
            s[i] = ref_splitmix64(&x);
        gru__rng_seed(&r, seeds[k]);
        int same = 1;
        for (int i = 0; i < 10000; i++)
            same &= gru__rng_next(&r) == ref_xoshiro(s);
        CHECK_MSG(same, "seed %llu: stream differs from reference xoshiro256**",
                  (unsigned long long)seeds[k]);
    }

    /* determinism of uniform and normal; different seeds give different streams */
    gru__rng a, b, c;
    gru__rng_seed(&a, 1234);
    gru__rng_seed(&b, 1234);
    gru__rng_seed(&c, 1235);
    int same = 1, differ = 0;
    for (int i = 0; i < 1000; i++) {
        double ua = gru__rng_uniform(&a), ub = gru__rng_uniform(&b), uc = gru__rng_uniform(&c);
        double na = gru__rng_normal(&a), nb = gru__rng_normal(&b), nc = gru__rng_normal(&c);
        same &= memcmp(&ua, &ub, sizeof ua) == 0 && memcmp(&na, &nb, sizeof na) == 0;
        differ += ua != uc;
        differ += na != nc;
    }
    CHECK(same);
    CHECK(differ >= 1990);

    /* uniform: [0, 1), 53 bits (multiples of 2^-53, odd multiples too), moments */
    enum { N = 400000 };
    double *v = malloc(N * sizeof(double));
    gru__rng_seed(&r, 7);
    int in_range = 1, odd = 0;
    for (int i = 0; i < N; i++) {
        v[i] = gru__rng_uniform(&r);
        in_range &= v[i] >= 0.0 && v[i] < 1.0;
        double k = v[i] * 0x1.0p53;
        in_range &= k == floor(k);
        odd += fmod(k, 2.0) == 1.0;
    }
    CHECK(in_range);
    CHECK_MSG(odd > N / 2 - 5 * 316 && odd < N / 2 + 5 * 316, "lowest bit set %d of %d", odd,
              N);
    check_family("rng uniform", v, N, F_UNIFORM, 0.5, 0.5);
    /* a 16-bin histogram: each bin within 5 SE of N/16 */
    {
        int64_t bins[16] = {0};
        for (int i = 0; i < N; i++)
            bins[(int)(v[i] * 16)]++;
        double e = N / 16.0, se = sqrt(e * (1 - 1 / 16.0));
        int ok = 1;
        for (int i = 0; i < 16; i++)
            ok &= fabs((double)bins[i] - e) <= Z_TOL * se;
        CHECK_MSG(ok, "uniform histogram is not flat");
    }

    /* normal: mean 0, variance 1, skewness 0, kurtosis 3, P(|z| > 1.96) = 0.05 */
    gru__rng_seed(&r, 8);
    int64_t tail = 0;
    int finite = 1;
    for (int i = 0; i < N; i++) {
        v[i] = gru__rng_normal(&r);
        finite &= isfinite(v[i]);
        tail += fabs(v[i]) > 1.959963984540054;
    }
    CHECK(finite);
    check_family("rng normal", v, N, F_NORMAL, 0.0, 1.0);
    stats s = moments(v, N);
    CHECK_MSG(fabs(s.m3) <= Z_TOL * sqrt(15.0 / N), "normal skewness %g", s.m3);
    CHECK_MSG(fabs(s.m4 - 3.0) <= Z_TOL * sqrt(96.0 / N), "normal fourth moment %g", s.m4);
    double p = 0.05, se_tail = sqrt(p * (1 - p) / N);
    CHECK_MSG(fabs((double)tail / N - p) <= Z_TOL * se_tail, "normal tail fraction %g",
              (double)tail / N);
    free(v);
}

/* ---- distributions of the random initializers ------------------------------------------ */

typedef struct shape_case {
    int ndim;
    int64_t rows, cols;
} shape_case;

/* kernel (I, 3H), recurrent_kernel (H, 3H), bias (3H) and (2, 3H), a big square, a tall one */
static const shape_case SHAPES[] = {
    {2, 8, 96}, {2, 64, 192}, {1, 96, 1}, {2, 2, 96}, {2, 300, 900}, {2, 700, 50}, {2, 1, 1},
};
#define NSHAPES (sizeof SHAPES / sizeof SHAPES[0])

/* The fan of a shape for a mode, by Keras's rule. */
static double fan_of(const shape_case *sc, gru_fan_mode mode)
{
    double fi = (double)sc->rows, fo = sc->ndim == 2 ? (double)sc->cols : (double)sc->rows;
    double f = mode == GRU_FAN_IN ? fi : mode == GRU_FAN_OUT ? fo : (fi + fo) / 2.0;
    return f < 1.0 ? 1.0 : f;
}

/* Expected family and parameter of VS(scale, mode, dist) for a shape. */
static void vs_expect(const shape_case *sc, double scale, gru_fan_mode mode,
                      gru_distribution dist, fam *f, double *p)
{
    double s = scale / fan_of(sc, mode);
    if (dist == GRU_DIST_TRUNCATED_NORMAL) {
        *f = F_TRUNC;
        *p = sqrt(s) / 0.87962566103423978; /* Keras's constant */
    } else if (dist == GRU_DIST_UNTRUNCATED_NORMAL) {
        *f = F_NORMAL;
        *p = sqrt(s);
    } else {
        *f = F_UNIFORM;
        *p = sqrt(3.0 * s);
    }
}

static void run_case(const char *name, const gru_initializer *in, const shape_case *sc,
                     fam f, double mu, double p, uint64_t seed)
{
    for (int d = 0; d < 2; d++) {
        gru_dtype dt = d ? GRU_FLOAT64 : GRU_FLOAT32;
        char what[160];
        snprintf(what, sizeof what, "%s %s (%lld%s%lld) seed %llu", name,
                 gru_dtype_name(dt), (long long)sc->rows, sc->ndim == 2 ? ", " : ",",
                 sc->ndim == 2 ? (long long)sc->cols : 0LL, (unsigned long long)seed);
        double *v = fill(in, dt, sc->ndim, sc->rows, sc->cols, seed + (uint64_t)d);
        if (!v)
            continue;
        int64_t n = sc->ndim == 2 ? sc->rows * sc->cols : sc->rows;
        check_family(what, v, n, f, mu, p);
        free(v);
    }
}

static void test_random_distributions(void)
{
    /* the constant itself: truncnorm(-2, 2).std() */
    CHECK(fabs(sqrt(trunc_var(2.0)) - 0.87962566103423978) < 1e-12);

    uint64_t seed = 100;
    for (size_t k = 0; k < NSHAPES; k++) {
        const shape_case *sc = &SHAPES[k];
        gru_initializer in;
        fam f;
        double p;

        in = mk(GRU_INIT_RANDOM_NORMAL); /* Keras defaults: mean 0, stddev 0.05 */
        run_case("random_normal", &in, sc, F_NORMAL, 0.0, 0.05, seed++);
        in.mean = -1.5;
        in.stddev = 3.0;
        run_case("random_normal(-1.5, 3)", &in, sc, F_NORMAL, -1.5, 3.0, seed++);

        in = mk(GRU_INIT_TRUNCATED_NORMAL);
        run_case("truncated_normal", &in, sc, F_TRUNC, 0.0, 0.05, seed++);
        in.mean = 2.0;
        in.stddev = 0.5;
        run_case("truncated_normal(2, 0.5)", &in, sc, F_TRUNC, 2.0, 0.5, seed++);

        in = mk(GRU_INIT_RANDOM_UNIFORM);
        run_case("random_uniform", &in, sc, F_UNIFORM, 0.0, 0.05, seed++);
        in.minval = 1.0;
        in.maxval = 4.0;
        run_case("random_uniform(1, 4)", &in, sc, F_UNIFORM, 2.5, 1.5, seed++);

        struct {
            gru_init_kind kind;
            const char *name;
            double scale;
            gru_fan_mode mode;
            gru_distribution dist;
        } named[] = {
            {GRU_INIT_GLOROT_UNIFORM, "glorot_uniform", 1, GRU_FAN_AVG, GRU_DIST_UNIFORM},
            {GRU_INIT_GLOROT_NORMAL, "glorot_normal", 1, GRU_FAN_AVG, GRU_DIST_TRUNCATED_NORMAL},
            {GRU_INIT_HE_NORMAL, "he_normal", 2, GRU_FAN_IN, GRU_DIST_TRUNCATED_NORMAL},
            {GRU_INIT_HE_UNIFORM, "he_uniform", 2, GRU_FAN_IN, GRU_DIST_UNIFORM},
            {GRU_INIT_LECUN_NORMAL, "lecun_normal", 1, GRU_FAN_IN, GRU_DIST_TRUNCATED_NORMAL},
            {GRU_INIT_LECUN_UNIFORM, "lecun_uniform", 1, GRU_FAN_IN, GRU_DIST_UNIFORM},
        };
        for (size_t j = 0; j < sizeof named / sizeof named[0]; j++) {
            in = mk(named[j].kind);
            in.scale = 123.0; /* ignored by the named kinds */
            in.mode = GRU_FAN_OUT;
            vs_expect(sc, named[j].scale, named[j].mode, named[j].dist, &f, &p);
            run_case(named[j].name, &in, sc, f, 0.0, p, seed++);
        }

        const double scales[] = {1.0, 0.3, 2.0};
        for (int mode = 0; mode < 3; mode++)
            for (int dist = 0; dist < 3; dist++) {
                in = mk(GRU_INIT_VARIANCE_SCALING);
                in.scale = scales[(mode + dist) % 3];
                in.mode = (gru_fan_mode)mode;
                in.distribution = (gru_distribution)dist;
                char name[96];
                snprintf(name, sizeof name, "variance_scaling(%g, mode %d, dist %d)", in.scale,
                         mode, dist);
                vs_expect(sc, in.scale, in.mode, in.distribution, &f, &p);
                run_case(name, &in, sc, f, 0.0, p, seed++);
            }
    }

    /* glorot_uniform on the kernel (I, 3H): L = sqrt(6 / (I + 3H)), var L^2 / 3, written
     * out directly as SEMANTICS.md states it */
    {
        int64_t I = 40, H = 128;
        gru_initializer in = mk(GRU_INIT_GLOROT_UNIFORM);
        double *v = fill(&in, GRU_FLOAT32, 2, I, 3 * H, 5);
        double L = sqrt(6.0 / (double)(I + 3 * H));
        if (v) {
            check_family("glorot_uniform kernel (40, 384)", v, I * 3 * H, F_UNIFORM, 0.0, L);
            free(v);
        }
    }
    /* the modes are told apart: he_normal on (100, 400) has variance 2/100, not 2/250 */
    {
        gru_initializer in = mk(GRU_INIT_HE_NORMAL);
        double *v = fill(&in, GRU_FLOAT64, 2, 100, 400, 6);
        if (v) {
            stats s = moments(v, 40000);
            CHECK_MSG(fabs(s.var - 0.02) < 0.001, "he_normal variance %g, want 0.02", s.var);
            free(v);
        }
    }
}

/* ---- deterministic initializers ------------------------------------------------------------ */

static void test_constants(void)
{
    const int64_t shapes[][3] = {{2, 5, 7}, {1, 13, 0}, {2, 2, 24}, {2, 1, 1}};
    for (size_t k = 0; k < 4; k++) {
        int ndim = (int)shapes[k][0];
        int64_t rows = shapes[k][1], cols = shapes[k][2];
        int64_t n = ndim == 2 ? rows * cols : rows;
        for (int d = 0; d < 2; d++) {
            gru_dtype dt = d ? GRU_FLOAT64 : GRU_FLOAT32;
            struct {
                gru_init_kind kind;
                double value;
            } cases[] = {{GRU_INIT_ZEROS, 0.0}, {GRU_INIT_ONES, 1.0},
                         {GRU_INIT_CONSTANT, 0.3}, {GRU_INIT_CONSTANT, -7.25e-3}};
            for (size_t c = 0; c < 4; c++) {
                gru_initializer in = mk(cases[c].kind);
                in.value = cases[c].value;
                double *v = fill(&in, dt, ndim, rows, cols, 1);
                if (!v)
                    continue;
                double want = dt == GRU_FLOAT32 ? (double)(float)cases[c].value
                                                : cases[c].value;
                int ok = 1;
                for (int64_t i = 0; i < n; i++)
                    ok &= v[i] == want && !signbit(v[i]) == !signbit(want);
                CHECK_MSG(ok, "%s %g %s: not exact", gru_dtype_name(dt), cases[c].value,
                          cases[c].kind == GRU_INIT_ZEROS ? "zeros" : "");
                free(v);
            }
        }
    }
}

static void test_identity(void)
{
    const int64_t shapes[][2] = {{5, 5}, {3, 7}, {7, 3}, {1, 1}, {16, 48}};
    const double gains[] = {1.0, 1.5, -0.25, 0.0};
    for (size_t k = 0; k < 5; k++)
        for (size_t g = 0; g < 4; g++)
            for (int d = 0; d < 2; d++) {
                gru_dtype dt = d ? GRU_FLOAT64 : GRU_FLOAT32;
                gru_initializer in = mk(GRU_INIT_IDENTITY);
                in.gain = gains[g];
                int64_t rows = shapes[k][0], cols = shapes[k][1];
                double *v = fill(&in, dt, 2, rows, cols, 3);
                if (!v)
                    continue;
                int ok = 1;
                for (int64_t i = 0; i < rows; i++)
                    for (int64_t j = 0; j < cols; j++)
                        ok &= v[i * cols + j] == (i == j ? gains[g] : 0.0);
                CHECK_MSG(ok, "identity (%lld, %lld) gain %g %s", (long long)rows,
                          (long long)cols, gains[g], gru_dtype_name(dt));
                free(v);
            }
}

/* ---- orthogonal ----------------------------------------------------------------------------- */

/* max |(W W^T)[i][j] - g2 delta_ij| over rows (rows_first) or the same for W^T W. */
static double gram_err(const double *w, int64_t rows, int64_t cols, double g2, int of_rows)
{
    double worst = 0;
    int64_t k = of_rows ? rows : cols, len = of_rows ? cols : rows;
    for (int64_t a = 0; a < k; a++)
        for (int64_t b = a; b < k; b++) {
            double s = 0;
            for (int64_t t = 0; t < len; t++) {
                double x = of_rows ? w[a * cols + t] : w[t * cols + a];
                double y = of_rows ? w[b * cols + t] : w[t * cols + b];
                s += x * y;
            }
            double e = fabs(s - (a == b ? g2 : 0.0));
            if (e > worst)
                worst = e;
        }
    return worst;
}

static void test_orthogonal(void)
{
    const int64_t shapes[][2] = {
        {1, 3},  {5, 15}, {32, 96}, {64, 192}, {100, 300}, /* recurrent kernels (H, 3H) */
        {1, 1},  {7, 7},  {64, 64},                        /* square */
        {96, 32}, {10, 3},                                 /* tall: orthonormal columns */
    };
    const double gains[] = {1.0, 2.5, -0.5};
    uint64_t seed = 900;
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
        for (size_t g = 0; g < 3; g++)
            for (int d = 0; d < 2; d++) {
                gru_dtype dt = d ? GRU_FLOAT64 : GRU_FLOAT32;
                int64_t rows = shapes[k][0], cols = shapes[k][1];
                gru_initializer in = mk(GRU_INIT_ORTHOGONAL);
                in.gain = gains[g];
                double *v = fill(&in, dt, 2, rows, cols, seed++);
                if (!v)
                    continue;
                double g2 = gains[g] * gains[g];
                double tol = (dt == GRU_FLOAT32 ? 1e-5 : 1e-12) * g2;
                if (rows <= cols) {
                    double e = gram_err(v, rows, cols, g2, 1);
                    CHECK_MSG(e <= tol, "orthogonal (%lld, %lld) gain %g %s: |W W^T - g^2 I| "
                              "= %g > %g", (long long)rows, (long long)cols, gains[g],
                              gru_dtype_name(dt), e, tol);
                }
                if (rows >= cols) {
                    double e = gram_err(v, rows, cols, g2, 0);
                    CHECK_MSG(e <= tol, "orthogonal (%lld, %lld) gain %g %s: |W^T W - g^2 I| "
                              "= %g > %g", (long long)rows, (long long)cols, gains[g],
                              gru_dtype_name(dt), e, tol);
                }
                /* not a trivial matrix: for a wide one, per-gate blocks are not
                 * orthogonal (the whole matrix is) -- block z of (H, 3H) has W_z W_z^T
                 * != g^2 I when H > 1 */
                if (cols == 3 * rows && rows >= 5) {
                    double *blk = malloc((size_t)(rows * rows) * sizeof(double));
                    for (int64_t i = 0; i < rows; i++)
                        for (int64_t j = 0; j < rows; j++)
                            blk[i * rows + j] = v[i * cols + j];
                    CHECK(gram_err(blk, rows, rows, g2, 1) > 0.01 * g2);
                    free(blk);
                }
                free(v);
            }

    /* Haar distribution: sign(diag(R)) applied. W[0][0] of a 4x4 has mean 0 and
     * E[w^2] = 1/4; without the sign correction it would be always of one sign.
     * Over all entries of a (3, 6) matrix: E[w] = 0, E[w^2] = 1/6. */
    {
        enum { S = 2000 };
        double *first = malloc(S * sizeof(double));
        int pos = 0;
        for (int s = 0; s < S; s++) {
            gru_initializer in = mk(GRU_INIT_ORTHOGONAL);
            double *v = fill(&in, GRU_FLOAT64, 2, 4, 4, 5000 + (uint64_t)s);
            first[s] = v ? v[0] : 0;
            pos += first[s] > 0;
            free(v);
        }
        stats st = moments(first, S);
        /* w = x / |x| for x ~ N(0, I_4): E w^2 = 1/4, E w^4 = 3/24 = 1/8 */
        CHECK_MSG(fabs(st.mean) <= Z_TOL * sqrt(0.25 / S), "orthogonal W[0][0] mean %g",
                  st.mean);
        CHECK_MSG(fabs(st.var - 0.25) <= Z_TOL * sqrt((0.125 - 0.0625) / S),
                  "orthogonal W[0][0] variance %g", st.var);
        CHECK_MSG(abs(pos - S / 2) <= Z_TOL * sqrt(S / 4.0), "orthogonal W[0][0] > 0 in %d "
                  "of %d", pos, S);
        /* the diagonal entry of every row: same law for each position */
        int64_t pos_diag = 0, cnt = 0;
        for (int s = 0; s < 500; s++) {
            gru_initializer in = mk(GRU_INIT_ORTHOGONAL);
            double *v = fill(&in, GRU_FLOAT64, 2, 6, 18, 9000 + (uint64_t)s);
            for (int i = 0; v && i < 6; i++, cnt++)
                pos_diag += v[i * 18 + i] > 0;
            free(v);
        }
        CHECK_MSG(fabs((double)pos_diag - cnt / 2.0) <= Z_TOL * sqrt(cnt / 4.0),
                  "orthogonal (6, 18): diagonal > 0 in %lld of %lld", (long long)pos_diag,
                  (long long)cnt);
        /* (1, 1): +-gain, both signs */
        int plus = 0, minus = 0;
        for (int s = 0; s < 64; s++) {
            gru_initializer in = mk(GRU_INIT_ORTHOGONAL);
            in.gain = 3.0;
            double *v = fill(&in, GRU_FLOAT64, 2, 1, 1, (uint64_t)s);
            if (v) {
                plus += v[0] == 3.0;
                minus += v[0] == -3.0;
            }
            free(v);
        }
        CHECK_MSG(plus + minus == 64 && plus > 10 && minus > 10, "(1, 1): %d +, %d -", plus,
                  minus);
        free(first);
    }
}

/* ---- reproducibility ------------------------------------------------------------------------ */

static void test_reproducible(void)
{
    for (int kind = 0; kind < GRU_INIT_COUNT; kind++) {
        gru_initializer in = mk((gru_init_kind)kind);
        int64_t shape[2] = {12, 36};
        float a[432], b[432], c[432];
        double d64[432];
        CHECK_OK(gru_initializer_fill(&in, GRU_FLOAT32, 2, shape, 77, a));
        CHECK_OK(gru_initializer_fill(&in, GRU_FLOAT32, 2, shape, 77, b));
        CHECK_OK(gru_initializer_fill(&in, GRU_FLOAT32, 2, shape, 78, c));
        CHECK_OK(gru_initializer_fill(&in, GRU_FLOAT64, 2, shape, 77, d64));
        CHECK_MSG(memcmp(a, b, sizeof a) == 0, "kind %d: same seed, different bits", kind);
        int random = kind != GRU_INIT_ZEROS && kind != GRU_INIT_ONES &&
                     kind != GRU_INIT_CONSTANT && kind != GRU_INIT_IDENTITY;
        int ndiff = 0, f32_is_f64 = 1;
        for (int i = 0; i < 432; i++) {
            ndiff += a[i] != c[i];
            f32_is_f64 &= a[i] == (float)d64[i];
        }
        if (random)
            CHECK_MSG(ndiff >= 420, "kind %d: seeds 77 and 78 agree in %d of 432", kind,
                      432 - ndiff);
        else
            CHECK(ndiff == 0);
        /* computed in double, rounded once: float32 output = float64 output rounded */
        CHECK_MSG(f32_is_f64, "kind %d: float32 is not the float64 result rounded", kind);

        /* init->seed wins over the argument when has_seed */
        in.has_seed = true;
        in.seed = 77;
        CHECK_OK(gru_initializer_fill(&in, GRU_FLOAT32, 2, shape, 12345, c));
        CHECK_MSG(memcmp(a, c, sizeof a) == 0, "kind %d: has_seed not honoured", kind);
    }
    /* a known-stream check: random_uniform(0, 1) on (4, 3) is the generator's first 12
     * uniforms in C order (the reference xoshiro256** above, top 53 bits) */
    {
        gru_initializer in = mk(GRU_INIT_RANDOM_UNIFORM);
        in.minval = 0.0;
        in.maxval = 1.0;
        int64_t shape[2] = {4, 3};
        double w[12];
        CHECK_OK(gru_initializer_fill(&in, GRU_FLOAT64, 2, shape, 2024, w));
        uint64_t x = 2024, s[4];
        for (int i = 0; i < 4; i++)
            s[i] = ref_splitmix64(&x);
        int ok = 1;
        for (int i = 0; i < 12; i++)
            ok &= w[i] == (double)(ref_xoshiro(s) >> 11) * 0x1.0p-53;
        CHECK(ok);
    }
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void check_untouched(const float *buf, int n, const char *what)
{
    int ok = 1;
    for (int i = 0; i < n; i++)
        ok &= buf[i] == 12345.0f;
    CHECK_MSG(ok, "%s: output written on failure", what);
}

#define EXPECT_FAIL(in, dt, nd, shp, st, needle)                                         \
    do {                                                                                 \
        for (int i_ = 0; i_ < 64; i_++)                                                  \
            buf[i_] = 12345.0f;                                                          \
        CHECK_ERR(gru_initializer_fill((in), (dt), (nd), (shp), 1, buf), (st), (needle)); \
        check_untouched(buf, 64, needle);                                                \
    } while (0)

static void test_errors(void)
{
    float buf[64];
    int64_t s44[2] = {4, 4}, s8[1] = {8};
    gru_initializer in = mk(GRU_INIT_GLOROT_UNIFORM);

    CHECK_ERR(gru_initializer_fill(NULL, GRU_FLOAT32, 2, s44, 1, buf), GRU_ERR_NULL, "init");
    CHECK_ERR(gru_initializer_fill(&in, GRU_FLOAT32, 2, NULL, 1, buf), GRU_ERR_NULL, "shape");
    CHECK_ERR(gru_initializer_fill(&in, GRU_FLOAT32, 2, s44, 1, NULL), GRU_ERR_NULL, "data");

    in.kind = (gru_init_kind)-1;
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "kind");
    in.kind = GRU_INIT_COUNT;
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "kind");
    in.kind = GRU_INIT_GLOROT_UNIFORM;

    EXPECT_FAIL(&in, GRU_INT32, 2, s44, GRU_ERR_ARG, "dtype");
    EXPECT_FAIL(&in, GRU_FLOAT16, 2, s44, GRU_ERR_ARG, "dtype");
    EXPECT_FAIL(&in, GRU_DTYPE_INVALID, 2, s44, GRU_ERR_ARG, "dtype");
    EXPECT_FAIL(&in, (gru_dtype)99, 2, s44, GRU_ERR_ARG, "dtype");

    EXPECT_FAIL(&in, GRU_FLOAT32, 0, s44, GRU_ERR_ARG, "ndim");
    EXPECT_FAIL(&in, GRU_FLOAT32, 3, s44, GRU_ERR_ARG, "ndim");
    EXPECT_FAIL(&in, GRU_FLOAT32, -1, s44, GRU_ERR_ARG, "ndim");

    int64_t bad0[2] = {0, 4}, bad1[2] = {4, -3}, neg1[1] = {-8};
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, bad0, GRU_ERR_ARG, "shape[0]");
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, bad1, GRU_ERR_ARG, "shape[1]");
    EXPECT_FAIL(&in, GRU_FLOAT32, 1, neg1, GRU_ERR_ARG, "shape[0]");

    /* overflow of rows * cols (int64), and of the byte count (size_t) */
    int64_t huge[2] = {INT64_MAX / 2, 4}, huge2[2] = {(int64_t)1 << 31, (int64_t)1 << 31};
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, huge, GRU_ERR_ARG, "overflows");
    EXPECT_FAIL(&in, GRU_FLOAT64, 2, huge2, GRU_ERR_ARG, "overflows");
    /* orthogonal: float32 output of 2^62 bytes fits size_t, its double workspace does not */
    in = mk(GRU_INIT_ORTHOGONAL);
    int64_t ortho_big[2] = {(int64_t)1 << 30, (int64_t)1 << 31};
    if (sizeof(size_t) == 8)
        EXPECT_FAIL(&in, GRU_FLOAT32, 2, ortho_big, GRU_ERR_ARG, "workspace");

    /* 2-D only */
    EXPECT_FAIL(&in, GRU_FLOAT32, 1, s8, GRU_ERR_ARG, "2-D");
    in = mk(GRU_INIT_IDENTITY);
    EXPECT_FAIL(&in, GRU_FLOAT32, 1, s8, GRU_ERR_ARG, "2-D");

    /* parameters */
    const double nan = NAN, inf = INFINITY;
    gru_init_kind normals[] = {GRU_INIT_RANDOM_NORMAL, GRU_INIT_TRUNCATED_NORMAL};
    for (int k = 0; k < 2; k++) {
        in = mk(normals[k]);
        in.stddev = 0.0;
        EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "stddev");
        in.stddev = -1.0;
        EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "stddev");
        in.stddev = nan;
        EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "stddev");
        in.stddev = inf;
        EXPECT_FAIL(&in, GRU_FLOAT64, 2, s44, GRU_ERR_ARG, "stddev");
        in.stddev = 1e39; /* beyond float32 */
        EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "stddev");
        in.stddev = 1e38; /* fits float32, but mean + 9 stddev does not */
        EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "range of float32");
        in.stddev = 1e308; /* float64 likewise */
        EXPECT_FAIL(&in, GRU_FLOAT64, 2, s44, GRU_ERR_ARG, "range of float64");
        in.stddev = 1e37;
        in.mean = 3e38;
        EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "range of float32");
        in.stddev = 1.0;
        in.mean = nan;
        EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "mean");
        in.mean = -inf;
        EXPECT_FAIL(&in, GRU_FLOAT64, 2, s44, GRU_ERR_ARG, "mean");
    }
    in = mk(GRU_INIT_RANDOM_UNIFORM);
    in.minval = 1.0;
    in.maxval = 0.5;
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "minval");
    in.minval = nan;
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "minval");
    in.minval = 0.0;
    in.maxval = inf;
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "maxval");
    in.minval = -1e308;
    in.maxval = 1e308;
    EXPECT_FAIL(&in, GRU_FLOAT64, 2, s44, GRU_ERR_ARG, "overflows");
    /* minval == maxval is allowed (Keras returns the constant) */
    in.minval = in.maxval = 0.25;
    CHECK_OK(gru_initializer_fill(&in, GRU_FLOAT32, 2, s44, 1, buf));
    CHECK(buf[0] == 0.25f && buf[15] == 0.25f);

    in = mk(GRU_INIT_VARIANCE_SCALING);
    in.scale = 0.0;
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "scale");
    in.scale = -2.0;
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "scale");
    in.scale = nan;
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "scale");
    in.scale = inf;
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "scale");
    in.scale = 1e76; /* 9 sqrt(scale) / 0.88 > FLT_MAX at fan 1 */
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "range of float32");
    in.scale = 1e70; /* fine */
    CHECK_OK(gru_initializer_fill(&in, GRU_FLOAT32, 2, s44, 1, buf));
    CHECK(isfinite(buf[0]) && isfinite(buf[15]));
    in.scale = 1.0;
    in.mode = (gru_fan_mode)3;
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "mode");
    in.mode = GRU_FAN_AVG;
    in.distribution = (gru_distribution)-1;
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "distribution");

    in = mk(GRU_INIT_CONSTANT);
    in.value = nan;
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "value");
    in.value = 1e39;
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "float32");
    in.value = 1e39; /* fine in float64 */
    double d16[16];
    CHECK_OK(gru_initializer_fill(&in, GRU_FLOAT64, 2, s44, 1, d16));
    CHECK(d16[0] == 1e39);

    gru_init_kind gained[] = {GRU_INIT_IDENTITY, GRU_INIT_ORTHOGONAL};
    for (int k = 0; k < 2; k++) {
        in = mk(gained[k]);
        in.gain = nan;
        EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "gain");
        in.gain = -inf;
        EXPECT_FAIL(&in, GRU_FLOAT64, 2, s44, GRU_ERR_ARG, "gain");
    }
    /* the message names the initializer */
    in = mk(GRU_INIT_TRUNCATED_NORMAL);
    in.stddev = -1;
    EXPECT_FAIL(&in, GRU_FLOAT32, 2, s44, GRU_ERR_ARG, "truncated_normal");

    /* parameters of other kinds are ignored: glorot_uniform with a bad stddev is fine */
    in = mk(GRU_INIT_GLOROT_UNIFORM);
    in.stddev = -1.0;
    in.scale = nan;
    in.gain = inf;
    CHECK_OK(gru_initializer_fill(&in, GRU_FLOAT32, 2, s44, 1, buf));
}

int main(void)
{
    test_rng();
    test_random_distributions();
    test_constants();
    test_identity();
    test_orthogonal();
    test_reproducible();
    test_errors();
    return tu_finish("test_init");
}
