"""Differential tests of `gru forward` against ONNX Runtime's GRU operator, a second
reference independent of Keras, for both reset_after variants.

The ONNX GRU node is built with onnx.helper from Keras-layout weights converted here:
W = kernel^T (1, 3H, I), R = recurrent_kernel^T (1, 3H, H) (gate blocks z, r, h in both
layouts), B = [input bias | recurrent bias] (1, 6H) (reset_after FALSE: recurrent half
zero, so the h-bias sits outside the r product as in Keras), linear_before_reset =
reset_after, activations [f, g] = [recurrent_activation, activation].

ONNX "reverse" consumes the sequence backwards like Keras go_backwards, but returns Y in
the original time order, whereas Keras (and libgru) return it in processing order; the
test flips ONNX's Y. sequence_lens = L per sample maps to a keep-mask t < L; ONNX outputs
zeros after a sample's end where libgru repeats the last output, so only steps inside each
sample's length are compared (and the final state).

Tolerance: |got - expected| <= 1e-5 + 1e-4*|expected| elementwise (float32).
"""
import numpy as np
import pytest

import gru_harness as h
from gru_harness import assert_close, r_config, run_forward

import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402

pytestmark = pytest.mark.usefixtures("gru_bin")

# libgru / Keras activation name -> (ONNX name, alpha, beta) (None = no parameters)
ONNX_ACT = {
    "tanh": ("Tanh", None, None),
    "sigmoid": ("Sigmoid", None, None),
    "hard_sigmoid": ("HardSigmoid", 0.2, 0.5),
    "hard_sigmoid_keras3": ("HardSigmoid", 1.0 / 6.0, 0.5),
    "relu": ("Relu", None, None),
    "linear": ("Affine", 1.0, 0.0),
    "elu": ("Elu", 1.0, None),
    "softsign": ("Softsign", None, None),
    "softplus": ("Softplus", None, None),
}


def onnx_gru(kernel, recurrent_kernel, bias, x, *, activation, recurrent_activation,
             reset_after, reverse=False, seq_lens=None, h0=None):
    """Run ONNX Runtime's GRU. Returns (Y (B, T, H) in ONNX's time order, Y_h (B, H))."""
    B, T, I = x.shape
    H = recurrent_kernel.shape[0]
    W = kernel.T[None].astype(np.float32)
    R = recurrent_kernel.T[None].astype(np.float32)
    feeds = {"X": np.ascontiguousarray(x.transpose(1, 0, 2)), "W": W, "R": R}
    inputs = ["X", "W", "R"]
    if bias is not None:
        b = np.concatenate([bias[0], bias[1]]) if reset_after else \
            np.concatenate([bias, np.zeros_like(bias)])
        feeds["B"] = b[None].astype(np.float32)
        inputs.append("B")
    else:
        inputs.append("")
    if seq_lens is not None:
        feeds["sequence_lens"] = np.asarray(seq_lens, np.int32)
        inputs.append("sequence_lens")
    else:
        inputs.append("")
    if h0 is not None:
        feeds["initial_h"] = h0[None].astype(np.float32)
        inputs.append("initial_h")
    while inputs[-1] == "":
        inputs.pop()

    names, alphas, betas = [], [], []
    for act in (recurrent_activation, activation):
        name, a, b = ONNX_ACT[act]
        names.append(name)
        if a is not None:
            alphas.append(a)
        if b is not None:
            betas.append(b)
    attrs = dict(hidden_size=H, direction="reverse" if reverse else "forward",
                 linear_before_reset=int(reset_after), activations=names)
    if alphas:
        attrs["activation_alpha"] = alphas
    if betas:
        attrs["activation_beta"] = betas
    node = helper.make_node("GRU", inputs, ["Y", "Y_h"], **attrs)

    def vi(name, shape, elem=TensorProto.FLOAT):
        return helper.make_tensor_value_info(name, elem, shape)

    graph_inputs = [vi("X", [T, B, I]), vi("W", [1, 3 * H, I]), vi("R", [1, 3 * H, H])]
    if "B" in feeds:
        graph_inputs.append(vi("B", [1, 6 * H]))
    if "sequence_lens" in feeds:
        graph_inputs.append(vi("sequence_lens", [B], TensorProto.INT32))
    if "initial_h" in feeds:
        graph_inputs.append(vi("initial_h", [1, B, H]))
    graph = helper.make_graph([node], "gru", graph_inputs,
                              [vi("Y", [T, 1, B, H]), vi("Y_h", [1, B, H])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), opts,
                                providers=["CPUExecutionProvider"])
    Y, Y_h = sess.run(["Y", "Y_h"], feeds)
    return Y[:, 0].transpose(1, 0, 2), Y_h[0]


def cli_config(form, *, units, input_dim, activation, recurrent_activation, reset_after,
               use_bias, go_backwards):
    kw = dict(units=units, activation=activation, recurrent_activation=recurrent_activation,
              use_bias=use_bias, return_sequences=True, return_state=True,
              go_backwards=go_backwards, reset_after=reset_after)
    if form == "r":
        return r_config(**kw, input_shape=(None, input_dim))
    # A hand-written Keras layer config (only the keys that matter; defaults otherwise).
    return h.keras_json(dict(kw, batch_input_shape=[None, None, input_dim]), wrapped=True)


PAIRS = [("tanh", "hard_sigmoid"), ("tanh", "sigmoid"), ("relu", "hard_sigmoid"),
         ("linear", "sigmoid"), ("elu", "softsign"), ("softsign", "hard_sigmoid_keras3"),
         ("softplus", "sigmoid"), ("tanh", "relu"), ("hard_sigmoid", "linear"),
         ("sigmoid", "elu"), ("hard_sigmoid_keras3", "softplus"), ("tanh", "tanh")]


@pytest.mark.parametrize("reset_after", [False, True], ids=["reset_after=F", "reset_after=T"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_onnx_runtime(tmp_path, seed, reset_after, reverse):
    rng = h.rng_for(seed, "onnx", reset_after, reverse)
    failures = []
    sizes = [(1, 1), (3, 5), (1, 7), (4, 2), (2, 6), (5, 4)]
    for k, (act, rec) in enumerate(PAIRS):
        B, T = sizes[k % len(sizes)]
        I, H = int(rng.integers(1, 6)), int(rng.integers(1, 7))
        use_bias = k % 4 != 3
        unbounded = {act, rec} & {"relu", "linear", "elu", "softplus"}
        scale = 0.7 if unbounded else 1.0
        kernel, rk, bias = h.random_weights(rng, I, H, use_bias=use_bias,
                                            reset_after=reset_after, scale=scale)
        x = rng.normal(0, 1, (B, T, I)).astype(np.float32)
        h0 = rng.normal(0, 0.7, (B, H)).astype(np.float32) if k % 2 else None
        seq_lens = rng.integers(1, T + 1, B) if (k % 3 == 2 and T > 1) else None
        form = ["r", "json"][k % 2]
        what = (f"[GRU_TEST_SEED={seed}] onnx case {k}: activation={act}, "
                f"recurrent_activation={rec}, reset_after={reset_after}, "
                f"direction={'reverse' if reverse else 'forward'}, use_bias={use_bias}, "
                f"B={B}, T={T}, I={I}, H={H}, initial_h={h0 is not None}, "
                f"sequence_lens={None if seq_lens is None else seq_lens.tolist()}, form={form}")
        try:
            Y, Y_h = onnx_gru(kernel, rk, bias, x, activation=act, recurrent_activation=rec,
                              reset_after=reset_after, reverse=reverse, seq_lens=seq_lens,
                              h0=h0)
            mask = None
            if seq_lens is not None:
                mask = (np.arange(T)[None, :] < seq_lens[:, None]).astype(np.int8)
            cfg = cli_config(form, units=H, input_dim=I, activation=act,
                             recurrent_activation=rec, reset_after=reset_after,
                             use_bias=use_bias, go_backwards=reverse)
            outs, states = run_forward(tmp_path / f"c{k}", cfg, kernel, rk, bias, inputs=[x],
                                       masks=mask, initial_states=h0, state_outputs=True,
                                       what=what)
            y = outs[0]
            if reverse:
                y = y[:, ::-1]  # processing order -> original time order, as ONNX
            if seq_lens is not None:
                valid = mask.astype(bool)
                assert_close(y[valid], Y[valid], what=what + " [Y within sequence_lens]")
            else:
                assert_close(y, Y, what=what + " [Y]")
            assert_close(states[0], Y_h, what=what + " [Y_h]")
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, f"{len(failures)} of {len(PAIRS)} cases failed:\n" + "\n".join(failures)
