/*
 * bench/fma_peak_avx512.c: the machine's float32 FMA peak, measured with a loop of
 * independent FMAs (no memory traffic), per thread on its own CPU time, summed over the
 * threads (which run at the same time). bench_fma_peak_avx512 uses 512-bit FMAs (this
 * file is compiled with -mavx512f); bench_fma_peak_avx2 256-bit ones, for CPUs without
 * AVX-512 (a target attribute on its loop only). The caller checks that the CPU has the
 * instruction set before calling.
 */
#define _POSIX_C_SOURCE 200809L
#include "fma_peak.h"

#include <pthread.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

/* CPU time of the calling thread: on a machine shared with other work the loop is timed
 * only while it runs, so the reading is the hardware's ceiling, not this moment's share. */
static double now_s(void) { return bench_clock_s(CLOCK_THREAD_CPUTIME_ID); }

/* A loop of `iters` rounds of independent FMAs; returns its CPU seconds. */
typedef double (*fma_loop_fn)(long iters, float *sink);

#ifdef __AVX512F__
/* 16 independent accumulators hide the FMA latency (4 cycles x 2 pipes needs >= 8). */
static double fma_loop512(long iters, float *sink)
{
    __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    __m512 c0 = _mm512_set1_ps(0.0f), c1 = _mm512_set1_ps(0.1f), c2 = _mm512_set1_ps(0.2f),
           c3 = _mm512_set1_ps(0.3f), c4 = _mm512_set1_ps(0.4f), c5 = _mm512_set1_ps(0.5f),
           c6 = _mm512_set1_ps(0.6f), c7 = _mm512_set1_ps(0.7f), c8 = _mm512_set1_ps(0.8f),
           c9 = _mm512_set1_ps(0.9f), c10 = _mm512_set1_ps(1.0f), c11 = _mm512_set1_ps(1.1f),
           c12 = _mm512_set1_ps(1.2f), c13 = _mm512_set1_ps(1.3f), c14 = _mm512_set1_ps(1.4f),
           c15 = _mm512_set1_ps(1.5f);
    double t0 = now_s();
    for (long i = 0; i < iters; i++) {
        c0 = _mm512_fmadd_ps(c0, a, b);   c1 = _mm512_fmadd_ps(c1, a, b);
        c2 = _mm512_fmadd_ps(c2, a, b);   c3 = _mm512_fmadd_ps(c3, a, b);
        c4 = _mm512_fmadd_ps(c4, a, b);   c5 = _mm512_fmadd_ps(c5, a, b);
        c6 = _mm512_fmadd_ps(c6, a, b);   c7 = _mm512_fmadd_ps(c7, a, b);
        c8 = _mm512_fmadd_ps(c8, a, b);   c9 = _mm512_fmadd_ps(c9, a, b);
        c10 = _mm512_fmadd_ps(c10, a, b); c11 = _mm512_fmadd_ps(c11, a, b);
        c12 = _mm512_fmadd_ps(c12, a, b); c13 = _mm512_fmadd_ps(c13, a, b);
        c14 = _mm512_fmadd_ps(c14, a, b); c15 = _mm512_fmadd_ps(c15, a, b);
    }
    double t = now_s() - t0;
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                             _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c8, c9),
                                                     _mm512_add_ps(c10, c11)),
                                       _mm512_add_ps(_mm512_add_ps(c12, c13),
                                                     _mm512_add_ps(c14, c15))));
    *sink = _mm512_reduce_add_ps(s);
    return t;
}
#endif

#if defined(__x86_64__) || defined(__i386__)
/* AVX2: 12 accumulators (16 ymm registers; 8 would already cover 4 cycles x 2 pipes). */
__attribute__((target("avx2,fma"))) static double fma_loop256(long iters, float *sink)
{
    __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    __m256 c0 = _mm256_set1_ps(0.0f), c1 = _mm256_set1_ps(0.1f), c2 = _mm256_set1_ps(0.2f),
           c3 = _mm256_set1_ps(0.3f), c4 = _mm256_set1_ps(0.4f), c5 = _mm256_set1_ps(0.5f),
           c6 = _mm256_set1_ps(0.6f), c7 = _mm256_set1_ps(0.7f), c8 = _mm256_set1_ps(0.8f),
           c9 = _mm256_set1_ps(0.9f), c10 = _mm256_set1_ps(1.0f), c11 = _mm256_set1_ps(1.1f);
    double t0 = now_s();
    for (long i = 0; i < iters; i++) {
        c0 = _mm256_fmadd_ps(c0, a, b);   c1 = _mm256_fmadd_ps(c1, a, b);
        c2 = _mm256_fmadd_ps(c2, a, b);   c3 = _mm256_fmadd_ps(c3, a, b);
        c4 = _mm256_fmadd_ps(c4, a, b);   c5 = _mm256_fmadd_ps(c5, a, b);
        c6 = _mm256_fmadd_ps(c6, a, b);   c7 = _mm256_fmadd_ps(c7, a, b);
        c8 = _mm256_fmadd_ps(c8, a, b);   c9 = _mm256_fmadd_ps(c9, a, b);
        c10 = _mm256_fmadd_ps(c10, a, b); c11 = _mm256_fmadd_ps(c11, a, b);
    }
    double t = now_s() - t0;
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                             _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
    float v[8];
    _mm256_storeu_ps(v, s);
    *sink = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
    return t;
}
#endif

typedef struct job {
    fma_loop_fn loop;
    long iters;
    double seconds;
    float sink;
} job;

static void *run_job(void *p)
{
    job *j = p;
    j->seconds = j->loop(j->iters, &j->sink);
    return NULL;
}

/* flops_per_iter: FMAs per round x lanes x 2 */
static double run_peak(fma_loop_fn loop, double flops_per_iter, int threads, double seconds)
{
    if (threads < 1) threads = 1;
    if (threads > 64) threads = 64;
    /* Calibrate the iteration count on one thread (also warms the clock up). */
    float sink;
    long iters = 1L << 16;
    double t = loop(iters, &sink);
    while (t < 0.02) {
        iters *= 2;
        t = loop(iters, &sink);
    }
    iters = (long)((double)iters * (seconds / t));
    if (iters < 1) iters = 1;

    job jobs[64];
    pthread_t tid[64];
    for (int i = 0; i < threads; i++) {
        jobs[i].loop = loop;
        jobs[i].iters = iters;
        jobs[i].seconds = 0;
    }
    for (int i = 1; i < threads; i++)
        if (pthread_create(&tid[i], NULL, run_job, &jobs[i]) != 0) return 0.0;
    run_job(&jobs[0]);
    double gflops = 0;
    double flops = (double)iters * flops_per_iter;
    for (int i = 0; i < threads; i++) {
        if (i > 0) pthread_join(tid[i], NULL);
        if (jobs[i].seconds > 0) gflops += flops / jobs[i].seconds * 1e-9;
    }
    return gflops;
}

double bench_fma_peak_avx512(int threads, double seconds)
{
#ifdef __AVX512F__
    return run_peak(fma_loop512, 16.0 * 16.0 * 2.0, threads, seconds);
#else
    (void)threads;
    (void)seconds;
    (void)run_peak;
    return 0.0;
#endif
}

double bench_fma_peak_avx2(int threads, double seconds)
{
#if defined(__x86_64__) || defined(__i386__)
    return run_peak(fma_loop256, 12.0 * 8.0 * 2.0, threads, seconds);
#else
    (void)threads;
    (void)seconds;
    (void)run_peak;
    return 0.0;
#endif
}
