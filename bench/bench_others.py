#!/usr/bin/env python3
"""bench/bench_others.py: ONNX Runtime, TensorFlow's Keras (tf_keras) and PyTorch on the
benchmark shapes S1-S5, next to libgru and oneDNN from bench_gru's CSV.

    bench_others.py [--csv bench.csv] [--engines ort,tf,torch] [--shapes S1,S2]
                    [--variants 0,1] [--modes infer,train] [--threads 1,2] [--time 0.6]
                    [--out combined.csv] [--markdown]

Each engine and thread count runs in its own subprocess (TensorFlow fixes its thread pools
at start-up; PyTorch is Debian's python3-torch, importable from /usr/bin/python3 only):
  ort    onnxruntime GRU operator (linear_before_reset = reset_after), X in (T, B, I),
         intra_op_num_threads = threads; inference only.
  tf     tf_keras.layers.GRU(H, tanh, sigmoid, reset_after, return_sequences=True) in a
         tf.function; tf.config.threading intra_op = threads, inter_op = 1; training =
         forward + GradientTape gradients of x and the weights.
  torch  torch.nn.GRU (reset_after = TRUE only; it has no reset_after = FALSE form),
         torch.set_num_threads(threads); training = forward + backward.
Every engine is first checked against a float64 NumPy GRU on a small shape with the same
Keras weights (so all compute the same function); the max abs difference is printed.
Timing: median of repetitions after warm-up, like bench_gru. The combined table gives
ms and, in parentheses, the ratio oneDNN ms / engine ms (as bench_gru's ratio: > 1 is
faster than oneDNN) when bench_gru's CSV is given.
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time

SHAPES = {
    "S1": (1, 1000, 64, 128),
    "S2": (1, 100, 256, 256),
    "S3": (32, 100, 128, 256),
    "S4": (64, 50, 512, 512),
    "S5": (128, 25, 1024, 1024),
}
ENGINES = ("ort", "tf", "torch")
TORCH_PYTHON = "/usr/bin/python3"
NOISE = re.compile(r"^(WARNING: All log messages before absl|[IWE]\d{4} \d\d:\d\d:\d\d)")


# ----------------------------------------------------------------------------------------
# Shared helpers (worker side)
# ----------------------------------------------------------------------------------------

def make_weights(np, B, T, I, H, reset_after, seed=1234):
    """Keras-layout weights and inputs: kernel (I,3H), recurrent (H,3H), bias (3H)/(2,3H)."""
    rng = np.random.default_rng(seed)
    lk = (6.0 / (I + 3 * H)) ** 0.5
    lr = (3.0 / H) ** 0.5
    k = rng.uniform(-lk, lk, (I, 3 * H)).astype(np.float32)
    rk = rng.uniform(-lr, lr, (H, 3 * H)).astype(np.float32)
    b = rng.uniform(-0.1, 0.1, (2, 3 * H) if reset_after else (3 * H,)).astype(np.float32)
    x = rng.uniform(-1, 1, (B, T, I)).astype(np.float32)
    dy = rng.uniform(-1, 1, (B, T, H)).astype(np.float32)
    return k, rk, b, x, dy


def ref_forward(np, k, rk, b, x, reset_after):
    """float64 Keras GRU (sigmoid / tanh), zero initial state; returns y (B, T, H)."""
    k, rk, b, x = (a.astype(np.float64) for a in (k, rk, b, x))
    B, T, _ = x.shape
    H = rk.shape[0]
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))
    bi, br = (b[0], b[1]) if reset_after else (b, np.zeros(3 * H))
    h = np.zeros((B, H))
    ys = []
    for t in range(T):
        xa = x[:, t] @ k + bi
        if reset_after:
            rc = h @ rk + br
            z = sig(xa[:, :H] + rc[:, :H])
            r = sig(xa[:, H:2 * H] + rc[:, H:2 * H])
            hh = np.tanh(xa[:, 2 * H:] + r * rc[:, 2 * H:])
        else:
            z = sig(xa[:, :H] + h @ rk[:, :H])
            r = sig(xa[:, H:2 * H] + h @ rk[:, H:2 * H])
            hh = np.tanh(xa[:, 2 * H:] + (r * h) @ rk[:, 2 * H:])
        h = z * h + (1 - z) * hh
        ys.append(h)
    return np.stack(ys, axis=1)


def time_it(fn, budget, min_reps=3, max_reps=200, warmup=2, case_max=20.0):
    """Median ms of fn() after warm-up; very slow cases get fewer runs (case_max s)."""
    t0 = time.perf_counter()
    fn()
    est = max(time.perf_counter() - t0, 1e-6)
    for _ in range(warmup):
        if est * (warmup + min_reps) > case_max:
            break
        t0 = time.perf_counter()
        fn()
        est = max(time.perf_counter() - t0, 1e-6)
    reps = int(max(min_reps, min(max_reps, budget / est)))
    if reps * est > case_max:
        reps = max(1, int(case_max / est))
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    n = len(ts)
    med = ts[n // 2] if n % 2 else 0.5 * (ts[n // 2 - 1] + ts[n // 2])
    return med * 1e3, n


# ----------------------------------------------------------------------------------------
# Engines: each returns (runner for inference, runner for training or None, output getter)
# ----------------------------------------------------------------------------------------

def setup_ort(np, threads, k, rk, b, x, dy, reset_after, training):
    if training:
        return None
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    B, T, I = x.shape
    H = rk.shape[0]
    W = k.T[None].copy()                    # (1, 3H, I), gates z, r, h as Keras
    R = rk.T[None].copy()                   # (1, 3H, H)
    if reset_after:
        Bv = np.concatenate([b[0], b[1]])[None]
    else:
        Bv = np.concatenate([b, np.zeros(3 * H, np.float32)])[None]
    node = helper.make_node("GRU", ["X", "W", "R", "B"], ["Y"], hidden_size=H,
                            linear_before_reset=1 if reset_after else 0)
    graph = helper.make_graph(
        [node], "gru",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [T, B, I])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [T, 1, B, H])],
        [numpy_helper.from_array(W.astype(np.float32), "W"),
         numpy_helper.from_array(R.astype(np.float32), "R"),
         numpy_helper.from_array(Bv.astype(np.float32), "B")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = min(model.ir_version, 9)
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    xt = np.ascontiguousarray(x.transpose(1, 0, 2))
    out = {}

    def run():
        out["y"] = sess.run(None, {"X": xt})[0]

    def get():
        return out["y"][:, 0].transpose(1, 0, 2)

    return run, get


def setup_tf(np, threads, k, rk, b, x, dy, reset_after, training):
    import tensorflow as tf
    import tf_keras as keras
    B, T, I = x.shape
    H = rk.shape[0]
    layer = keras.layers.GRU(H, activation="tanh", recurrent_activation="sigmoid",
                             reset_after=reset_after, return_sequences=True)
    layer.build((B, T, I))
    layer.set_weights([k, rk, b])
    xt = tf.constant(x)
    dyt = tf.constant(dy)
    out = {}
    if not training:
        f = tf.function(lambda v: layer(v, training=False))

        def run():
            out["y"] = f(xt)
    else:
        @tf.function
        def step(v, d):
            with tf.GradientTape() as tape:
                tape.watch(v)
                y = layer(v, training=True)
            g = tape.gradient(y, [v] + layer.trainable_weights, output_gradients=d)
            return y, g

        def run():
            out["y"], out["g"] = step(xt, dyt)
            out["g"][0].numpy()   # make sure the work is done

    def get():
        return out["y"].numpy()

    return run, get


def setup_torch(np, threads, k, rk, b, x, dy, reset_after, training):
    import torch
    if not reset_after:
        return None
    B, T, I = x.shape
    H = rk.shape[0]
    gru = torch.nn.GRU(I, H, batch_first=True)

    def perm(w):  # Keras column blocks z|r|h -> torch row blocks r|z|n
        wt = w.T
        return np.concatenate([wt[H:2 * H], wt[:H], wt[2 * H:]], axis=0)

    def perm_b(v):
        return np.concatenate([v[H:2 * H], v[:H], v[2 * H:]])

    with torch.no_grad():
        gru.weight_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(perm(k))))
        gru.weight_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(perm(rk))))
        gru.bias_ih_l0.copy_(torch.from_numpy(perm_b(b[0])))
        gru.bias_hh_l0.copy_(torch.from_numpy(perm_b(b[1])))
    xt = torch.from_numpy(x)
    dyt = torch.from_numpy(dy)
    out = {}
    if not training:
        gru.eval()

        def run():
            with torch.no_grad():
                out["y"] = gru(xt)[0]
    else:
        xg = xt.clone().requires_grad_(True)

        def run():
            gru.zero_grad(set_to_none=True)
            xg.grad = None
            y = gru(xg)[0]
            y.backward(dyt)
            out["y"] = y.detach()

    def get():
        return out["y"].numpy()

    return run, get


SETUP = {"ort": setup_ort, "tf": setup_tf, "torch": setup_torch}


def worker(args):
    """Measure one engine at one thread count; write JSON lines to args.out."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    eng, threads = args.worker, args.threads
    version = "?"
    if eng == "tf":
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        version = tf.__version__
    elif eng == "torch":
        import torch
        torch.set_num_threads(threads)
        version = torch.__version__
    elif eng == "ort":
        import onnxruntime
        version = onnxruntime.__version__
    rows = []
    # Same GRU? Small odd shape against the float64 reference, both variants.
    check = {}
    for ra in (0, 1):
        k, rk, b, x, dy = make_weights(np, 2, 5, 7, 6, bool(ra), seed=7)
        r = SETUP[eng](np, threads, k, rk, b, x, dy, bool(ra), False)
        if r is None:
            continue
        run, get = r
        run()
        check[ra] = float(np.max(np.abs(get() - ref_forward(np, k, rk, b, x, bool(ra)))))
    for name in args.shapes.split(","):
        B, T, I, H = SHAPES[name]
        for mode in args.modes.split(","):
            for ra in (int(v) for v in args.variants.split(",")):
                k, rk, b, x, dy = make_weights(np, B, T, I, H, bool(ra))
                try:
                    r = SETUP[eng](np, threads, k, rk, b, x, dy, bool(ra), mode == "train")
                except Exception as e:  # report, keep going
                    print(f"bench_others: {eng} {name} reset_after={ra} {mode}: {e}",
                          file=sys.stderr)
                    r = None
                if r is None:
                    continue
                run, _ = r
                ms, reps = time_it(run, args.time)
                rows.append({"engine": eng, "version": version, "shape": name,
                             "reset_after": ra, "mode": mode, "threads": threads,
                             "ms": ms, "reps": reps, "check": check.get(ra)})
                print(f"  {eng:5s} {name} reset_after={ra} {mode:5s} {threads} thr: "
                      f"{ms:10.3f} ms ({reps} reps)", file=sys.stderr, flush=True)
    with open(args.out, "w") as f:
        json.dump({"engine": eng, "version": version, "threads": threads,
                   "check": check, "rows": rows}, f)


# ----------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------

def python_for(engine):
    if engine == "torch":
        return TORCH_PYTHON
    return sys.executable


def read_c_csv(path):
    res = {}
    if not path or not os.path.exists(path):
        return res
    with open(path) as f:
        for row in csv.DictReader(f):
            key = (row["shape"], int(row["reset_after"]), row["mode"], int(row["threads"]))
            res[key] = row
    return res


def fnum(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return None if v != v else v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--csv", help="bench_gru --csv output (libgru and oneDNN times)")
    ap.add_argument("--engines", default="ort,tf,torch")
    ap.add_argument("--shapes", default="S1,S2,S3,S4,S5")
    ap.add_argument("--variants", default="0,1")
    ap.add_argument("--modes", default="infer,train")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--time", type=float, default=0.6, help="seconds of timing per case")
    ap.add_argument("--out", help="write the combined table as CSV")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        args.threads = int(args.threads)
        worker(args)
        return 0

    # bench_gru's "stream" mode has no counterpart here: only infer and train.
    args.modes = ",".join(m for m in args.modes.split(",") if m in ("infer", "train"))
    if not args.modes:
        return 0
    engines = [e for e in args.engines.split(",") if e]
    for e in engines:
        if e not in ENGINES:
            ap.error(f"--engines: unknown engine {e!r} (ort, tf, torch)")
    results = {}   # (engine, shape, ra, mode, thr) -> ms
    info = {}
    for eng in engines:
        for thr in (int(t) for t in args.threads.split(",")):
            with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tf_:
                out = tf_.name
            cmd = [python_for(eng), os.path.abspath(__file__), "--worker", eng,
                   "--threads", str(thr), "--shapes", args.shapes, "--variants",
                   args.variants, "--modes", args.modes, "--time", str(args.time),
                   "--out", out]
            env = dict(os.environ)
            env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            env.setdefault("CUDA_VISIBLE_DEVICES", "")
            env["OMP_NUM_THREADS"] = str(thr)
            print(f"bench_others: {eng}, {thr} thread(s) ...", file=sys.stderr, flush=True)
            p = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
            for line in p.stderr:   # pass on everything but TensorFlow's start-up chatter
                if not NOISE.match(line):
                    sys.stderr.write(line)
                    sys.stderr.flush()
            p.wait()
            if p.returncode != 0 or not os.path.getsize(out):
                print(f"bench_others: {eng} with {thr} thread(s) failed "
                      f"(exit {p.returncode}); its column stays empty", file=sys.stderr)
                os.unlink(out)
                continue
            with open(out) as f:
                d = json.load(f)
            os.unlink(out)
            info[eng] = (d["version"], d["check"])
            for r in d["rows"]:
                results[(eng, r["shape"], r["reset_after"], r["mode"], r["threads"])] = r["ms"]

    c = read_c_csv(args.csv)
    for eng, (ver, chk) in info.items():
        s = ", ".join(f"reset_after={k}: {v:.2e}" for k, v in sorted(chk.items()))
        print(f"{eng} {ver}: max |{eng} - float64 reference| on a small shape: {s}")

    cols = ["libgru", "oneDNN"] + engines
    header = ["shape", "reset_after", "mode", "thr"] + [f"{n} ms" for n in cols]
    lines = []
    csv_rows = []
    for name in args.shapes.split(","):
        for mode in args.modes.split(","):
            for ra in (int(v) for v in args.variants.split(",")):
                for thr in (int(t) for t in args.threads.split(",")):
                    crow = c.get((name, ra, mode, thr), {})
                    lg = fnum(crow.get("libgru_ms"))
                    dn = fnum(crow.get("onednn_ms"))
                    vals = [lg, dn] + [results.get((e, name, ra, mode, thr)) for e in engines]
                    if all(v is None for v in vals):
                        continue
                    cells = []
                    for i, v in enumerate(vals):
                        if v is None:
                            cells.append("-")
                        elif dn and i != 1:
                            cells.append(f"{v:.3f} ({dn / v:.2f})")
                        else:
                            cells.append(f"{v:.3f}")
                    lines.append([name, "TRUE" if ra else "FALSE", mode, str(thr)] + cells)
                    csv_rows.append([name, ra, mode, thr] + ["" if v is None else f"{v:.4f}"
                                                             for v in vals])
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for ln in lines:
            print("| " + " | ".join(ln) + " |")
    else:
        w = [max(len(h), *(len(ln[i]) for ln in lines)) if lines else len(h)
             for i, h in enumerate(header)]
        print("  ".join(h.ljust(w[i]) for i, h in enumerate(header)))
        for ln in lines:
            print("  ".join(v.ljust(w[i]) for i, v in enumerate(ln)))
    print("(r) = oneDNN ms / its ms, as bench_gru's ratio: above 1 is faster than oneDNN. "
          "Medians; libgru and oneDNN\nfrom bench_gru (an earlier process), the others "
          "measured here.")
    if args.out:
        with open(args.out, "w", newline="") as f:
            wr = csv.writer(f)
            wr.writerow(["shape", "reset_after", "mode", "threads"] + [f"{n}_ms" for n in cols])
            wr.writerows(csv_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
