"""Gradients of `gru backward` against real Keras 2: tf_keras 2.21 GRU layers under
tf.GradientTape (eager, CPU), for both reset_after variants.

Each case builds a tf_keras GRU with random weights (non-zero biases, both rows when
reset_after), random inputs and a random upstream gradient dy (and dstate with
return_state), and asks TensorFlow for the gradient of
    L = sum(dy * output) [+ sum(dstate * state)]
with respect to x, the initial state and the layer's trainable weights. The same layer
(its own get_config() JSON), weights, inputs and upstream gradients go through the CLI.

Covered: every activation pair of tf_keras (12 x 12, each pair once, alternating the
reset_after variant, plus the Keras defaults in both variants), use_bias, return_sequences
TRUE/FALSE, return_state (gradients on the output and the state at once, also when the
last output and the state are the same values), go_backwards, masks (leading, trailing,
interior, all-zero rows), initial_state, trainable = FALSE (no weight gradients: the CLI
refuses to write them; input and state gradients still match), float64 layers, and the
derivative convention at kinks (relu at 0, hard_sigmoid at exactly +-2.5).

Tolerances:
  float32: |got - e| <= 1e-5 * max(1, max|e|) + 1e-4 * |e| elementwise (the absolute part
           scaled by the tensor's largest value: a weight gradient is a sum over B*T
           steps whose float32 rounding depends on the summation order).
  float64: |got - e| <= 1e-10 * max(1, |e|) (gelu 1e-6, h.GELU_GRAD_REL64: TensorFlow's
           float64 gelu goes through erfc, accurate to about 4e-9, and its derivative's
           error grows through the recurrence and the weight-gradient sums).
"""
import numpy as np
import pytest

import gru_harness as h
from gru_harness import ACTIVATIONS, assert_close, assert_close64
from train_harness import run_backward

import tensorflow as tf  # noqa: E402  (environment set in conftest)
import tf_keras as keras  # noqa: E402

pytestmark = pytest.mark.usefixtures("gru_bin")

UNBOUNDED = {"relu", "linear", "elu", "selu", "softplus", "exponential", "swish", "gelu"}


def keras_grads(layer, x, dy, *, dstate=None, mask=None, h0=None):
    """TensorFlow's gradients: dict with dx, dh0 (when h0 given) and the trainable
    weights' gradients (dkernel, drecurrent_kernel, dbias) when the layer is trainable."""
    xt = tf.constant(x)
    h0t = tf.constant(h0) if h0 is not None else None
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xt)
        if h0t is not None:
            tape.watch(h0t)
        kw = {}
        if mask is not None:
            kw["mask"] = tf.constant(mask)
        if h0t is not None:
            kw["initial_state"] = h0t
        res = layer(xt, training=False, **kw)
        if isinstance(res, (list, tuple)):
            y, st = res[0], res[1]
        else:
            y, st = res, None
        loss = tf.reduce_sum(y * tf.constant(dy))
        if dstate is not None:
            loss = loss + tf.reduce_sum(st * tf.constant(dstate))
    out = {"dx": tape.gradient(loss, xt).numpy(), "y": y.numpy()}
    if h0t is not None:
        g = tape.gradient(loss, h0t)
        out["dh0"] = np.zeros_like(h0) if g is None else g.numpy()
    names = ["dkernel", "drecurrent_kernel", "dbias"]
    tw = layer.trainable_weights
    if tw:
        for name, g in zip(names, tape.gradient(loss, tw)):
            out[name] = g.numpy()
    del tape
    return out


def make_layer(units, input_dim, weights, **kw):
    layer = keras.layers.GRU(units, input_shape=(None, input_dim), **kw)
    layer.build((None, None, input_dim))
    layer.set_weights([w for w in weights if w is not None])
    return layer


def run_case(tmp_path, seed, name, *, B=3, T=5, I=4, H=5, masked=False, h0=False,
             scale=1.0, x_scale=1.0, dtype="float32", tol64=1e-10, **kw):
    rng = h.rng_for(seed, "train_keras", name)
    np_dt = np.float64 if dtype == "float64" else np.float32
    weights = h.random_weights(rng, I, H, use_bias=kw.get("use_bias", True),
                               reset_after=kw.get("reset_after", False), dtype=np_dt,
                               scale=scale)
    layer = make_layer(H, I, weights, dtype=dtype, **kw)
    x = (rng.uniform(-1, 1, (B, T, I)) * x_scale).astype(np_dt)
    y_shape = (B, T, H) if kw.get("return_sequences") else (B, H)
    dy = rng.uniform(-1, 1, y_shape).astype(np_dt)
    dstate = rng.uniform(-1, 1, (B, H)).astype(np_dt) if kw.get("return_state") else None
    mask = h.mask_patterns(rng, B, T) if masked else None
    h0v = rng.uniform(-1, 1, (B, H)).astype(np_dt) if h0 else None
    ref = keras_grads(layer, x, dy, dstate=dstate, mask=mask, h0=h0v)

    trainable = kw.get("trainable", True)
    want = ["dx", "y"] + (["dh0"] if h0 else [])
    if trainable:
        want += ["dkernel", "drecurrent_kernel"] + (["dbias"] if kw.get("use_bias", True)
                                                    else [])
    got = run_backward(tmp_path / name, h.keras_json(layer.get_config()), *weights, x=x,
                       dy=dy, dstate=dstate, mask=mask, initial_state=h0v, want=want,
                       what=name)
    for k in want:
        what = f"{name}: {k}"
        if dtype == "float64":
            assert_close64(got[k], ref[k], rel=tol64, what=what)
        else:
            assert_close(got[k], ref[k], scaled=True, what=what)
    if not trainable:
        # the CLI refuses weight gradients of a non-trainable layer, and writes nothing
        run_backward(tmp_path / (name + "-refused"), h.keras_json(layer.get_config()),
                     *weights, x=x, dy=dy, dstate=dstate, mask=mask, initial_state=h0v,
                     want=["dx", "dkernel"], expect_fail=True, what=name)
        assert "dkernel" not in ref  # Keras has no trainable weights either


# --------------------------------------------------------------------------- families

FAMILIES = {
    "last": dict(),
    "sequences": dict(return_sequences=True),
    "no-bias": dict(use_bias=False, return_sequences=True),
    "state-last": dict(return_state=True, h0=True),
    "state-sequences": dict(return_state=True, return_sequences=True, h0=True),
    "backwards-seq": dict(go_backwards=True, return_sequences=True),
    "backwards-last": dict(go_backwards=True, return_state=True),
    "mask-seq": dict(masked=True, return_sequences=True, h0=True, B=6, T=6),
    "mask-last-state": dict(masked=True, return_state=True, h0=True, B=6, T=6),
    "mask-backwards": dict(masked=True, go_backwards=True, return_sequences=True,
                           return_state=True, h0=True, B=6, T=6),
    "initial-state": dict(h0=True, return_sequences=True),
    "not-trainable": dict(trainable=False, h0=True, return_sequences=True,
                          return_state=True),
    "not-trainable-mask": dict(trainable=False, h0=True, masked=True, B=6, T=6),
    "B1-T1": dict(B=1, T=1, h0=True, return_state=True),
    "large-x": dict(x_scale=20.0, return_sequences=True),
}


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_before", "reset_after"])
@pytest.mark.parametrize("family", list(FAMILIES))
def test_families(tmp_path, seed, family, reset_after):
    kw = dict(FAMILIES[family])
    run_case(tmp_path, seed, f"{family}-ra{int(reset_after)}", reset_after=reset_after,
             **kw)


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_before", "reset_after"])
@pytest.mark.parametrize("family", ["sequences", "mask-backwards", "state-last",
                                    "not-trainable"])
def test_float64(tmp_path, seed, family, reset_after):
    kw = dict(FAMILIES[family])
    run_case(tmp_path, seed, f"f64-{family}-ra{int(reset_after)}", reset_after=reset_after,
             dtype="float64", **kw)


PAIRS = [(a, r) for a in ACTIVATIONS for r in ACTIVATIONS]


def pair_scale(act, ract):
    """Weight scale of an activation pair's case: smaller for unbounded activations, and
    smallest with exponential in either slot, as in the forward tests' weight_scale
    (recurrent: z = exp(a) > 1 amplifies the state at every step; activation: exp(a_h)
    weighted by 1 - z, which an unbounded z such as selu's makes up to 2.76. At 0.5 the
    reference's own gradients overflowed for some seeds, e.g. exponential/selu at
    seed 33727791)."""
    if "exponential" in (act, ract):
        return 0.25
    return 0.5 if act in UNBOUNDED or ract in UNBOUNDED else 1.0


@pytest.mark.parametrize("act,ract", PAIRS, ids=[f"{a}-{r}" for a, r in PAIRS])
def test_activation_pairs(tmp_path, seed, act, ract):
    # each pair once; the variant alternates so that both see every activation
    reset_after = (ACTIVATIONS.index(act) + ACTIVATIONS.index(ract)) % 2 == 1
    run_case(tmp_path, seed, f"pair-{act}-{ract}", activation=act, recurrent_activation=ract,
             reset_after=reset_after, return_sequences=True, return_state=True, h0=True,
             scale=pair_scale(act, ract), T=4)


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_before", "reset_after"])
def test_activation_pairs_float64(tmp_path, seed, reset_after):
    for act in ACTIVATIONS:
        ract = ACTIVATIONS[(ACTIVATIONS.index(act) + 5) % len(ACTIVATIONS)]
        run_case(tmp_path, seed, f"pair64-{act}-{ract}-ra{int(reset_after)}", activation=act,
                 recurrent_activation=ract, reset_after=reset_after, return_sequences=True,
                 h0=True, scale=pair_scale(act, ract), T=4, dtype="float64",
                 tol64=h.GELU_GRAD_REL64 if "gelu" in (act, ract) else 1e-10)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("act,ract", [("relu", "hard_sigmoid"), ("tanh", "hard_sigmoid"),
                                      ("linear", "relu")])
@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_before", "reset_after"])
def test_kinks(tmp_path, act, ract, reset_after, dtype):
    """Pre-activations exactly at the kinks: x in {-3, -2.5, 0, 2.5, 3} with a kernel of
    ones and zero recurrent kernel, bias and state, so that a_z = a_r = a_h = x exactly.
    TensorFlow's conventions: hard_sigmoid passes 0.2 at +-2.5 (clip_by_value's gradient
    includes the bounds), relu passes 0 at 0."""
    np_dt = np.float64 if dtype == "float64" else np.float32
    H, I = 1, 1
    vals = np.array([-3.0, -2.5, 0.0, 2.5, 3.0])
    x = vals.reshape(5, 1, 1).astype(np_dt)
    kernel = np.ones((I, 3 * H), np_dt)
    rk = np.zeros((H, 3 * H), np_dt)
    bias = np.zeros((2, 3 * H) if reset_after else (3 * H,), np_dt)
    layer = make_layer(H, I, (kernel, rk, bias), activation=act, recurrent_activation=ract,
                       reset_after=reset_after, dtype=dtype)
    dy = np.ones((5, H), np_dt)
    ref = keras_grads(layer, x, dy)
    got = run_backward(tmp_path, h.keras_json(layer.get_config()), kernel, rk, bias, x=x,
                       dy=dy, want=["dx", "dkernel", "drecurrent_kernel", "dbias"])
    for k in got:
        # a kink taken the other way would be off by 0.2 or more
        tol = 1e-12 if dtype == "float64" else 1e-5
        np.testing.assert_allclose(got[k], ref[k], rtol=tol, atol=tol,
                                   err_msg=f"kinks {act}/{ract} ra={reset_after}: {k}")


def test_cli_errors(tmp_path):
    """`gru backward` argument errors: each exits nonzero with one line naming the
    problem and writes nothing."""
    rng = h.rng_for(1, "train_cli_errors")
    k, rk, b = h.random_weights(rng, 2, 3)
    x = rng.uniform(-1, 1, (2, 4, 2)).astype(np.float32)
    dy = np.ones((2, 3), np.float32)
    cfg = "units = 3, input_shape = c(NULL, 2)"
    cases = [
        ("no grad-output", dict(dy=None), "--grad-output is required"),
        ("dy shape", dict(dy=np.ones((2, 4, 3), np.float32)), "--grad-output"),
        ("dy dtype", dict(dy=np.ones((2, 3), np.float64)), "dtype"),
        ("grad-state without return_state", dict(dstate=np.ones((2, 3), np.float32)),
         "return_state = FALSE"),
        ("initial-state shape", dict(initial_state=np.ones((3, 3), np.float32)),
         "--initial-state"),
        ("mask shape", dict(mask=np.ones((2, 5), bool)), "--mask"),
    ]
    for name, over, needle in cases:
        args = dict(x=x, dy=dy)
        args.update(over)
        res = run_backward(tmp_path / name.replace(" ", "_"), cfg, k, rk, b,
                           want=["dx", "dkernel"], expect_fail=True, what=name, **args)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], f"{name}: stderr {res.stderr!r}"
    res = run_backward(tmp_path / "nt", "units = 3, input_shape = c(NULL, 2), trainable = FALSE",
                       k, rk, b, x=x, dy=dy, want=["dkernel"], expect_fail=True,
                       what="not trainable")
    assert "trainable = FALSE" in res.stderr
