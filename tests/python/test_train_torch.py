"""Gradients of `gru backward` against PyTorch autograd, a second independent source.

PyTorch's nn.GRU is Keras's reset_after = TRUE with sigmoid / tanh:
    r = sig(W_ir x + b_ir + W_hr h + b_hr), z = sig(...), n = tanh(W_in x + b_in + r*(W_hn h + b_hn))
    h' = (1 - z) * n + z * h
with weight_ih (3H, I) and weight_hh (3H, H) in row blocks r, z, n (SEMANTICS.md, "Other
layouts"). PyTorch comes from Debian's python3-torch, importable only by the system
interpreter, so the reference runs in a subprocess: env GRU_TORCH_PYTHON (default
/usr/bin/python3); the test is skipped when that interpreter cannot import torch.

The loss is L = sum(dy * y) + sum(dh * h_T) with random dy, dh, where y is the output
sequence (return_sequences = TRUE) or the last output. Tolerances as the Keras tests:
float32 |d| <= 1e-5 * max(1, max|e|) + 1e-4 * |e|; float64 |d| <= 1e-10 * max(1, |e|).
"""
import os
import subprocess
import textwrap

import numpy as np
import pytest

import gru_harness as h
from gru_harness import assert_close, assert_close64
from train_harness import run_backward

pytestmark = pytest.mark.usefixtures("gru_bin")

TORCH_PY = os.environ.get("GRU_TORCH_PYTHON", "/usr/bin/python3")

TORCH_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import torch
    def run(d):
      ld = lambda n: np.load(f"{d}/{n}.npy")
      x, h0, k, rk, b, dy, dh = (ld(n) for n in ("x", "h0", "k", "rk", "b", "dy", "dh"))
      seq = dy.ndim == 3
      dt = torch.float64 if x.dtype == np.float64 else torch.float32
      I, H = k.shape[0], rk.shape[0]
      def to_torch_rows(w):            # Keras (n, 3H) blocks z|r|h -> torch (3H, n) blocks r|z|n
          z, r, hh = w[:, :H], w[:, H:2 * H], w[:, 2 * H:]
          return np.concatenate([r.T, z.T, hh.T], axis=0)
      def to_keras_cols(g):            # torch (3H, n) r|z|n -> Keras (n, 3H) z|r|h
          r, z, n = g[:H], g[H:2 * H], g[2 * H:]
          return np.concatenate([z.T, r.T, n.T], axis=1)
      def to_torch_vec(v):
          return np.concatenate([v[H:2 * H], v[:H], v[2 * H:]])
      def to_keras_vec(v):
          return np.concatenate([v[H:2 * H], v[:H], v[2 * H:]])
      gru = torch.nn.GRU(I, H, batch_first=True).to(dt)
      with torch.no_grad():
          gru.weight_ih_l0.copy_(torch.from_numpy(to_torch_rows(k)))
          gru.weight_hh_l0.copy_(torch.from_numpy(to_torch_rows(rk)))
          gru.bias_ih_l0.copy_(torch.from_numpy(to_torch_vec(b[0])))
          gru.bias_hh_l0.copy_(torch.from_numpy(to_torch_vec(b[1])))
      xt = torch.from_numpy(x).requires_grad_(True)
      h0t = torch.from_numpy(h0).unsqueeze(0).requires_grad_(True)
      out, hn = gru(xt, h0t)
      y = out if seq else out[:, -1]
      loss = (y * torch.from_numpy(dy)).sum() + (hn[0] * torch.from_numpy(dh)).sum()
      loss.backward()
      g = lambda t: t.grad.detach().numpy()
      np.save(f"{d}/t_y.npy", y.detach().numpy())
      np.save(f"{d}/t_dx.npy", g(xt))
      np.save(f"{d}/t_dh0.npy", g(h0t)[0])
      np.save(f"{d}/t_dkernel.npy", to_keras_cols(g(gru.weight_ih_l0)))
      np.save(f"{d}/t_drecurrent_kernel.npy", to_keras_cols(g(gru.weight_hh_l0)))
      np.save(f"{d}/t_dbias.npy", np.stack([to_keras_vec(g(gru.bias_ih_l0)),
                                            to_keras_vec(g(gru.bias_hh_l0))]))
    for d in sys.argv[1:]:
        run(d)
""")


@pytest.fixture(scope="module")
def torch_python():
    try:
        res = subprocess.run([TORCH_PY, "-c", "import torch, numpy"], capture_output=True,
                             timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"{TORCH_PY}: {e}")
    if res.returncode != 0:
        pytest.skip(f"{TORCH_PY} cannot import torch (Debian python3-torch)")
    return TORCH_PY


def case_data(seed, case):
    name, B, T, I, H, seq, dtype = case
    np_dt = np.float64 if dtype == "float64" else np.float32
    rng = h.rng_for(seed, "train_torch", name)
    k, rk, b = h.random_weights(rng, I, H, reset_after=True, dtype=np_dt)
    return dict(x=rng.uniform(-1.5, 1.5, (B, T, I)).astype(np_dt),
                h0=rng.uniform(-1, 1, (B, H)).astype(np_dt), k=k, rk=rk, b=b,
                dy=rng.uniform(-1, 1, (B, T, H) if seq else (B, H)).astype(np_dt),
                dh=rng.uniform(-1, 1, (B, H)).astype(np_dt))


@pytest.fixture(scope="module")
def torch_refs(torch_python, seed, tmp_path_factory):
    """PyTorch's gradients for every case of this seed, from one subprocess."""
    root = tmp_path_factory.mktemp(f"torch{seed}")
    dirs = []
    for case in CASES:
        d = root / case[0]
        d.mkdir()
        for name, a in case_data(seed, case).items():
            np.save(d / f"{name}.npy", a, allow_pickle=False)
        dirs.append(str(d))
    script = root / "torch_ref.py"
    script.write_text(TORCH_SCRIPT)
    res = subprocess.run([torch_python, str(script)] + dirs, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, f"PyTorch reference failed:\n{res.stderr}"
    return {case[0]: {n: np.load(root / case[0] / f"t_{n}.npy") for n in
                      ("y", "dx", "dh0", "dkernel", "drecurrent_kernel", "dbias")}
            for case in CASES}


CASES = [
    # name, B, T, I, H, return_sequences, dtype
    ("seq-f32", 3, 6, 4, 5, True, "float32"),
    ("last-f32", 4, 5, 3, 6, False, "float32"),
    ("B1-T1-f32", 1, 1, 2, 3, True, "float32"),
    ("long-f32", 2, 20, 5, 8, True, "float32"),
    ("seq-f64", 3, 6, 4, 5, True, "float64"),
    ("last-f64", 4, 5, 3, 6, False, "float64"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_torch_autograd(tmp_path, seed, torch_refs, case):
    name, B, T, I, H, seq, dtype = case
    d = case_data(seed, case)
    ref = torch_refs[name]
    cfg = h.r_config(units=H, activation="tanh", recurrent_activation="sigmoid",
                     reset_after=True, return_sequences=seq, return_state=True,
                     dtype=dtype)
    got = run_backward(tmp_path / "gru", cfg, d["k"], d["rk"], d["b"], x=d["x"], dy=d["dy"],
                       dstate=d["dh"], initial_state=d["h0"],
                       want=["y", "dx", "dh0", "dkernel", "drecurrent_kernel", "dbias"],
                       what=name)
    for key in got:
        what = f"torch {name}: {key}"
        if dtype == "float64":
            assert_close64(got[key], ref[key], rel=1e-10, what=what)
        else:
            assert_close(got[key], ref[key], scaled=True, what=what)
