/* The fast float32 training path (forward that keeps what backward needs, and backward):
 * the same equations and workspace as the reference body (src/cpu/ref/train_body.h), with
 * vectorized gate math, the activation switch outside the loops, and the work split over
 * the layer's threads. One body (src/cpu/train_fast_body.h) compiled once per ISA:
 *   src/cpu/train_fast_generic.c     portable C (libm exp/tanh, as fast_generic.c)
 *   src/cpu/x86/train_fast_avx2.c    AVX2 + FMA
 *   src/cpu/x86/train_fast_avx512.c  AVX-512
 * src/cpu/train_fast.c picks one (gru__isa_current(): GRU_ISA=ref selects the reference
 * body in src/train.c). Not installed. */
#ifndef GRU_CPU_TRAIN_FAST_H
#define GRU_CPU_TRAIN_FAST_H

#include "gru_train_internal.h"
#include "cpu/fast.h"

/* How one call is run: pool (NULL = the caller alone) with nth threads for the products
 * over all timesteps, nr of them (1 or nth) for the time loop, which splits the samples
 * (rows: no barrier per step) or the units of every sample (one or two barriers a step). */
typedef struct gru__tf_run {
    gru__pool *pool;
    int nth, nr;
    int rows;
} gru__tf_run;

typedef void (*gru__tf_fn)(const gru__train_args *a, const gru__tf_run *run);

void gru__tf_forward_generic(const gru__train_args *a, const gru__tf_run *run);
void gru__tf_backward_generic(const gru__train_args *a, const gru__tf_run *run);
#if defined(GRU_HAVE_X86_KERNELS)
void gru__tf_forward_avx2(const gru__train_args *a, const gru__tf_run *run);
void gru__tf_backward_avx2(const gru__train_args *a, const gru__tf_run *run);
void gru__tf_forward_avx512(const gru__train_args *a, const gru__tf_run *run);
void gru__tf_backward_avx512(const gru__train_args *a, const gru__tf_run *run);
#endif

/* The instruction set the fast training path runs for this layer now (GRU__ISA_*), or
 * GRU__ISA_REF when the reference body must run (float64, GRU_ISA=ref). */
int gru__train_fast_isa(const gru_layer *layer);
/* Tests: how the time loop is split between the threads: -1 by size (default), 0 never,
 * 1 by units, 2 by samples. */
void gru__train_fast_set_split(int mode);
/* Tests: out = act'(v) as the fast backward of each ISA computes it (n floats). */
void gru__tf_dact_generic(gru_activation act, const float *v, float *out, int64_t n);
#if defined(GRU_HAVE_X86_KERNELS)
void gru__tf_dact_avx2(gru_activation act, const float *v, float *out, int64_t n);
void gru__tf_dact_avx512(gru_activation act, const float *v, float *out, int64_t n);
#endif
/* Run the fast path of instruction set isa (> GRU__ISA_REF, as returned above). */
void gru__train_forward_fast_f32(const gru__train_args *a, int isa);
void gru__train_backward_fast_f32(const gru__train_args *a, int isa);

#endif /* GRU_CPU_TRAIN_FAST_H */
