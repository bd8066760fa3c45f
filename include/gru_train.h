/*
 * libgru training API: the training forward, backpropagation through time, dropout,
 * regularizers, constraints and weight updates. Included by gru.h; do not include it
 * directly.
 *
 * A training step
 * ---------------
 *   size_t ws_bytes;
 *   gru_train_workspace_size(layer, B, T, &ws_bytes);
 *   void *ws = aligned_alloc(64, ws_bytes);              // caller-owned, reusable
 *   gru_forward_train(layer, &x, NULL, NULL, &y, NULL, ws, ws_bytes, NULL);
 *   ... loss, dy = dLoss/dy (shaped like y) ...
 *   gru_grads g = {&dkernel, &drecurrent_kernel, &dbias};
 *   gru_backward(layer, ws, ws_bytes, &dy, NULL, &dx, NULL, &g, GRU_GRAD_OVERWRITE);
 *   gru_regularization_grad(layer, &g);                  // adds the regularizers' part
 *   gru_layer_sgd_step(layer, 0.1, &g);                  // w -= 0.1 * grad
 *   gru_layer_apply_constraints(layer);                  // project, as Keras after an update
 *
 * The contract (as oneDNN's forward-training / backward pair)
 * -----------------------------------------------------------
 * - gru_forward_train() computes exactly what gru_forward() computes (plus dropout when
 *   the layer has it) and keeps in the caller's workspace everything gru_backward()
 *   needs: the inputs, the dropout multipliers, every state, and the gates before and
 *   after their activations. Its size for a call on (B, T) is reported beforehand by
 *   gru_train_workspace_size(); a larger workspace is fine. The workspace also holds the
 *   scratch space of gru_backward(), so neither call allocates memory. On Linux, the
 *   float32 fast path advises the whole 2 MiB pages inside a large workspace for
 *   transparent huge pages (madvise MADV_HUGEPAGE); the contents are not affected.
 * - gru_backward() reads that workspace. Between the two calls the caller must not touch
 *   the workspace nor change the layer's weights; backward may be called several times
 *   for one forward (e.g. with different dy). It writes its scratch area only.
 * - Weight gradients ACCUMULATE into the caller's gradient tensors (+=), so that several
 *   calls (sequences, micro-batches) sum up, unless flags has GRU_GRAD_OVERWRITE, in
 *   which case they are overwritten (=). Input and initial-state gradients are always
 *   overwritten.
 * - Gate order and layouts are Keras's: kernel (I, 3H) and recurrent_kernel (H, 3H) with
 *   column blocks z | r | h; bias (3H), or (2, 3H) when reset_after (row 0 input bias,
 *   row 1 recurrent bias). Gradients have exactly the weights' shapes and the layer's
 *   dtype.
 * - trainable = FALSE: no weight gradients are computed; the gradient tensors may be NULL
 *   and, when given, are left untouched. Input and state gradients still flow.
 * - Derivatives follow TensorFlow at kinks and clip points: relu 0 at 0; hard_sigmoid
 *   (Keras 2: clip(0.2x + 0.5, 0, 1)) 0.2 on the CLOSED range where 0 <= 0.2x + 0.5 <= 1
 *   (TF's clip_by_value passes the gradient at the bounds), 0 outside;
 *   hard_sigmoid_keras3 (relu6(x + 3) / 6) 1/6 strictly inside (-3, 3), 0 elsewhere
 *   (TF's Relu6Grad); elu and selu at 0 take the positive branch.
 *
 * Dropout (SEMANTICS.md "Training-only semantics")
 * ------------------------------------------------
 * Active in gru_forward_train() only, when dropout or recurrent_dropout is in the open
 * interval (0, 1) (any other value means no dropout). Multipliers are drawn once per call
 * and per sample and reused at every timestep: kept units get 1 / (1 - rate) (inverted
 * scaling), dropped units 0. With recurrent_dropout in (0, 1) (Keras implementation 1):
 * three independent input masks (for the z, r, h projections of x) and three recurrent
 * masks (for h in the z, r, h recurrent products); the candidate uses the masked state
 * and the final mix z * h uses the UNMASKED state. With recurrent_dropout = 0: one input
 * mask shared by the three gates. Masks are drawn from the layer's dropout generator
 * (seeded from cfg.seed on first use, or by gru_train_seed_dropout()), in this order:
 * the input masks (z, r, h with recurrent_dropout, else the one shared mask; each B x I,
 * sample-major), then the recurrent masks z, r, h (each B x H); one uniform draw u in
 * [0, 1) per unit, kept when u >= rate. They are reproducible from the seed and the
 * sequence of training calls made since (calls without dropout draw nothing).
 * Note: tf.keras with an explicit implementation = 1 and recurrent_dropout = 0 draws
 * three input masks; libgru follows SEMANTICS.md (one shared mask) whatever
 * cfg.implementation says.
 * The multipliers used by a call can be read back (gru_train_get_dropout_masks) or
 * supplied by the caller (gru_dropout_masks), so that the masked equations can be
 * checked exactly.
 */
#ifndef GRU_TRAIN_H
#define GRU_TRAIN_H

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Training forward and backward                                             */
/* ------------------------------------------------------------------------ */

/* Bytes of workspace that gru_forward_train() and gru_backward() need for a call on
 * x (B, T, I) with this layer. B, T >= 1. GRU_ERR_ARG when the size overflows. */
int gru_train_workspace_size(const gru_layer *layer, int64_t B, int64_t T, size_t *bytes);

/* Dropout multipliers supplied by the caller, in the layer's dtype. Each pointer may be
 * NULL: no dropout on that side (all ones). The values are used as given (0 or
 * 1/(1-rate) for Keras's masks, but any values work).
 *   input      (3, B, I): multipliers of x in the z, r and h input projections
 *   recurrent  (3, B, H): multipliers of the state in the z, r and h recurrent products
 *              (the final mix z * h always uses the unmasked state) */
typedef struct gru_dropout_masks {
    const gru_tensor *input;
    const gru_tensor *recurrent;
} gru_dropout_masks;

/* The training forward. Same arguments, rules and outputs as gru_forward(), plus:
 *   workspace       caller memory of at least gru_train_workspace_size(layer, B, T)
 *                   bytes, aligned to 8 bytes at least (64 recommended); filled with
 *                   what gru_backward() needs. Not NULL.
 *   workspace_bytes its size in bytes.
 *   masks           NULL: dropout as configured (drawn from the layer's generator when
 *                   dropout / recurrent_dropout is in (0, 1), else none). Non-NULL: these
 *                   multipliers are used instead, whatever the configured rates (a NULL
 *                   member means none on that side); the generator is not advanced.
 * Stateful layers carry the final state into the next call, as gru_forward() does.
 * Errors: GRU_ERR_NULL, GRU_ERR_SHAPE (x, mask, initial_state, output, state, masks),
 * GRU_ERR_ARG (misaligned workspace), GRU_ERR_BUFFER (workspace too small). On failure
 * the outputs are zero-filled (when their shapes are valid), the workspace holds nothing
 * usable and the carried state is unchanged. */
int gru_forward_train(gru_layer *layer, const gru_tensor *x, const gru_tensor *mask,
                      const gru_tensor *initial_state, gru_tensor *output, gru_tensor *state,
                      void *workspace, size_t workspace_bytes, const gru_dropout_masks *masks);

/* Copy the dropout multipliers used by the last gru_forward_train() into this workspace:
 * input (3, B, I) and recurrent (3, B, H) in the layer's dtype, each may be NULL to skip
 * it. Without dropout on a side its multipliers are all 1; with recurrent_dropout = 0
 * the three input masks are the same. GRU_ERR_STATE when the workspace was not filled by
 * gru_forward_train() on this layer. */
int gru_train_get_dropout_masks(const gru_layer *layer, const void *workspace,
                                size_t workspace_bytes, gru_tensor *input,
                                gru_tensor *recurrent);

/* Restart the layer's dropout generator from `seed` (it otherwise starts from cfg.seed
 * at the first training call and advances with every call that draws masks). */
int gru_train_seed_dropout(gru_layer *layer, uint64_t seed);

/* Weight-gradient tensors, in the layer's dtype, with the weights' shapes:
 *   kernel (I, 3H), recurrent_kernel (H, 3H), bias (3H) or (2, 3H) when reset_after.
 * A NULL member (or a NULL gru_grads pointer) skips that gradient. bias must be NULL
 * when use_bias = FALSE. */
typedef struct gru_grads {
    gru_tensor *kernel;
    gru_tensor *recurrent_kernel;
    gru_tensor *bias;
} gru_grads;

/* gru_backward() flags. */
#define GRU_GRAD_OVERWRITE 1u /* weight gradients are overwritten instead of accumulated */

/* Backpropagation through time for the last gru_forward_train() with this workspace.
 *   dy        gradient of the loss w.r.t. the layer's first output, shaped like it:
 *             (B, T, H) when return_sequences (in the output's order, i.e. processing
 *             order under go_backwards), else (B, H). NULL = zeros.
 *   dy_state  (B, H): gradient w.r.t. the returned final state; only with return_state
 *             (GRU_ERR_ARG otherwise). NULL = zeros. When return_sequences = FALSE the
 *             last output and the final state are equal in value but separate gradient
 *             inputs; both contribute.
 *   dx        (B, T, I): gradient w.r.t. x (original time order), overwritten; NULL to
 *             skip.
 *   dh0       (B, H): gradient w.r.t. the state the call started from (initial_state,
 *             or the carried state of a stateful layer, or the zeros), overwritten;
 *             NULL to skip.
 *   grads     weight gradients, accumulated (or overwritten with GRU_GRAD_OVERWRITE);
 *             ignored when trainable = FALSE.
 *   flags     0 or GRU_GRAD_OVERWRITE.
 * Masked steps pass the gradient through the carried state and the repeated output;
 * outputs before the first kept step are constant zeros and receive no gradient.
 * Dropout multipliers of the forward call are applied in the backward pass too.
 * Errors: GRU_ERR_NULL, GRU_ERR_STATE (workspace not filled by gru_forward_train() on
 * this layer), GRU_ERR_BUFFER (workspace smaller than that call needs), GRU_ERR_SHAPE
 * (a tensor's dtype or shape), GRU_ERR_ARG (flags, dy_state without return_state). On
 * failure nothing is accumulated; dx and dh0 are zero-filled when their shapes are valid.
 */
int gru_backward(gru_layer *layer, void *workspace, size_t workspace_bytes,
                 const gru_tensor *dy, const gru_tensor *dy_state, gru_tensor *dx,
                 gru_tensor *dh0, const gru_grads *grads, unsigned flags);

/* ------------------------------------------------------------------------ */
/* Regularizers                                                              */
/* ------------------------------------------------------------------------ */

/* Sum of the weight regularizers' losses (kernel_regularizer on the kernel,
 * recurrent_regularizer on the recurrent kernel, bias_regularizer on the bias; l1:
 * l1 * sum |w|, l2: l2 * sum w^2, l1_l2: both), computed in float64, as Keras's
 * layer.losses (without the activity part). 0 when there is none. Reported also when
 * trainable = FALSE (Keras keeps them in layer.losses). */
int gru_regularization_loss(const gru_layer *layer, double *loss);

/* ADD the gradients of the weight regularizers (l1 * sign(w) with sign(0) = 0, and
 * 2 * l2 * w) into the gradient tensors (a NULL member is skipped). Does nothing when
 * trainable = FALSE. */
int gru_regularization_grad(const gru_layer *layer, const gru_grads *grads);

/* The activity regularizer of the layer applied to its output tensors, as Keras: the
 * regularizer of each output tensor divided by its batch size B, summed over the
 * output and, with return_state, the state.
 *   output  the layer's first output ((B, T, H) or (B, H)); not NULL.
 *   state   (B, H) the returned state; used only with return_state (then not NULL).
 *   loss    receives the loss (0 without an activity regularizer); may be NULL.
 *   doutput, dstate  the gradient of that loss w.r.t. output and state is ADDED into
 *           these (shaped like output / state), so that passing the dy and dy_state
 *           buffers before gru_backward() includes the activity regularizer in the
 *           backward pass. Each may be NULL to skip. */
int gru_activity_regularization(const gru_layer *layer, const gru_tensor *output,
                                const gru_tensor *state, double *loss, gru_tensor *doutput,
                                gru_tensor *dstate);

/* ------------------------------------------------------------------------ */
/* Weight updates and constraints                                            */
/* ------------------------------------------------------------------------ */

/* A writable view of weight `which` (0 kernel (I, 3H), 1 recurrent_kernel (H, 3H),
 * 2 bias) in the layer's own memory, valid until the layer is destroyed. Writing
 * through it updates the layer in place; afterwards call gru_layer_weights_updated()
 * (or gru_layer_apply_constraints(), which does it) before the next forward, so that
 * the fast kernels' packed copy of the weights is refreshed. */
int gru_layer_weight_view(gru_layer *layer, int which, gru_tensor *out);

/* Tell the layer that its weights were written through gru_layer_weight_view(). */
int gru_layer_weights_updated(gru_layer *layer);

/* Plain gradient descent: w -= lr * grad for each weight whose gradient is given (NULL
 * members skipped). Does nothing when trainable = FALSE. Does not apply constraints.
 * lr must be finite (GRU_ERR_ARG). */
int gru_layer_sgd_step(gru_layer *layer, double lr, const gru_grads *grads);

/* Apply the layer's constraints to its weights in place, as Keras does after an
 * optimizer update (formulas of tf_keras, epsilon 1e-7; axis over the weight's axes,
 * 0 = per column of the kernels; for the 1-D bias every axis means the whole vector):
 *   max_norm:     w * clip(n, 0, max_value) / (1e-7 + n)
 *   non_neg:      w * (w >= 0)
 *   unit_norm:    w / (1e-7 + n)
 *   min_max_norm: w * (rate * clip(n, min_value, max_value) + (1 - rate) * n) / (1e-7 + n)
 * where n is the L2 norm along `axis`. GRU_ERR_ARG for an axis other than 0, 1 or -1
 * (nothing is changed then). */
int gru_layer_apply_constraints(gru_layer *layer);

#ifdef __cplusplus
}
#endif

#endif /* GRU_TRAIN_H */
