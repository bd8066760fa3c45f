/*
 * bench/bench_floor.c: the memory floor of a B = 1 GRU step on this machine, one core.
 *
 * At B = 1 each step multiplies the state by the whole recurrent kernel (H x 3H floats),
 * which does not fit in L1 for H >= 128: the step streams it from L2. This program
 * measures, with libgru's packed layout and vector macros but none of its kernels:
 *   - the core's clock (from the FMA peak: 2 FMAs x 16 lanes x 2 flops a cycle with
 *     AVX-512, x 8 lanes with AVX2);
 *   - the read rate of buffers of 32, 192 and 768 KiB (GB/s and bytes per cycle; L1, L2,
 *     or L3 where 768 KiB exceeds L2);
 *   - a bare matrix-vector "step" for H = 128 and 256 over rows of 12 vectors (the
 *     superpanels of fast.h: 4 groups x 3 vectors), each step depending on the one
 *     before, walked forwards every step, or every other step in blocks of 32 rows
 *     from the last block (the walk libgru's reset_after = TRUE kernel uses at B = 1);
 * and prints the per-step floor: recurrent kernel bytes / the read rate of a buffer of
 * that size.
 * Each is measured twice: on 4 KiB pages and on 2 MiB transparent huge pages (madvise).
 * L2 is indexed by physical address: on 4 KiB pages at random physical addresses a
 * buffer of most of L2 overfills some of its sets, and reads slower (and differently
 * from one run to the next); a huge page is contiguous. Under a hypervisor a guest's
 * huge page is contiguous in the host's memory only where the host backs it with one:
 * on the KVM machine of bench/RESULTS.md the rate of the 768 KiB read still depended on
 * which frame the guest got (210-264 GB/s, 2026-11-26).
 *
 * With AVX-512 where the CPU has it, else AVX2 + FMA (the loops are written once, in
 * bench_floor_body.h, and compiled per instruction set in bench_floor_avx512.c and
 * bench_floor_avx2.c; this file has no special code generation flags). libgru's kernel
 * on such CPUs is the AVX2 one, whose B = 1 rows are 12 vectors of 8 floats.
 * Usage: bench_floor [--time S]   (seconds per measurement, default 0.2)
 */
#define _DEFAULT_SOURCE 1
#include "bench_floor.h"
#include "fma_peak.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

double bench_floor_now(void) { return bench_clock_s(CLOCK_MONOTONIC); }

void *bench_floor_alloc(size_t bytes, int huge)
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

/* Which cache a buffer of `bytes` fits in, by the sizes the C library reports ("" when it
 * reports none): the 768 KiB read is from L3 on a core with 512 KiB of L2 (Zen 3). */
static const char *cache_of(size_t bytes)
{
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE)
    long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    if (l1 > 0 && bytes <= (size_t)l1)
        return " (L1)";
    if (l2 > 0)
        return bytes <= (size_t)l2 ? " (L2)" : " (L3)";
#else
    (void)bytes;
#endif
    return "";
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
    const bench_floor_isa *isa = NULL;
    double ghz = 0;
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("avx512f") && (isa = bench_floor_avx512()) != NULL)
        ghz = bench_fma_peak_avx512(1, 0.3) / 64.0;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             (isa = bench_floor_avx2()) != NULL)
        ghz = bench_fma_peak_avx2(1, 0.3) / 32.0;
#endif
    if (!isa || ghz <= 0) {
        printf("bench_floor: no AVX-512F or AVX2 + FMA code for this CPU; nothing measured\n");
        return 0;
    }
    printf("%s, rows of 12 x %d floats; clock (from the FMA peak): %.2f GHz\n", isa->name,
           isa->vw, ghz);
    static const size_t sizes[] = {32u << 10, 192u << 10, 768u << 10};
    static const char *pages[] = {"4 KiB pages", "2 MiB huge pages"};
    for (int huge = 0; huge < 2; huge++) {
        double rate[3];
        printf("%s:\n", pages[huge]);
        for (int i = 0; i < 3; i++) {
            rate[i] = isa->read_rate(sizes[i], huge, secs);
            printf("  read %4zu KiB%s: %6.1f GB/s, %5.1f bytes/cycle\n", sizes[i] >> 10,
                   cache_of(sizes[i]), rate[i] / 1e9, rate[i] / (ghz * 1e9));
        }
        for (int H = 128; H <= 256; H *= 2) {
            double wb = (double)H * 3 * H * sizeof(float);
            double fw = isa->step_time(H, 0, huge, secs), alt = isa->step_time(H, 1, huge, secs);
            double l2 = rate[H == 128 ? 1 : 2]; /* the read of the kernel's own size */
            printf("  H = %d: recurrent kernel %.0f KiB, floor at the read rate of that size %.2f "
                   "us/step; bare step forwards %.2f us, alternating with reversed blocks "
                   "%.2f us\n",
                   H, wb / 1024, wb / l2 * 1e6, fw * 1e6, alt * 1e6);
        }
    }
    return 0;
}
