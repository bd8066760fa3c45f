/*
 * bench/bench_floor.c: the memory floor of a B = 1 GRU step on this machine, one core.
 *
 * At B = 1 each step multiplies the state by the whole recurrent kernel (H x 3H floats),
 * which does not fit in L1 for H >= 128: the step streams it from L2. This program
 * measures, with libgru's packed layout but none of its code:
 *   - the core's clock (from the 512-bit FMA peak: 2 FMAs x 16 lanes x 2 flops a cycle);
 *   - the read rate of buffers held in L1 and in L2 (GB/s and bytes per cycle);
 *   - a bare matrix-vector "step" for H = 128 and 256 over rows of 12 vectors (the
 *     superpanels of fast.h), each step depending on the one before, walked forwards
 *     every step, or every other step in blocks of 32 rows from the last block (the
 *     walk libgru's reset_after = TRUE kernel uses at B = 1);
 * and prints the per-step floor: recurrent kernel bytes / L2 read rate.
 * Each is measured twice: on 4 KiB pages and on 2 MiB transparent huge pages (madvise).
 * L2 is indexed by physical address: on 4 KiB pages at random physical addresses a
 * buffer of most of L2 overfills some of its sets, and reads slower (and differently
 * from one run to the next); a huge page is contiguous. Under a hypervisor a guest's
 * huge page is contiguous in the host's memory only where the host backs it with one:
 * on the KVM machine of bench/RESULTS.md the rate of the 768 KiB read still depended on
 * which frame the guest got (210-264 GB/s, 2026-11-26).
 *
 * AVX-512 only (this file is compiled with -mavx512f; the CPU is checked at run time).
 * Usage: bench_floor [--time S]   (seconds per measurement, default 0.2)
 */
#define _DEFAULT_SOURCE 1
#include "fma_peak.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#ifdef __AVX512F__
#include <immintrin.h>

static double now_s(void) { return bench_clock_s(CLOCK_MONOTONIC); }

/* Sum of n floats (n a multiple of 64) with four independent vector adds. */
__attribute__((noinline)) static float read_sum(const float *p, size_t n)
{
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < n; i += 64) {
        a0 = _mm512_add_ps(a0, _mm512_load_ps(p + i));
        a1 = _mm512_add_ps(a1, _mm512_load_ps(p + i + 16));
        a2 = _mm512_add_ps(a2, _mm512_load_ps(p + i + 32));
        a3 = _mm512_add_ps(a3, _mm512_load_ps(p + i + 48));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

/* A 64-byte aligned buffer; huge: on 2 MiB boundaries, asking for huge pages. */
static void *buf_alloc(size_t bytes, int huge)
{
    if (!huge)
        return aligned_alloc(64, (bytes + 63) / 64 * 64);
    void *p = NULL;
    size_t n = (bytes + ((size_t)2 << 20) - 1) & ~(((size_t)2 << 20) - 1);
    if (posix_memalign(&p, (size_t)2 << 20, n) != 0)
        return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(p, n, MADV_HUGEPAGE);
#endif
    return p;
}

/* Bytes per second of reading a buffer of `bytes` again and again. */
static double read_rate(size_t bytes, int huge, double secs)
{
    size_t n = bytes / sizeof(float);
    float *p = buf_alloc(bytes, huge);
    if (!p)
        return 0;
    for (size_t i = 0; i < n; i++)
        p[i] = 1e-6f * (float)(i % 13);
    volatile float sink = 0;
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        long iters = 0;
        double t0 = now_s(), t;
        do {
            for (int k = 0; k < 16; k++)
                sink += read_sum(p, n);
            iters += 16;
            t = now_s() - t0;
        } while (t < secs / 5);
        if (t / iters < best)
            best = t / iters;
    }
    free(p);
    return (double)bytes / best;
}

/* rows k in [k0, k1) of one superpanel of 12 vectors per row: acc += h[k] * P[k, :] */
static inline __attribute__((always_inline)) void rows12(const float *P, const float *h,
                                                         int k0, int k1, __m512 *a)
{
    for (int k = k0; k < k1; k++) {
        __m512 b = _mm512_set1_ps(h[k]);
        const float *p = P + (size_t)k * 192;
        for (int j = 0; j < 12; j++)
            a[j] = _mm512_fmadd_ps(b, _mm512_load_ps(p + 16 * j), a[j]);
    }
}

/* One step: out = h . W over the 3H / 192 superpanels; rev: superpanels and 32-row
 * blocks from the last, each block upwards. */
__attribute__((noinline)) static void step(const float *W, const float *h, int H, float *out,
                                           int rev)
{
    const int nsp = 3 * H / 192;
    for (int i = 0; i < nsp; i++) {
        const int sp = rev ? nsp - 1 - i : i;
        const float *P = W + (size_t)sp * H * 192;
        __m512 a[12];
        for (int j = 0; j < 12; j++)
            a[j] = _mm512_setzero_ps();
        if (!rev)
            rows12(P, h, 0, H, a);
        else
            for (int k0 = (H - 1) / 32 * 32; k0 >= 0; k0 -= 32)
                rows12(P, h, k0, k0 + 32 < H ? k0 + 32 : H, a);
        for (int j = 0; j < 12; j++)
            _mm512_store_ps(out + sp * 192 + 16 * j, a[j]);
    }
}

/* Seconds per step over many dependent steps (the next state is made from the output). */
static double step_time(int H, int alternate, int huge, double secs)
{
    float *W = buf_alloc((size_t)H * 3 * H * sizeof(float), huge);
    float *h = aligned_alloc(64, (size_t)H * sizeof(float));
    float *out = aligned_alloc(64, (size_t)3 * H * sizeof(float));
    if (!W || !h || !out) {
        free(W), free(h), free(out);
        return 0;
    }
    for (size_t i = 0; i < (size_t)H * 3 * H; i++)
        W[i] = 1e-3f * (float)(i % 7) - 3e-3f;
    for (int i = 0; i < H; i++)
        h[i] = 0.01f;
    memset(out, 0, (size_t)3 * H * sizeof(float));
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        long steps = 0;
        double t0 = now_s(), t;
        do {
            for (int s = 0; s < 64; s++) {
                step(W, h, H, out, alternate && (s & 1));
                for (int i = 0; i < H; i += 16) /* the state depends on the step */
                    _mm512_store_ps(h + i, _mm512_mul_ps(_mm512_set1_ps(0.5f),
                                                         _mm512_load_ps(out + i)));
            }
            steps += 64;
            t = now_s() - t0;
        } while (t < secs / 5);
        if (t / steps < best)
            best = t / steps;
    }
    free(W), free(h), free(out);
    return best;
}

int main(int argc, char **argv)
{
    double secs = 0.2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--time") && i + 1 < argc)
            secs = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_floor [--time S]\n");
            return 2;
        }
    }
    if (!__builtin_cpu_supports("avx512f")) {
        printf("bench_floor: this CPU has no AVX-512F; nothing measured\n");
        return 0;
    }
    double ghz = bench_fma_peak_avx512(1, 0.3) / 64.0;
    printf("clock (from the FMA peak): %.2f GHz\n", ghz);
    static const size_t sizes[] = {32u << 10, 192u << 10, 768u << 10};
    static const char *where[] = {"L1", "L2", "L2"};
    static const char *pages[] = {"4 KiB pages", "2 MiB huge pages"};
    for (int huge = 0; huge < 2; huge++) {
        double rate[3];
        printf("%s:\n", pages[huge]);
        for (int i = 0; i < 3; i++) {
            rate[i] = read_rate(sizes[i], huge, secs);
            printf("  read %4zu KiB (%s): %6.1f GB/s, %5.1f bytes/cycle\n", sizes[i] >> 10,
                   where[i], rate[i] / 1e9, rate[i] / (ghz * 1e9));
        }
        for (int H = 128; H <= 256; H *= 2) {
            double wb = (double)H * 3 * H * sizeof(float);
            double fw = step_time(H, 0, huge, secs), alt = step_time(H, 1, huge, secs);
            double l2 = rate[H == 128 ? 1 : 2]; /* the read of the kernel's own size */
            printf("  H = %d: recurrent kernel %.0f KiB, floor at its L2 read rate %.2f "
                   "us/step; bare step forwards %.2f us, alternating with reversed blocks "
                   "%.2f us\n",
                   H, wb / 1024, wb / l2 * 1e6, fw * 1e6, alt * 1e6);
        }
    }
    return 0;
}
#else
int main(void)
{
    printf("bench_floor: built without AVX-512 code generation; nothing measured\n");
    return 0;
}
#endif
