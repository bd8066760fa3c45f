"""PyTorch nn.GRU weights (safetensors, .npy) and ONNX GRU W/R/B arrays, converted by
libgru and checked against the frameworks themselves: real PyTorch (Debian's
python3-torch, run with /usr/bin/python3 or $GRU_TORCH_PYTHON) and ONNX Runtime."""
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from gru_harness import assert_near as close, run_cli as run

TORCH_PY = os.environ.get("GRU_TORCH_PYTHON", "/usr/bin/python3")


def forward(gru_bin, tmp, x, *, model=None, layer=None, config=None, weights=None):
    xp, yp = tmp / "x_in.npy", tmp / "y_out.npy"
    np.save(xp, np.ascontiguousarray(x))
    args = ["forward", "--input", xp, "--output", yp]
    if model:
        args += ["--model", model]
    if layer:
        args += ["--layer", layer]
    if config:
        args += ["--config", config]
    if weights:
        args += ["--kernel", weights / "kernel.npy", "--recurrent-kernel",
                 weights / "recurrent_kernel.npy"]
        if (weights / "bias.npy").exists():
            args += ["--bias", weights / "bias.npy"]
    run(gru_bin, *args)
    return np.load(yp)


def have_torch():
    if not shutil.which(TORCH_PY) and not Path(TORCH_PY).exists():
        return False
    p = subprocess.run([TORCH_PY, "-c", "import torch"], capture_output=True)
    return p.returncode == 0


TORCH_SCRIPT = textwrap.dedent("""
    import sys, numpy as np, torch
    out = sys.argv[1]
    torch.manual_seed(0)
    I, H = 3, 4
    gru = torch.nn.GRU(I, H, num_layers=2, bidirectional=True, batch_first=True)
    with torch.no_grad():
        for p in gru.parameters():
            p.uniform_(-0.8, 0.8)
    x = torch.randn(2, 5, I)
    y, h = gru(x)
    for k, v in gru.state_dict().items():
        np.save(f"{out}/{k}.npy", v.numpy())
    np.save(f"{out}/x.npy", x.numpy()); np.save(f"{out}/y.npy", y.detach().numpy())
    np.save(f"{out}/h.npy", h.detach().numpy())
    one = torch.nn.GRU(I, H, bias=False, batch_first=True)
    y1, _ = one(x)
    for k, v in one.state_dict().items():
        np.save(f"{out}/nobias_{k}.npy", v.numpy())
    np.save(f"{out}/nobias_y.npy", y1.detach().numpy())
""")


@pytest.fixture(scope="module")
def torch_run(tmp_path_factory):
    if not have_torch():
        pytest.skip(f"PyTorch not importable from {TORCH_PY}")
    d = tmp_path_factory.mktemp("torch")
    subprocess.run([TORCH_PY, "-c", TORCH_SCRIPT, str(d)], check=True, capture_output=True)
    return d


def test_pytorch_safetensors_bidirectional_stacked(gru_bin, tmp_path, torch_run):
    st = pytest.importorskip("safetensors.numpy")
    d = torch_run
    names = [f"{w}_l{l}{s}" for l in (0, 1) for s in ("", "_reverse")
             for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    path = tmp_path / "gru.safetensors"
    st.save_file({f"rnn.{n}": np.load(d / f"{n}.npy") for n in names}, str(path))
    out = run(gru_bin, "inspect", path).stdout
    for n in ("rnn.l0", "rnn.l0_reverse", "rnn.l1", "rnn.l1_reverse"):
        assert f": {n}\n" in out, out
    assert "PyTorch r,z,n" in out
    x = np.load(d / "x.npy")
    f0 = forward(gru_bin, tmp_path, x, model=path, layer="rnn.l0")
    b0 = forward(gru_bin, tmp_path, x, model=path, layer="rnn.l0_reverse")[:, ::-1]
    x1 = np.concatenate([f0, b0], -1)
    f1 = forward(gru_bin, tmp_path, x1, model=path, layer="rnn.l1")
    b1 = forward(gru_bin, tmp_path, x1, model=path, layer="rnn.l1_reverse")[:, ::-1]
    close(np.concatenate([f1, b1], -1), np.load(d / "y.npy"), "PyTorch 2-layer bidirectional")
    h = np.load(d / "h.npy")
    close(f1[:, -1], h[2], "h_n layer 1 forward")
    close(b1[:, 0], h[3], "h_n layer 1 reverse")

    # round trip: safetensors (PyTorch) -> Keras .h5 -> safetensors (PyTorch) is lossless
    run(gru_bin, "convert", path, tmp_path / "k.h5")
    run(gru_bin, "convert", tmp_path / "k.h5", tmp_path / "back.safetensors")
    back = st.load_file(str(tmp_path / "back.safetensors"))
    for n in names:
        key = "rnn." + n  # the layer names rnn.l0, rnn.l0_reverse, ... survive the trip
        assert np.array_equal(back[key], np.load(d / f"{n}.npy")), n
    # and through Keras-layout safetensors
    run(gru_bin, "convert", path, tmp_path / "k.safetensors", "--to", "safetensors-keras")
    kst = st.load_file(str(tmp_path / "k.safetensors"))
    assert kst["rnn.l0/kernel"].shape == (3, 12) and kst["rnn.l0/bias"].shape == (2, 12)
    close(forward(gru_bin, tmp_path, x, model=tmp_path / "k.safetensors", layer="rnn.l0"), f0,
          "keras-layout safetensors")


def test_pytorch_npy_no_bias(gru_bin, tmp_path, torch_run):
    d = torch_run
    run(gru_bin, "convert", "--from", "pytorch", "--weight-ih", d / "nobias_weight_ih_l0.npy",
        "--weight-hh", d / "nobias_weight_hh_l0.npy", tmp_path / "w", "--to", "npy-keras")
    assert not (tmp_path / "w" / "bias.npy").exists()
    y = forward(gru_bin, tmp_path, np.load(d / "x.npy"), weights=tmp_path / "w",
                config='units = 4, reset_after = TRUE, use_bias = FALSE, '
                       'recurrent_activation = "sigmoid", return_sequences = TRUE')
    close(y, np.load(d / "nobias_y.npy"), "PyTorch bias=False")
    # back to PyTorch layout through npy
    run(gru_bin, "convert", "--from", "keras", "--kernel", tmp_path / "w" / "kernel.npy",
        "--recurrent-kernel", tmp_path / "w" / "recurrent_kernel.npy", tmp_path / "p",
        "--to", "npy-pytorch")
    assert np.array_equal(np.load(tmp_path / "p" / "weight_ih.npy"),
                          np.load(d / "nobias_weight_ih_l0.npy"))
    assert np.array_equal(np.load(tmp_path / "p" / "weight_hh.npy"),
                          np.load(d / "nobias_weight_hh_l0.npy"))


def test_pytorch_refuses_reset_after_false(gru_bin, tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "w").mkdir()
    np.save(tmp_path / "w" / "kernel.npy", rng.normal(size=(3, 6)).astype(np.float32))
    np.save(tmp_path / "w" / "recurrent_kernel.npy", rng.normal(size=(2, 6)).astype(np.float32))
    np.save(tmp_path / "w" / "bias.npy", rng.normal(size=(6,)).astype(np.float32))
    p = run(gru_bin, "convert", "--from", "keras", "--kernel", tmp_path / "w" / "kernel.npy",
            "--recurrent-kernel", tmp_path / "w" / "recurrent_kernel.npy", "--bias",
            tmp_path / "w" / "bias.npy", tmp_path / "out.safetensors", ok=False)
    assert p.returncode == 1 and "reset_after = FALSE" in p.stderr
    assert not (tmp_path / "out.safetensors").exists()


# ---- ONNX ----------------------------------------------------------------------------------

def onnx_gru(W, R, B, lbr, direction, x):
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper, numpy_helper
    T, Bt, I = x.shape
    D, H3, _ = W.shape
    H = H3 // 3
    node = helper.make_node("GRU", ["X", "W", "R", "B"], ["Y", "Y_h"], hidden_size=H,
                            linear_before_reset=lbr, direction=direction)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [T, Bt, I])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(W, "W"), numpy_helper.from_array(R, "R"),
         numpy_helper.from_array(B, "B")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 8
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"X": x})[0]  # (T, D, B, H)


@pytest.mark.parametrize("lbr", [0, 1])
def test_onnx_to_keras_and_back(gru_bin, tmp_path, lbr):
    rng = np.random.default_rng(10 + lbr)
    I, H, T, Bt = 3, 4, 6, 2
    W = rng.uniform(-0.8, 0.8, size=(2, 3 * H, I)).astype(np.float32)
    R = rng.uniform(-0.8, 0.8, size=(2, 3 * H, H)).astype(np.float32)
    B = rng.uniform(-0.8, 0.8, size=(2, 6 * H)).astype(np.float32)
    x = rng.normal(size=(T, Bt, I)).astype(np.float32)
    Y = onnx_gru(W, R, B, lbr, "bidirectional", x)
    for f in "WRB":
        np.save(tmp_path / f"{f}.npy", locals()[f])
    cfg = (f'units = {H}, reset_after = {"TRUE" if lbr else "FALSE"}, '
           'recurrent_activation = "sigmoid", return_sequences = TRUE')
    xb = np.ascontiguousarray(x.transpose(1, 0, 2))  # Keras is batch-major
    for d in (0, 1):
        out = tmp_path / f"k{d}"
        run(gru_bin, "convert", "--from", "onnx", "--W", tmp_path / "W.npy", "--R",
            tmp_path / "R.npy", "--B", tmp_path / "B.npy", "--direction", d,
            "--linear-before-reset", lbr, out, "--to", "npy-keras")
        y = forward(gru_bin, tmp_path, xb, weights=out,
                    config=cfg + (", go_backwards = TRUE" if d else ""))
        if d:
            y = y[:, ::-1]  # ONNX returns the reverse direction in time order
        close(y, Y[:, d].transpose(1, 0, 2), f"ONNX direction {d} lbr {lbr}")
    # Keras -> ONNX: the forward direction back out, run by ONNX Runtime
    run(gru_bin, "convert", "--from", "keras", "--kernel", tmp_path / "k0" / "kernel.npy",
        "--recurrent-kernel", tmp_path / "k0" / "recurrent_kernel.npy", "--bias",
        tmp_path / "k0" / "bias.npy", tmp_path / "o", "--to", "npy-onnx")
    W2, R2, B2 = (np.load(tmp_path / "o" / f"{f}.npy") for f in "WRB")
    assert np.array_equal(W2[0], W[0]) and np.array_equal(R2[0], R[0])
    Y2 = onnx_gru(W2, R2, B2, lbr, "forward", x)
    close(Y2[:, 0], Y[:, 0], f"Keras -> ONNX lbr {lbr}")
