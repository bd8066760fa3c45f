/* Minimal test harness shared by the C tests: CHECK macros that count and report,
 * tolerance helpers, and a deterministic RNG for drawing cases. */
#ifndef GRU_TEST_UTIL_H
#define GRU_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int tu_passed, tu_failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            tu_passed++;                                                         \
        } else {                                                                 \
            tu_failed++;                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

#define CHECK_MSG(cond, ...)                                                     \
    do {                                                                         \
        if (cond) {                                                              \
            tu_passed++;                                                         \
        } else {                                                                 \
            tu_failed++;                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
        }                                                                        \
    } while (0)

/* Expect status `st` from `call` and an error message containing `needle`. */
#define CHECK_ERR(call, st, needle)                                              \
    do {                                                                         \
        int tu_rc_ = (call);                                                     \
        const char *tu_m_ = gru_errmsg();                                        \
        CHECK_MSG(tu_rc_ == (st) && strstr(tu_m_, (needle)) != NULL,             \
                  "%s returned %d (want %d), message \"%s\" (want \"%s\")", #call, \
                  tu_rc_, (int)(st), tu_m_, (needle));                           \
    } while (0)

#define CHECK_OK(call)                                                           \
    do {                                                                         \
        int tu_rc_ = (call);                                                     \
        CHECK_MSG(tu_rc_ == 0, "%s returned %d: %s", #call, tu_rc_, gru_errmsg()); \
    } while (0)

/* Print the closing line ("N passed, N failed") and return the exit code. */
int tu_finish(const char *name);

/* xorshift-style deterministic RNG for test data. */
typedef struct tu_rng { uint64_t s; } tu_rng;
uint64_t tu_next(tu_rng *r);
double tu_uniform(tu_rng *r, double lo, double hi);
double tu_normal(tu_rng *r);

/* |got - want| <= atol + rtol * |want| elementwise; reports the worst element. */
int tu_close_f32(const float *got, const float *want, int64_t n, double atol, double rtol,
                 const char *what);
int tu_close_f64(const double *got, const double *want, int64_t n, double atol, double rtol,
                 const char *what);

#endif
