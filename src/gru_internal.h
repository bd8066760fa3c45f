/* Internal declarations shared by the library's source files. Not installed. */
#ifndef GRU_INTERNAL_H
#define GRU_INTERNAL_H

#include "gru.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ---- errors (src/core.c) ------------------------------------------------ */

/* Record a message for gru_errmsg() (printf-style) and return status. */
int gru__error(int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Format a shape as "(64, 192)" into buf (always NUL-terminated). */
const char *gru__shape_str(char *buf, size_t cap, int ndim, const int64_t *shape);

/* Checked arithmetic: return false on overflow (or negative operands), *out untouched.
 * Inline: the per-call checks of gru_step() and gru_forward() run them, and a division
 * each cost a few percent of a small layer's step. */
static inline bool gru__mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
#if defined(__GNUC__) || defined(__clang__)
    return !__builtin_mul_overflow(a, b, out);
#else
    if (a != 0 && b > UINT64_MAX / a)
        return false;
    *out = a * b;
    return true;
#endif
}
static inline bool gru__mul_size(size_t a, size_t b, size_t *out)
{
    uint64_t r;
    if (!gru__mul_u64(a, b, &r) || r > SIZE_MAX)
        return false;
    *out = (size_t)r;
    return true;
}
static inline bool gru__mul_i64(int64_t a, int64_t b, int64_t *out)
{
    uint64_t r;
    if (a < 0 || b < 0 || !gru__mul_u64((uint64_t)a, (uint64_t)b, &r) || r > INT64_MAX)
        return false;
    *out = (int64_t)r;
    return true;
}

/* Check that t is non-NULL with non-NULL data, dtype `dtype` (GRU_DTYPE_INVALID: any),
 * rank `ndim` and shape `expected_shape` (an entry of -1 accepts any size >= 1).
 * `what` names the argument in the message. Returns GRU_OK or an error status. */
int gru__check_tensor(const gru_tensor *t, const char *what, gru_dtype dtype, int ndim,
                      const int64_t *expected_shape);

/* Zero-initialized aligned allocation (64 bytes) and its release; NULL on overflow/OOM. */
void *gru__alloc(size_t bytes);
void gru__free(void *p);

/* ---- activations (src/activations.c) ------------------------------------- */

float gru__act_f32(gru_activation act, float x);
double gru__act_f64(gru_activation act, double x);
/* In-place on n values. */
void gru__act_apply_f32(gru_activation act, float *v, int64_t n);
void gru__act_apply_f64(gru_activation act, double *v, int64_t n);

/* ---- the layer ------------------------------------------------------------ */

struct gru_layer {
    gru_config cfg;          /* copy of the creation config (cfg.weights = NULL) */
    int64_t I, H;            /* input_dim, units */
    size_t esize;            /* sizeof(float) or sizeof(double) */
    void *kernel;            /* (I, 3H) layer dtype */
    void *recurrent_kernel;  /* (H, 3H) */
    void *bias;              /* (3H) or (2, 3H) when reset_after; NULL when !use_bias */
    void *states;            /* (batch_size, H); stateful only, else NULL */
    /* forward workspace, grown by gru_layer_reserve() / gru_forward() */
    void *ws;                /* see forward.c for its layout */
    size_t ws_bytes;
    int64_t ws_B, ws_T;      /* sizes the workspace was made for */
    /* training (src/train.c): the dropout generator, a gru__rng's state, seeded from
     * cfg.seed at the first training call (or by gru_train_seed_dropout()) */
    uint64_t dropout_rng[4];
    bool dropout_seeded;
    /* fast kernels (src/cpu/dispatch.c, src/step.c); freed by gru__layer_free_kernels() */
    int num_threads;                 /* gru_layer_set_num_threads(); 0 reads as 1 */
    struct gru__pool *pool;          /* num_threads - 1 persistent workers, or NULL */
    struct gru__fast *fast;          /* packed float32 weights + scratch, or NULL */
    struct gru__stream *stream;      /* streaming state of gru_step(), or NULL */
};

/* Fast-kernel hooks for src/layer.c (defined in src/cpu/dispatch.c):
 * call gru__layer_weights_changed() whenever the weights change (creation,
 * gru_layer_set_weights, training updates) so that the packed copy is refreshed;
 * gru__kernels_reserve() from gru_layer_reserve() so that forward does not allocate;
 * gru__layer_free_kernels() from gru_layer_destroy(). */
void gru__layer_weights_changed(gru_layer *layer);
void gru__kernels_reserve(gru_layer *layer, int64_t B);
void gru__layer_free_kernels(gru_layer *layer);

/* ---- kernels (src/cpu/ref/) ----------------------------------------------- */

/* Arguments of one whole-sequence forward, all validated, in the layer's dtype. */
typedef struct gru__fwd_args {
    const gru_layer *layer;
    int64_t B, T;
    const void *x;           /* (B, T, I) */
    const uint8_t *mask;     /* (B, T) 0/1, or NULL = keep all */
    const void *h0;          /* (B, H), or NULL = zeros */
    void *y;                 /* (B, T, H) return_sequences, else (B, H) */
    void *h_final;           /* (B, H) or NULL */
    void *ws;                /* workspace of gru__fwd_ws_bytes(B, T) bytes */
    bool alt;                /* an odd call of a stream: kernels may walk the weights in
                                the other order (same results within rounding) */
    const struct gru__fwd_layout *lay; /* ws's layout for (B, T) (gru__fwd_layout_get):
                                          the caller's, worked out once (a stream's at
                                          gru_stream_begin) */
} gru__fwd_args;

/* Elements between two samples' rows of xp (T, B, 3H) in the forward workspace: 3H, or
 * 3H + 16 when B > 1 and a float32 row takes a multiple of gru__xp_pad_bytes (4096):
 * rows a multiple of 4 KiB apart all start at the same offset in a page, and the gate
 * math of a multi-row tile (8 samples at once) read them more slowly: S5 (H = 1024) ran
 * 1.5-3% faster with 64 bytes more between them (2026-11-26). Tests lower the period. */
extern int64_t gru__xp_pad_bytes;
static inline int64_t gru__xp_row(int64_t B, int64_t H)
{
    return B > 1 && (3 * H * 4) % gru__xp_pad_bytes == 0 ? 3 * H + 16 : 3 * H;
}

/* Byte offsets of the pieces of the forward workspace (64-byte aligned). */
typedef struct gru__fwd_layout {
    size_t mask;     /* (B, T) uint8: the mask as 0/1 */
    size_t xp;       /* (T, B, 3H): x·kernel + input bias, time-major; samples
                        gru__xp_row(B, H) elements apart (the fast kernels) */
    size_t h;        /* (B, H): the running state */
    size_t hr;       /* (B, 3H): h·recurrent_kernel (+ recurrent bias) */
    size_t rh;       /* (B, H): r ⊙ h (reset_after = FALSE) */
    size_t started;  /* (B) uint8: a kept step has been seen (masking) */
    size_t total;    /* bytes; SIZE_MAX on overflow */
} gru__fwd_layout;
void gru__fwd_layout_get(const gru_layer *layer, int64_t B, int64_t T, gru__fwd_layout *lay);
size_t gru__fwd_ws_bytes(const gru_layer *layer, int64_t B, int64_t T);

/* Shared by the entry points (src/forward.c): the mask rule (nonzero = keep) for any
 * mask dtype, its conversion to 0/1 bytes, and the failure path that zero-fills the
 * outputs whose dtype and shape are usable so that nothing half-written looks valid. */
int gru__mask_keep(const gru_tensor *m, int64_t i);
void gru__convert_mask(const gru_tensor *m, int64_t n, uint8_t *out);
int gru__fail_clear(int rc, const gru_layer *layer, gru_tensor *t1, gru_tensor *t2);
/* Validate the arguments of a whole-sequence call; sets *B_out, *T_out (src/forward.c). */
int gru__check_sequence_args(const gru_layer *layer, const gru_tensor *x, const gru_tensor *mask,
                             const gru_tensor *initial_state, const gru_tensor *output,
                             const gru_tensor *state, int64_t *B_out, int64_t *T_out);

/* A whole-sequence forward kernel. It leaves the final state in the workspace's h. */
typedef void (*gru__fwd_fn)(const gru__fwd_args *a);
/* The kernel to use for this layer and these sizes (src/cpu/dispatch.c): the fastest
 * available one that was tested against the reference. */
gru__fwd_fn gru__select_forward(const gru_layer *layer, int64_t B, int64_t T);
void gru__forward_ref_f32(const gru__fwd_args *a);
void gru__forward_ref_f64(const gru__fwd_args *a);

/* C = A (M x K, row stride lda) * B (K x N, row stride ldb) (+ C when accumulate),
 * C row stride ldc. Reference blocked GEMM. */
void gru__gemm_f32(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
                   const float *B, int64_t ldb, float *C, int64_t ldc, int accumulate);
void gru__gemm_f64(int64_t M, int64_t N, int64_t K, const double *A, int64_t lda,
                   const double *B, int64_t ldb, double *C, int64_t ldc, int accumulate);
/* The fast float32 GEMM (src/cpu/gemm.c): C = op(A) · B (+ C when accumulate), op(A) = A
 * (M x K, row stride lda) or, when trans_a, A^T with A (K x M, row stride lda). */
void gru__gemm_fast_f32(int trans_a, int64_t M, int64_t N, int64_t K, const float *A,
                        int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                        int accumulate);



/* ---- random numbers (src/rng.c) -------------------------------------------- */
/* One generator for initializers and dropout: xoshiro256** seeded through splitmix64.
 * Deterministic for a given seed on every platform. */
typedef struct gru__rng {
    uint64_t s[4];
} gru__rng;
void gru__rng_seed(gru__rng *rng, uint64_t seed);
uint64_t gru__rng_next(gru__rng *rng);
double gru__rng_uniform(gru__rng *rng);   /* [0, 1), 53 random bits */
double gru__rng_normal(gru__rng *rng);    /* N(0, 1) */
#endif /* GRU_INTERNAL_H */
