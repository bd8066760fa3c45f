"""Configurations against real Keras: libgru reads what tf_keras (Keras 2 API) and Keras 3
write with get_config() / model.to_json(), and what libgru prints is accepted by
tf_keras's GRU.from_config and gives back the same get_config().

libgru is called through ctypes on its shared library (found next to GRU_BIN, or at
GRU_LIB), so keras_major can be passed exactly; one test also runs `gru config --json`.

The JSON fixtures in tests/data/config/ were written by make_fixtures() below (run this
file as a script with the reference venv to regenerate them).
"""
from __future__ import annotations

import ctypes
import json
import math
import os
import subprocess
from pathlib import Path

import pytest

import gru_harness

REPO = gru_harness.REPO
FIXTURES = REPO / "tests" / "data" / "config"

tf_keras = pytest.importorskip("tf_keras")


# --------------------------------------------------------------------------- libgru

def _find_lib() -> Path | None:
    if os.environ.get("GRU_NO_CTYPES"):
        return None  # sanitizer build: its libgru.so cannot be loaded into Python
    cands = []
    if os.environ.get("GRU_LIB"):
        cands.append(Path(os.environ["GRU_LIB"]))
    cands.append(gru_harness.gru_bin().parent / "libgru.so")
    cands.append(REPO / "build" / "libgru.so")
    for c in cands:
        if c.is_file():
            return c
    return None


@pytest.fixture(scope="module")
def lib():
    path = _find_lib()
    if path is None:
        if os.environ.get("GRU_LIB"):
            pytest.fail(f"GRU_LIB={os.environ['GRU_LIB']} does not exist")
        pytest.skip("libgru.so not built (build it, or set GRU_LIB / GRU_BIN)")
    so = ctypes.CDLL(str(path))
    so.gru_errmsg.restype = ctypes.c_char_p
    for fn in ("gru_config_parse_json", "gru_config_parse_r", "gru_config_to_json",
               "gru_config_to_r"):
        getattr(so, fn).restype = ctypes.c_int
    so.gru_config_parse_json.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
    so.gru_config_parse_r.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    for fn in ("gru_config_to_json", "gru_config_to_r"):
        getattr(so, fn).argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                    ctypes.POINTER(ctypes.c_size_t)]
    # JSON support is optional in libgru; these tests need it
    cfg = ctypes.create_string_buffer(1 << 16)
    if so.gru_config_parse_json(b'{"units": 1}', 0, cfg) != 0:
        pytest.skip("libgru built without JSON support: " + so.gru_errmsg().decode())
    return so


class LibError(Exception):
    pass


def _print(lib, cfg, fn):
    need = ctypes.c_size_t(0)
    rc = fn(cfg, None, 0, ctypes.byref(need))
    assert rc == -9, lib.gru_errmsg().decode()  # GRU_ERR_BUFFER: size query
    out = ctypes.create_string_buffer(need.value + 1)
    rc = fn(cfg, out, need.value + 1, None)
    assert rc == 0, lib.gru_errmsg().decode()
    return out.value.decode()


def lib_json(lib, text: str, keras_major: int = 0) -> dict:
    """libgru: parse Keras JSON text, print it back as JSON (a dict)."""
    cfg = ctypes.create_string_buffer(1 << 16)  # larger than any gru_config
    rc = lib.gru_config_parse_json(text.encode(), keras_major, cfg)
    if rc != 0:
        raise LibError(lib.gru_errmsg().decode())
    return json.loads(_print(lib, cfg, lib.gru_config_to_json))


def lib_r_to_json(lib, text: str) -> dict:
    cfg = ctypes.create_string_buffer(1 << 16)
    rc = lib.gru_config_parse_r(text.encode(), cfg)
    if rc != 0:
        raise LibError(lib.gru_errmsg().decode())
    return json.loads(_print(lib, cfg, lib.gru_config_to_json))


def lib_json_to_r(lib, text: str) -> str:
    cfg = ctypes.create_string_buffer(1 << 16)
    rc = lib.gru_config_parse_json(text.encode(), 0, cfg)
    if rc != 0:
        raise LibError(lib.gru_errmsg().decode())
    return _print(lib, cfg, lib.gru_config_to_r)


# --------------------------------------------------------------------------- compare

def assert_same(got, want, path="config", rel=0.0):
    """Deep equality; numbers equal within `rel` (relative); ints and floats compare by
    value (Keras writes max_value 2, libgru 2.0)."""
    if isinstance(want, dict):
        assert isinstance(got, dict), f"{path}: got {got!r}, want {want!r}"
        assert set(got) == set(want), (
            f"{path}: keys differ: only libgru {sorted(set(got) - set(want))}, "
            f"only Keras {sorted(set(want) - set(got))}")
        for k in want:
            assert_same(got[k], want[k], f"{path}.{k}", rel)
    elif isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), \
            f"{path}: got {got!r}, want {want!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{path}[{i}]", rel)
    elif isinstance(want, bool) or want is None or isinstance(want, str):
        assert got == want and type(got) is type(want), f"{path}: got {got!r}, want {want!r}"
    elif isinstance(want, (int, float)):
        assert isinstance(got, (int, float)) and not isinstance(got, bool), \
            f"{path}: got {got!r}, want {want!r}"
        assert math.isclose(got, want, rel_tol=rel, abs_tol=0.0) or got == want, \
            f"{path}: got {got!r}, want {want!r}"
    else:
        raise AssertionError(f"{path}: unexpected type {type(want)}")


# --------------------------------------------------------------------------- tf_keras cases

def _tfk_cases():
    K = tf_keras
    I, R, C = K.initializers, K.regularizers, K.constraints
    return {
        "defaults": dict(units=4),
        "keras2_defaults": dict(units=5, recurrent_activation="hard_sigmoid", reset_after=False,
                                implementation=1),
        "flags": dict(units=3, return_sequences=True, return_state=True, go_backwards=True,
                      unroll=True, use_bias=False, trainable=False, name="flags_gru"),
        "stateful": dict(units=2, stateful=True, batch_input_shape=(4, 7, 3)),
        "shape": dict(units=2, input_shape=(None, 9)),
        "shape_T": dict(units=2, input_shape=(12, 9), dtype="float64"),
        "batch_size": dict(units=2, input_shape=(6, 1), batch_size=8),
        "activations": dict(units=3, activation="relu", recurrent_activation="softsign"),
        "activations2": dict(units=3, activation="elu", recurrent_activation="selu"),
        "activations3": dict(units=3, activation="softplus", recurrent_activation="exponential"),
        "activations4": dict(units=3, activation="swish", recurrent_activation="gelu"),
        "activations5": dict(units=3, activation=None, recurrent_activation="linear"),
        "init_normal": dict(units=3, kernel_initializer=I.RandomNormal(0.5, 0.25, seed=4),
                            recurrent_initializer=I.TruncatedNormal(stddev=0.5, seed=5),
                            bias_initializer=I.RandomUniform(-0.5, 0.25, seed=6)),
        "init_vs": dict(units=3,
                        kernel_initializer=I.VarianceScaling(2.0, "fan_avg", "untruncated_normal"),
                        recurrent_initializer=I.Identity(gain=0.5),
                        bias_initializer=I.Constant(0.75)),
        "init_vs2": dict(units=3, kernel_initializer=I.VarianceScaling(0.5, "fan_out", "uniform", seed=1),
                         recurrent_initializer=I.Orthogonal(gain=3.0, seed=9),
                         bias_initializer="ones"),
        "init_named": dict(units=3, kernel_initializer="he_normal",
                           recurrent_initializer="lecun_uniform", bias_initializer="zeros"),
        "init_named2": dict(units=3, kernel_initializer=I.GlorotNormal(seed=3),
                            recurrent_initializer=I.HeUniform(seed=2),
                            bias_initializer=I.LecunNormal()),
        "regularizers": dict(units=3, kernel_regularizer=R.L2(0.01), recurrent_regularizer=R.L1(0.5),
                             bias_regularizer=R.L1L2(l1=0.25, l2=0.125),
                             activity_regularizer=R.L1L2(l2=0.3)),
        "constraints": dict(units=3, kernel_constraint=C.MaxNorm(3, axis=1),
                            recurrent_constraint=C.NonNeg(), bias_constraint=C.UnitNorm(axis=0)),
        "constraints2": dict(units=3, reset_after=True,
                             kernel_constraint=C.MinMaxNorm(0.5, 2.0, 0.25, 0),
                             bias_constraint=C.MinMaxNorm(0.0, 1.0, 1.0, 1)),
        "dropout": dict(units=3, dropout=0.25, recurrent_dropout=0.5),
    }


TFK_CASES = _tfk_cases()


@pytest.mark.parametrize("case", sorted(TFK_CASES))
def test_tf_keras_get_config(lib, case):
    """tf_keras get_config() -> libgru -> JSON: every key and value as tf_keras wrote it
    (libgru prints tf_keras's spelling, so the two dicts must be equal)."""
    layer = tf_keras.layers.GRU(**TFK_CASES[case])
    want = layer.get_config()
    got = lib_json(lib, json.dumps({"class_name": "GRU", "config": want}))
    assert got["class_name"] == "GRU"
    assert_same(got["config"], want)
    # the bare config and forced Keras 2 reading give the same
    assert lib_json(lib, json.dumps(want), 2) == got


@pytest.mark.parametrize("case", ["defaults", "stateful", "regularizers", "init_vs2"])
def test_tf_keras_model_json(lib, case):
    """A whole tf_keras model JSON (Sequential with one GRU layer)."""
    kw = dict(TFK_CASES[case])
    if "batch_input_shape" not in kw and "input_shape" not in kw:
        kw["input_shape"] = (5, 3)
    model = tf_keras.Sequential([tf_keras.layers.GRU(**kw)])
    text = model.to_json()
    layer = [lay for lay in json.loads(text)["config"]["layers"] if lay["class_name"] == "GRU"][0]
    got = lib_json(lib, text)
    assert_same(got["config"], layer["config"])
    # the layer entry alone (with module / registered_name / build_config)
    assert lib_json(lib, json.dumps(layer)) == got


@pytest.mark.parametrize("case", sorted(TFK_CASES))
def test_output_loads_in_tf_keras(lib, case):
    """libgru's JSON -> tf_keras GRU.from_config -> get_config() == libgru's JSON."""
    layer = tf_keras.layers.GRU(**TFK_CASES[case])
    ours = lib_json(lib, json.dumps(layer.get_config()))
    rebuilt = tf_keras.layers.GRU.from_config(ours["config"])
    assert_same(rebuilt.get_config(), ours["config"])
    # through tf_keras's generic deserializer too
    again = tf_keras.layers.deserialize(ours)
    assert isinstance(again, tf_keras.layers.GRU)


# R text -> the tf_keras kwargs it means (R keras <= 2.6 defaults made explicit)
R_CASES = [
    ("units = 32",
     dict(units=32, recurrent_activation="hard_sigmoid", reset_after=False, implementation=1)),
    ("units = 8, activation = 'relu', recurrent_activation = \"sigmoid\", reset_after = TRUE, "
     "implementation = 2, use_bias = FALSE, return_sequences = TRUE",
     dict(units=8, activation="relu", recurrent_activation="sigmoid", reset_after=True,
          implementation=2, use_bias=False, return_sequences=True)),
    ("16L, input_shape = c(NULL, 8), kernel_initializer = initializer_random_normal(mean = 0, "
     "stddev = 0.1, seed = 42), kernel_regularizer = regularizer_l2(0.01), "
     "kernel_constraint = constraint_maxnorm(max_value = 2, axis = 0)",
     dict(units=16, recurrent_activation="hard_sigmoid", reset_after=False, implementation=1,
          input_shape=(None, 8),
          kernel_initializer=tf_keras.initializers.RandomNormal(0.0, 0.1, seed=42),
          kernel_regularizer=tf_keras.regularizers.L2(0.01),
          kernel_constraint=tf_keras.constraints.MaxNorm(2, axis=0))),
    ("units = 4, batch_input_shape = c(4, 10, 8), stateful = TRUE, dtype = 'float64', "
     "name = 'gru_1', trainable = FALSE, dropout = 0.2, recurrent_dropout = 1e-1, "
     "recurrent_regularizer = regularizer_l1(l = 0.01), "
     "bias_regularizer = regularizer_l1_l2(l1 = 0.01, l2 = 0.02), "
     "recurrent_constraint = constraint_unitnorm(axis = 1), bias_constraint = constraint_nonneg(), "
     "recurrent_initializer = initializer_orthogonal(gain = 2, seed = NULL), "
     "bias_initializer = initializer_constant(value = 1)",
     dict(units=4, recurrent_activation="hard_sigmoid", reset_after=False, implementation=1,
          batch_input_shape=(4, 10, 8), stateful=True, dtype="float64", name="gru_1",
          trainable=False, dropout=0.2, recurrent_dropout=0.1,
          recurrent_regularizer=tf_keras.regularizers.L1(0.01),
          bias_regularizer=tf_keras.regularizers.L1L2(0.01, 0.02),
          recurrent_constraint=tf_keras.constraints.UnitNorm(axis=1),
          bias_constraint=tf_keras.constraints.NonNeg(),
          recurrent_initializer=tf_keras.initializers.Orthogonal(gain=2.0),
          bias_initializer=tf_keras.initializers.Constant(1.0))),
    ("units = 3, activation = NULL, kernel_initializer = initializer_variance_scaling(scale = 2, "
     "mode = 'fan_avg', distribution = 'uniform', seed = 7), recurrent_initializer = "
     "initializer_identity(gain = 1), bias_initializer = initializer_random_uniform(-0.1, 0.1), "
     "kernel_constraint = constraint_minmaxnorm(min_value = 0, max_value = 1, rate = 1, axis = 0), "
     "activity_regularizer = regularizer_l2(l = 0.5), input_shape = c(6, 2), batch_size = 5",
     dict(units=3, activation=None, recurrent_activation="hard_sigmoid", reset_after=False,
          implementation=1,
          kernel_initializer=tf_keras.initializers.VarianceScaling(2.0, "fan_avg", "uniform", seed=7),
          recurrent_initializer=tf_keras.initializers.Identity(1.0),
          bias_initializer=tf_keras.initializers.RandomUniform(-0.1, 0.1),
          kernel_constraint=tf_keras.constraints.MinMaxNorm(0.0, 1.0, 1.0, 0),
          activity_regularizer=tf_keras.regularizers.L2(0.5), input_shape=(6, 2), batch_size=5)),
    ("units = 2, kernel_initializer = 'he_uniform', recurrent_initializer = "
     "initializer_truncated_normal(stddev = 0.5), bias_initializer = initializer_lecun_normal(seed = 3)",
     dict(units=2, recurrent_activation="hard_sigmoid", reset_after=False, implementation=1,
          kernel_initializer="he_uniform",
          recurrent_initializer=tf_keras.initializers.TruncatedNormal(stddev=0.5),
          bias_initializer=tf_keras.initializers.LecunNormal(seed=3))),
]


@pytest.mark.parametrize("i", range(len(R_CASES)))
def test_r_form_matches_tf_keras(lib, i):
    """libgru's reading of R arguments == tf_keras's layer built from the same arguments.
    tf_keras keeps regularizer factors in float32: compared to 1e-7 relative."""
    text, kw = R_CASES[i]
    want = tf_keras.layers.GRU(**kw).get_config()
    got = lib_r_to_json(lib, text)["config"]
    if "name" not in kw:
        want["name"] = got["name"]  # tf_keras autogenerates gru_N
    assert_same(got, want, rel=1e-7)
    # and what libgru prints loads in tf_keras
    assert_same(tf_keras.layers.GRU.from_config(got).get_config(), got, rel=1e-7)


def test_keras224_fixture(lib):
    """The Keras 2.2.4 layer config of the shared .h5 fixture loads in libgru, and
    libgru's JSON of it loads in tf_keras with the same meaning."""
    layer = json.loads((FIXTURES / "keras224_gru_1.json").read_text())
    got = lib_json(lib, json.dumps(layer))["config"]
    want = dict(layer["config"])
    want["time_major"] = False  # tf_keras spelling adds it
    for k in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
        assert got[k]["class_name"] == want[k]["class_name"]
        assert_same(got[k]["config"], want[k]["config"])
        want[k] = got[k]
    assert_same(got, want)
    rebuilt = tf_keras.layers.GRU.from_config(got)
    assert_same(rebuilt.get_config(), got)
    with pytest.raises(LibError, match="exactly one GRU layer, found 2"):
        lib_json(lib, (FIXTURES / "keras224_model.json").read_text())


def test_errors_from_keras_objects(lib):
    """Layers other than GRU, and unsupported values, are errors naming them."""
    lstm = tf_keras.layers.LSTM(3)
    with pytest.raises(LibError, match='expected "GRU", got "LSTM"'):
        lib_json(lib, json.dumps({"class_name": "LSTM", "config": lstm.get_config()}))
    cfg = tf_keras.layers.GRU(3).get_config()
    cfg["time_major"] = True
    with pytest.raises(LibError, match="time_major: only false"):
        lib_json(lib, json.dumps(cfg))
    cfg = tf_keras.layers.GRU(3, dtype="mixed_float16").get_config()
    with pytest.raises(LibError, match="dtype"):
        lib_json(lib, json.dumps(cfg))


# --------------------------------------------------------------------------- Keras 3

def _keras3():
    return pytest.importorskip("keras")


def _k3_expected(k3cfg: dict) -> dict:
    """What libgru should print (tf_keras spelling) for a Keras 3 GRU config, written
    from the Keras 3 side: dtype policy -> its name, Keras 3's hard_sigmoid -> libgru's
    hard_sigmoid_keras3, the keys Keras 3 does not have at their TF2 defaults."""
    want = dict(k3cfg)
    want["dtype"] = k3cfg["dtype"]["config"]["name"] if isinstance(k3cfg["dtype"], dict) \
        else k3cfg["dtype"]
    assert want.pop("zero_output_for_mask") is False
    seed = want.pop("seed")
    if seed:
        want["seed"] = seed
    for k in ("activation", "recurrent_activation"):
        if want[k] == "hard_sigmoid":
            want[k] = "hard_sigmoid_keras3"
    for k in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
        obj = json.loads(json.dumps(want[k]))
        for ax in ("input_axes", "output_axes"):
            assert obj["config"].pop(ax, None) is None
        if obj["class_name"] == "Identity":
            # Keras 3 does not serialize Identity's gain (reloading gives gain 1.0)
            obj["config"].setdefault("gain", 1.0)
        want[k] = obj
    want["time_major"] = False
    want["implementation"] = 2
    return want


K3_CASES = {
    "defaults": lambda K: dict(units=4),
    "hard_sigmoid": lambda K: dict(units=3, recurrent_activation="hard_sigmoid",
                                   activation="hard_sigmoid", reset_after=False),
    "objects": lambda K: dict(
        units=5, kernel_initializer=K.initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=3),
        recurrent_initializer=K.initializers.Orthogonal(gain=0.5, seed=1),
        bias_initializer=K.initializers.Constant(0.5),
        kernel_regularizer=K.regularizers.L2(0.01), recurrent_regularizer=K.regularizers.L1L2(0.1, 0.2),
        bias_regularizer=K.regularizers.L1(0.3), activity_regularizer=K.regularizers.L2(0.4),
        kernel_constraint=K.constraints.MaxNorm(3.0, axis=1), recurrent_constraint=K.constraints.NonNeg(),
        bias_constraint=K.constraints.MinMaxNorm(0.5, 1.5, 0.5, 0),
        dropout=0.125, recurrent_dropout=0.25, seed=77, dtype="float64"),
    "flags": lambda K: dict(units=2, return_sequences=True, return_state=True, go_backwards=True,
                            unroll=True, use_bias=False, trainable=False, name="k3",
                            activation="gelu", recurrent_activation="silu"),
    "named_init": lambda K: dict(units=2, kernel_initializer="he_normal",
                                 recurrent_initializer=K.initializers.Identity(2.0),
                                 bias_initializer=K.initializers.RandomNormal(0.1, 0.2, seed=5)),
}


@pytest.mark.parametrize("case", sorted(K3_CASES))
def test_keras3_get_config(lib, case):
    K = _keras3()
    k3cfg = K.layers.GRU(**K3_CASES[case](K)).get_config()
    text = json.dumps(k3cfg)
    got = lib_json(lib, text)["config"]  # Keras 3 detected from the text
    want = _k3_expected(k3cfg)
    if want["recurrent_activation"] == "silu":
        want["recurrent_activation"] = "swish"  # libgru's name for it
    assert_same(got, want)
    assert lib_json(lib, text, 3)["config"] == got
    # and wrapped as Keras 3 serializes a layer
    wrapped = {"module": "keras.layers", "class_name": "GRU", "config": k3cfg,
               "registered_name": None, "build_config": {"input_shape": [None, 5, 3]}}
    got2 = lib_json(lib, json.dumps(wrapped))["config"]
    assert got2.pop("batch_input_shape") == [None, 5, 3]
    assert got2 == got


def test_keras3_model_json(lib):
    K = _keras3()
    model = K.Sequential([K.Input(batch_shape=(2, 5, 3)),
                          K.layers.GRU(4, stateful=True, recurrent_activation="hard_sigmoid")])
    got = lib_json(lib, model.to_json())["config"]
    assert got["batch_input_shape"] == [2, 5, 3] and got["stateful"] is True
    assert got["recurrent_activation"] == "hard_sigmoid_keras3"
    assert got["reset_after"] is True


# --------------------------------------------------------------------------- the CLI

def test_cli_config(lib, gru_bin, tmp_path):
    """`gru config CONFIG --json` prints what the library prints."""
    cfg = tf_keras.layers.GRU(**TFK_CASES["regularizers"]).get_config()
    path = tmp_path / "layer.json"
    path.write_text(json.dumps({"class_name": "GRU", "config": cfg}))
    res = subprocess.run([str(gru_bin), "config", str(path), "--json"], capture_output=True,
                         text=True)
    if res.returncode != 0 and "unknown command" in res.stderr:
        pytest.skip("gru config not available in this build")
    assert res.returncode == 0, res.stderr
    assert_same(json.loads(res.stdout)["config"], cfg)
    # R text in, R text out, parsed back by the library
    res = subprocess.run([str(gru_bin), "config", "units = 3, reset_after = TRUE"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "reset_after = TRUE" in res.stdout and res.stdout.startswith("units = 3,")
    res = subprocess.run([str(gru_bin), "config", "units = 3, unitz = 4"], capture_output=True,
                         text=True)
    assert res.returncode != 0 and "unitz" in res.stderr and res.stdout == ""


# --------------------------------------------------------------------------- fixtures

def make_fixtures():  # pragma: no cover - run by hand to regenerate tests/data/config
    import h5py
    K = tf_keras
    layer = K.layers.GRU(
        16, activation="relu", recurrent_activation="hard_sigmoid", use_bias=True,
        return_sequences=True, go_backwards=True, stateful=True, reset_after=False, unroll=True,
        kernel_initializer=K.initializers.RandomNormal(mean=0.5, stddev=0.25, seed=42),
        recurrent_initializer=K.initializers.Orthogonal(gain=2.0, seed=7),
        bias_initializer=K.initializers.Constant(0.125),
        kernel_regularizer=K.regularizers.L1L2(l1=0.01, l2=0.02),
        recurrent_regularizer=K.regularizers.L2(0.5), bias_regularizer=K.regularizers.L1(0.25),
        activity_regularizer=K.regularizers.L2(0.125),
        kernel_constraint=K.constraints.MaxNorm(3, axis=0),
        recurrent_constraint=K.constraints.UnitNorm(axis=1),
        bias_constraint=K.constraints.MinMaxNorm(0.5, 1.5, 0.75, 0),
        dropout=0.25, recurrent_dropout=0.5, batch_input_shape=(4, 10, 8), dtype="float64",
        name="my_gru", trainable=False, implementation=1)
    (FIXTURES / "tf_keras_gru.json").write_text(
        json.dumps({"class_name": "GRU", "config": layer.get_config()}, indent=1))
    model = K.Sequential([K.layers.GRU(4, input_shape=(5, 3))])
    (FIXTURES / "tf_keras_model.json").write_text(model.to_json())
    import keras
    l3 = keras.layers.GRU(6, recurrent_activation="hard_sigmoid",
                          kernel_initializer=keras.initializers.VarianceScaling(
                              2.0, "fan_out", "uniform", seed=3),
                          kernel_constraint=keras.constraints.NonNeg(), seed=11, dtype="float64",
                          return_state=True)
    (FIXTURES / "keras3_gru_config.json").write_text(json.dumps(l3.get_config(), indent=1))
    m3 = keras.Sequential([keras.Input(batch_shape=(2, 5, 3)), keras.layers.GRU(4, stateful=True)])
    (FIXTURES / "keras3_model.json").write_text(m3.to_json())
    with h5py.File(REPO.parent / "shared" / "fixtures" /
                   "keras224_gru_hardsigmoid_resetbefore.h5", "r") as f:
        mc = f.attrs["model_config"]
        mc = mc.decode() if isinstance(mc, bytes) else mc
    (FIXTURES / "keras224_model.json").write_text(mc)
    (FIXTURES / "keras224_gru_1.json").write_text(
        json.dumps(json.loads(mc)["config"]["layers"][0]))


if __name__ == "__main__":  # pragma: no cover
    make_fixtures()


def test_zero_output_for_mask(lib):
    """zero_output_for_mask (set by Bidirectional): read from tf_keras get_config(),
    printed back as tf_keras writes it (only when true), and through the R form."""
    want = tf_keras.layers.GRU(3, zero_output_for_mask=True).get_config()
    assert want.get("zero_output_for_mask") is True  # tf_keras writes it only when true
    got = lib_json(lib, json.dumps({"class_name": "GRU", "config": want}))
    assert_same(got["config"], want)
    r = lib_json_to_r(lib, json.dumps(want))
    assert "zero_output_for_mask = TRUE" in r
    assert lib_r_to_json(lib, r)["config"]["zero_output_for_mask"] is True
    plain = lib_json(lib, json.dumps(tf_keras.layers.GRU(3).get_config()))
    assert "zero_output_for_mask" not in plain["config"]
