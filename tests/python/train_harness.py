"""Helpers of the training tests: run `gru backward` on .npy files and read the
gradients back. Nothing here imports a reference framework."""
from __future__ import annotations

import ctypes
import os
import shlex
import subprocess
from pathlib import Path

import numpy as np

import gru_harness as h

GRAD_FLAGS = {
    "dx": "--grad-input",
    "dh0": "--grad-initial-state",
    "dkernel": "--grad-kernel",
    "drecurrent_kernel": "--grad-recurrent-kernel",
    "dbias": "--grad-bias",
    "y": "--output",
    "state": "--state-output",
}


def run_backward(tmp, config, kernel, recurrent_kernel, bias=None, *, x, dy=None,
                 dstate=None, mask=None, initial_state=None, want=("dx", "dkernel",
                 "drecurrent_kernel", "dbias"), expect_fail=False, what=""):
    """Run `gru backward` once; returns {name: array} for the names in `want`
    (keys of GRAD_FLAGS). config as in gru_harness.run_forward. With expect_fail, returns
    the CompletedProcess instead (and asserts the exit status is nonzero)."""
    tmp = Path(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    if isinstance(config, dict):
        config = h.keras_json(config)
    if isinstance(config, str) and config.lstrip().startswith("{"):
        p = tmp / "config.json"
        p.write_text(config)
        config = str(p)

    def save(name, a):
        p = tmp / f"{name}.npy"
        np.save(p, np.asarray(a), allow_pickle=False)
        return str(p)

    cmd = [str(h.gru_bin()), "backward", "--config", config,
           "--kernel", save("kernel", kernel),
           "--recurrent-kernel", save("recurrent_kernel", recurrent_kernel),
           "--input", save("x", x)]
    if bias is not None:
        cmd += ["--bias", save("bias", bias)]
    if mask is not None:
        cmd += ["--mask", save("mask", mask)]
    if initial_state is not None:
        cmd += ["--initial-state", save("h0", initial_state)]
    if dy is not None:
        cmd += ["--grad-output", save("dy", dy)]
    if dstate is not None:
        cmd += ["--grad-state", save("dstate", dstate)]
    outs = {}
    for name in want:
        p = tmp / f"out_{name}.npy"
        if p.exists():
            p.unlink()
        cmd += [GRAD_FLAGS[name], str(p)]
        outs[name] = p
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if expect_fail:
        assert res.returncode != 0, f"{what}: expected failure, got success: {shlex.join(cmd)}"
        for p in outs.values():
            assert not p.exists(), f"{what}: {p} written although the command failed"
        return res
    if res.returncode != 0:
        raise h.CliError(f"{what}\n`gru backward` failed (exit {res.returncode}):\n"
                         f"  {res.stderr.strip()}\n  command: {shlex.join(cmd)}")
    return {k: np.load(p, allow_pickle=False) for k, p in outs.items()}


# --------------------------------------------------------------------------- ctypes

GRU_FLOAT32, GRU_FLOAT64 = 1, 2


class Tensor(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int), ("ndim", ctypes.c_int),
                ("shape", ctypes.c_int64 * 4), ("data", ctypes.c_void_p)]


def tensor(a: np.ndarray) -> Tensor:
    assert a.flags["C_CONTIGUOUS"]
    t = Tensor()
    t.dtype = GRU_FLOAT64 if a.dtype == np.float64 else GRU_FLOAT32
    t.ndim = a.ndim
    for i, s in enumerate(a.shape):
        t.shape[i] = s
    t.data = a.ctypes.data
    return t


def load_lib():
    """libgru's shared library (env GRU_LIB, default libgru.so next to GRU_BIN) through
    ctypes; pytest.skip when it cannot be loaded."""
    import pytest
    import sys
    if os.environ.get("GRU_NO_CTYPES"):
        pytest.skip("sanitizer build: its libgru.so cannot be loaded into Python")
    path = os.environ.get("GRU_LIB") or str(Path(h.gru_bin()).parent / "libgru.so")
    if not Path(path).is_file():
        pytest.skip(f"{path} not built")
    # A sanitizer build's library would abort this process when loaded (its runtime must
    # come first): try it in a child first.
    probe = subprocess.run([sys.executable, "-c", f"import ctypes; ctypes.CDLL({path!r})"],
                           capture_output=True, timeout=120)
    if probe.returncode != 0:
        pytest.skip(f"cannot load {path} into Python (sanitizer build?)")
    try:
        L = ctypes.CDLL(path)
    except OSError as e:
        pytest.skip(f"cannot load {path}: {e}")
    L.gru_errmsg.restype = ctypes.c_char_p
    return L


class CLayer:
    """A libgru layer made from a Keras layer config JSON, with given weights."""

    def __init__(self, lib, config_json: str, weights):
        self.lib = lib
        self.cfg = ctypes.create_string_buffer(1 << 16)  # >= sizeof(gru_config)
        self.ok(lib.gru_config_parse(config_json.encode(), self.cfg), "gru_config_parse")
        self.layer = ctypes.c_void_p()
        self.ok(lib.gru_layer_create(self.cfg, ctypes.byref(self.layer)), "gru_layer_create")
        self.set_weights(weights)

    def ok(self, rc, what):
        assert rc == 0, f"{what}: {rc}: {self.lib.gru_errmsg().decode()}"

    def set_weights(self, weights):
        ts = [tensor(w) if w is not None else None for w in weights]
        args = [ctypes.byref(t) if t is not None else None for t in ts]
        while len(args) < 3:
            args.append(None)
        self.ok(self.lib.gru_layer_set_weights(self.layer, *args), "set_weights")

    def get_weights(self, like):
        outs = [np.zeros_like(w) for w in like]
        ts = [tensor(o) for o in outs]
        args = [ctypes.byref(t) for t in ts] + [None] * (3 - len(ts))
        self.ok(self.lib.gru_layer_get_weights(self.layer, *args), "get_weights")
        return outs

    def __del__(self):
        if getattr(self, "layer", None):
            self.lib.gru_layer_destroy(self.layer)


