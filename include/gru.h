/*
 * libgru: the Keras GRU layer (R keras `layer_gru()`) in C11.
 *
 * A short tour
 * ------------
 *   gru_config cfg;
 *   gru_config_init(&cfg, 32);            // layer_gru(units = 32) with the spec's defaults
 *   cfg.input_dim = 8;                    // input_shape = c(NULL, 8)
 *   cfg.return_sequences = true;
 *   gru_layer *layer;
 *   if (gru_layer_create(&cfg, &layer) != GRU_OK) puts(gru_errmsg());
 *   gru_layer_set_weights(layer, &kernel, &recurrent_kernel, &bias);   // Keras layout
 *   gru_tensor x = gru_tensor_3d(GRU_FLOAT32, B, T, 8, xbuf);
 *   gru_tensor y = gru_tensor_3d(GRU_FLOAT32, B, T, 32, ybuf);
 *   gru_forward(layer, &x, NULL, NULL, &y, NULL);
 *   gru_layer_destroy(layer);
 *
 * Vocabulary (used in code, comments and error messages alike)
 *   B batch, T timesteps, I input_dim, H units; gates in Keras order z, r, h.
 *   kernel (I, 3H), recurrent_kernel (H, 3H), bias (3H), or (2, 3H) when reset_after
 *   (row 0 input bias, row 1 recurrent bias). All arrays are dense, C order.
 *   The exact equations are in docs/DESIGN.md and the project's SEMANTICS.md.
 *
 * Errors
 *   Every function that can fail returns an int status: GRU_OK (0) or a negative
 *   gru_status. The message of the last failure in the calling thread is gru_errmsg();
 *   it names the argument and what was expected, e.g.
 *   "recurrent_kernel: expected shape (64, 192), got (64, 96)".
 *   The library never prints, aborts or exits. Output handles are set to NULL on failure;
 *   on failure, output buffers are left untouched or zero-filled, never half-written.
 *   destroy(NULL) is a no-op.
 *
 * Threads
 *   A gru_layer may be used by one thread at a time. Different layers are independent.
 */
#ifndef GRU_H
#define GRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GRU_VERSION_MAJOR 0
#define GRU_VERSION_MINOR 1
#define GRU_VERSION_PATCH 0
#define GRU_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------------ */
/* Status codes                                                              */
/* ------------------------------------------------------------------------ */

/* X(name, value, description) */
#define GRU_STATUS_MAP(X)                                                   \
    X(OK, 0, "ok")                                                          \
    X(ERR_NULL, -1, "a required pointer argument is NULL")                  \
    X(ERR_ARG, -2, "invalid argument value")                                \
    X(ERR_SHAPE, -3, "array shape or dtype does not match")                 \
    X(ERR_NOMEM, -4, "out of memory")                                       \
    X(ERR_IO, -5, "input/output error")                                     \
    X(ERR_FORMAT, -6, "malformed file or text")                             \
    X(ERR_STATE, -7, "operation not valid in the layer's current state")    \
    X(ERR_UNSUPPORTED, -8, "feature not available in this build")          \
    X(ERR_BUFFER, -9, "output buffer too small")

typedef enum gru_status {
#define GRU__STATUS_ENUM(name, value, desc) GRU_##name = value,
    GRU_STATUS_MAP(GRU__STATUS_ENUM)
#undef GRU__STATUS_ENUM
} gru_status;

/* Short description of a status code ("invalid argument value"); never NULL. */
const char *gru_status_str(int status);

/* Name of a status code ("GRU_ERR_ARG"); never NULL ("GRU_UNKNOWN" if unknown). */
const char *gru_status_name(int status);

/* Message of the last failed call in this thread (thread-local, library-owned, valid
 * until the next failing call in this thread). "" if nothing has failed yet. */
const char *gru_errmsg(void);

/* Library version string, e.g. "0.1.0". */
const char *gru_version(void);

/* ------------------------------------------------------------------------ */
/* Data types and tensors                                                    */
/* ------------------------------------------------------------------------ */

typedef enum gru_dtype {
    GRU_DTYPE_INVALID = 0,
    GRU_FLOAT32 = 1,
    GRU_FLOAT64 = 2,
    GRU_FLOAT16 = 3, /* masks only */
    GRU_BOOL = 4,    /* one byte, nonzero = true; masks only */
    GRU_INT8 = 5,
    GRU_UINT8 = 6,
    GRU_INT16 = 7,
    GRU_UINT16 = 8,
    GRU_INT32 = 9,
    GRU_UINT32 = 10,
    GRU_INT64 = 11,
    GRU_UINT64 = 12
} gru_dtype;

/* Size in bytes of one element of dtype; 0 for GRU_DTYPE_INVALID or unknown values. */
size_t gru_dtype_size(gru_dtype dtype);
/* "float32", "float64", "float16", "bool", "int8", ... ; "invalid" for unknown. */
const char *gru_dtype_name(gru_dtype dtype);

#define GRU_MAX_DIMS 4

/* A view of a dense C-order array owned by the caller. The library never frees data. */
typedef struct gru_tensor {
    gru_dtype dtype;
    int ndim;                      /* 0..GRU_MAX_DIMS */
    int64_t shape[GRU_MAX_DIMS];   /* shape[0..ndim-1] */
    void *data;
} gru_tensor;

/* Convenience constructors (no allocation, no validation). */
gru_tensor gru_tensor_1d(gru_dtype dtype, int64_t d0, void *data);
gru_tensor gru_tensor_2d(gru_dtype dtype, int64_t d0, int64_t d1, void *data);
gru_tensor gru_tensor_3d(gru_dtype dtype, int64_t d0, int64_t d1, int64_t d2, void *data);

/* Number of elements (product of the shape; 1 for ndim 0), or -1 when a dimension is
 * negative or the product overflows int64. */
int64_t gru_tensor_numel(const gru_tensor *t);

/* ------------------------------------------------------------------------ */
/* Activations                                                               */
/* ------------------------------------------------------------------------ */

/* X(enum suffix, Keras name) */
#define GRU_ACTIVATION_MAP(X)                                               \
    X(TANH, "tanh")                                                         \
    X(SIGMOID, "sigmoid")                                                   \
    X(HARD_SIGMOID, "hard_sigmoid")               /* clip(0.2x+0.5,0,1) */  \
    X(HARD_SIGMOID_KERAS3, "hard_sigmoid_keras3") /* clip(x/6+0.5,0,1) */   \
    X(RELU, "relu")                                                         \
    X(LINEAR, "linear")                           /* also NULL / None */    \
    X(ELU, "elu")                                                           \
    X(SELU, "selu")                                                         \
    X(SOFTPLUS, "softplus")                                                 \
    X(SOFTSIGN, "softsign")                                                 \
    X(EXPONENTIAL, "exponential")                                           \
    X(SWISH, "swish")                             /* also "silu" */         \
    X(GELU, "gelu")                               /* exact, erf form */

typedef enum gru_activation {
#define GRU__ACT_ENUM(name, str) GRU_ACT_##name,
    GRU_ACTIVATION_MAP(GRU__ACT_ENUM)
#undef GRU__ACT_ENUM
    GRU_ACT_COUNT
} gru_activation;

/* Keras name of an activation; NULL for an out-of-range value. */
const char *gru_activation_name(gru_activation act);
/* Parse a Keras activation name (case-sensitive, as Keras). Accepts the aliases "silu"
 * (= swish), "None"/"NULL"/"" (= linear). Returns GRU_ERR_ARG with a message listing the
 * accepted names when unknown. name and out must not be NULL (GRU_ERR_NULL). */
int gru_activation_from_name(const char *name, gru_activation *out);

/* ------------------------------------------------------------------------ */
/* Initializers, regularizers, constraints                                   */
/* ------------------------------------------------------------------------ */

#define GRU_INITIALIZER_MAP(X)                                              \
    X(ZEROS, "zeros")                                                       \
    X(ONES, "ones")                                                         \
    X(CONSTANT, "constant")                                                 \
    X(RANDOM_NORMAL, "random_normal")                                       \
    X(RANDOM_UNIFORM, "random_uniform")                                     \
    X(TRUNCATED_NORMAL, "truncated_normal")                                 \
    X(VARIANCE_SCALING, "variance_scaling")                                 \
    X(GLOROT_UNIFORM, "glorot_uniform")                                     \
    X(GLOROT_NORMAL, "glorot_normal")                                       \
    X(HE_NORMAL, "he_normal")                                               \
    X(HE_UNIFORM, "he_uniform")                                             \
    X(LECUN_NORMAL, "lecun_normal")                                         \
    X(LECUN_UNIFORM, "lecun_uniform")                                       \
    X(IDENTITY, "identity")                                                 \
    X(ORTHOGONAL, "orthogonal")

typedef enum gru_init_kind {
#define GRU__INIT_ENUM(name, str) GRU_INIT_##name,
    GRU_INITIALIZER_MAP(GRU__INIT_ENUM)
#undef GRU__INIT_ENUM
    GRU_INIT_COUNT
} gru_init_kind;

typedef enum gru_fan_mode { GRU_FAN_IN = 0, GRU_FAN_OUT = 1, GRU_FAN_AVG = 2 } gru_fan_mode;
typedef enum gru_distribution {
    GRU_DIST_TRUNCATED_NORMAL = 0, /* Keras 2 "normal" also means this */
    GRU_DIST_UNTRUNCATED_NORMAL = 1,
    GRU_DIST_UNIFORM = 2
} gru_distribution;

/* Keras initializer with its arguments. Use gru_initializer_default() to get the Keras
 * defaults of a kind (random_normal stddev 0.05, random_uniform +-0.05, constant 0,
 * identity/orthogonal gain 1, variance_scaling scale 1 fan_in truncated_normal). */
typedef struct gru_initializer {
    gru_init_kind kind;
    double value;                  /* constant */
    double mean, stddev;           /* random_normal, truncated_normal */
    double minval, maxval;         /* random_uniform */
    double gain;                   /* identity, orthogonal */
    double scale;                  /* variance_scaling */
    gru_fan_mode mode;             /* variance_scaling */
    gru_distribution distribution; /* variance_scaling */
    bool has_seed;                 /* false: derived from the layer's seed */
    uint64_t seed;
} gru_initializer;

gru_initializer gru_initializer_default(gru_init_kind kind);
const char *gru_initializer_name(gru_init_kind kind);

/* Fill `data` (dtype GRU_FLOAT32 or GRU_FLOAT64, C order, shape[0..ndim-1], ndim 1 or 2)
 * with the initializer's distribution, as Keras does for a weight of that shape:
 * fans as Keras computes them (2-D (rows, cols): fan_in = rows, fan_out = cols; 1-D (n):
 * fan_in = fan_out = n). orthogonal and identity need ndim 2 (GRU_ERR_ARG otherwise).
 * `seed` makes it reproducible; init->seed is used instead when init->has_seed. */
int gru_initializer_fill(const gru_initializer *init, gru_dtype dtype, int ndim,
                         const int64_t *shape, uint64_t seed, void *data);

typedef enum gru_regularizer_kind {
    GRU_REG_NONE = 0,
    GRU_REG_L1 = 1,
    GRU_REG_L2 = 2,
    GRU_REG_L1_L2 = 3
} gru_regularizer_kind;

/* Keras default factor 0.01 (l1_l2: l1 = 0.01, l2 = 0.01; tf.keras L1L2 defaults 0). */
typedef struct gru_regularizer {
    gru_regularizer_kind kind;
    double l1, l2;
} gru_regularizer;

typedef enum gru_constraint_kind {
    GRU_CONSTRAINT_NONE = 0,
    GRU_CONSTRAINT_MAX_NORM = 1,
    GRU_CONSTRAINT_NON_NEG = 2,
    GRU_CONSTRAINT_UNIT_NORM = 3,
    GRU_CONSTRAINT_MIN_MAX_NORM = 4
} gru_constraint_kind;

/* Keras defaults: max_norm(max_value 2, axis 0), unit_norm(axis 0),
 * min_max_norm(min_value 0, max_value 1, rate 1, axis 0). */
typedef struct gru_constraint {
    gru_constraint_kind kind;
    double max_value, min_value, rate;
    int axis;
} gru_constraint;

/* ------------------------------------------------------------------------ */
/* Configuration: every argument of layer_gru()                              */
/* ------------------------------------------------------------------------ */

#define GRU_NAME_MAX 128

typedef struct gru_config {
    int64_t units;                        /* H > 0 */
    gru_activation activation;            /* default tanh */
    gru_activation recurrent_activation;  /* default hard_sigmoid (Keras 2 function) */
    bool use_bias;                        /* default true */
    bool return_sequences;                /* default false */
    bool return_state;                    /* default false */
    bool go_backwards;                    /* default false */
    bool stateful;                        /* default false; needs batch_size > 0 */
    bool unroll;                          /* default false; same numbers either way */
    bool reset_after;                     /* default false */
    gru_initializer kernel_initializer;    /* default glorot_uniform */
    gru_initializer recurrent_initializer; /* default orthogonal */
    gru_initializer bias_initializer;      /* default zeros */
    gru_regularizer kernel_regularizer;    /* default none */
    gru_regularizer recurrent_regularizer;
    gru_regularizer bias_regularizer;
    gru_regularizer activity_regularizer;
    gru_constraint kernel_constraint;      /* default none */
    gru_constraint recurrent_constraint;
    gru_constraint bias_constraint;
    double dropout;                       /* [0, 1]; training only */
    double recurrent_dropout;             /* [0, 1]; training only */
    /* input_shape = c(timesteps, input_dim); batch_input_shape = c(batch, timesteps,
     * input_dim); batch_size. 0 means NULL (unknown / variable). */
    int64_t input_dim;                    /* I; required by gru_layer_create */
    int64_t timesteps;                    /* 0 = variable */
    int64_t batch_size;                   /* 0 = variable; required when stateful */
    gru_dtype dtype;                      /* GRU_FLOAT32 (default) or GRU_FLOAT64 */
    char name[GRU_NAME_MAX];              /* "" = autogenerated ("gru") */
    bool trainable;                       /* default true */
    /* Keras's zero_output_for_mask (tf.keras's Bidirectional sets it on its halves when
     * return_sequences = TRUE): a masked step outputs zeros instead of repeating the
     * previous output; the state is carried either way. Inference only. default false */
    bool zero_output_for_mask;
    int implementation;                   /* Keras's implementation (1 or 2); accepted,
                                             no numeric effect. default 1 */
    uint64_t seed;                        /* seed for initializers and dropout */
    /* `weights`: initial weights in Keras order, in the layer's dtype, caller-owned,
     * read once by gru_layer_create (NULL = use the initializers). Shapes as in
     * gru_layer_weight_shape(); weights[2] is ignored when use_bias is false. */
    const void *weights[3];
} gru_config;

typedef enum gru_preset {
    GRU_PRESET_KERAS2 = 0, /* the specification's defaults (R keras <= 2.6) */
    GRU_PRESET_TF2 = 1     /* TF2 / Keras 3: sigmoid + reset_after TRUE */
} gru_preset;

/* Fill cfg with the defaults of layer_gru(units = units). Returns GRU_ERR_NULL for a
 * NULL cfg; units are not validated here (gru_config_validate does). */
int gru_config_init(gru_config *cfg, int64_t units);
int gru_config_init_preset(gru_config *cfg, int64_t units, gru_preset preset);

/* Check every field; GRU_ERR_ARG with a message naming the field and the accepted
 * values (GRU_ERR_NULL for a NULL cfg). Does not require input_dim (gru_layer_create
 * does). Constraint axes follow Keras: the norm is taken over `axis` of the weight as
 * it is stored, so axis 0 = per column of kernel (I, 3H) / recurrent_kernel (H, 3H) /
 * the (2, 3H) bias, axis 1 = per row; the 1-D (3H) bias (reset_after FALSE) has only
 * axis 0 (one norm over the whole vector), so axis 1 there is rejected, as are the
 * 2-D-only initializers identity and orthogonal for that bias. */
int gru_config_validate(const gru_config *cfg);

/* Parse a configuration given as text and write a complete configuration into cfg
 * (defaults for everything not mentioned). Text that starts with '{' (after white
 * space) is Keras layer-config JSON: {"class_name": "GRU", "config": {...}} or the bare
 * config object, as written by Keras get_config() / model JSON. Anything else is the R
 * argument form:  units = 32, activation = "tanh", reset_after = TRUE,
 * input_shape = c(NULL, 8), kernel_regularizer = regularizer_l2(0.01), ...
 * (R: TRUE/FALSE/T/F, NULL, c()/list(), 32 or 32L, 1e-3, '...' or "...", # comments,
 * an optional layer_gru( ... ) around it, `object` ignored, positional arguments in
 * layer_gru()'s order (a leading value is units), the initializer_*(), regularizer_*()
 * and constraint_*() functions of R keras with their argument names and order; also
 * seed, implementation, input_dim, input_length. Constraint axes are Keras's 0-based.)
 * Syntax errors: GRU_ERR_FORMAT; unknown keys and bad values: GRU_ERR_ARG, naming the
 * key and the accepted values. JSON needs the build option GRU_WITH_CJSON (else
 * GRU_ERR_UNSUPPORTED). cfg is written only on success. */
int gru_config_parse(const char *text, gru_config *cfg);
int gru_config_parse_r(const char *text, gru_config *cfg);
/* keras_major: 2 = Keras 2 / tf.keras names; 3 = Keras 3, where "hard_sigmoid" means
 * GRU_ACT_HARD_SIGMOID_KERAS3 and keys Keras 3 does not write default to the TF2 preset;
 * 0 = detect (Keras 3 when the text has "keras_version": "3...", a DTypePolicy dtype,
 * or a "seed" key without "implementation"/"time_major"; else Keras 2). gru_config_parse
 * uses 0. Also accepted: a model's JSON ({"class_name": "Sequential"/"Functional", ...})
 * holding exactly one GRU layer; "time_major" only false; "zero_output_for_mask" sets the field of that name. */
int gru_config_parse_json(const char *json, int keras_major, gru_config *cfg);

/* Print cfg with every field filled in, into buf (capacity cap, always NUL-terminated
 * when cap > 0; buf may be NULL when cap is 0, to ask for the size). *needed (may be
 * NULL) receives the full length excluding the NUL. cfg is validated first
 * (GRU_ERR_ARG as gru_config_validate). Returns GRU_ERR_BUFFER when cap is too small
 * (buf then holds nothing valid: ""). The text parses back to the same configuration
 * (`weights` is never printed). JSON: name "" is printed as "gru"; a nonzero cfg->seed
 * is printed as "seed" (a key tf.keras does not know), and hard_sigmoid_keras3 has no
 * tf.keras name: such configurations load in libgru but not in tf.keras.
 * R form: "units = 32, activation = \"tanh\", ..."; JSON form: Keras get_config() style
 * {"class_name": "GRU", "config": {...}} (Keras 2 / tf.keras spelling). */
int gru_config_to_r(const gru_config *cfg, char *buf, size_t cap, size_t *needed);
int gru_config_to_json(const gru_config *cfg, char *buf, size_t cap, size_t *needed);

/* ------------------------------------------------------------------------ */
/* The layer                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct gru_layer gru_layer;

/* Create a layer from cfg (validated; input_dim must be > 0). Weights come from
 * cfg->weights when set, else from the initializers seeded with cfg->seed. Stateful
 * layers start with zero states of shape (batch_size, H). *out is NULL on failure. */
int gru_layer_create(const gru_config *cfg, gru_layer **out);
void gru_layer_destroy(gru_layer *layer);

/* The layer's configuration (read-only, valid for the layer's lifetime). */
const gru_config *gru_layer_config(const gru_layer *layer);

/* Number of weight arrays: 3 with use_bias, else 2. */
int gru_layer_num_weights(const gru_layer *layer);
/* Shape of weight `which` (0 kernel (I,3H), 1 recurrent_kernel (H,3H), 2 bias (3H) or
 * (2,3H)). *ndim gets 1 or 2; shape must hold 2 entries. */
int gru_layer_weight_shape(const gru_layer *layer, int which, int *ndim, int64_t shape[2]);
/* Parameter count: 3(H(I+H)+H), plus 3H when reset_after; without bias no 3H terms. */
int64_t gru_layer_param_count(const gru_layer *layer);

/* Set the weights (Keras layout and order). Each tensor must have the layer's dtype and
 * exactly the shape of gru_layer_weight_shape(); bias must be NULL when use_bias is
 * false and non-NULL otherwise. A reset_after = FALSE bias given to a reset_after = TRUE
 * layer (or the reverse) is GRU_ERR_SHAPE with a message saying so. All-or-nothing. */
int gru_layer_set_weights(gru_layer *layer, const gru_tensor *kernel,
                          const gru_tensor *recurrent_kernel, const gru_tensor *bias);
/* Copy the weights into caller tensors of the exact shapes and the layer's dtype. Any
 * of the three may be NULL to skip it. */
int gru_layer_get_weights(const gru_layer *layer, gru_tensor *kernel,
                          gru_tensor *recurrent_kernel, gru_tensor *bias);

/* Stateful layers: set the carried states to zeros (values NULL) or to values, which
 * must be (batch_size, H) in the layer's dtype. GRU_ERR_STATE for a layer that is not
 * stateful. */
int gru_layer_reset_states(gru_layer *layer, const gru_tensor *values);
/* Copy the carried states (batch_size, H) of a stateful layer into out. */
int gru_layer_get_states(const gru_layer *layer, gru_tensor *out);

/* ------------------------------------------------------------------------ */
/* Forward pass (inference)                                                  */
/* ------------------------------------------------------------------------ */

/* Run the layer on x (B, T, I) in the layer's dtype. T >= 1, B >= 1 (B == batch_size when
 * stateful; T == timesteps when input_shape fixed it).
 *   mask          (B, T) of any bool/int/float dtype, nonzero = keep; NULL = keep all.
 *   initial_state (B, H) in the layer's dtype; NULL = zeros (or, when stateful, the
 *                 carried states). When given it wins over the carried states.
 *   output        (B, T, H) when return_sequences, else (B, H). Required.
 *   state         (B, H): the final state. Required when return_state; otherwise may be
 *                 NULL.
 * go_backwards: the sequence is consumed from t = T-1 down to 0 and the output sequence
 * is in processing order (reversed), as Keras. Masked steps carry the state and repeat
 * the previous output (zeros before the first kept step). Dropout is inactive here.
 * Stateful layers carry the final state into the next call. On failure outputs are
 * zero-filled (when their shapes were valid) and the carried state is unchanged. */
int gru_forward(gru_layer *layer, const gru_tensor *x, const gru_tensor *mask,
                const gru_tensor *initial_state, gru_tensor *output, gru_tensor *state);

/* Pre-allocate what gru_forward needs for batches up to B and sequences up to T so that
 * later calls within those sizes do not allocate. Optional. */
int gru_layer_reserve(gru_layer *layer, int64_t B, int64_t T);

/* ------------------------------------------------------------------------ */
/* Threads                                                                   */
/* ------------------------------------------------------------------------ */

/* Number of threads gru_forward() and gru_step() use for this layer: n = 1..64, default 1.
 * n > 1 starts n - 1 persistent worker threads owned by the layer (here, not per call;
 * they stop in gru_layer_destroy). The calling thread is one of the n. The units are
 * split between the threads, each keeping its share of the packed weights in its own
 * cache, with one barrier per timestep; use at most the number of physical cores. Between
 * calls a worker spins for about 0.2 ms, then sleeps. Results depend on n only through
 * float32 summation order (each thread sums its own part of the recurrent product
 * first); they are deterministic for a given n. float64 layers run on one thread.
 * Returns GRU_ERR_ARG for n outside 1..64, GRU_ERR_NOMEM when a thread cannot start.
 * Kernels: float32 runs the AVX-512 or AVX2 kernels when the CPU has them (checked at run
 * time), else portable C; the environment variable GRU_ISA = avx512, avx2, generic or ref
 * (the plain reference kernel) caps the choice, read once per process. */
int gru_layer_set_num_threads(gru_layer *layer, int n);
/* The layer's thread count (>= 1), or a negative status for NULL. */
int gru_layer_get_num_threads(const gru_layer *layer);

/* ------------------------------------------------------------------------ */
/* Streaming: one timestep per call                                          */
/* ------------------------------------------------------------------------ */

/* Start (or restart) a stream of batch B on this layer: allocates what gru_step() needs
 * (gru_step itself never allocates) and sets the stream's state to h0 (B, H) in the
 * layer's dtype, or zeros when h0 is NULL. The stream's state is separate from the carried
 * state of a stateful layer and from gru_forward(). */
int gru_stream_begin(gru_layer *layer, int64_t B, const gru_tensor *h0);

/* One timestep: x_t (B, I) in the layer's dtype; mask_t (B) of any mask dtype (nonzero =
 * keep) or NULL; y_t (B, H) receives the output of this step. Feeding x[:, 0..T-1] one
 * step at a time gives exactly gru_forward()'s return_sequences output and final state
 * (a masked step carries the state and outputs the previous output, zeros before the
 * first kept step of the stream). go_backwards and return_sequences have no effect: the
 * caller feeds the steps in the order they are to be consumed. GRU_ERR_STATE before
 * gru_stream_begin(). On failure y_t is zero-filled (when its shape is valid) and the
 * state is unchanged. */
int gru_step(gru_layer *layer, const gru_tensor *x_t, const gru_tensor *mask_t,
             gru_tensor *y_t);

/* Copy the stream's current state (B, H) into h (layer dtype). */
int gru_stream_get_state(const gru_layer *layer, gru_tensor *h);

#ifdef __cplusplus
}
#endif

#include "gru_train.h"

#endif /* GRU_H */
