"""Shared helpers for the differential tests: run `gru forward` on .npy files, read its
outputs back, build configurations in both text forms, draw reproducible random cases,
and check results against a reference with a stated tolerance.

Nothing here imports a reference framework: each test module imports its own (tf_keras,
Keras 3 in a subprocess, ONNX Runtime, or the float64 equations of ref_gru64.py).
"""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import zlib
from pathlib import Path

import numpy as np

REPO = Path(os.environ.get("GRU_SOURCE_DIR", Path(__file__).resolve().parents[2]))

# Every activation name libgru accepts in both slots (SEMANTICS.md, "Activations").
# "linear" is also spelled None (Keras) / NULL (R).
ACTIVATIONS = ["tanh", "sigmoid", "hard_sigmoid", "relu", "linear", "elu", "selu",
               "softplus", "softsign", "exponential", "swish", "gelu"]

# float32 against a float32 reference (issue 2, section 7): elementwise
#   |got - expected| <= ATOL32 + RTOL32 * |expected|
ATOL32 = 1e-5
RTOL32 = 1e-4

# float64 against TensorFlow float64 when gelu is involved: TF's float64 gelu goes
# through an erfc accurate only to about 4e-9 (measured against math.erf), which the
# recurrence amplifies to a few 1e-8 over a handful of steps. Everything else in float64
# is held to 1e-12 relative.
GELU_REL64 = 2e-7
# The same for gradients: gelu's derivative carries the error too (5.7e-9 absolute at
# most, measured against math.erf/math.exp on [-6, 6]), and the weight gradients sum it
# over steps and samples: seen up to 2.7e-7 (test_activation_pairs_float64, selu-gelu,
# seed 396827496), so 1e-6.
GELU_GRAD_REL64 = 1e-6


# --------------------------------------------------------------------------- seeds

def base_seed() -> int:
    """The fixed seed of the suite, or GRU_TEST_SEED when set."""
    s = os.environ.get("GRU_TEST_SEED")
    return int(s) if s else 20240601


def test_seeds() -> list[int]:
    """Seeds that every randomized test runs with: GRU_TEST_SEED alone when it is set
    (to reproduce a failure), else the fixed default plus GRU_TEST_EXTRA_SEEDS (default 1)
    fresh random ones. Seeds appear in the test ids (seed=N), so a failure names its seed.
    """
    if os.environ.get("GRU_TEST_SEED"):
        return [base_seed()]
    n = int(os.environ.get("GRU_TEST_EXTRA_SEEDS", "1"))
    fresh = [int.from_bytes(os.urandom(4), "little") for _ in range(n)]
    return [base_seed()] + fresh


def rng_for(seed: int, *names) -> np.random.Generator:
    """An independent generator per (seed, case name): cases do not shift each other."""
    tag = zlib.crc32("/".join(str(n) for n in names).encode())
    return np.random.default_rng([seed, tag])


# --------------------------------------------------------------------------- weights

def random_weights(rng, I, H, *, use_bias=True, reset_after=False, dtype=np.float32,
                   scale=1.0, bias_scale=0.5):
    """Random weights in Keras layout: kernel (I, 3H), recurrent_kernel (H, 3H), bias (3H)
    or (2, 3H) when reset_after (both rows non-zero), or None without bias."""
    k = rng.uniform(-1, 1, (I, 3 * H)) * scale / np.sqrt(I)
    rk = rng.uniform(-1, 1, (H, 3 * H)) * scale / np.sqrt(H)
    b = None
    if use_bias:
        shape = (2, 3 * H) if reset_after else (3 * H,)
        b = rng.uniform(-bias_scale, bias_scale, shape)
    cast = lambda a: None if a is None else np.ascontiguousarray(a, dtype=dtype)
    return cast(k), cast(rk), cast(b)


# --------------------------------------------------------------------------- configs

def _r_value(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "c(" + ", ".join(_r_value(e) for e in v) + ")"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def r_config(**kw) -> str:
    """R argument form of layer_gru() arguments, e.g.
    r_config(units=8, reset_after=True, activation=None)
      -> 'units = 8, reset_after = TRUE, activation = NULL'."""
    return ", ".join(f"{k} = {_r_value(v)}" for k, v in kw.items())


def keras_json(config: dict, wrapped: bool = True) -> str:
    """Keras layer-config JSON: {"class_name": "GRU", "config": {...}} or bare."""
    return json.dumps({"class_name": "GRU", "config": config} if wrapped else config)


# --------------------------------------------------------------------------- the CLI

def gru_bin() -> Path:
    return Path(os.environ.get("GRU_BIN", REPO / "build" / "gru"))


class CliError(AssertionError):
    pass


def _save(path: Path, a) -> str:
    np.save(path, np.asarray(a), allow_pickle=False)
    return str(path)


def run_forward(tmp: Path, config, kernel, recurrent_kernel, bias=None, *, inputs,
                masks=None, initial_states=None, state_outputs=False, what=""):
    """Run `gru forward` once.

    config          R argument string, or a JSON string (written to a file and passed by
                    path), or a dict (the Keras layer config, written wrapped).
    inputs          list of (B, T, I) arrays: consecutive calls on one layer.
    masks           None, one (B, T) array for all calls, or a list (one per call).
    initial_states  None, one (B, H) array for all calls, or a list (one per call).
    state_outputs   pass --state-output for each call (needs return_state).
    Returns (outputs, states): lists of arrays, states empty unless state_outputs.
    """
    tmp = Path(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    n = len(inputs)
    if isinstance(config, dict):
        config = keras_json(config)
    if isinstance(config, str) and config.lstrip().startswith("{"):
        cfg_path = tmp / "config.json"
        cfg_path.write_text(config)
        config = str(cfg_path)
    cmd = [str(gru_bin()), "forward", "--config", config,
           "--kernel", _save(tmp / "kernel.npy", kernel),
           "--recurrent-kernel", _save(tmp / "recurrent_kernel.npy", recurrent_kernel)]
    if bias is not None:
        cmd += ["--bias", _save(tmp / "bias.npy", bias)]
    for i, x in enumerate(inputs):
        cmd += ["--input", _save(tmp / f"x{i}.npy", x)]

    def per_call(flag, stem, arrays):
        if arrays is None:
            return []
        if isinstance(arrays, (list, tuple)):
            assert len(arrays) == n, f"{flag}: {len(arrays)} arrays for {n} inputs"
            out = []
            for i, a in enumerate(arrays):
                out += [flag, _save(tmp / f"{stem}{i}.npy", a)]
            return out
        return [flag, _save(tmp / f"{stem}.npy", arrays)]

    cmd += per_call("--mask", "mask", masks)
    cmd += per_call("--initial-state", "h0_", initial_states)
    out_paths = [tmp / f"y{i}.npy" for i in range(n)]
    st_paths = [tmp / f"h{i}.npy" for i in range(n)] if state_outputs else []
    for p in out_paths + st_paths:
        if p.exists():
            p.unlink()
    for p in out_paths:
        cmd += ["--output", str(p)]
    for p in st_paths:
        cmd += ["--state-output", str(p)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if res.returncode != 0:
        raise CliError(f"{what}\n`gru forward` failed (exit {res.returncode}):\n"
                       f"  {res.stderr.strip()}\n  command: {shlex.join(cmd)}")
    outs = [np.load(p, allow_pickle=False) for p in out_paths]
    states = [np.load(p, allow_pickle=False) for p in st_paths]
    return outs, states


# --------------------------------------------------------------------------- checks

def _check(got, expected, bound_fn, describe, what):
    got = np.asarray(got)
    expected = np.asarray(expected)
    assert got.shape == expected.shape, \
        f"{what}: shape {got.shape}, expected {expected.shape}"
    assert got.dtype == expected.dtype, \
        f"{what}: dtype {got.dtype}, expected {expected.dtype}"
    e = expected.astype(np.float64)
    g = got.astype(np.float64)
    assert np.all(np.isfinite(e)), f"{what}: the reference is not finite (bad test case)"
    bound = bound_fn(e)
    diff = np.abs(g - e)
    excess = np.where(np.isnan(diff), np.inf, diff - bound)
    bad = excess > 0
    if np.any(bad):
        idx = np.unravel_index(int(np.argmax(excess)), e.shape)
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {e.size} elements out of tolerance "
            f"({describe}); worst at {tuple(int(i) for i in idx)}: "
            f"got {float(g[idx])!r}, expected {float(e[idx])!r}, |d| = {float(diff[idx]):.3g}\n"
            f"  max |d| = {np.nanmax(diff):.3g}, max |e| = {np.max(np.abs(e)):.3g}")


def assert_close(got, expected, *, atol=ATOL32, rtol=RTOL32, scaled=False, what=""):
    """Elementwise |got - expected| <= atol' + rtol * |expected|, with atol' = atol, or
    atol * max(1, max|expected|) when scaled (large-magnitude cases: the absolute part is
    scaled by the tensor's largest value). Shapes and dtypes must match exactly; a NaN in
    got always fails."""
    e_max = float(np.max(np.abs(expected))) if np.size(expected) else 0.0
    a = atol * max(1.0, e_max) if scaled else atol
    _check(got, expected, lambda e: a + rtol * np.abs(e),
           f"|d| <= {a:.3g} + {rtol:.3g}*|e|", what)


def assert_near(got, want, what="", *, atol=ATOL32, rtol=RTOL32):
    """|got - want| <= atol + rtol * |want| elementwise, both taken to float64 (any dtypes,
    same shape): for outputs of model files checked against the frameworks."""
    got = np.asarray(got, np.float64)
    want = np.asarray(want, np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    err = np.abs(got - want) - (atol + rtol * np.abs(want))
    assert (err <= 0).all(), f"{what}: max abs diff {np.abs(got - want).max():.3g}"


def run_cli(gru_bin, *args, ok=True):
    """Run the `gru` CLI with args (str() of each); when ok, assert that it exited 0."""
    p = subprocess.run([str(gru_bin), *map(str, args)], capture_output=True, text=True)
    if ok:
        assert p.returncode == 0, f"gru {' '.join(map(str, args))}: {p.stderr}"
    return p


def assert_close64(got, expected, *, rel=1e-12, what=""):
    """float64: |got - expected| <= rel * max(1, |expected|) elementwise."""
    _check(got, expected, lambda e: rel * np.maximum(1.0, np.abs(e)),
           f"|d| <= {rel:.3g}*max(1,|e|)", what)


# --------------------------------------------------------------------------- masks

def mask_patterns(rng, B, T):
    """A (B, T) keep-mask whose rows cycle through: all kept, leading masked, trailing
    masked, interior masked, all masked, random. Never a pattern a row cannot have."""
    m = np.ones((B, T), dtype=bool)
    for b in range(B):
        kind = b % 6
        if T == 1:
            m[b, 0] = kind not in (4,)
            continue
        if kind == 1:
            m[b, : rng.integers(1, T)] = False
        elif kind == 2:
            m[b, rng.integers(1, T):] = False
        elif kind == 3:
            if T >= 3:
                lo = rng.integers(1, T - 1)
                hi = rng.integers(lo + 1, T)
                m[b, lo:hi] = False
            else:
                m[b, 1] = False
        elif kind == 4:
            m[b, :] = False
        elif kind == 5:
            m[b] = rng.random(T) < 0.6
    return m
