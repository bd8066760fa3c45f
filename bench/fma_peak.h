/* bench/fma_peak.h: measured float32 FMA peak of this machine, for "% of peak" columns. */
#ifndef BENCH_FMA_PEAK_H
#define BENCH_FMA_PEAK_H

/* GFLOP/s of `threads` threads each running independent 512-bit FMAs for about `seconds`
 * (flops = 2 per FMA lane). 0.0 when built without AVX-512 support; the caller must
 * check that the CPU has AVX-512F (__builtin_cpu_supports("avx512f")) before calling. */
double bench_fma_peak_avx512(int threads, double seconds);
/* The same with 256-bit FMAs, for CPUs with AVX2 + FMA and no AVX-512F (the caller
 * checks __builtin_cpu_supports("avx2") and ("fma")); 0.0 on other architectures. */
double bench_fma_peak_avx2(int threads, double seconds);

#include <time.h>

/* Seconds on clock id (CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID, ...). */
static inline double bench_clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* qsort comparison of doubles, ascending (for medians and quartiles of timings). */
static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif /* BENCH_FMA_PEAK_H */
