/* Internal declarations of the fast float32 kernels (src/cpu/): instruction sets, packed
 * weights, the thread pool, and the per-ISA entry points. Not installed.
 *
 * One loop body (src/cpu/fast_body.h) is compiled once per instruction set:
 *   src/cpu/fast_generic.c      portable C (4 units per vector with GCC/Clang's vector
 *                               extension, else 1)
 *   src/cpu/x86/fast_avx2.c     AVX2 + FMA, 8 units per vector
 *   src/cpu/x86/fast_avx512.c   AVX-512, 16 units per vector
 * dispatch.c picks one at run time (__builtin_cpu_supports) and packs the weights for it.
 */
#ifndef GRU_CPU_FAST_H
#define GRU_CPU_FAST_H

#include "gru_internal.h"
#include <stdatomic.h>

/* Instruction sets, weakest first. GRU__ISA_REF means the reference kernels. */
enum { GRU__ISA_REF = 0, GRU__ISA_GENERIC = 1, GRU__ISA_AVX2 = 2, GRU__ISA_AVX512 = 3 };

/* The best instruction set of this CPU and build, capped by the environment variable
 * GRU_ISA (ref, generic, avx2, avx512) and by gru__isa_force(). */
int gru__isa_current(void);
/* Tests: cap the instruction set (-1 = no cap). Layers repack on their next forward. */
void gru__isa_force(int isa);
const char *gru__isa_name(int isa);
/* Units per vector of an instruction set (GRU__ISA_GENERIC 4 (1 without GCC/Clang),
 * AVX2 8, AVX-512 16). */
int gru__isa_vw(int isa);

/* ---- thread pool (src/cpu/threads.c) ------------------------------------------ */

typedef struct gru__pool gru__pool;
typedef void (*gru__pool_fn)(void *ctx, int tid, int nth);
/* nth >= 2 threads in all: the caller plus nth - 1 persistent workers. */
int gru__pool_create(int nth, gru__pool **out);
void gru__pool_destroy(gru__pool *p);
/* Run fn(ctx, tid, nth) on every thread (the caller is tid 0) and wait for all. p NULL:
 * fn(ctx, 0, 1). No allocation. */
void gru__pool_run(gru__pool *p, gru__pool_fn fn, void *ctx);
/* Inside fn, on thread tid: wait until every thread of the job has arrived. No-op for
 * NULL. All threads of a job must call it the same number of times. */
void gru__pool_barrier(gru__pool *p, int tid);
/* The barrier in two halves: arrive publishes that this thread has reached it, wait
 * waits for the others to arrive. Between them the thread may work on what no other
 * thread reads before the next barrier. gru__pool_barrier = arrive + wait. */
void gru__pool_arrive(gru__pool *p, int tid);
void gru__pool_wait(gru__pool *p, int tid);

/* ---- packed weights and scratch ---------------------------------------------------- */

/* Units are taken in groups of vw (the ISA's vector width); a group's gates sit side by
 * side so that one register tile computes z, r and h of the same units. The last group
 * is padded with zeros when H is not a multiple of vw. Groups are packed in superpanels
 * of GRU__SPG<nvg> groups (nvg = vectors per group: 3 for z|r|h, 2 for z|r, 1 for h):
 * row k of a superpanel holds its groups side by side, so that the matrix-vector
 * product of B = 1 streams the weights as one contiguous run. Group g (superpanel
 * sp = g / spg, position gi = g % spg, nb groups in that superpanel) of a matrix with
 * `rows` rows: element (k, v, lane) at
 *   sp * rows * spg * nvg * vw + k * nb * nvg * vw + gi * nvg * vw + v * vw + lane. */
/* z | r takes 4 groups like z | r | h, not 6: the threads' ranges of groups (B = 1 split
 * by units) then start on superpanel boundaries when H is a multiple of 8 groups (2
 * threads), and a thread's superpanels are contiguous; with 6, S1 and S2 reset_after =
 * FALSE on 2 threads ran 8-11% slower (2026-11-26), one thread the same. Any other split
 * still works, reading part of a superpanel's rows. */
#define GRU__SPG3 4
#define GRU__SPG2 4
#define GRU__SPG1 12
/* the multi-row tiles of the h columns (reset_after FALSE) take 3 groups side by side */
#define GRU__SPG1M 3
typedef struct gru__fast {
    int isa, vw;
    int64_t I, H, ng;   /* ng = ceil(H / vw) groups */
    /* Each matrix twice: [0] for the multi-row tiles, read contiguously (one group per
     * panel, spg 1; puh: GRU__SPG1M), [1] superpanels of GRU__SPG<nvg> groups for the
     * single-row tiles (B = 1). */
    float *pk[2];       /* kernel, nvg 3 (z | r | h), I rows */
    float *pu[2];       /* recurrent kernel: reset_after nvg 3 (z | r | h), else nvg 2 (z | r) */
    float *puh[2];      /* reset_after FALSE: the h columns of the recurrent kernel, nvg 1 */
    float *pz1, *pr1;   /* reset_after FALSE: its z and its r columns, nvg 1, superpanels of
                           GRU__SPG2 groups (zsplit, B = 1) */
    float *bx;          /* (ng, 3vw) input bias (zeros without bias) */
    float *bh;          /* (ng, 3vw) recurrent bias (reset_after with bias; else zeros) */
    void *wmem;         /* the block holding all of the above */
    size_t wbytes;
    float *scratch;     /* per-step buffers, see fast_body.h */
    size_t scratch_bytes;
    int64_t scratch_B;  /* largest batch the scratch was asked for */
    const void *ws_advised; /* the layer workspace last given huge pages (dispatch.c) */
} gru__fast;

/* Floats between two scratch buffers of (B, H). */
static inline int64_t gru__fast_bh_stride(int64_t B, int64_t H) { return (B * H + 15) & ~(int64_t)15; }
/* Scratch buffers of (B, H) needed by nth threads. */
static inline int64_t gru__fast_scratch_bufs(int nth) { return 5 + 3 * (int64_t)nth; }

/* One whole-sequence forward for the fast kernels (float32). */
typedef struct gru__fast_job {
    const gru__fast *f;
    gru__pool *pool;
    int64_t B, T, I, H;
    const float *x;         /* (B, T, I) */
    const uint8_t *mask;    /* (B, T) 0/1 or NULL */
    float *xp;              /* (T, B, 3H) workspace */
    float *y;               /* (B, T, H) when ret_seq, else (B, H) */
    float *h_out;           /* (B, H): the final state is left here */
    float *scratch;         /* gru__fast_scratch_bufs(nth) buffers of stride bhs */
    int64_t bhs;            /* gru__fast_bh_stride(B, H) */
    int64_t xs3;            /* floats between two samples' rows of xp: gru__xp_row(B, H)
                               (3H at B = 1) */
    bool reset_after, ret_seq, go_backwards;
    bool alt;               /* odd call of a stream (gru__fwd_args.alt) */
    bool dyn;               /* a batch of nth full register tiles or more split by
                               units: each phase of a step hands out its groups in chunks
                               to whichever thread asks next (fast_body.h, dyn_take);
                               with reset_after FALSE two barriers a step, one shared
                               state (run_hf) */
    gru_activation act, ract;
    atomic_llong *dctr;     /* dyn: three chunk counters, GRU__DYN_PAD apart */
} gru__fast_job;
#define GRU__DYN_PAD 16 /* counters a cache line apart */

/* Per-ISA entry points (ctx is a gru__fast_job; the caller has put the initial state in
 * the scratch, see gru__fast_prepare in dispatch.c). */
void gru__fast_worker_generic(void *ctx, int tid, int nth);
/* Vectorized math for the tests: which 0 exp, 1 sigmoid, 2 tanh, else activation
 * (which - 3) as a gru_activation. */
void gru__fast_vmath_generic(int which, const float *in, float *out, int64_t n);
#if defined(GRU_HAVE_X86_KERNELS)
void gru__fast_worker_avx2(void *ctx, int tid, int nth);
void gru__fast_vmath_avx2(int which, const float *in, float *out, int64_t n);
void gru__fast_worker_avx512(void *ctx, int tid, int nth);
void gru__fast_vmath_avx512(int which, const float *in, float *out, int64_t n);
#endif
/* The vectorized math of an instruction set (tests); 0, or -1 when not compiled/usable. */
int gru__fast_vmath(int isa, int which, const float *in, float *out, int64_t n);

/* A whole-sequence forward whose input projection (T, B, 3H) takes more bytes than
 * gru__fast_xchunk_min (6 MiB), or than one core's L2 where that is smaller
 * (gru__fast_l2), projects ceil(gru__fast_xchunk_rows (256) / B) steps at a time
 * (fast_body.h, x_chunk). Tests lower both. */
extern int64_t gru__fast_xchunk_min, gru__fast_xchunk_rows;
/* B = 1 on several threads: where a thread's share of the input kernel takes at most
 * gru__fast_xwin bytes (96 KiB), the steps after the first two blocks are projected in
 * the barriers' waits (fast_body.h, x_window), else every step before the first (run_x):
 * the work of a wait grows with that share, and once it outlasts the wait it lengthens
 * the step. 2026-11-28, the AVX-512 Xeon, two threads, bench_tune against xwin=0 (time
 * of xwin=0 over this): share 48 KiB (S1) FALSE 1.03-1.05, TRUE 1.02-1.04; 96 KiB
 * (I = 128, H = 128; I = 64, H = 256) FALSE 1.04 and 1.01, TRUE 1.00 and 1.01; 192 KiB
 * (I = 256, H = 128) FALSE 1.02, TRUE 0.95; 384 KiB (S2, ride-along off) TRUE 0.95. */
extern int64_t gru__fast_xwin;
/* One core's L2 in bytes (sysconf, read once; 0 where unknown), or gru__fast_l2_bytes when
 * that is set (>= 0: bench_tune and the tests set it; -1, the default, asks the system).
 * Where L2 is larger, it replaces gru__fast_xchunk_min (a sequence's xp beyond L2 went to
 * L3 and back) and gru__fast_units_mid (a recurrent kernel that fits one core's L2 needs no
 * split by units to stay there). */
extern int64_t gru__fast_l2_bytes;
int64_t gru__fast_l2(void);
/* An odd call of a B = 1 stream walks the weights backwards (run_alt in fast_body.h)
 * with reset_after = TRUE, and with FALSE when a thread's part of both kernels takes at
 * least gru__fast_alt_min bytes (512 KiB). Tests lower it. */
extern int64_t gru__fast_alt_min;
/* A whole-sequence forward at B = 1 with reset_after = FALSE walks z | r backwards on odd
 * steps (run_alt without the projection) when a thread's share of the recurrent kernel
 * takes at least gru__fast_zrv_min bytes (512 KiB): then it overflows a 512 KiB L2 (AVX2
 * Zen 3), and a walk that starts where the last one ended finds part of it still there.
 * S2 on one thread 2-3% faster there (2026-11-26, alternating runs); not measured on an
 * AVX-512 machine. Tests lower it. */
extern int64_t gru__fast_zrv_min;
/* B = 1, reset_after = FALSE, one thread: z and r walked apart, z in halves that
 * alternate between the end of a step and the start of the next (zsplit, fast_body.h),
 * where the weights (`bytes`, both kernels) fit in L2 (gru__fast_l2): gru__fast_zsplit 1
 * (the default); 2 wherever it can (tests), 0 never. The layer packs z and r apart for
 * it (pz1, pr1: two thirds of the recurrent kernel again) only then. */
extern int64_t gru__fast_zsplit;
bool gru__fast_zsplit_on(int64_t bytes);

/* A forward split by units between nth threads (batches below the split by samples,
 * dispatch.c) runs on one thread instead when B H^2 < nth * gru__fast_units_min (1536):
 * its steps are then too short for a barrier each. Measured 2026-11-26 on 2 threads,
 * whose barrier cost depends on where the host runs them (a cross-core round trip of
 * 100 ns at best, 500 ns at times): at B = 1 two threads were 1.2-1.5x slower than one at
 * H = 48 with 100 ns (streams 1.3-1.5x) and 2-5x at H <= 64 with 500 ns; level at H = 56
 * with 100 ns, 20% faster at H = 64. Tests lower it. */
extern int64_t gru__fast_units_min;
/* Batches of nth full register tiles or more are split between threads by samples
 * (dispatch.c), except with a recurrent kernel (3 H^2 floats) of at least
 * gru__fast_units_big bytes (12 MiB, H >= 1024), which is split by units: each thread
 * then streams half of it from L3 each step, for the whole batch, instead of all of it
 * for half the batch. reset_after = TRUE: S5 (H = 1024) on 2 threads ran 4-5% faster,
 * B = 32 and 64 with H = 1024 2-4%, H = 1280 1%; H = 512, 768, 896 level. FALSE (two
 * barriers a step, J->dyn): S5 3-5% faster, B = 17-64 with H = 1024 4-11%, H = 1280
 * level. Split by units, S3 and S4 (H = 256, 512) were level (2026-11-26). Tests lower
 * it. */
extern int64_t gru__fast_units_big;
/* The same split by units (with chunks handed out as threads ask, J->dyn) also where the
 * recurrent kernel takes at least gru__fast_units_mid bytes (512 KiB, H >= 210: more than
 * one core's L2 on the AVX2 Zen 3, so that split by samples each thread streamed all of
 * it from L3 every step): with reset_after = TRUE at any such batch, with FALSE from 8
 * nth samples and below 4 gru__fast_units_mid (H < 418). Measured 2026-11-27 on that
 * Zen 3, two threads, in-process alternating runs (median ratios units / samples):
 * B = 32 H = 256 (S3) 0.86-0.89, B = 256 H = 256 0.90-0.91, B = 32 H = 384 FALSE 0.82,
 * B = 8 and 12 TRUE 0.74-0.96, B = 64 H = 512 (S4) TRUE 0.92; FALSE below 16 samples
 * 0.97-1.17, and at H = 512 from 0.91 to 1.06 from one quarter hour to the next (S4, and
 * B = 128; hence the bounds). Where one core's L2 is larger (gru__fast_l2), the range
 * starts there instead: a kernel that fits L2 stays in each core's L2 split by samples too,
 * with no barrier a step (the FALSE upper bound stays 4 gru__fast_units_mid). On the
 * AVX-512 Xeon of 2026-11-28 (2 MiB L2), S3 on two threads split by samples with its
 * projection in chunks ran 0.78 (FALSE) and 0.91 (TRUE) of the time split by units;
 * H = 384 0.90 / 0.99 (in-process alternating runs, bench_tune l2=0 against the default).
 * Tests lower it. */
extern int64_t gru__fast_units_mid;
/* Nonzero: the multi-row tiles of kernels built with NX_PF (fast_body.h; AVX-512) fetch
 * the next panel of their loop into L2 along their k loops (nx_slice). bench_tune turns
 * it off to measure what it gives. */
extern int64_t gru__fast_nxpf;
/* B = 1: the input projection rides along the recurrent tiles (fast_body.h, step_fx)
 * when a thread's share of the recurrent kernel takes at least gru__fast_fx_lo() bytes
 * and, with its share of the input kernel, at most gru__fast_fx_max (1 MiB, the L2 of one
 * core of the Zen 5 it was tuned on). gru__fast_fx_lo() is gru__fast_fx_min where that
 * is set (>= 0; tests and bench_tune set it), else (-1, the default) 256 KiB on AMD CPUs
 * and off elsewhere: on the Zen 5 of 2026-11-26 S2 on two threads ran 11-12% faster with
 * it; on the Intel Xeon (family 6 model 207) of 2026-11-28 the same case ran 4-5% slower
 * than the plain projection of every step before the first (bench_tune, 300-400
 * repetitions, both variants), H = 192 on one thread 0-5% slower, I = 128 with H = 256
 * on two threads 2% faster. */
extern int64_t gru__fast_fx_min, gru__fast_fx_max;
int64_t gru__fast_fx_lo(void);
/* Whether the CPU is AMD's (x86 builds with GCC or Clang; else false). */
bool gru__cpu_amd(void);

/* Frees the streaming state (src/step.c). */
void gru__stream_free(gru_layer *layer);

/* The float32 fast forward (gru__fwd_fn). */
void gru__forward_fast_f32(const gru__fwd_args *a);

#endif /* GRU_CPU_FAST_H */
