/* Selection of the fast float32 training path (src/cpu/train_fast_body.h per ISA): the
 * instruction set of the fast forward kernels (gru__isa_current(), capped by GRU_ISA),
 * and how the layer's threads share a call: the products over all timesteps always; the
 * time loop split by samples, or by units when its steps are big enough to be worth a
 * barrier each, else on one thread with a second forming the products alongside. */
#define _DEFAULT_SOURCE 1
#include "cpu/train_fast.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

int gru__train_fast_isa(const gru_layer *layer)
{
    if (!layer || layer->cfg.dtype != GRU_FLOAT32)
        return GRU__ISA_REF;
    int isa = gru__isa_current();
#if !defined(GRU_HAVE_X86_KERNELS)
    if (isa > GRU__ISA_GENERIC)
        isa = GRU__ISA_GENERIC;
#endif
    return isa;
}

static _Atomic int split_mode = -1;

void gru__train_fast_set_split(int mode) { split_mode = mode; }

static gru__tf_run tf_run(const gru__train_args *a)
{
    const gru_layer *L = a->layer;
    gru__tf_run r = {NULL, 1, 1, 0};
    if (L->num_threads > 1 && L->pool) {
        r.pool = L->pool;
        r.nth = L->num_threads;
        const int mode = split_mode;
        if (mode >= 0) {
            r.nr = mode == 0 ? 1 : r.nth;
            r.rows = mode == 2;
        } else if (a->B >= 4 * (int64_t)r.nth) {
            /* enough samples for each thread: independent recurrences, no barrier */
            r.nr = r.nth;
            r.rows = 1;
        } else if (a->B * L->H * L->H >= (int64_t)r.nth * (a->B == 1 ? 3 : 10) * 1024) {
            /* units split: worth one barrier (or two) per step once a thread's share of a
             * step's products is large enough. At B = 1 a step is a matrix-vector product
             * bound by reading the recurrent kernel from L2, which two cores each holding
             * half of it halve: measured faster from H = 80 on (S2 on 2 threads 1.5 ->
             * 0.9 ms, S1 2.9 -> 2.3 ms), slower at H = 64. Larger batches run small GEMMs
             * at FMA speed, which lose efficiency split: level at B = 2, H = 96, faster
             * from B H^2 = 27K on, 10% slower at B = 3, H = 64 (2026-11-26, 2 threads). */
            r.nr = r.nth;
        }
    }
    return r;
}

/* Ask for transparent huge pages on the 2 MiB-aligned part of a large workspace (where the
 * system gives them only on request): the products read its (T*B, 3H) arrays down their
 * columns, a row (a page or more) apart, and 4 KiB pages would cost a TLB miss per row.
 * Advice only: the contents do not change, and a refusal changes nothing. */
static void advise_huge(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t two = (uintptr_t)2 << 20;
    if (bytes < ((size_t)8 << 20))
        return;
    uintptr_t s = ((uintptr_t)p + two - 1) & ~(two - 1);
    uintptr_t e = ((uintptr_t)p + bytes) & ~(two - 1);
    if (e > s)
        madvise((void *)s, e - s, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

void gru__train_forward_fast_f32(const gru__train_args *a, int isa)
{
    gru__tf_run r = tf_run(a);
    advise_huge(a->ws, a->lay->total);
    switch (isa) {
#if defined(GRU_HAVE_X86_KERNELS)
    case GRU__ISA_AVX512: gru__tf_forward_avx512(a, &r); return;
    case GRU__ISA_AVX2: gru__tf_forward_avx2(a, &r); return;
#endif
    default: gru__tf_forward_generic(a, &r); return;
    }
}

void gru__train_backward_fast_f32(const gru__train_args *a, int isa)
{
    gru__tf_run r = tf_run(a);
    switch (isa) {
#if defined(GRU_HAVE_X86_KERNELS)
    case GRU__ISA_AVX512: gru__tf_backward_avx512(a, &r); return;
    case GRU__ISA_AVX2: gru__tf_backward_avx2(a, &r); return;
#endif
    default: gru__tf_backward_generic(a, &r); return;
    }
}
