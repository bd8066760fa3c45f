"""Differential tests of `gru forward` against Keras 3 (PyPI `keras` 3.15, TensorFlow
backend), for what Keras 3 does differently from Keras 2: its hard_sigmoid
(relu6(x + 3) / 6 = clip(x/6 + 0.5, 0, 1), libgru's "hard_sigmoid_keras3") and its defaults
(recurrent_activation "sigmoid", reset_after TRUE), plus reading Keras 3's get_config()
JSON (DTypePolicy dtype objects, "seed", "zero_output_for_mask", ...).

Keras 3 and tf_keras must not be mixed in one process, so every Keras 3 computation runs
in one subprocess (this file run as a script, see _worker()); the test process only draws
the random cases and compares.

Tolerance: float32 |got - expected| <= 1e-5 + 1e-4*|expected|; float64
|got - expected| <= 1e-12*max(1, |expected|).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gru_harness as h
from gru_harness import assert_close, assert_close64, r_config, run_forward

HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- worker

def _worker(spec_path, arrays_path, out_path):
    """Runs in a separate process: compute every case with Keras 3."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    os.environ["KERAS_BACKEND"] = "tensorflow"
    import keras

    assert keras.__version__.startswith("3."), keras.__version__
    cases = json.loads(Path(spec_path).read_text())
    arrays = dict(np.load(arrays_path))
    results = {}
    configs = {}
    for c in cases:
        n = c["name"]
        layer = keras.layers.GRU(c["units"], **c["kw"])
        layer.build((None, None, c["I"]))
        layer.set_weights([arrays[f"{n}/{w}"] for w in ("kernel", "recurrent_kernel", "bias")
                           if f"{n}/{w}" in arrays])
        kwargs = {}
        if f"{n}/mask" in arrays:
            kwargs["mask"] = arrays[f"{n}/mask"]
        if f"{n}/h0" in arrays:
            kwargs["initial_state"] = arrays[f"{n}/h0"]
        res = layer(arrays[f"{n}/x"], **kwargs)
        if isinstance(res, (list, tuple)):
            results[f"{n}/y"] = np.asarray(res[0])
            results[f"{n}/s"] = np.asarray(res[1])
        else:
            results[f"{n}/y"] = np.asarray(res)
        configs[n] = layer.get_config()
    np.savez(out_path, **results)
    Path(str(out_path) + ".json").write_text(json.dumps(configs))


# --------------------------------------------------------------------------- cases

def _cases(seed):
    """Case specs (JSON-able) and their arrays."""
    rng = h.rng_for(seed, "keras3")
    specs, arrays = [], {}

    def add(name, *, kw, B, T, I, H, dtype="float32", mask=False, h0=False, x_scale=1.0):
        dt = np.dtype(dtype)
        use_bias = kw.get("use_bias", True)
        reset_after = kw.get("reset_after", True)  # Keras 3 default
        k, rk, b = h.random_weights(rng, I, H, use_bias=use_bias, reset_after=reset_after,
                                    dtype=dt)
        arrays[f"{name}/kernel"] = k
        arrays[f"{name}/recurrent_kernel"] = rk
        if b is not None:
            arrays[f"{name}/bias"] = b
        arrays[f"{name}/x"] = rng.normal(0, x_scale, (B, T, I)).astype(dt)
        if mask:
            arrays[f"{name}/mask"] = h.mask_patterns(rng, B, T)
        if h0:
            arrays[f"{name}/h0"] = rng.normal(0, 0.7, (B, H)).astype(dt)
        if dtype != "float32":
            kw = dict(kw, dtype=dtype)
        specs.append(dict(name=name, kw=kw, I=I, units=H, B=B, T=T))

    i = 0
    for reset_after in (False, True):
        for go_backwards in (False, True):
            for return_sequences in (False, True):
                add(f"hs_rec{i}", kw=dict(recurrent_activation="hard_sigmoid",
                                          reset_after=reset_after, go_backwards=go_backwards,
                                          return_sequences=return_sequences,
                                          return_state=bool(i % 2)),
                    B=[1, 3, 4][i % 3], T=[5, 1, 6][i % 3], I=3, H=4, mask=(i % 4 == 1),
                    h0=(i % 3 == 2), x_scale=[1.0, 3.0][i % 2])
                i += 1
        # Keras 3 hard_sigmoid as the candidate activation, and in both slots
        add(f"hs_act{reset_after}", kw=dict(activation="hard_sigmoid",
                                            recurrent_activation="sigmoid",
                                            reset_after=reset_after, return_sequences=True),
            B=3, T=5, I=4, H=5, x_scale=3.0)
        add(f"hs_both{reset_after}", kw=dict(activation="hard_sigmoid",
                                             recurrent_activation="hard_sigmoid",
                                             reset_after=reset_after, return_sequences=True,
                                             return_state=True),
            B=4, T=4, I=2, H=3, mask=True, h0=True, x_scale=3.0)
        add(f"hs_f64{reset_after}", kw=dict(recurrent_activation="hard_sigmoid",
                                            reset_after=reset_after, return_sequences=True,
                                            return_state=True, go_backwards=True),
            B=3, T=6, I=3, H=4, dtype="float64", mask=True, x_scale=3.0)
    # Keras 3's defaults: GRU(units) with nothing else (tanh, sigmoid, reset_after TRUE)
    add("defaults", kw={}, B=3, T=5, I=4, H=6)
    add("defaults_seq", kw=dict(return_sequences=True, return_state=True), B=2, T=7, I=3,
        H=5, mask=True, h0=True)
    add("defaults_f64", kw=dict(return_sequences=True), B=2, T=4, I=3, H=4, dtype="float64")
    return specs, arrays


@pytest.fixture(scope="module")
def keras3(tmp_path_factory, seed):
    """Compute every case with Keras 3 in one subprocess; returns (specs, arrays,
    results, configs)."""
    specs, arrays = _cases(seed)
    tmp = tmp_path_factory.mktemp(f"keras3_{seed}")
    spec_path, arrays_path, out_path = tmp / "spec.json", tmp / "arrays.npz", tmp / "out.npz"
    spec_path.write_text(json.dumps(specs))
    np.savez(arrays_path, **arrays)
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3",
               TF_ENABLE_ONEDNN_OPTS="0", PYTHONPATH=str(HERE))
    res = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker",
                          str(spec_path), str(arrays_path), str(out_path)],
                         capture_output=True, text=True, env=env, timeout=600, cwd=str(HERE))
    assert res.returncode == 0, f"Keras 3 worker failed:\n{res.stderr[-4000:]}"
    results = dict(np.load(out_path))
    configs = json.loads(Path(str(out_path) + ".json").read_text())
    return specs, arrays, results, configs


def _k3_to_libgru_names(cfg):
    """Keras 3's "hard_sigmoid" is libgru's "hard_sigmoid_keras3"."""
    cfg = dict(cfg)
    for key in ("activation", "recurrent_activation"):
        if cfg.get(key) == "hard_sigmoid":
            cfg[key] = "hard_sigmoid_keras3"
    return cfg


def _r_form(spec):
    """The R argument string, Keras 3's values spelled out (its defaults are not the
    spec's), with libgru's name for the Keras 3 hard_sigmoid."""
    kw = dict(activation="tanh", recurrent_activation="sigmoid", reset_after=True)
    kw.update(spec["kw"])
    kw = _k3_to_libgru_names(kw)
    return r_config(units=spec["units"], **kw, input_shape=(None, spec["I"]))


def _compare(tmp, seed, spec, arrays, results, cfg, form):
    n = spec["name"]
    what = f"[GRU_TEST_SEED={seed}] Keras 3 case {n} ({form}): {spec['kw']}"
    weights = [arrays.get(f"{n}/{w}") for w in ("kernel", "recurrent_kernel", "bias")]
    ret_state = f"{n}/s" in results
    outs, states = run_forward(tmp, cfg, *weights, inputs=[arrays[f"{n}/x"]],
                               masks=arrays.get(f"{n}/mask"), initial_states=arrays.get(f"{n}/h0"),
                               state_outputs=ret_state, what=what)
    f64 = spec["kw"].get("dtype") == "float64"
    check = (lambda g, e, w: assert_close64(g, e, what=w)) if f64 else \
        (lambda g, e, w: assert_close(g, e, what=w))
    check(outs[0], results[f"{n}/y"], what + " [output]")
    if ret_state:
        check(states[0], results[f"{n}/s"], what + " [state]")


# --------------------------------------------------------------------------- tests

pytestmark = pytest.mark.usefixtures("gru_bin")


def test_keras3_hard_sigmoid_and_defaults_r_form(tmp_path, seed, keras3):
    """R argument strings with hard_sigmoid_keras3 and Keras 3's default values."""
    specs, arrays, results, _ = keras3
    failures = []
    for spec in specs:
        try:
            _compare(tmp_path / spec["name"], seed, spec, arrays, results, _r_form(spec), "R")
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, f"{len(failures)} of {len(specs)} cases failed:\n" + "\n".join(failures)


def test_keras3_get_config_json_renamed(tmp_path, seed, keras3):
    """Keras 3's own get_config() JSON (wrapped), read as a Keras 2 style config with
    "hard_sigmoid" renamed to libgru's "hard_sigmoid_keras3": checks that the extra
    Keras 3 keys and DTypePolicy objects are understood."""
    specs, arrays, results, configs = keras3
    failures = []
    for spec in specs:
        cfg = h.keras_json(_k3_to_libgru_names(configs[spec["name"]]))
        try:
            _compare(tmp_path / spec["name"], seed, spec, arrays, results, cfg, "Keras 3 JSON")
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, f"{len(failures)} of {len(specs)} cases failed:\n" + "\n".join(failures)


def test_keras3_defaults_json_as_written(tmp_path, seed, keras3):
    """Keras 3 get_config() JSON exactly as written, for the cases without hard_sigmoid
    (no name whose meaning differs between Keras versions)."""
    specs, arrays, results, configs = keras3
    failures = []
    for spec in specs:
        if not spec["name"].startswith("defaults"):
            continue
        cfg = h.keras_json(configs[spec["name"]])
        try:
            _compare(tmp_path / spec["name"], seed, spec, arrays, results, cfg,
                     "Keras 3 JSON as written")
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, "\n".join(failures)


def test_keras3_json_hard_sigmoid_as_written(tmp_path, seed, keras3):
    """Keras 3 get_config() JSON exactly as written, with Keras 3's "hard_sigmoid":
    SEMANTICS.md says a loader reading a Keras 3 file maps that name to the Keras 3
    function. The layer config carries Keras 3 markers (a DTypePolicy object as dtype, the
    "seed" key), so the CLI is expected to recognize it."""
    specs, arrays, results, configs = keras3
    failures = []
    n = 0
    for spec in specs:
        cfg = configs[spec["name"]]
        if "hard_sigmoid" not in (cfg.get("activation"), cfg.get("recurrent_activation")):
            continue
        n += 1
        try:
            _compare(tmp_path / spec["name"], seed, spec, arrays, results, h.keras_json(cfg),
                     "Keras 3 JSON as written, hard_sigmoid")
        except AssertionError as e:
            failures.append(str(e))
    assert n > 0
    assert not failures, f"{len(failures)} of {n} cases failed:\n" + "\n".join(failures)


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "--worker":
    _worker(*sys.argv[2:])
