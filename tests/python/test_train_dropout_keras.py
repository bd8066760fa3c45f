"""Dropout semantics against tf_keras itself: libgru draws its masks in
gru_forward_train(), they are read back (gru_train_get_dropout_masks) and handed to a
tf_keras GRU in training mode in place of the masks it would draw (its
get_dropout_mask_for_cell / get_recurrent_dropout_mask_for_cell return them), so that the
two compute the same function. Output, final state and the gradients (tf.GradientTape vs
gru_backward) must agree. This checks the implementation-1 rule (three input and three
recurrent masks, the candidate using the masked state and the mix z * h the unmasked one)
and the shared input mask when recurrent_dropout = 0, in both reset_after variants.

libgru is called through ctypes (env GRU_LIB, default libgru.so next to GRU_BIN); skipped
when the library cannot be loaded. Tolerances: float64 |d| <= 1e-10 * max(1, |e|);
float32 |d| <= 1e-5 * max(1, max|e|) + 1e-4 * |e|.
"""
import ctypes
import json

import numpy as np
import pytest

import gru_harness as h
from train_harness import CLayer, load_lib, tensor

import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402


class Masks(ctypes.Structure):
    _fields_ = [("input", ctypes.c_void_p), ("recurrent", ctypes.c_void_p)]


class Grads(ctypes.Structure):
    _fields_ = [("kernel", ctypes.c_void_p), ("recurrent_kernel", ctypes.c_void_p),
                ("bias", ctypes.c_void_p)]


@pytest.fixture(scope="module")
def lib():
    return load_lib()


def ptr(t):
    return ctypes.cast(ctypes.byref(t), ctypes.c_void_p) if t is not None else None


CASES = [
    # name, dropout, recurrent_dropout, activation, recurrent_activation
    ("dropout-only", 0.3, 0.0, "tanh", "hard_sigmoid"),
    ("both", 0.25, 0.4, "tanh", "sigmoid"),
    ("recurrent-only", 0.0, 0.5, "relu", "hard_sigmoid"),
    ("both-gelu", 0.5, 0.2, "gelu", "sigmoid"),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_before", "reset_after"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_dropout_against_keras(lib, seed, case, reset_after, dtype):
    name, rate, rrate, act, ract = case
    B, T, I, H = 4, 6, 5, 3
    np_dt = np.float64 if dtype == "float64" else np.float32
    rng = h.rng_for(seed, "train_dropout_keras", name, reset_after, dtype)
    weights = h.random_weights(rng, I, H, reset_after=reset_after, dtype=np_dt)
    layer = keras.layers.GRU(H, input_shape=(None, I), dtype=dtype, dropout=rate,
                             recurrent_dropout=rrate, reset_after=reset_after,
                             activation=act, recurrent_activation=ract,
                             return_sequences=True, return_state=True)
    layer.build((None, None, I))
    layer.set_weights(list(weights))
    x = rng.uniform(-1, 1, (B, T, I)).astype(np_dt)
    dy = rng.uniform(-1, 1, (B, T, H)).astype(np_dt)
    ds = rng.uniform(-1, 1, (B, H)).astype(np_dt)

    # libgru: training forward with its own masks, then backward
    lib.gru_train_workspace_size.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                                             ctypes.POINTER(ctypes.c_size_t)]
    lib.gru_forward_train.argtypes = [ctypes.c_void_p] * 6 + [ctypes.c_void_p, ctypes.c_size_t,
                                                             ctypes.c_void_p]
    lib.gru_train_get_dropout_masks.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                                ctypes.c_size_t, ctypes.c_void_p,
                                                ctypes.c_void_p]
    lib.gru_backward.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t] + \
        [ctypes.c_void_p] * 5 + [ctypes.c_uint]
    c = CLayer(lib, json.dumps({"class_name": "GRU", "config": layer.get_config()}), weights)
    nbytes = ctypes.c_size_t()
    c.ok(lib.gru_train_workspace_size(c.layer, B, T, ctypes.byref(nbytes)), "workspace_size")
    ws = np.zeros(nbytes.value // 8 + 1, np.float64)  # 8-byte aligned
    y = np.zeros((B, T, H), np_dt)
    st = np.zeros((B, H), np_dt)
    tx, ty, tst = tensor(x), tensor(y), tensor(st)
    c.ok(lib.gru_forward_train(c.layer, ptr(tx), None, None, ptr(ty), ptr(tst),
                               ws.ctypes.data, nbytes.value, None), "forward_train")
    mx = np.zeros((3, B, I), np_dt)
    mh = np.zeros((3, B, H), np_dt)
    tmx, tmh = tensor(mx), tensor(mh)
    c.ok(lib.gru_train_get_dropout_masks(c.layer, ws.ctypes.data, nbytes.value, ptr(tmx),
                                         ptr(tmh)), "get_dropout_masks")
    if 0 < rate < 1:
        assert set(np.unique(mx)) <= {0.0, np_dt(1 / (1 - rate))}
    dx = np.zeros_like(x)
    gk, gr, gb = (np.zeros_like(w) for w in weights)
    tdy, tds, tdx = tensor(dy), tensor(ds), tensor(dx)
    tgk, tgr, tgb = tensor(gk), tensor(gr), tensor(gb)
    grads = Grads(ptr(tgk), ptr(tgr), ptr(tgb))
    c.ok(lib.gru_backward(c.layer, ws.ctypes.data, nbytes.value, ptr(tdy), ptr(tds), ptr(tdx),
                          None, ctypes.cast(ctypes.byref(grads), ctypes.c_void_p), 1),
         "backward")

    # tf_keras in training mode with the same masks
    in_masks = [tf.constant(mx[g]) for g in range(3)]
    rec_masks = [tf.constant(mh[g]) for g in range(3)]
    for obj in (layer, layer.cell):
        obj.get_dropout_mask_for_cell = lambda *a, **k: in_masks if rate > 0 else None
        obj.get_recurrent_dropout_mask_for_cell = \
            lambda *a, **k: rec_masks if rrate > 0 else None
    xt = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xt)
        ky, ks = layer(xt, training=True)
        loss = tf.reduce_sum(ky * dy) + tf.reduce_sum(ks * ds)
    ref = {"y": ky.numpy(), "state": ks.numpy(), "dx": tape.gradient(loss, xt).numpy()}
    for nm, g in zip(["dkernel", "drecurrent_kernel", "dbias"],
                     tape.gradient(loss, layer.trainable_weights)):
        ref[nm] = g.numpy()
    got = {"y": y, "state": st, "dx": dx, "dkernel": gk, "drecurrent_kernel": gr,
           "dbias": gb}
    for k in got:
        what = f"dropout {name}: {k}"
        if dtype == "float64":
            h.assert_close64(got[k], ref[k], rel=h.GELU_GRAD_REL64 if act == "gelu" else 1e-10, what=what)
        else:
            h.assert_close(got[k], ref[k], scaled=True, what=what)
