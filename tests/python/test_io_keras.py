"""Model files written by real Keras, read by libgru (`gru inspect`, `gru forward --model`).

- tf_keras (Keras 2 API): full .h5 models and save_weights() .h5 files with single,
  stacked and Bidirectional GRUs of both reset_after variants, Embedding(mask_zero) and
  Dense around them. For every GRU layer libgru's output must equal Keras's own output of
  that layer for the same input (and mask).
- Keras 3: .keras and .weights.h5, including "hard_sigmoid", which means
  clip(x/6 + 0.5, 0, 1) there.
- The Keras 2.2.4 fixture (shared/fixtures): outputs against float64 equations written
  here from the weights h5py reads.
- Layouts today's Keras cannot write, built with h5py: standalone Keras 2 names
  (gru_1/kernel:0), Keras 1 nine arrays, CuDNNGRU (6H) biases (also checked against
  tf_keras's own CuDNNGRU conversion), chunked weight_names0/1 attributes.
- Saving: `gru convert` to a Keras weights-only .h5 that tf_keras load_weights() reads.
"""
import json
import os
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from gru_harness import assert_near as close, run_cli as run

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(os.environ.get("GRU_FIXTURES", REPO.parent / "shared" / "fixtures")) / \
    "keras224_gru_hardsigmoid_resetbefore.h5"



def forward(gru_bin, tmp, model, x, layer=None, mask=None, config=None):
    xp, yp = tmp / "x_in.npy", tmp / "y_out.npy"
    np.save(xp, np.ascontiguousarray(x))
    args = ["forward", "--model", model, "--input", xp, "--output", yp]
    if layer:
        args += ["--layer", layer]
    if mask is not None:
        np.save(tmp / "m_in.npy", np.ascontiguousarray(mask))
        args += ["--mask", tmp / "m_in.npy"]
    if config:
        args += ["--config", config]
    run(gru_bin, *args)
    return np.load(yp)


def inspect(gru_bin, model):
    out = run(gru_bin, "inspect", model).stdout
    layers, cur = [], None
    for line in out.splitlines():
        if line.startswith("layer "):
            cur = {"name": line.split(": ", 1)[1]}
            layers.append(cur)
        elif cur is not None and line.startswith("  ") and ": " in line:
            k, v = line.strip().split(": ", 1)
            cur[k] = v
    head = dict(l.split(": ", 1) for l in out.split("\n\n")[0].splitlines() if ": " in l)
    return head, layers


# ---- float64 reference, written here from the equations of SEMANTICS.md ----------------

def act(name, v):
    if name == "tanh":
        return np.tanh(v)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-v))
    if name == "hard_sigmoid":
        return np.clip(0.2 * v + 0.5, 0.0, 1.0)
    if name == "hard_sigmoid_keras3":
        return np.clip(v / 6.0 + 0.5, 0.0, 1.0)
    if name == "linear":
        return v
    raise ValueError(name)


def gru64(x, k, rk, b, reset_after, rec_act="hard_sigmoid", activation="tanh",
          return_sequences=False, go_backwards=False):
    x, k, rk = (np.asarray(a, np.float64) for a in (x, k, rk))
    B, T, _ = x.shape
    H = rk.shape[0]
    if b is None:
        b = np.zeros((2, 3 * H) if reset_after else (3 * H,))
    b = np.asarray(b, np.float64)
    bi, br = (b[0], b[1]) if reset_after else (b, np.zeros(3 * H))
    h = np.zeros((B, H))
    outs = []
    steps = range(T - 1, -1, -1) if go_backwards else range(T)
    for t in steps:
        xw = x[:, t] @ k + bi
        hu = h @ rk + br
        z = act(rec_act, xw[:, :H] + hu[:, :H])
        r = act(rec_act, xw[:, H:2 * H] + hu[:, H:2 * H])
        if reset_after:
            hh = act(activation, xw[:, 2 * H:] + r * hu[:, 2 * H:])
        else:
            hh = act(activation, xw[:, 2 * H:] + (r * h) @ rk[:, 2 * H:])
        h = z * h + (1 - z) * hh
        outs.append(h)
    return np.stack(outs, 1) if return_sequences else h


# ---- the Keras 2.2.4 fixture ---------------------------------------------------------------

def test_fixture_keras224(gru_bin, tmp_path):
    if not FIXTURE.is_file():
        pytest.skip(f"{FIXTURE} not present")
    head, layers = inspect(gru_bin, FIXTURE)
    assert head["format"] == "keras-h5" and head["keras_version"] == "2.2.4"
    assert head["hard_sigmoid"].startswith("Keras 2")
    assert [l["name"] for l in layers] == ["gru_1", "gru_2"]
    assert layers[0]["recurrent_activation"] == "hard_sigmoid"
    assert layers[0]["reset_after"] == "FALSE" and layers[0]["kernel"] == "(1, 192)"
    with h5py.File(FIXTURE, "r") as f:
        w = {n: [np.array(f["model_weights"][n][n][k]) for k in
                 ("kernel:0", "recurrent_kernel:0", "bias:0")] for n in ("gru_1", "gru_2")}
    rng = np.random.default_rng(224)
    x = rng.normal(size=(2, 905, 1)).astype(np.float32)  # the model fixed T = 905
    y1 = forward(gru_bin, tmp_path, FIXTURE, x, layer="gru_1")
    ref1 = gru64(x, *w["gru_1"], reset_after=False, return_sequences=True)
    close(y1, ref1, "gru_1")
    y2 = forward(gru_bin, tmp_path, FIXTURE, y1, layer="gru_2")
    close(y2, gru64(y1, *w["gru_2"], reset_after=False), "gru_2")


def test_written_h5_is_reproducible(gru_bin, tmp_path):
    # no modification times in the datasets: the same weights give the same bytes (the
    # fuzz smoke run builds its seed corpus from such files and must be the same everywhere)
    if not FIXTURE.is_file():
        pytest.skip(f"{FIXTURE} not present")
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    run(gru_bin, "convert", FIXTURE, a)
    time.sleep(1.1)
    run(gru_bin, "convert", FIXTURE, b)
    assert a.read_bytes() == b.read_bytes()


# ---- tf_keras ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tfk():
    return pytest.importorskip("tf_keras")


def gru_layers_of(tfk, model):
    """(GRU layer, its enclosing Bidirectional or None) for every GRU in model."""
    out = []
    for l in model.layers:
        if isinstance(l, tfk.layers.Bidirectional):
            out.append((l.forward_layer, l))
            out.append((l.backward_layer, l))
        elif isinstance(l, tfk.layers.GRU):
            out.append((l, None))
    return out


def check_every_gru_layer(tfk, gru_bin, tmp, model, path, x, token_input=False):
    """Compare libgru's output of each GRU layer with Keras's output of that layer."""
    head, listed = inspect(gru_bin, path)
    names = [l["name"] for l in listed]
    mask = (x != 0).astype(np.uint8) if token_input else None
    checked = 0
    for layer in model.layers:
        if not isinstance(layer, (tfk.layers.GRU, tfk.layers.Bidirectional)):
            continue
        probe = tfk.Model(model.inputs, [layer.input, layer.output])
        lin, lout = (np.asarray(a) for a in probe(x))
        lin = lin.astype(np.float64 if layer.dtype == "float64" else np.float32)
        if isinstance(layer, tfk.layers.Bidirectional):
            H = layer.forward_layer.units
            fw = [n for n in names if n.startswith(layer.name + "/forward")]
            bw = [n for n in names if n.startswith(layer.name + "/backward")]
            assert len(fw) == 1 and len(bw) == 1, names
            yf = forward(gru_bin, tmp, path, lin, layer=fw[0], mask=mask)
            yb = forward(gru_bin, tmp, path, lin, layer=bw[0], mask=mask)
            if layer.return_sequences:
                yb = yb[:, ::-1]  # Keras flips the backward half back into time order
            close(yf, lout[..., :H], fw[0])
            close(yb, lout[..., H:], bw[0])
            checked += 2
        else:
            assert layer.name in names, (layer.name, names)
            y = forward(gru_bin, tmp, path, lin, layer=layer.name, mask=mask)
            close(y, lout, layer.name)
            checked += 1
        mask = None if not token_input else mask  # Embedding mask propagates through GRUs
    assert checked == len(names), (checked, names)


def build_models(tfk):
    L = tfk.layers
    tfk.utils.set_random_seed(7)
    yield "single_ra_true", tfk.Sequential([L.InputLayer((6, 3)), L.GRU(5)]), False
    yield "single_ra_false", tfk.Sequential([
        L.InputLayer((6, 3)),
        L.GRU(4, reset_after=False, recurrent_activation="hard_sigmoid", return_sequences=True,
              bias_initializer="random_normal")]), False
    yield "stacked_dense", tfk.Sequential([
        L.InputLayer((7, 3)),
        L.GRU(6, return_sequences=True, bias_initializer="random_normal"),
        L.GRU(4, reset_after=False, go_backwards=True, bias_initializer="random_normal"),
        L.Dense(2)]), False
    yield "bidirectional", tfk.Sequential([
        L.InputLayer((5, 3)),
        L.Bidirectional(L.GRU(3, return_sequences=True, bias_initializer="random_normal")),
        L.Bidirectional(L.GRU(2, reset_after=False, recurrent_activation="hard_sigmoid")),
        L.Dense(1)]), False
    yield "embedding_mask", tfk.Sequential([
        L.InputLayer((8,)), L.Embedding(20, 4, mask_zero=True),
        L.GRU(5, return_sequences=True, bias_initializer="random_normal"),
        L.GRU(3, reset_after=False, bias_initializer="random_normal"), L.Dense(2)]), True
    # Bidirectional sets zero_output_for_mask on its halves when return_sequences: with a
    # mask, masked steps of the first layer's halves output zeros
    yield "bidirectional_mask", tfk.Sequential([
        L.InputLayer((8,)), L.Embedding(20, 4, mask_zero=True),
        L.Bidirectional(L.GRU(3, return_sequences=True, bias_initializer="random_normal")),
        L.Bidirectional(L.GRU(2, reset_after=False, bias_initializer="random_normal")),
        L.Dense(1)]), True
    yield "no_bias_float64", tfk.Sequential([
        L.InputLayer((4, 2)), L.GRU(3, use_bias=False, dtype="float64", return_sequences=True)]), False


def model_input(name, model, rng):
    shape = (3,) + tuple(model.input_shape[1:])
    if name in ("embedding_mask", "bidirectional_mask"):
        x = rng.integers(1, 20, size=shape).astype(np.int32)
        x[0, :3] = 0   # leading masked
        x[1, 5:] = 0   # trailing masked
        x[2, 4] = 0    # interior
        return x
    x = rng.normal(size=shape)
    return x.astype(np.float64 if "float64" in name else np.float32)


@pytest.mark.parametrize("kind", ["h5", "weights_h5"])
def test_tf_keras_files(tfk, gru_bin, tmp_path, kind):
    rng = np.random.default_rng(2)
    for name, model, tokens in build_models(tfk):
        path = tmp_path / f"{name}.h5"
        if kind == "h5":
            model.save(path, save_format="h5")
        else:
            model.save_weights(path, save_format="h5")
        x = model_input(name, model, rng)
        if tokens:
            # libgru's inputs are the GRU inputs; the embedding lookup happens in Keras
            emb = tfk.Model(model.inputs, model.layers[1].output)
        head, listed = inspect(gru_bin, path)
        assert head["format"] == ("keras-h5" if kind == "h5" else "keras-weights-h5")
        if kind == "weights_h5":
            # no configuration in the file: give each layer its own
            for layer, bi in gru_layers_of(tfk, model):
                lname = [l["name"] for l in listed
                         if l["name"] == layer.name or l["name"].endswith("/" + layer.name)]
                assert len(lname) == 1, (layer.name, [l["name"] for l in listed])
                cfg = tmp_path / "cfg.json"
                conf = layer.get_config()
                cfg.write_text(json.dumps({"class_name": "GRU", "config": conf}))
                host = bi if bi is not None else layer
                probe = tfk.Model(model.inputs, [host.input, host.output])
                lin, lout = (np.asarray(a) for a in probe(x))
                lin = lin.astype(np.float64 if host.dtype == "float64" else np.float32)
                mask = (x != 0).astype(np.uint8) if tokens else None
                y = forward(gru_bin, tmp_path, path, lin, layer=lname[0], mask=mask, config=cfg)
                if bi is not None:
                    H = layer.units
                    if layer is bi.backward_layer:
                        lout = lout[..., H:]
                        if bi.return_sequences:
                            y = y[:, ::-1]
                    else:
                        lout = lout[..., :H]
                close(y, lout, f"{name}/{lname[0]}")
        else:
            check_every_gru_layer(tfk, gru_bin, tmp_path, model, path, x, token_input=tokens)


def test_tf_keras_legacy_layouts_with_h5py(tfk, gru_bin, tmp_path):
    """Standalone Keras 2 names, Keras 1 nine arrays, chunked weight_names, old configs
    without reset_after: files laid out exactly as those Keras versions wrote them."""
    rng = np.random.default_rng(5)
    I, H = 3, 4
    k = rng.normal(size=(I, 3 * H)).astype(np.float32)
    rk = rng.normal(size=(H, 3 * H)).astype(np.float32) * 0.5
    b = rng.normal(size=(3 * H,)).astype(np.float32)
    x = rng.normal(size=(2, 5, I)).astype(np.float32)
    want = gru64(x, k, rk, b, reset_after=False, return_sequences=True)

    # Keras 2.1 standalone: names gru_1/kernel:0, no reset_after in the config
    cfg = {"name": "gru_1", "units": H, "activation": "tanh", "recurrent_activation": "hard_sigmoid",
           "use_bias": True, "return_sequences": True, "return_state": False,
           "go_backwards": False, "stateful": False, "unroll": False, "implementation": 1,
           "batch_input_shape": [None, None, I], "dtype": "float32", "trainable": True,
           "kernel_initializer": {"class_name": "VarianceScaling",
                                  "config": {"scale": 1.0, "mode": "fan_avg",
                                             "distribution": "uniform", "seed": None}},
           "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}},
           "bias_initializer": {"class_name": "Zeros", "config": {}},
           "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
           "activity_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None,
           "bias_constraint": None, "dropout": 0.0, "recurrent_dropout": 0.0}
    p = tmp_path / "keras21.h5"
    with h5py.File(p, "w") as f:
        f.attrs["keras_version"] = b"2.1.6"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": [
            {"class_name": "GRU", "config": cfg}]}).encode()
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [b"gru_1"]
        lg = g.create_group("gru_1")
        # deliberately not in kernel, recurrent, bias order on disk: the attribute decides
        lg.attrs["weight_names"] = [b"gru_1/kernel:0", b"gru_1/recurrent_kernel:0", b"gru_1/bias:0"]
        lg.create_dataset("gru_1/bias:0", data=b)
        lg.create_dataset("gru_1/recurrent_kernel:0", data=rk)
        lg.create_dataset("gru_1/kernel:0", data=k)
    close(forward(gru_bin, tmp_path, p, x), want, "keras 2.1 standalone")
    _, listed = inspect(gru_bin, p)
    assert listed[0]["reset_after"] == "FALSE" and listed[0]["recurrent_activation"] == "hard_sigmoid"

    # chunked weight_names0 / weight_names1 (tf.keras splits long attributes), tf.keras names
    p = tmp_path / "chunked.h5"
    with h5py.File(p, "w") as f:
        f.attrs["keras_version"] = b"2.4.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["layer_names"] = [b"gru_7"]
        lg = f.create_group("gru_7")
        names = [b"gru_7/gru_cell_7/kernel:0", b"gru_7/gru_cell_7/recurrent_kernel:0",
                 b"gru_7/gru_cell_7/bias:0"]
        lg.attrs["weight_names0"] = names[:2]
        lg.attrs["weight_names1"] = names[2:]
        for n, a in zip(names, (k, rk, b)):
            lg.create_dataset(n.decode(), data=a)
    cfgtxt = f"units = {H}, return_sequences = TRUE"
    close(forward(gru_bin, tmp_path, p, x, config=cfgtxt), want, "chunked weight_names")
    _, listed = inspect(gru_bin, p)
    assert listed[0]["name"] == "gru_7"

    # Keras 1: nine arrays W_z U_z b_z W_r U_r b_r W_h U_h b_h and a Keras 1 config
    p = tmp_path / "keras1.h5"
    k1cfg = {"name": "gru_1", "output_dim": H, "activation": "tanh", "inner_activation": "hard_sigmoid",
             "init": "glorot_uniform", "inner_init": "orthogonal", "W_regularizer": None,
             "U_regularizer": None, "b_regularizer": None, "dropout_W": 0.0, "dropout_U": 0.0,
             "return_sequences": True, "go_backwards": False, "stateful": False, "unroll": False,
             "consume_less": "gpu", "input_dim": I, "input_length": None,
             "batch_input_shape": [None, None, I], "input_dtype": "float32", "trainable": True}
    with h5py.File(p, "w") as f:
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": [
            {"class_name": "GRU", "config": k1cfg}]}).encode()
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [b"gru_1"]
        lg = g.create_group("gru_1")
        names, arrays = [], []
        for gi, gate in enumerate("zrh"):
            sl = slice(gi * H, (gi + 1) * H)
            for nm, a in ((f"gru_1_W_{gate}", k[:, sl]), (f"gru_1_U_{gate}", rk[:, sl]),
                          (f"gru_1_b_{gate}", b[sl])):
                names.append(nm.encode())
                lg.create_dataset(nm, data=a)
        lg.attrs["weight_names"] = names
    close(forward(gru_bin, tmp_path, p, x), want, "keras 1")
    head, listed = inspect(gru_bin, p)
    assert "Keras 1" in listed[0]["conversion"]


def test_cudnngru_weights(tfk, gru_bin, tmp_path):
    """CuDNNGRU weights ((6H) bias) in an h5 weights file: libgru converts them to a
    reset_after = TRUE GRU; tf_keras's own loader converts the same file into a GRU, whose
    outputs are the reference."""
    rng = np.random.default_rng(9)
    I, H = 3, 5
    k = rng.normal(size=(I, 3 * H)).astype(np.float32) * 0.5
    rk = rng.normal(size=(H, 3 * H)).astype(np.float32) * 0.5
    b = rng.normal(size=(6 * H,)).astype(np.float32) * 0.5
    p = tmp_path / "cudnn.h5"
    with h5py.File(p, "w") as f:
        f.attrs["keras_version"] = b"2.2.4"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["layer_names"] = [b"cu_dnngru_1"]
        lg = f.create_group("cu_dnngru_1")
        names = [b"cu_dnngru_1/kernel:0", b"cu_dnngru_1/recurrent_kernel:0", b"cu_dnngru_1/bias:0"]
        lg.attrs["weight_names"] = names
        for n, a in zip(names, (k, rk, b)):
            lg.create_dataset(n.decode(), data=a)
    model = tfk.Sequential([tfk.layers.InputLayer((4, I)),
                            tfk.layers.GRU(H, reset_after=True, recurrent_activation="sigmoid",
                                           return_sequences=True)])
    model.load_weights(p)
    x = rng.normal(size=(2, 4, I)).astype(np.float32)
    want = np.asarray(model(x))
    head, listed = inspect(gru_bin, p)
    assert "CuDNNGRU" in listed[0]["conversion"]
    y = forward(gru_bin, tmp_path, p, x, config="units = 5, reset_after = TRUE, "
                "recurrent_activation = \"sigmoid\", return_sequences = TRUE")
    close(y, want, "CuDNNGRU -> GRU")
    # the weights also equal NumPy's version of Keras's conversion
    kw = np.hstack([kb.T.reshape(kb.shape, order="F") for kb in np.hsplit(k, 3)])
    rw = np.hstack([rb.T for rb in np.hsplit(rk, 3)])
    close(y, gru64(x, kw, rw, b.reshape(2, -1), reset_after=True, rec_act="sigmoid",
                   return_sequences=True), "CuDNNGRU numpy")
    # a reset_after = FALSE target is refused
    p2 = run(gru_bin, "forward", "--model", p, "--config", "units = 5, reset_after = FALSE",
             "--input", tmp_path / "x_in.npy", "--output", tmp_path / "never.npy", ok=False)
    assert p2.returncode != 0 and "reset_after" in p2.stderr
    assert not (tmp_path / "never.npy").exists()


def test_save_keras_h5_roundtrip(tfk, gru_bin, tmp_path):
    """gru convert writes a tf.keras weights-only .h5; tf_keras load_weights() reads it into
    the same architecture and reproduces the original model's outputs."""
    L = tfk.layers
    tfk.utils.set_random_seed(11)
    model = tfk.Sequential([L.InputLayer((5, 3)),
                            L.GRU(4, return_sequences=True, bias_initializer="random_normal"),
                            L.GRU(3, reset_after=False, bias_initializer="random_normal")])
    src = tmp_path / "src.h5"
    model.save(src, save_format="h5")
    out = tmp_path / "out.h5"
    run(gru_bin, "convert", src, out)
    with h5py.File(out, "r") as f:
        n0, n1 = model.layers[0].name, model.layers[1].name
        assert [n.decode() for n in f.attrs["layer_names"]] == [n0, n1]
        assert [n.decode() for n in f[n0].attrs["weight_names"]] == [
            f"{n0}/gru_cell/kernel:0", f"{n0}/gru_cell/recurrent_kernel:0",
            f"{n0}/gru_cell/bias:0"]
    fresh = tfk.Sequential([L.InputLayer((5, 3)), L.GRU(4, return_sequences=True),
                            L.GRU(3, reset_after=False)])
    fresh.load_weights(out)
    x = np.random.default_rng(1).normal(size=(2, 5, 3)).astype(np.float32)
    close(np.asarray(fresh(x)), np.asarray(model(x)), "reloaded")
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        assert np.array_equal(a, b)
    # and libgru reads its own file back
    _, listed = inspect(gru_bin, out)
    assert [l["name"] for l in listed] == [n0, n1]


# ---- Keras 3 ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def k3():
    return pytest.importorskip("keras")


def test_keras3_files(k3, gru_bin, tmp_path):
    L = k3.layers
    k3.utils.set_random_seed(3)
    model = k3.Sequential([
        k3.Input((6, 3)),
        L.GRU(4, return_sequences=True, bias_initializer="random_normal"),
        L.GRU(3, reset_after=False, recurrent_activation="hard_sigmoid", return_sequences=True,
              bias_initializer="random_normal"),
        L.Bidirectional(L.GRU(2, bias_initializer="random_normal")),
        L.Dense(1)])
    x = np.random.default_rng(4).normal(size=(2, 6, 3)).astype(np.float32) * 3
    kp = tmp_path / "m.keras"
    model.save(kp)
    head, listed = inspect(gru_bin, kp)
    assert head["format"] == "keras3" and head["keras_version"].startswith("3.")
    assert "Keras 3" in head["hard_sigmoid"]
    names = [l["name"] for l in listed]
    # Keras numbers layer names per process: other tests may have made GRUs before
    assert names[:2] == [model.layers[0].name, model.layers[1].name], names
    assert listed[1]["recurrent_activation"] == "hard_sigmoid_keras3"
    for layer in model.layers:
        if not isinstance(layer, (L.GRU, L.Bidirectional)):
            continue
        probe = k3.Model(model.inputs, [layer.input, layer.output])
        lin, lout = (np.asarray(a) for a in probe(x))
        if isinstance(layer, L.Bidirectional):
            fw, bw = layer.forward_layer.name, layer.backward_layer.name
            assert fw in names and bw in names, names
            H = layer.forward_layer.units
            close(forward(gru_bin, tmp_path, kp, lin, layer=fw), lout[..., :H], fw)
            close(forward(gru_bin, tmp_path, kp, lin, layer=bw), lout[..., H:], bw)
        else:
            close(forward(gru_bin, tmp_path, kp, lin, layer=layer.name), lout, layer.name)

    # .weights.h5: no configuration; supply it
    wp = tmp_path / "m.weights.h5"
    model.save_weights(wp)
    head, listed = inspect(gru_bin, wp)
    assert head["format"] == "keras3-weights-h5"
    g1 = model.layers[1]
    probe = k3.Model(model.inputs, [g1.input, g1.output])
    lin, lout = (np.asarray(a) for a in probe(x))
    cfg = ('units = 3, reset_after = FALSE, recurrent_activation = "hard_sigmoid_keras3", '
           'return_sequences = TRUE')
    close(forward(gru_bin, tmp_path, wp, lin, layer=g1.name, config=cfg), lout,
          "weights.h5 " + g1.name)


def test_keras3_bidirectional_mask(k3, gru_bin, tmp_path):
    """Keras 3 .keras file: Embedding(mask_zero) -> Bidirectional(GRU(return_sequences));
    Bidirectional forces zero_output_for_mask on its halves, so masked steps output zeros."""
    L = k3.layers
    k3.utils.set_random_seed(5)
    model = k3.Sequential([
        k3.Input((8,)), L.Embedding(20, 4, mask_zero=True),
        L.Bidirectional(L.GRU(3, return_sequences=True, bias_initializer="random_normal")),
        L.Dense(1)])
    x = np.random.default_rng(6).integers(1, 20, size=(3, 8)).astype(np.int32)
    x[0, :3] = 0
    x[1, 5:] = 0
    x[2, 4] = 0
    kp = tmp_path / "bi.keras"
    model.save(kp)
    bi = model.layers[1]
    out = k3.Model(model.inputs, [model.layers[0].output, bi.output])(x)
    lin, lout = np.asarray(out[0], dtype=np.float32), np.asarray(out[1])
    mask = (x != 0).astype(np.uint8)
    H = bi.forward_layer.units
    yf = forward(gru_bin, tmp_path, kp, lin, layer=bi.forward_layer.name, mask=mask)
    yb = forward(gru_bin, tmp_path, kp, lin, layer=bi.backward_layer.name, mask=mask)
    close(yf, lout[..., :H], "forward half")
    close(yb[:, ::-1], lout[..., H:], "backward half")
    assert (yf[0, :3] == 0).all() and (yf[1, 5:] == 0).all()
