"""Regularizers and constraints of libgru against tf_keras's own: layer.losses (weight
regularizers l1 / l2 / l1_l2 and the activity regularizer on every output tensor, divided
by the batch size), their gradients under tf.GradientTape, and constraint(w) of MaxNorm,
NonNeg, UnitNorm and MinMaxNorm on the kernel, recurrent kernel and bias (1-D, and
(2, 3H) when reset_after), with Keras's defaults and with other arguments.

libgru's C API is called directly through ctypes on the shared library (env GRU_LIB,
default libgru.so next to GRU_BIN); the configuration is the tf_keras layer's own
get_config() JSON, parsed by gru_config_parse(). The test is skipped when the library
cannot be loaded (e.g. a sanitizer build, whose runtime must come first in the process).

Tolerances: losses |d| <= 1e-6 * max(1, |e|) (Keras holds the factors as float32, e.g.
0.01 -> 0.009999999776, and sums in float32); gradients and projected weights float32
|d| <= 1e-6 + 1e-5 * |e|, float64 |d| <= 1e-12 * max(1, |e|) (factors given exactly).
"""
import ctypes
import json

import numpy as np
import pytest

import gru_harness as h
from train_harness import CLayer, load_lib, tensor

import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

@pytest.fixture(scope="module")
def lib():
    return load_lib()


def make_keras(H, I, dtype, weights, **kw):
    layer = keras.layers.GRU(H, input_shape=(None, I), dtype=dtype, **kw)
    layer.build((None, None, I))
    layer.set_weights([w for w in weights if w is not None])
    return layer


REG_CASES = [
    # name, kwargs (tf_keras objects; factors exact in float32 where float64 is compared)
    ("l1-l2-l1l2", dict(kernel_regularizer="l1", recurrent_regularizer="l2",
                        bias_regularizer="l1_l2", activity_regularizer="l2")),
    ("factors", dict(kernel_regularizer=keras.regularizers.L1L2(l1=0.25, l2=0.5),
                     recurrent_regularizer=keras.regularizers.L1(0.125),
                     activity_regularizer=keras.regularizers.L1L2(l1=0.5, l2=0.25))),
    ("activity-l1-state", dict(activity_regularizer="l1", return_state=True)),
    ("activity-seq-state", dict(activity_regularizer=keras.regularizers.L2(0.5),
                                return_sequences=True, return_state=True,
                                bias_regularizer=keras.regularizers.L2(0.75))),
    ("not-trainable", dict(kernel_regularizer="l2", bias_regularizer="l1", trainable=False)),
]


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_before", "reset_after"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", REG_CASES, ids=[c[0] for c in REG_CASES])
def test_regularizers(lib, seed, case, dtype, reset_after):
    name, kw = case
    B, T, I, H = 4, 5, 3, 4
    np_dt = np.float64 if dtype == "float64" else np.float32
    rng = h.rng_for(seed, "train_reg", name, dtype, reset_after)
    weights = h.random_weights(rng, I, H, reset_after=reset_after, dtype=np_dt)
    layer = make_keras(H, I, dtype, weights, reset_after=reset_after, **kw)
    x = rng.uniform(-1, 1, (B, T, I)).astype(np_dt)
    res = layer(tf.constant(x))
    outs = [r.numpy() for r in res] if isinstance(res, (list, tuple)) else [res.numpy()]
    n_act = len(outs) if layer.activity_regularizer is not None else 0
    # tf_keras lists the losses added during the call (activity) first, then the weight
    # regularizers' callables
    act_losses = [float(v) for v in layer.losses[:n_act]]
    weight_loss = sum(float(v) for v in layer.losses[n_act:])

    c = CLayer(lib, json.dumps({"class_name": "GRU", "config": layer.get_config()}), weights)
    loss = ctypes.c_double()
    c.ok(lib.gru_regularization_loss(c.layer, ctypes.byref(loss)), "regularization_loss")
    assert abs(loss.value - weight_loss) <= 1e-6 * max(1.0, abs(weight_loss)), \
        f"{name}: weight regularization loss {loss.value}, Keras {weight_loss}"

    # gradients of the weight regularizers: Keras's tape over sum(layer.losses)
    ws = layer.trainable_weights
    grads = [np.zeros_like(w) for w in weights if w is not None]
    gts = [tensor(g) for g in grads] + [None] * (3 - len(grads))
    gargs = [ctypes.byref(t) if t is not None else None for t in gts]

    class Grads(ctypes.Structure):
        _fields_ = [("kernel", ctypes.c_void_p), ("recurrent_kernel", ctypes.c_void_p),
                    ("bias", ctypes.c_void_p)]
    g = Grads(*[ctypes.cast(a, ctypes.c_void_p) if a is not None else None for a in gargs])
    c.ok(lib.gru_regularization_grad(c.layer, ctypes.byref(g)), "regularization_grad")
    if ws:
        with tf.GradientTape() as tape:
            total = tf.add_n([l for l in layer.losses[n_act:]] or
                             [tf.constant(0.0, dtype)])
        kg = tape.gradient(total, ws)
        for got, want, wn in zip(grads, kg, ["kernel", "recurrent_kernel", "bias"]):
            want = np.zeros_like(got) if want is None else want.numpy()
            check(got, want, dtype, f"{name}: d(regularization)/d{wn}")
    else:  # trainable = FALSE: no gradients
        for got in grads:
            assert not got.any(), f"{name}: trainable = FALSE must add no regularizer gradient"

    # activity regularizer: loss and gradient w.r.t. each output tensor
    out_arrays = [np.ascontiguousarray(o) for o in outs]
    d_arrays = [np.zeros_like(o) for o in out_arrays]
    tout = [tensor(o) for o in out_arrays] + [None]
    tdo = [tensor(d) for d in d_arrays] + [None]
    aloss = ctypes.c_double()
    c.ok(lib.gru_activity_regularization(
        c.layer, ctypes.byref(tout[0]), ctypes.byref(tout[1]) if len(outs) > 1 else None,
        ctypes.byref(aloss), ctypes.byref(tdo[0]),
        ctypes.byref(tdo[1]) if len(outs) > 1 else None), "activity_regularization")
    want_act = sum(act_losses)
    assert abs(aloss.value - want_act) <= 1e-6 * max(1.0, abs(want_act)), \
        f"{name}: activity loss {aloss.value}, Keras {want_act} ({act_losses})"
    if layer.activity_regularizer is not None:
        for k, o in enumerate(out_arrays):
            ov = tf.Variable(o)
            with tf.GradientTape() as tape:
                lo = layer.activity_regularizer(ov) / o.shape[0]
            check(d_arrays[k], tape.gradient(lo, ov).numpy(), dtype,
                  f"{name}: d(activity)/d(output {k})")


def check(got, want, dtype, what):
    if dtype == "float64":
        h.assert_close64(got, want, rel=1e-12, what=what)
    else:
        h.assert_close(got, want, atol=1e-6, rtol=1e-5, what=what)


CONSTRAINT_CASES = [
    ("defaults", dict(kernel_constraint="max_norm", recurrent_constraint="unit_norm",
                      bias_constraint="non_neg")),
    ("min_max_norm", dict(kernel_constraint="min_max_norm",
                          recurrent_constraint=keras.constraints.MinMaxNorm(0.5, 0.75, 0.5, 1),
                          bias_constraint=keras.constraints.MaxNorm(0.25))),
    ("axis1", dict(kernel_constraint=keras.constraints.MaxNorm(0.5, axis=1),
                   recurrent_constraint="non_neg",
                   bias_constraint=keras.constraints.UnitNorm(axis=0))),
    ("bias-min_max", dict(bias_constraint=keras.constraints.MinMaxNorm(1.0, 2.0, 1.0, 0),
                          kernel_constraint=keras.constraints.UnitNorm(axis=1))),
]


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_before", "reset_after"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CONSTRAINT_CASES, ids=[c[0] for c in CONSTRAINT_CASES])
def test_constraints(lib, seed, case, dtype, reset_after):
    name, kw = case
    I, H = 3, 4
    np_dt = np.float64 if dtype == "float64" else np.float32
    rng = h.rng_for(seed, "train_constraints", name, dtype, reset_after)
    # large weights, so that norms fall on both sides of the bounds
    weights = h.random_weights(rng, I, H, reset_after=reset_after, dtype=np_dt, scale=3.0,
                               bias_scale=1.5)
    layer = make_keras(H, I, dtype, weights, reset_after=reset_after, **kw)
    c = CLayer(lib, json.dumps({"class_name": "GRU", "config": layer.get_config()}), weights)
    c.ok(lib.gru_layer_apply_constraints(c.layer), "apply_constraints")
    got = c.get_weights(weights)
    keras_cons = [layer.cell.kernel_constraint, layer.cell.recurrent_constraint,
                  layer.cell.bias_constraint]
    # tf_keras's NonNeg casts its mask to floatx(): evaluate in the weights' dtype
    old_floatx = keras.backend.floatx()
    keras.backend.set_floatx(dtype)
    try:
        wants = [w if k is None else k(tf.constant(w)).numpy() for w, k in zip(weights, keras_cons)]
    finally:
        keras.backend.set_floatx(old_floatx)
    for g, want, wn in zip(got, wants, ["kernel", "recurrent_kernel", "bias"]):
        check(g, want, dtype, f"constraint {name}: {wn}")
