/* bench/bench_floor_body.h: bench_floor's measuring loops, written once for every vector
 * width. The including file defines FL_SFX(name) and includes the vector macros of its
 * instruction set first (libgru's src/cpu/x86/isa_<isa>.h: VW floats per vector, VEC,
 * VZERO, VLOAD, VSTORE, VADD, VMUL, VSET1, VFMA(a, b, c) = a * b + c); only those plain
 * intrinsic wrappers are shared with the library, none of its kernels. */
#include "bench_floor.h"

#include <stdlib.h>
#include <string.h>

#define FL_ROW (12 * VW) /* floats per row of a superpanel: 12 vectors */

/* Sum of n floats (n a multiple of 4 vectors) with four independent vector adds, by
 * lane, added to out (VW floats): every call depends on the last, and the caller reads
 * the total, so that no call can be left out. */
__attribute__((noinline)) static void FL_SFX(read_sum)(const float *p, size_t n, float *out)
{
    VEC a0 = VZERO(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < n; i += 4 * VW) {
        a0 = VADD(a0, VLOAD(p + i));
        a1 = VADD(a1, VLOAD(p + i + VW));
        a2 = VADD(a2, VLOAD(p + i + 2 * VW));
        a3 = VADD(a3, VLOAD(p + i + 3 * VW));
    }
    VSTORE(out, VADD(VLOAD(out), VADD(VADD(a0, a1), VADD(a2, a3))));
}

static double FL_SFX(read_rate)(size_t bytes, int huge, double secs)
{
    size_t n = bytes / sizeof(float);
    float *p = bench_floor_alloc(bytes, huge);
    if (!p)
        return 0;
    for (size_t i = 0; i < n; i++)
        p[i] = 1e-6f * (float)(i % 13);
    float sink[VW] = {0};
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        long iters = 0;
        double t0 = bench_floor_now(), t;
        do {
            for (int k = 0; k < 16; k++)
                FL_SFX(read_sum)(p, n, sink);
            iters += 16;
            t = bench_floor_now() - t0;
        } while (t < secs / 5);
        if (t / iters < best)
            best = t / iters;
    }
    free(p);
    volatile float keep = sink[0];
    (void)keep;
    return (double)bytes / best;
}

/* rows k in [k0, k1) of one superpanel of 12 vectors per row: acc += h[k] * P[k, :]
 * (the loops over the 12 vectors are unrolled, so that acc stays in registers) */
static inline __attribute__((always_inline)) void FL_SFX(rows12)(const float *P,
                                                                 const float *h, int k0,
                                                                 int k1, VEC *a)
{
    for (int k = k0; k < k1; k++) {
        VEC b = VSET1(h[k]);
        const float *p = P + (size_t)k * FL_ROW;
#pragma GCC unroll 12
        for (int j = 0; j < 12; j++)
            a[j] = VFMA(b, VLOAD(p + VW * j), a[j]);
    }
}

/* One step: out = h . W over the 3H / FL_ROW superpanels; rev: superpanels and 32-row
 * blocks from the last, each block upwards. */
__attribute__((noinline)) static void FL_SFX(step)(const float *W, const float *h, int H,
                                                   float *out, int rev)
{
    const int nsp = 3 * H / FL_ROW;
    for (int i = 0; i < nsp; i++) {
        const int sp = rev ? nsp - 1 - i : i;
        const float *P = W + (size_t)sp * H * FL_ROW;
        VEC a[12];
#pragma GCC unroll 12
        for (int j = 0; j < 12; j++)
            a[j] = VZERO();
        if (!rev)
            FL_SFX(rows12)(P, h, 0, H, a);
        else
            for (int k0 = (H - 1) / 32 * 32; k0 >= 0; k0 -= 32)
                FL_SFX(rows12)(P, h, k0, k0 + 32 < H ? k0 + 32 : H, a);
#pragma GCC unroll 12
        for (int j = 0; j < 12; j++)
            VSTORE(out + sp * FL_ROW + VW * j, a[j]);
    }
}

/* Seconds per step over many dependent steps (the next state is made from the output). */
static double FL_SFX(step_time)(int H, int alternate, int huge, double secs)
{
    float *W = bench_floor_alloc((size_t)H * 3 * H * sizeof(float), huge);
    float *h = bench_floor_alloc((size_t)H * sizeof(float), 0);
    float *out = bench_floor_alloc((size_t)3 * H * sizeof(float), 0);
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
        double t0 = bench_floor_now(), t;
        do {
            for (int s = 0; s < 64; s++) {
                FL_SFX(step)(W, h, H, out, alternate && (s & 1));
                for (int i = 0; i < H; i += VW) /* the state depends on the step */
                    VSTORE(h + i, VMUL(VSET1(0.5f), VLOAD(out + i)));
            }
            steps += 64;
            t = bench_floor_now() - t0;
        } while (t < secs / 5);
        if (t / steps < best)
            best = t / steps;
    }
    free(W), free(h), free(out);
    return best;
}
