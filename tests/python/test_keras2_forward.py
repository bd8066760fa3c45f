"""Differential tests of `gru forward` against real Keras 2 (tf_keras 2.21 on
tensorflow-cpu 2.21, eager, CPU), for both reset_after variants and every argument that
affects inference.

Each case: a tf_keras GRU layer with random weights set by set_weights (non-zero biases,
both rows when reset_after), random inputs, its output computed by Keras; the same
weights, inputs, mask and initial state go through the CLI as .npy files, with the
configuration given as Keras's own get_config() JSON (wrapped or bare) or as the R
argument string.

Tolerances (issue 2, section 7):
  float32: |got - expected| <= 1e-5 + 1e-4*|expected| elementwise; for inputs with
           |x| up to 50 the 1e-5 is scaled by max(1, max|expected|) of the tensor.
  float64: |got - expected| <= 1e-12*max(1, |expected|) against Keras float64, except
           gelu: TensorFlow's float64 gelu goes through erfc, which is only accurate to
           about 4e-9 (measured against math.erf) and reaches a few 1e-8 through the
           recurrence, so gelu cases use 2e-7 (gru_harness.GELU_REL64). The strict
           1e-12 check of libgru's float64 path is test_ref64_forward.py.
"""
import itertools
import zlib

import numpy as np
import pytest

import gru_harness as h
from gru_harness import (ACTIVATIONS, GELU_REL64, assert_close, assert_close64, r_config,
                         run_forward)

import tensorflow as tf  # noqa: E402  (environment set in conftest)
import tf_keras as keras  # noqa: E402

pytestmark = pytest.mark.usefixtures("gru_bin")

UNBOUNDED = {"relu", "linear", "elu", "selu", "softplus", "exponential", "swish", "gelu"}


# --------------------------------------------------------------------------- helpers

def make_layer(*, units, input_dim, weights, batch_size=None, input_shape=True, **kw):
    """A built tf_keras GRU with the given weights. kw are GRU arguments."""
    dtype = kw.get("dtype", "float32")
    if kw.get("stateful"):
        kw["batch_input_shape"] = (batch_size, None, input_dim)
    elif input_shape:
        kw["input_shape"] = (None, input_dim)
    layer = keras.layers.GRU(units, **kw)
    layer.build((batch_size, None, input_dim))
    layer.set_weights([w for w in weights if w is not None])
    assert layer.dtype == dtype
    return layer


def keras_call(layer, x, *, masking=False, initial_state=None):
    """Run layer on x. masking: feed it through keras.layers.Masking(0.0), so that the
    mask is Keras's own (a step is masked when all its features are 0). Returns
    (output, state or None) as numpy arrays."""
    xin = tf.constant(x)
    if masking:
        xin = keras.layers.Masking(mask_value=0.0, dtype=layer.dtype)(xin)
    kwargs = {}
    if initial_state is not None:
        kwargs["initial_state"] = tf.constant(initial_state)
    res = layer(xin, **kwargs)
    if isinstance(res, (list, tuple)):
        return res[0].numpy(), res[1].numpy()
    return res.numpy(), None


def keras_mask(x):
    """The mask Keras's Masking(0.0) computes: keep a step unless all features are 0."""
    return np.any(x != 0, axis=-1)


def config_for(layer, form, *, units, input_dim, batch_size=None, **kw):
    """The layer's configuration in one of the CLI's forms:
    'json' = Keras get_config() wrapped as {"class_name": "GRU", "config": ...},
    'json-bare' = the bare get_config() object, 'r' = the R argument string."""
    if form == "json":
        return h.keras_json(layer.get_config(), wrapped=True)
    if form == "json-bare":
        return h.keras_json(layer.get_config(), wrapped=False)
    assert form == "r"
    args = {"units": units}
    for key, val in kw.items():
        if key == "dtype" and val == "float32":
            continue
        args[key] = val
    if kw.get("stateful"):
        args["batch_size"] = batch_size
    args["input_shape"] = (None, input_dim)
    return r_config(**args)


def random_input(rng, B, T, I, *, scale=1.0, dtype=np.float32):
    x = rng.normal(0.0, scale, (B, T, I))
    return np.ascontiguousarray(x, dtype=dtype)


def apply_mask(x, m):
    """Zero the masked steps of x so that Masking(0.0) derives exactly m."""
    x = x.copy()
    x[~m] = 0
    return x


MASK_DTYPES = [np.bool_, np.uint8, np.int32, np.float32, np.int64, np.float64]


def describe(seed, **kw):
    return f"[GRU_TEST_SEED={seed}] " + ", ".join(f"{k}={v}" for k, v in kw.items())


def check_case(tmp_path, seed, *, name, units, input_dim, B, T, layer_kw, weights,
               x, mask=None, initial_state=None, form="json", scaled=False, rel64=None):
    """Build the Keras layer, run Keras and the CLI on one call, compare output (and
    state with return_state)."""
    layer = make_layer(units=units, input_dim=input_dim, weights=weights, **dict(layer_kw))
    masking = mask is not None
    if masking:
        x = apply_mask(x, mask)
        assert np.array_equal(keras_mask(x), mask)
    y_ref, s_ref = keras_call(layer, x, masking=masking, initial_state=initial_state)
    cfg = config_for(layer, form, units=units, input_dim=input_dim, **layer_kw)
    what = describe(seed, case=name, form=form, B=B, T=T, I=input_dim, H=units, **layer_kw,
                    mask=masking, initial_state=initial_state is not None)
    ret_state = bool(layer_kw.get("return_state"))
    mask_arg = None
    if masking:
        mask_arg = mask.astype(MASK_DTYPES[zlib_index(name) % len(MASK_DTYPES)])
    outs, states = run_forward(tmp_path / name, cfg, *weights, inputs=[x], masks=mask_arg,
                               initial_states=initial_state, state_outputs=ret_state,
                               what=what)
    if layer_kw.get("dtype") == "float64":
        rel = rel64 if rel64 is not None else 1e-12
        assert_close64(outs[0], y_ref, rel=rel, what=what + " [output]")
        if ret_state:
            assert_close64(states[0], s_ref, rel=rel, what=what + " [state]")
    else:
        assert_close(outs[0], y_ref, scaled=scaled, what=what + " [output]")
        if ret_state:
            assert_close(states[0], s_ref, scaled=scaled, what=what + " [state]")


def try_case(failures, tmp_path, seed, **case):
    """check_case, with a failure recorded in failures so that it does not hide the
    cases after it."""
    try:
        check_case(tmp_path, seed, **case)
    except AssertionError as e:
        failures.append(str(e))


def masked_inputs(rng, B, T, I, H, *, reset_after, with_h0):
    """check_case arguments: random weights, input and mask (h.mask_patterns) and, with
    with_h0, a random initial state."""
    weights = h.random_weights(rng, I, H, reset_after=reset_after)
    x = random_input(rng, B, T, I)
    mask = h.mask_patterns(rng, B, T)
    h0 = rng.normal(0, 0.8, (B, H)).astype(np.float32) if with_h0 else None
    return dict(weights=weights, x=x, mask=mask, initial_state=h0)


def zlib_index(name):
    return zlib.crc32(name.encode())


def weight_scale(act, rec):
    """Smaller weights where an unbounded activation could blow the state up."""
    if "exponential" in (act, rec):
        return 0.25
    if rec in UNBOUNDED or act in UNBOUNDED:
        return 0.7
    return 1.0


def activation_pairs(rng):
    """Every name in each slot (a rotation of the list against itself) plus a random
    sample of further pairs."""
    n = len(ACTIVATIONS)
    pairs = [(ACTIVATIONS[i], ACTIVATIONS[(i * 5 + 3) % n]) for i in range(n)]
    pairs += [(ACTIVATIONS[i], ACTIVATIONS[i]) for i in (0, 2)]  # tanh/tanh, hs/hs
    pairs += [("tanh", "hard_sigmoid"), ("tanh", "sigmoid")]     # the two presets
    for _ in range(4):
        pairs.append((ACTIVATIONS[rng.integers(n)], ACTIVATIONS[rng.integers(n)]))
    return pairs


# --------------------------------------------------------------------------- tests

@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_after=F", "reset_after=T"])
def test_activation_pairs(tmp_path, seed, reset_after):
    rng = h.rng_for(seed, "activation_pairs", reset_after)
    pairs = activation_pairs(rng)
    assert {a for a, _ in pairs} == set(ACTIVATIONS)
    assert {r for _, r in pairs} == set(ACTIVATIONS)
    failures = []
    for i, (act, rec) in enumerate(pairs):
        B, T, I, H = 3, 5, 4, 5
        scale = weight_scale(act, rec)
        weights = h.random_weights(rng, I, H, reset_after=reset_after, scale=scale,
                                   bias_scale=0.5 * scale)
        x = random_input(rng, B, T, I, scale=0.3 if "exponential" in (act, rec) else 1.0)
        # "linear" is also spelled None (R NULL) in some cases
        kw = dict(activation=None if (act == "linear" and i % 2 == 0) else act,
                  recurrent_activation=None if (rec == "linear" and i % 2) else rec,
                  reset_after=reset_after,
                  return_sequences=True)
        try_case(failures, tmp_path, seed, name=f"pair{i}_{act}_{rec}", units=H, input_dim=I,
                 B=B, T=T, layer_kw=kw, weights=weights, x=x,
                 form=["json", "r", "json-bare"][i % 3])
    assert not failures, f"{len(failures)} of {len(pairs)} pairs failed:\n" + "\n".join(failures)


# The argument matrix: reset_after x use_bias x go_backwards x return_sequences x
# return_state (32 combinations), each with one of {no mask, Masking, initial_state,
# Masking + initial_state} and one of the (B, T) sizes, both cycling through the matrix.
MATRIX = list(itertools.product([False, True], repeat=5))
SIZES = [(1, 1), (1, 6), (4, 1), (3, 7), (2, 3), (5, 4)]


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_after=F", "reset_after=T"])
def test_argument_matrix(tmp_path, seed, reset_after):
    rng = h.rng_for(seed, "matrix", reset_after)
    failures = []
    n = 0
    for j, (use_bias, go_backwards, return_sequences, return_state, ra) in enumerate(MATRIX):
        if ra != reset_after:
            continue
        n += 1
        B, T = SIZES[j % len(SIZES)]
        I, H = int(rng.integers(1, 6)), int(rng.integers(1, 7))
        act, rec = ("tanh", "hard_sigmoid") if j % 3 else ("tanh", "sigmoid")
        weights = h.random_weights(rng, I, H, use_bias=use_bias, reset_after=reset_after)
        x = random_input(rng, B, T, I)
        variant = (j // 2) % 4
        mask = h.mask_patterns(rng, B, T) if variant in (1, 3) else None
        h0 = rng.normal(0, 0.8, (B, H)).astype(np.float32) if variant in (2, 3) else None
        kw = dict(activation=act, recurrent_activation=rec, use_bias=use_bias,
                  go_backwards=go_backwards, return_sequences=return_sequences,
                  return_state=return_state, reset_after=reset_after)
        if j % 5 == 0:  # training-only arguments: no effect at inference
            kw.update(dropout=0.3, recurrent_dropout=0.2)
        if j % 7 == 3:
            kw.update(unroll=True)
        try_case(failures, tmp_path, seed, name=f"m{j}", units=H, input_dim=I, B=B, T=T,
                 layer_kw=kw, weights=weights, x=x, mask=mask, initial_state=h0,
                 form=["json", "r"][j % 2])
    assert not failures, f"{len(failures)} of {n} cases failed:\n" + "\n".join(failures)


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_after=F", "reset_after=T"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["fwd", "go_backwards"])
def test_mask_patterns(tmp_path, seed, reset_after, go_backwards):
    """Masks from keras.layers.Masking with leading, trailing, interior, all-zero and
    random rows, with and without initial_state (leading masked steps output zeros even
    with a non-zero initial state; a fully masked row returns its initial state)."""
    rng = h.rng_for(seed, "masks", reset_after, go_backwards)
    failures = []
    for k, (with_h0, T) in enumerate([(False, 6), (True, 6), (True, 2), (False, 9)]):
        B, I, H = 12, 3, 4
        case = masked_inputs(rng, B, T, I, H, reset_after=reset_after, with_h0=with_h0)
        kw = dict(activation="tanh", recurrent_activation=["hard_sigmoid", "sigmoid"][k % 2],
                  reset_after=reset_after, go_backwards=go_backwards,
                  return_sequences=True, return_state=True)
        try_case(failures, tmp_path, seed, name=f"mask{k}", units=H, input_dim=I, B=B, T=T,
                 layer_kw=kw, form=["json", "r"][k % 2], **case)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_after=F", "reset_after=T"])
def test_zero_output_for_mask(tmp_path, seed, reset_after):
    """zero_output_for_mask = TRUE (what tf.keras's Bidirectional sets on its halves when
    return_sequences): masked steps output zeros instead of the previous output, the state
    is carried as usual. Configured through Keras's own get_config() JSON and the R form."""
    rng = h.rng_for(seed, "zero_output_for_mask", reset_after)
    failures = []
    cases = [(True, False, 6), (True, True, 6), (False, False, 5), (False, True, 5)]
    for k, (seq, back, T) in enumerate(cases):
        B, I, H = 12, 3, 4
        case = masked_inputs(rng, B, T, I, H, reset_after=reset_after, with_h0=k % 2 == 1)
        kw = dict(recurrent_activation="sigmoid", reset_after=reset_after, go_backwards=back,
                  return_sequences=seq, return_state=True, zero_output_for_mask=True)
        try_case(failures, tmp_path, seed, name=f"zofm{k}", units=H, input_dim=I, B=B, T=T,
                 layer_kw=kw, form=["json", "r"][k % 2], **case)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_after=F", "reset_after=T"])
def test_embedding_mask_zero(tmp_path, seed, reset_after):
    """Embedding(mask_zero=True) feeding the GRU; the CLI gets the embedded vectors and
    the integer token array itself as the mask (nonzero = keep)."""
    rng = h.rng_for(seed, "embedding", reset_after)
    B, T, V, I, H = 5, 7, 10, 4, 6
    tokens = rng.integers(1, V, (B, T)).astype(np.int32)
    tokens[0, :3] = 0       # leading
    tokens[1, 5:] = 0       # trailing
    tokens[2, 2:4] = 0      # interior
    tokens[3, :] = 0        # all
    emb = keras.layers.Embedding(V, I, mask_zero=True)
    emb.build((None, T))
    emb.set_weights([rng.normal(0, 1, (V, I)).astype(np.float32)])
    weights = h.random_weights(rng, I, H, reset_after=reset_after)
    for go_backwards in (False, True):
        kw = dict(activation="tanh", recurrent_activation="hard_sigmoid",
                  reset_after=reset_after, return_sequences=True, return_state=True,
                  go_backwards=go_backwards)
        layer = make_layer(units=H, input_dim=I, weights=weights, **dict(kw))
        e = emb(tf.constant(tokens))
        y_ref, s_ref = (t.numpy() for t in layer(e))
        what = describe(seed, case="embedding", **kw)
        outs, states = run_forward(tmp_path / f"emb{go_backwards}", layer.get_config(),
                                   *weights, inputs=[e.numpy()], masks=tokens,
                                   state_outputs=True, what=what)
        assert_close(outs[0], y_ref, what=what + " [output]")
        assert_close(states[0], s_ref, what=what + " [state]")


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_after=F", "reset_after=T"])
def test_stateful(tmp_path, seed, reset_after):
    """stateful = TRUE over several calls: the state carries from call to call (also
    through a masked call and a fully masked sample), reset_states() restarts from zeros,
    reset_states(values) restarts from values.

    The CLI has no reset command, so each run of consecutive calls between resets is one
    `gru forward` invocation with several --input (a fresh layer starts from zeros, as
    after reset_states()). reset_states(values) followed by two calls is modelled as: one
    invocation of the first call with --initial-state values (initial_state wins over the
    carried state, SEMANTICS.md), then one invocation of the second call whose
    --initial-state is the state libgru itself returned (--state-output) from the first.
    Keras never gets initial_state here, so tf_keras's rule about non-zero carried
    states does not come into play."""
    rng = h.rng_for(seed, "stateful", reset_after)
    B, I, H = 3, 4, 5
    failures = []
    for k, (go_backwards, return_sequences, form) in enumerate(
            [(False, True, "json"), (False, False, "r"), (True, True, "r"), (True, False, "json")]):
        weights = h.random_weights(rng, I, H, reset_after=reset_after)
        kw = dict(activation="tanh", recurrent_activation=["hard_sigmoid", "sigmoid"][k % 2],
                  reset_after=reset_after, stateful=True, go_backwards=go_backwards,
                  return_sequences=return_sequences, return_state=True)
        layer = make_layer(units=H, input_dim=I, weights=weights, batch_size=B, **dict(kw))
        cfg = config_for(layer, form, units=H, input_dim=I, batch_size=B, **kw)
        what = describe(seed, case=f"stateful{k}", form=form, B=B, I=I, H=H, **kw)
        Ts = [4, 3, 1, 5, 4, 2]
        xs = [random_input(rng, B, T, I) for T in Ts]
        # call 2 is masked: sample 0 trailing, sample 1 fully masked
        m2 = np.ones((B, Ts[1]), bool)
        m2[0, 1:] = False
        m2[1, :] = False
        xs[1] = apply_mask(xs[1], m2)
        values = rng.normal(0, 0.8, (B, H)).astype(np.float32)

        ref = []
        for i in (0, 1):
            ref.append(keras_call(layer, xs[i], masking=(i == 1)))
        layer.reset_states()
        for i in (2, 3):
            ref.append(keras_call(layer, xs[i]))
        layer.reset_states(values)
        for i in (4, 5):
            ref.append(keras_call(layer, xs[i]))

        try:
            ones = np.ones((B, Ts[0]), np.uint8)
            o, s = run_forward(tmp_path / f"s{k}a", cfg, *weights, inputs=xs[0:2],
                               masks=[ones, m2.astype(np.uint8)], state_outputs=True,
                               what=what + " [calls 1-2]")
            got = list(zip(o, s))
            o, s = run_forward(tmp_path / f"s{k}b", cfg, *weights, inputs=xs[2:4],
                               state_outputs=True, what=what + " [calls 3-4 after reset_states()]")
            got += list(zip(o, s))
            o, s = run_forward(tmp_path / f"s{k}c", cfg, *weights, inputs=[xs[4]],
                               initial_states=values, state_outputs=True,
                               what=what + " [call 5 after reset_states(values)]")
            got += list(zip(o, s))
            o, s = run_forward(tmp_path / f"s{k}d", cfg, *weights, inputs=[xs[5]],
                               initial_states=s[0], state_outputs=True,
                               what=what + " [call 6]")
            got += list(zip(o, s))
            for i, ((go, gs), (ro, rs)) in enumerate(zip(got, ref)):
                assert_close(go, ro, what=f"{what} [call {i + 1} output]")
                assert_close(gs, rs, what=f"{what} [call {i + 1} state]")
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_after=F", "reset_after=T"])
def test_several_inputs_not_stateful(tmp_path, seed, reset_after):
    """Several --input on a layer that is not stateful: independent calls; one --mask and
    one --initial-state given once apply to every call."""
    rng = h.rng_for(seed, "several", reset_after)
    B, T, I, H = 4, 5, 3, 4
    weights = h.random_weights(rng, I, H, reset_after=reset_after)
    kw = dict(activation="tanh", recurrent_activation="hard_sigmoid", reset_after=reset_after,
              return_sequences=True, return_state=True)
    layer = make_layer(units=H, input_dim=I, weights=weights, **dict(kw))
    mask = h.mask_patterns(rng, B, T)
    h0 = rng.normal(0, 0.8, (B, H)).astype(np.float32)
    xs = [apply_mask(random_input(rng, B, T, I), mask) for _ in range(3)]
    ref = [keras_call(layer, x, masking=True, initial_state=h0) for x in xs]
    what = describe(seed, case="several_inputs", **kw)
    outs, states = run_forward(tmp_path, layer.get_config(), *weights, inputs=xs,
                               masks=mask, initial_states=h0, state_outputs=True, what=what)
    for i, (ro, rs) in enumerate(ref):
        assert_close(outs[i], ro, what=f"{what} [call {i + 1} output]")
        assert_close(states[i], rs, what=f"{what} [call {i + 1} state]")


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_after=F", "reset_after=T"])
def test_large_magnitude_inputs(tmp_path, seed, reset_after):
    """|x| up to 50; tolerance 1e-5*max(1, max|expected|) + 1e-4*|expected|."""
    rng = h.rng_for(seed, "large", reset_after)
    failures = []
    pairs = [("tanh", "hard_sigmoid"), ("tanh", "sigmoid"), ("relu", "sigmoid"),
             ("softsign", "hard_sigmoid"), ("linear", "sigmoid"), ("elu", "softsign"),
             ("swish", "hard_sigmoid"), ("gelu", "sigmoid")]
    for k, (act, rec) in enumerate(pairs):
        B, T, I, H = 3, 6, 4, 5
        weights = h.random_weights(rng, I, H, reset_after=reset_after)
        x = rng.uniform(-50, 50, (B, T, I)).astype(np.float32)
        kw = dict(activation=act, recurrent_activation=rec, reset_after=reset_after,
                  return_sequences=True, return_state=True, go_backwards=bool(k % 2))
        try_case(failures, tmp_path, seed, name=f"large{k}", units=H, input_dim=I, B=B, T=T,
                 layer_kw=kw, weights=weights, x=x, scaled=True, form=["json", "r"][k % 2])
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_after=F", "reset_after=T"])
def test_float64_layers(tmp_path, seed, reset_after):
    """dtype = "float64" layers with float64 arrays, against Keras in float64."""
    rng = h.rng_for(seed, "float64", reset_after)
    failures = []
    pairs = [(ACTIVATIONS[i], ACTIVATIONS[(i * 7 + 1) % len(ACTIVATIONS)])
             for i in range(len(ACTIVATIONS))]
    for k, (act, rec) in enumerate(pairs):
        B, T, I, H = 4, 5, 3, 4
        scale = weight_scale(act, rec)
        weights = h.random_weights(rng, I, H, reset_after=reset_after, dtype=np.float64,
                                   scale=scale, bias_scale=0.5 * scale, use_bias=(k % 4 != 3))
        x = random_input(rng, B, T, I, dtype=np.float64,
                         scale=0.3 if "exponential" in (act, rec) else 1.0)
        mask = h.mask_patterns(rng, B, T) if k % 2 else None
        h0 = rng.normal(0, 0.5, (B, H)) if k % 3 == 1 else None
        kw = dict(activation=act, recurrent_activation=rec, reset_after=reset_after,
                  use_bias=(k % 4 != 3), return_sequences=True, return_state=True,
                  go_backwards=(k % 3 == 2), dtype="float64")
        try_case(failures, tmp_path, seed, name=f"f64_{k}", units=H, input_dim=I, B=B, T=T,
                 layer_kw=kw, weights=weights, x=x, mask=mask, initial_state=h0,
                 form=["json", "r"][k % 2], rel64=GELU_REL64 if "gelu" in (act, rec) else 1e-12)
    assert not failures, "\n".join(failures)


def test_spec_defaults_r_form(tmp_path, seed):
    """`units = H` alone in the R form means the specification's defaults: tanh,
    hard_sigmoid (Keras 2 function), use_bias TRUE, reset_after FALSE."""
    rng = h.rng_for(seed, "spec_defaults")
    B, T, I, H = 3, 5, 4, 6
    weights = h.random_weights(rng, I, H, reset_after=False)
    layer = make_layer(units=H, input_dim=I, weights=weights, activation="tanh",
                       recurrent_activation="hard_sigmoid", use_bias=True, reset_after=False)
    x = random_input(rng, B, T, I)
    y_ref, _ = keras_call(layer, x)
    what = describe(seed, case="spec_defaults", config=f"units = {H}")
    outs, _ = run_forward(tmp_path, f"units = {H}", *weights, inputs=[x], what=what)
    assert_close(outs[0], y_ref, what=what)


def test_input_dim_from_kernel(tmp_path, seed):
    """A configuration without input_shape: input_dim comes from the kernel's shape."""
    rng = h.rng_for(seed, "no_input_shape")
    B, T, I, H = 2, 4, 3, 5
    weights = h.random_weights(rng, I, H, reset_after=True)
    kw = dict(activation="tanh", recurrent_activation="sigmoid", reset_after=True,
              return_sequences=True)
    layer = make_layer(units=H, input_dim=I, weights=weights, input_shape=False, **dict(kw))
    x = random_input(rng, B, T, I)
    y_ref, _ = keras_call(layer, x)
    for form, cfg in [("json", layer.get_config()),
                      ("r", r_config(units=H, **kw))]:
        what = describe(seed, case="no_input_shape", form=form)
        assert "batch_input_shape" not in layer.get_config()
        outs, _ = run_forward(tmp_path / form, cfg, *weights, inputs=[x], what=what)
        assert_close(outs[0], y_ref, what=what)
