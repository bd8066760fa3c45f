"""libgru's initializers against real tf_keras initializers (Keras 2 API), by distribution.

Bit-exact agreement with TensorFlow's random generator is not a goal (SEMANTICS.md,
"Initializers"); the distribution is. For each initializer and each GRU weight shape we
draw a sample from tf_keras and one from libgru (through ctypes on the shared library,
gru_initializer_fill) and require:
  - the same support: every libgru value inside [min, max] Keras's distribution allows
    (for the deterministic ones: the same array exactly),
  - the two-sample Kolmogorov-Smirnov statistic below its critical value at alpha = 1e-6,
  - sample means and variances within 5 standard errors of each other.
Seeds are fixed on both sides, so the test is deterministic.

The shared library is GRU_LIB, else libgru.so next to GRU_BIN, else <repo>/build/libgru.so;
the test is skipped when none exists.
"""
from __future__ import annotations

import ctypes
import math
import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(os.environ.get("GRU_SOURCE_DIR", Path(__file__).resolve().parents[2]))

# enum gru_init_kind, in the order of GRU_INITIALIZER_MAP (include/gru.h)
KINDS = ["zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
         "variance_scaling", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
         "lecun_normal", "lecun_uniform", "identity", "orthogonal"]
FAN = {"fan_in": 0, "fan_out": 1, "fan_avg": 2}
DIST = {"truncated_normal": 0, "untruncated_normal": 1, "uniform": 2}
GRU_FLOAT32, GRU_FLOAT64 = 1, 2


class GruInitializer(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int),
                ("value", ctypes.c_double),
                ("mean", ctypes.c_double), ("stddev", ctypes.c_double),
                ("minval", ctypes.c_double), ("maxval", ctypes.c_double),
                ("gain", ctypes.c_double),
                ("scale", ctypes.c_double),
                ("mode", ctypes.c_int),
                ("distribution", ctypes.c_int),
                ("has_seed", ctypes.c_bool),
                ("seed", ctypes.c_uint64)]


def _find_lib() -> Path | None:
    if os.environ.get("GRU_NO_CTYPES"):
        return None  # sanitizer build: its libgru.so cannot be loaded into Python
    cands = []
    if os.environ.get("GRU_LIB"):
        cands.append(Path(os.environ["GRU_LIB"]))
    if os.environ.get("GRU_BIN"):
        cands.append(Path(os.environ["GRU_BIN"]).resolve().parent / "libgru.so")
    cands.append(REPO / "build" / "libgru.so")
    for c in cands:
        if c.is_file():
            return c
    return None


@pytest.fixture(scope="module")
def lib():
    path = _find_lib()
    if path is None:
        pytest.skip("libgru.so not found (set GRU_LIB or build it)")
    so = ctypes.CDLL(str(path))
    so.gru_initializer_fill.argtypes = [ctypes.POINTER(GruInitializer), ctypes.c_int,
                                        ctypes.c_int, ctypes.POINTER(ctypes.c_int64),
                                        ctypes.c_uint64, ctypes.c_void_p]
    so.gru_initializer_fill.restype = ctypes.c_int
    so.gru_errmsg.restype = ctypes.c_char_p
    return so


@pytest.fixture(scope="module")
def tfk():
    tf_keras = pytest.importorskip("tf_keras")
    return tf_keras


def gru_fill(lib, kind, shape, seed, dtype=np.float32, **params):
    init = GruInitializer(kind=KINDS.index(kind), value=0.0, mean=0.0, stddev=0.05,
                          minval=-0.05, maxval=0.05, gain=1.0, scale=1.0, mode=0,
                          distribution=0, has_seed=False, seed=0)
    for k, v in params.items():
        if k == "mode":
            v = FAN[v]
        elif k == "distribution":
            v = DIST[v]
        setattr(init, k, v)
    out = np.empty(shape, dtype=dtype)
    shp = (ctypes.c_int64 * 2)(*shape, *([0] * (2 - len(shape))))
    rc = lib.gru_initializer_fill(ctypes.byref(init),
                                  GRU_FLOAT32 if dtype == np.float32 else GRU_FLOAT64,
                                  len(shape), shp, seed, out.ctypes.data)
    assert rc == 0, lib.gru_errmsg().decode()
    return out


# Keras class and its arguments, as `layer_gru()` users write them.
CASES = [
    ("random_normal", "RandomNormal", {}),
    ("random_normal", "RandomNormal", {"mean": 0.5, "stddev": 2.0}),
    ("random_uniform", "RandomUniform", {}),
    ("random_uniform", "RandomUniform", {"minval": -1.0, "maxval": 3.0}),
    ("truncated_normal", "TruncatedNormal", {}),
    ("truncated_normal", "TruncatedNormal", {"mean": -1.0, "stddev": 0.3}),
    ("glorot_uniform", "GlorotUniform", {}),
    ("glorot_normal", "GlorotNormal", {}),
    ("he_normal", "HeNormal", {}),
    ("he_uniform", "HeUniform", {}),
    ("lecun_normal", "LecunNormal", {}),
    ("lecun_uniform", "LecunUniform", {}),
    ("variance_scaling", "VarianceScaling", {}),
    ("variance_scaling", "VarianceScaling",
     {"scale": 2.5, "mode": "fan_out", "distribution": "uniform"}),
    ("variance_scaling", "VarianceScaling",
     {"scale": 0.5, "mode": "fan_avg", "distribution": "untruncated_normal"}),
    ("variance_scaling", "VarianceScaling",
     {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}),
    ("orthogonal", "Orthogonal", {}),
    ("orthogonal", "Orthogonal", {"gain": 1.7}),
]

# kernel (I, 3H), recurrent_kernel (H, 3H), bias (3H) and (2, 3H), a tall one
SHAPES = [(40, 3 * 128), (128, 3 * 128), (3 * 256,), (2, 3 * 256), (600, 60)]

KS_ALPHA = 1e-6


def ks_2samp(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic D and its critical value at KS_ALPHA."""
    a, b = np.sort(a.ravel()), np.sort(b.ravel())
    allv = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, allv, side="right") / a.size
    cdf_b = np.searchsorted(b, allv, side="right") / b.size
    d = float(np.max(np.abs(cdf_a - cdf_b)))
    c = math.sqrt(-0.5 * math.log(KS_ALPHA / 2))
    return d, c * math.sqrt((a.size + b.size) / (a.size * b.size))


def _applies(kind, shape):
    return not (kind == "orthogonal" and len(shape) != 2)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("kind,cls,args", CASES,
                         ids=[f"{c[0]}{i}" for i, c in enumerate(CASES)])
def test_distribution_matches_tf_keras(lib, tfk, kind, cls, args, shape):
    if not _applies(kind, shape):
        pytest.skip("orthogonal needs a 2-D shape")
    ref = np.asarray(getattr(tfk.initializers, cls)(seed=1234, **args)(shape, dtype="float32"))
    got = gru_fill(lib, kind, shape, seed=99, **args)
    assert got.shape == ref.shape and got.dtype == ref.dtype
    assert np.all(np.isfinite(got))

    # same support: libgru's extremes inside the theoretical bounds that also hold Keras's
    lo, hi = _support(kind, args, shape)
    assert got.min() >= lo and got.max() <= hi, (got.min(), got.max(), lo, hi)
    assert ref.min() >= lo and ref.max() <= hi  # the bounds are Keras's

    d, crit = ks_2samp(got, ref)
    assert d <= crit, f"KS D = {d:.4f} > {crit:.4f}"

    n = got.size
    se_mean = math.sqrt(got.var() / n + ref.var() / n)
    assert abs(got.mean() - ref.mean()) <= 5 * se_mean + 1e-7
    # SE of a sample variance: sqrt((m4 - var^2) / n), pooled over both samples
    def se_var(x):
        x = x.astype(np.float64) - x.mean()
        return math.sqrt(max(np.mean(x ** 4) - np.mean(x ** 2) ** 2, 0.0) / x.size)
    assert abs(got.var() - ref.var()) <= 5 * math.hypot(se_var(got), se_var(ref)) + 1e-12

    if kind == "orthogonal":
        g = args.get("gain", 1.0)
        for w in (got, ref):
            if w.shape[0] <= w.shape[1]:
                np.testing.assert_allclose(w.astype(np.float64) @ w.T.astype(np.float64),
                                           g * g * np.eye(w.shape[0]), atol=1e-5 * g * g)
            else:
                np.testing.assert_allclose(w.T.astype(np.float64) @ w.astype(np.float64),
                                           g * g * np.eye(w.shape[1]), atol=1e-5 * g * g)


def _fans(shape):
    return (shape[0], shape[0]) if len(shape) == 1 else (shape[0], shape[1])


def _support(kind, args, shape):
    """Closed bounds of the distribution (infinite for untruncated normals), with one
    float32 rounding of slack."""
    fi, fo = _fans(shape)
    vs = {"glorot_uniform": (1.0, "fan_avg", "uniform"),
          "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
          "he_normal": (2.0, "fan_in", "truncated_normal"),
          "he_uniform": (2.0, "fan_in", "uniform"),
          "lecun_normal": (1.0, "fan_in", "truncated_normal"),
          "lecun_uniform": (1.0, "fan_in", "uniform")}
    if kind == "variance_scaling":
        vs[kind] = (args.get("scale", 1.0), args.get("mode", "fan_in"),
                    args.get("distribution", "truncated_normal"))
    eps = 1e-6
    if kind in vs:
        scale, mode, dist = vs[kind]
        fan = {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2}[mode]
        s = scale / max(1.0, fan)
        if dist == "uniform":
            lim = math.sqrt(3 * s)
            return -lim * (1 + eps), lim * (1 + eps)
        if dist == "truncated_normal":
            lim = 2 * math.sqrt(s) / 0.87962566103423978
            return -lim * (1 + eps), lim * (1 + eps)
        return -math.inf, math.inf
    if kind == "random_uniform":
        lo, hi = args.get("minval", -0.05), args.get("maxval", 0.05)
        return lo - eps * abs(lo), hi + eps * abs(hi)
    if kind == "truncated_normal":
        m, sd = args.get("mean", 0.0), args.get("stddev", 0.05)
        return m - 2 * sd - eps * (abs(m) + sd), m + 2 * sd + eps * (abs(m) + sd)
    if kind == "orthogonal":
        g = abs(args.get("gain", 1.0))
        return -g * (1 + eps), g * (1 + eps)
    return -math.inf, math.inf


@pytest.mark.parametrize("shape", [(5, 5), (3, 9), (9, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_deterministic_match_tf_keras(lib, tfk, shape, dtype):
    """zeros, ones, constant and identity are the same arrays as Keras's, exactly."""
    dt = "float32" if dtype == np.float32 else "float64"
    I = tfk.initializers
    pairs = [("zeros", I.Zeros(), {}), ("ones", I.Ones(), {}),
             ("constant", I.Constant(0.3), {"value": 0.3}),
             ("constant", I.Constant(-2.5), {"value": -2.5}),
             ("identity", I.Identity(), {}),
             ("identity", I.Identity(gain=0.7), {"gain": 0.7})]
    for kind, ref_init, args in pairs:
        ref = np.asarray(ref_init(shape, dtype=dt))
        got = gru_fill(lib, kind, shape, seed=1, dtype=dtype, **args)
        np.testing.assert_array_equal(got, ref, err_msg=f"{kind} {args}")


def test_orthogonal_1d_rejected_like_keras(lib, tfk):
    with pytest.raises(ValueError):
        tfk.initializers.Orthogonal()((8,))
    init = GruInitializer(kind=KINDS.index("orthogonal"), gain=1.0)
    out = np.zeros(8, dtype=np.float32)
    shp = (ctypes.c_int64 * 2)(8, 0)
    rc = lib.gru_initializer_fill(ctypes.byref(init), GRU_FLOAT32, 1, shp, 1, out.ctypes.data)
    assert rc == -2
    assert b"2-D" in lib.gru_errmsg()


def test_orthogonal_haar_like_keras(lib, tfk):
    """Keras multiplies Q by sign(diag(R)), which makes the matrix Haar-distributed: the
    law of single entries over many seeds (here the diagonal of (4, 4) and (3, 9)) is the
    same as Keras's, not of one sign."""
    for shape in [(4, 4), (3, 9)]:
        k = min(shape)
        got = np.concatenate([np.diag(gru_fill(lib, "orthogonal", shape, seed=s))[:k]
                              for s in range(300)])
        ref = np.concatenate([np.diag(np.asarray(
            tfk.initializers.Orthogonal(seed=10000 + s)(shape)))[:k] for s in range(300)])
        d, crit = ks_2samp(got, ref)
        assert d <= crit, f"{shape}: KS D = {d:.4f} > {crit:.4f}"
        assert 0.35 < np.mean(got > 0) < 0.65
