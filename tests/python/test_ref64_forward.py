"""libgru's float64 path against the float64 equations of ref_gru64.py (SEMANTICS.md
written out in numpy, independent of the C code and of any framework).

Bound: |got - ref| <= 1e-12 * max(1, |ref|) elementwise, for outputs and final states.
The float32 path is also checked against the same float64 reference with the float32
tolerance of issue 2 (|d| <= 1e-5 + 1e-4*|ref|), and the reference itself is checked
against Keras 2 in float64 (so that an error in the reference cannot hide one in libgru).
"""
import numpy as np
import pytest

import gru_harness as h
from gru_harness import GELU_REL64, assert_close, assert_close64, r_config, run_forward
from ref_gru64 import gru_forward64

REL64 = 1e-12
ALL_ACTS = h.ACTIVATIONS + ["hard_sigmoid_keras3"]
UNBOUNDED = {"relu", "linear", "elu", "selu", "softplus", "exponential", "swish", "gelu"}


def make_case(rng, k, reset_after, *, dtype=np.float64):
    """Case k of a deterministic cycle over activations, shapes and options."""
    n = len(ALL_ACTS)
    act = ALL_ACTS[k % n]
    rec = ALL_ACTS[(k * 5 + 2) % n]
    sizes = [(1, 1), (3, 6), (1, 9), (4, 1), (2, 4), (6, 5)]
    B, T = sizes[k % len(sizes)]
    I, H = int(rng.integers(1, 7)), int(rng.integers(1, 8))
    use_bias = k % 5 != 4
    scale = 0.25 if "exponential" in (act, rec) else (0.7 if {act, rec} & UNBOUNDED else 1.0)
    weights = h.random_weights(rng, I, H, use_bias=use_bias, reset_after=reset_after,
                               dtype=dtype, scale=scale, bias_scale=0.5 * scale)
    x = rng.normal(0, 0.3 if "exponential" in (act, rec) else 1.0, (B, T, I)).astype(dtype)
    mask = h.mask_patterns(rng, B, T) if k % 3 == 1 else None
    h0 = rng.normal(0, 0.5, (B, H)).astype(dtype) if k % 4 in (1, 2) else None
    opts = dict(activation=act, recurrent_activation=rec, reset_after=reset_after,
                use_bias=use_bias, go_backwards=(k % 2 == 1),
                return_sequences=(k % 6 != 5), return_state=True)
    return dict(B=B, T=T, I=I, H=H, weights=weights, x=x, mask=mask, h0=h0, opts=opts)


def run_case(tmp, seed, k, c, *, dtype_name):
    o = c["opts"]
    cfg = r_config(units=c["H"], **o, input_shape=(None, c["I"]), dtype=dtype_name) \
        if k % 2 == 0 else \
        h.keras_json(dict(units=c["H"], **o, dtype=dtype_name,
                          batch_input_shape=[None, None, c["I"]]))
    what = (f"[GRU_TEST_SEED={seed}] case {k} dtype={dtype_name} B={c['B']} T={c['T']} "
            f"I={c['I']} H={c['H']} mask={c['mask'] is not None} "
            f"initial_state={c['h0'] is not None} " +
            ", ".join(f"{a}={b}" for a, b in o.items()))
    outs, states = run_forward(tmp, cfg, *c["weights"], inputs=[c["x"]], masks=c["mask"],
                               initial_states=c["h0"], state_outputs=True, what=what)
    y_ref, s_ref = gru_forward64(c["x"], *c["weights"], activation=o["activation"],
                                 recurrent_activation=o["recurrent_activation"],
                                 reset_after=o["reset_after"],
                                 return_sequences=o["return_sequences"],
                                 go_backwards=o["go_backwards"], mask=c["mask"],
                                 initial_state=c["h0"])
    return outs[0], states[0], y_ref, s_ref, what


@pytest.mark.usefixtures("gru_bin")
@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_after=F", "reset_after=T"])
def test_float64_path_vs_reference(tmp_path, seed, reset_after):
    rng = h.rng_for(seed, "ref64", reset_after)
    failures = []
    ncases = 2 * len(ALL_ACTS)
    for k in range(ncases):
        c = make_case(rng, k, reset_after)
        try:
            y, s, y_ref, s_ref, what = run_case(tmp_path / f"c{k}", seed, k, c,
                                                dtype_name="float64")
            assert_close64(y, y_ref, rel=REL64, what=what + " [output]")
            assert_close64(s, s_ref, rel=REL64, what=what + " [state]")
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, f"{len(failures)} of {ncases} cases failed:\n" + "\n".join(failures)


@pytest.mark.usefixtures("gru_bin")
@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_after=F", "reset_after=T"])
def test_float32_path_vs_reference(tmp_path, seed, reset_after):
    rng = h.rng_for(seed, "ref32", reset_after)
    failures = []
    ncases = len(ALL_ACTS)
    for k in range(ncases):
        c = make_case(rng, k, reset_after, dtype=np.float32)
        try:
            y, s, y_ref, s_ref, what = run_case(tmp_path / f"c{k}", seed, k, c,
                                                dtype_name="float32")
            assert_close(y, y_ref.astype(np.float32), what=what + " [output]")
            assert_close(s, s_ref.astype(np.float32), what=what + " [state]")
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, f"{len(failures)} of {ncases} cases failed:\n" + "\n".join(failures)


@pytest.mark.usefixtures("gru_bin")
@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_after=F", "reset_after=T"])
def test_float64_larger_shapes(tmp_path, seed, reset_after):
    """Shapes big enough for blocked / vectorized kernels, stateful carry over 3 calls
    (the reference chains each final state into the next call)."""
    rng = h.rng_for(seed, "ref64_large", reset_after)
    B, I, H = 5, 37, 70
    k, rk, b = h.random_weights(rng, I, H, reset_after=reset_after, dtype=np.float64)
    xs = [rng.normal(0, 1, (B, T, I)) for T in (13, 1, 8)]
    opts = dict(activation="tanh", recurrent_activation="sigmoid", reset_after=reset_after,
                return_sequences=True, return_state=True, stateful=True)
    cfg = r_config(units=H, **opts, batch_size=B, input_shape=(None, I), dtype="float64")
    what = f"[GRU_TEST_SEED={seed}] float64 stateful B={B} I={I} H={H} {opts}"
    outs, states = run_forward(tmp_path, cfg, k, rk, b, inputs=xs, state_outputs=True,
                               what=what)
    state = None
    for i, x in enumerate(xs):
        y_ref, state = gru_forward64(x, k, rk, b, activation="tanh",
                                     recurrent_activation="sigmoid", reset_after=reset_after,
                                     return_sequences=True, initial_state=state)
        assert_close64(outs[i], y_ref, rel=REL64, what=f"{what} [call {i + 1} output]")
        assert_close64(states[i], state, rel=REL64, what=f"{what} [call {i + 1} state]")


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_after=F", "reset_after=T"])
def test_reference_matches_keras_float64(seed, reset_after):
    """The reference itself against tf_keras float64 (no libgru involved). Bound 1e-12
    relative, except gelu: TensorFlow's float64 gelu uses an erfc accurate only to about
    4e-9, amplified by the recurrence, so 2e-7 there (gru_harness.GELU_REL64)."""
    import tensorflow as tf
    import tf_keras as keras

    rng = h.rng_for(seed, "ref_vs_keras", reset_after)
    failures = []
    for k in range(len(h.ACTIVATIONS)):
        c = make_case(rng, k, reset_after)
        o = c["opts"]
        if o["activation"] == "hard_sigmoid_keras3" or o["recurrent_activation"] == "hard_sigmoid_keras3":
            continue
        layer = keras.layers.GRU(c["H"], dtype="float64", **o)
        layer.build((None, None, c["I"]))
        layer.set_weights([w for w in c["weights"] if w is not None])
        x = c["x"].copy()
        kwargs = {}
        if c["mask"] is not None:
            kwargs["mask"] = tf.constant(c["mask"])
        if c["h0"] is not None:
            kwargs["initial_state"] = tf.constant(c["h0"])
        y, s = (t.numpy() for t in layer(tf.constant(x), **kwargs))
        y_ref, s_ref = gru_forward64(x, *c["weights"], activation=o["activation"],
                                     recurrent_activation=o["recurrent_activation"],
                                     reset_after=reset_after,
                                     return_sequences=o["return_sequences"],
                                     go_backwards=o["go_backwards"], mask=c["mask"],
                                     initial_state=c["h0"])
        rel = GELU_REL64 if "gelu" in (o["activation"], o["recurrent_activation"]) else REL64
        what = f"[GRU_TEST_SEED={seed}] reference vs tf_keras float64, case {k} {o}"
        try:
            assert_close64(y_ref, y, rel=rel, what=what + " [output]")
            assert_close64(s_ref, s, rel=rel, what=what + " [state]")
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, "\n".join(failures)
