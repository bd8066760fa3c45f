"""A float64 GRU forward pass written from SEMANTICS.md's equations, in plain numpy.

Independent of libgru's C code and of any framework: it is the "float64 reference
written separately in the tests" of issue 2. Row-vector convention (x . kernel), Keras
layout: kernel (I, 3H), recurrent_kernel (H, 3H), column blocks z | r | h; bias (3H), or
(2, 3H) when reset_after (row 0 input bias, row 1 recurrent bias), or None.
"""
from __future__ import annotations

import math

import numpy as np

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    # Stable for both signs.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


ACTIVATIONS64 = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0.0, 1.0),        # Keras 2
    "hard_sigmoid_keras3": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),  # relu6(x+3)/6
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "selu": lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0.0))),
    "softplus": lambda x: np.logaddexp(0.0, x),
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "exponential": np.exp,
    "swish": lambda x: x * _sigmoid(x),
    "gelu": lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))),
}
ACTIVATIONS64["silu"] = ACTIVATIONS64["swish"]
ACTIVATIONS64[None] = ACTIVATIONS64["linear"]


def gru_step64(x_t, h, kernel, recurrent_kernel, bias, *, act, rec_act, reset_after):
    """One GRU step for a batch: x_t (B, I), h (B, H) -> h' (B, H)."""
    H = h.shape[1]
    Wz, Wr, Wh = kernel[:, :H], kernel[:, H:2 * H], kernel[:, 2 * H:]
    Uz, Ur, Uh = recurrent_kernel[:, :H], recurrent_kernel[:, H:2 * H], recurrent_kernel[:, 2 * H:]
    if bias is None:
        bi = np.zeros(3 * H)
        br = np.zeros(3 * H)
    elif reset_after:
        bi, br = bias[0], bias[1]
    else:
        bi, br = bias, np.zeros(3 * H)
    if reset_after:
        z = rec_act(x_t @ Wz + bi[:H] + h @ Uz + br[:H])
        r = rec_act(x_t @ Wr + bi[H:2 * H] + h @ Ur + br[H:2 * H])
        hh = act(x_t @ Wh + bi[2 * H:] + r * (h @ Uh + br[2 * H:]))
    else:
        z = rec_act(x_t @ Wz + bi[:H] + h @ Uz)
        r = rec_act(x_t @ Wr + bi[H:2 * H] + h @ Ur)
        hh = act(x_t @ Wh + bi[2 * H:] + (r * h) @ Uh)
    return z * h + (1.0 - z) * hh


def gru_forward64(x, kernel, recurrent_kernel, bias=None, *, activation="tanh",
                  recurrent_activation="hard_sigmoid", reset_after=False,
                  return_sequences=False, go_backwards=False, mask=None,
                  initial_state=None):
    """Forward pass over x (B, T, I) in float64.

    mask (B, T), nonzero = keep: a masked step carries the state unchanged and outputs
    the previous output, which is zeros before the first kept step (even with a non-zero
    initial state). go_backwards consumes t = T-1 .. 0 and returns the output sequence in
    processing order. Returns (output, final_state): output (B, T, H) when
    return_sequences else (B, H) = the last output; final_state (B, H).
    """
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    recurrent_kernel = np.asarray(recurrent_kernel, dtype=np.float64)
    bias = None if bias is None else np.asarray(bias, dtype=np.float64)
    B, T, _ = x.shape
    H = recurrent_kernel.shape[0]
    act = ACTIVATIONS64[activation]
    rec_act = ACTIVATIONS64[recurrent_activation]
    h = np.zeros((B, H)) if initial_state is None else np.array(initial_state, dtype=np.float64)
    keep = np.ones((B, T), dtype=bool) if mask is None else (np.asarray(mask) != 0)
    order = range(T - 1, -1, -1) if go_backwards else range(T)
    prev_out = np.zeros((B, H))
    outs = []
    for t in order:
        h_new = gru_step64(x[:, t, :], h, kernel, recurrent_kernel, bias,
                           act=act, rec_act=rec_act, reset_after=reset_after)
        k = keep[:, t][:, None]
        h = np.where(k, h_new, h)
        prev_out = np.where(k, h_new, prev_out)
        outs.append(prev_out)
    seq = np.stack(outs, axis=1)  # (B, T, H), processing order
    return (seq if return_sequences else seq[:, -1, :]), h
