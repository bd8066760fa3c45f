#include "test_util.h"

#include <math.h>

int tu_passed, tu_failed;

int tu_finish(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, tu_passed, tu_failed);
    return tu_failed ? 1 : 0;
}

uint64_t tu_next(tu_rng *r)
{
    /* splitmix64 */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double tu_uniform(tu_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(tu_next(r) >> 11) * 0x1.0p-53);
}

double tu_normal(tu_rng *r)
{
    double u1 = tu_uniform(r, 0x1.0p-53, 1.0), u2 = tu_uniform(r, 0.0, 1.0);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

#define TU_CLOSE_BODY                                                              \
    int64_t worst = -1;                                                            \
    double worst_excess = 0.0;                                                     \
    for (int64_t i = 0; i < n; i++) {                                              \
        double g = (double)got[i], w = (double)want[i];                            \
        double err = fabs(g - w), tol = atol + rtol * fabs(w);                     \
        if (!(err <= tol) && (worst < 0 || err - tol > worst_excess)) {            \
            worst = i;                                                             \
            worst_excess = isnan(err) ? INFINITY : err - tol;                      \
        }                                                                          \
    }                                                                              \
    if (worst >= 0) {                                                              \
        tu_failed++;                                                               \
        fprintf(stderr, "%s: element %lld: got %.9g, want %.9g\n", what,          \
                (long long)worst, (double)got[worst], (double)want[worst]);        \
        return 0;                                                                  \
    }                                                                              \
    tu_passed++;                                                                   \
    return 1;

int tu_close_f32(const float *got, const float *want, int64_t n, double atol, double rtol,
                 const char *what)
{
    TU_CLOSE_BODY
}

int tu_close_f64(const double *got, const double *want, int64_t n, double atol, double rtol,
                 const char *what)
{
    TU_CLOSE_BODY
}
