/*
 * bench/onednn_gru.h: a thin wrapper over oneDNN's RNN primitive (C API, oneDNN 2.x as
 * shipped by Debian's libdnnl-dev) running one GRU layer, for side-by-side timing with
 * libgru. Only the benchmark uses it; it is not part of the library.
 *
 * oneDNN's GRU flavours and how they map to Keras:
 *   reset_after FALSE = dnnl_vanilla_gru (dnnl_gru_forward_desc_init)
 *   reset_after TRUE  = dnnl_lbr_gru     (dnnl_lbr_gru_forward_desc_init)
 * Gates: oneDNN's (u, r, o) are Keras's (z, r, h), in that order, so a Keras kernel
 * (I, 3H) is already oneDNN's ldigo layout (L=1, D=1, I, G=3, O=H) byte for byte, and
 * likewise the recurrent kernel (H, 3H). Activations are fixed: sigmoid and tanh (Keras
 * recurrent_activation = "sigmoid", activation = "tanh").
 * Bias: vanilla (3, H) = Keras bias (3H) as is. lbr has 4 gates:
 *   [b_iz + b_rz, b_ir + b_rr, b_ih, b_rh]  from Keras (2, 3H) = [input row; recurrent row].
 * Activations use oneDNN's own layout tnc: x (T, B, I), y (T, B, H). The weights are
 * reordered once (untimed) into the layout oneDNN picks for itself (format "any").
 * The scratchpad is user-managed (allocated once here) so that its size can be reported.
 */
#ifndef BENCH_ONEDNN_GRU_H
#define BENCH_ONEDNN_GRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bench_dnnl_gru bench_dnnl_gru;

/* 1 when the benchmark was built with oneDNN, else 0 (then every call below fails). */
int bench_dnnl_available(void);

/* Message of the last failure of a call below ("" if none). */
const char *bench_dnnl_errmsg(void);

/* oneDNN's version as "major.minor.patch", or "none". */
const char *bench_dnnl_version(void);

/* Create primitives for B, T, I, H. reset_after selects lbr_gru; training creates
 * forward_training + backward primitives (else forward_inference only). Returns 0 or -1. */
int bench_dnnl_gru_create(int64_t B, int64_t T, int64_t I, int64_t H, bool reset_after,
                          bool training, bench_dnnl_gru **out);
void bench_dnnl_gru_destroy(bench_dnnl_gru *g);

/* Streaming: a forward_inference primitive for ONE timestep (T = 1) with the state passed
 * in and out (src_iter / dst_iter, ldnc), called once per step as a streaming user would
 * call oneDNN. bench_dnnl_gru_set_weights() as usual; bench_dnnl_gru_stream_reset() zeros
 * the state; each bench_dnnl_gru_step() consumes x_t (B, I) and leaves y_t (B, H) in
 * bench_dnnl_gru_dst(). */
int bench_dnnl_gru_create_stream(int64_t B, int64_t I, int64_t H, bool reset_after,
                                 bench_dnnl_gru **out);
void bench_dnnl_gru_stream_reset(bench_dnnl_gru *g);
int bench_dnnl_gru_step(bench_dnnl_gru *g, const float *x_t);

/* Weights in Keras layout: kernel (I, 3H), recurrent_kernel (H, 3H), bias (3H), or
 * (2, 3H) when reset_after. Converted and reordered into oneDNN's layout (untimed). */
int bench_dnnl_gru_set_weights(bench_dnnl_gru *g, const float *kernel,
                               const float *recurrent_kernel, const float *bias);

float *bench_dnnl_gru_src(bench_dnnl_gru *g);      /* (T, B, I), caller fills */
float *bench_dnnl_gru_dst(bench_dnnl_gru *g);      /* (T, B, H), forward writes */
float *bench_dnnl_gru_diff_dst(bench_dnnl_gru *g); /* (T, B, H), caller fills (training) */
float *bench_dnnl_gru_diff_src(bench_dnnl_gru *g); /* (T, B, I), backward writes */

/* Run forward (inference, or forward_training that fills the workspace). */
int bench_dnnl_gru_forward(bench_dnnl_gru *g);
/* Run backward (training objects only; after bench_dnnl_gru_forward). oneDNN accumulates
 * weight gradients; bench_dnnl_gru_zero_grads() clears them. */
int bench_dnnl_gru_backward(bench_dnnl_gru *g);
void bench_dnnl_gru_zero_grads(bench_dnnl_gru *g);
/* Weight gradients converted back to Keras layout: d_kernel (I, 3H), d_recurrent (H, 3H),
 * d_bias (3H) or (2, 3H) when reset_after (lbr: the z and r rows of both Keras bias rows
 * get the same gradient, since oneDNN holds their sum). */
int bench_dnnl_gru_get_grads(bench_dnnl_gru *g, float *d_kernel, float *d_recurrent,
                             float *d_bias);

typedef struct bench_dnnl_sizes {
    size_t workspace;        /* forward_training -> backward workspace, bytes (0 inference) */
    size_t scratchpad_fwd;   /* forward scratchpad, bytes */
    size_t scratchpad_bwd;   /* backward scratchpad, bytes (0 inference) */
    size_t weights;          /* weights_layer + weights_iter + bias in oneDNN's layout */
} bench_dnnl_sizes;
bench_dnnl_sizes bench_dnnl_gru_sizes(const bench_dnnl_gru *g);

/* oneDNN's name of the forward implementation it chose (e.g. "ref:any"). */
const char *bench_dnnl_gru_impl(const bench_dnnl_gru *g);

#endif /* BENCH_ONEDNN_GRU_H */
