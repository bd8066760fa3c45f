"""Every error path of the `gru` command-line tool: a nonzero exit status, exactly one line
on stderr that starts with "gru: " and names the problem, nothing on stdout, and no output
file (nor temporary file) left behind. Also the help/version entry points and the
argument forms that must work (--opt=value, --mask/--initial-state once or per call).

The binary comes from $GRU_BIN (default build/gru under the source tree); the module is
skipped when neither exists. Numbers are checked elsewhere (the Keras differential tests);
here only what the CLI does with its arguments and files."""
import os
import subprocess

import numpy as np
import pytest

SRC = os.environ.get("GRU_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GRU = os.environ.get("GRU_BIN") or os.path.join(SRC, "build", "gru")
if not os.path.exists(GRU):
    pytest.skip("gru binary not found (set GRU_BIN)", allow_module_level=True)

B, T, I, H = 2, 5, 3, 4


def run(*args, cwd=None):
    p = subprocess.run([GRU, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=60)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture
def d(tmp_path):
    """Valid inputs in tmp/in, an empty tmp/out for outputs."""
    inp = tmp_path / "in"
    out = tmp_path / "out"
    inp.mkdir()
    out.mkdir()
    rng = np.random.default_rng(1)
    f32 = np.float32

    def save(name, arr):
        np.save(inp / name, arr)
        return inp / name

    class D:
        pass

    x = D()
    x.inp, x.out = inp, out
    x.k = save("k.npy", rng.uniform(-0.5, 0.5, (I, 3 * H)).astype(f32))
    x.rk = save("rk.npy", rng.uniform(-0.5, 0.5, (H, 3 * H)).astype(f32))
    x.b = save("b.npy", rng.uniform(-0.1, 0.1, (3 * H,)).astype(f32))
    x.b2 = save("b2.npy", rng.uniform(-0.1, 0.1, (2, 3 * H)).astype(f32))
    x.x = save("x.npy", rng.normal(size=(B, T, I)).astype(f32))
    x.x2 = save("x2.npy", rng.normal(size=(B, T, I)).astype(f32))
    x.x3 = save("x3.npy", rng.normal(size=(B, T, I)).astype(f32))
    x.x64 = save("x64.npy", rng.normal(size=(B, T, I)))
    x.m = save("m.npy", np.ones((B, T), bool))
    x.h0 = save("h0.npy", np.zeros((B, H), f32))
    x.y = out / "y.npy"
    x.y2 = out / "y2.npy"
    x.y3 = out / "y3.npy"
    x.h = out / "h.npy"
    x.h2 = out / "h2.npy"
    return x


def base(d, config="units = 4", bias=True):
    a = ["forward", "--config", config, "--kernel", d.k, "--recurrent-kernel", d.rk]
    if bias:
        a += ["--bias", d.b]
    return a


def expect_error(d, args, *needles, code=None, cwd=None):
    rc, out, err = run(*args, cwd=cwd)
    assert rc != 0, f"exit 0 for {args}; stderr {err!r}"
    if code is not None:
        assert rc == code, (rc, err)
    lines = err.splitlines()
    assert len(lines) == 1, f"stderr must be one line, got {err!r}"
    assert lines[0].startswith("gru: "), lines[0]
    for n in needles:
        assert str(n) in lines[0], f"{n!r} not in {lines[0]!r}"
    assert out == "", out
    if d is not None:
        left = sorted(os.listdir(d.out))
        assert left == [], f"files left behind: {left}"
    return lines[0]


# ---- the entry points that succeed ---------------------------------------------------

@pytest.mark.parametrize("args", [["--help"], ["-h"], ["help"], ["help", "forward"], ["help", "config"],
                                  ["forward", "--help"], ["config", "--help"], ["show", "--help"],
                                  ["compare", "--help"]])
def test_help(args):
    rc, out, err = run(*args)
    assert rc == 0 and err == "" and "usage: gru" in out


def test_version():
    rc, out, err = run("--version")
    assert rc == 0 and err == "" and out.startswith("gru ") and out.count(".") == 2


def test_forward_ok_and_forms(d):
    rc, out, err = run(*base(d), "--input", d.x, "--output", d.y)
    assert rc == 0 and err == "" and out == "", err
    y = np.load(d.y)
    assert y.shape == (B, H) and y.dtype == np.float32
    # --opt=value form and the same result
    rc, _, err = run("forward", "--config=units = 4", f"--kernel={d.k}", f"--recurrent-kernel={d.rk}",
                     f"--bias={d.b}", f"--input={d.x}", f"--output={d.y2}")
    assert rc == 0, err
    assert np.array_equal(np.load(d.y2), y)


def test_forward_several_calls_mask_and_state_once_or_per_call(d):
    cfg = "units = 4, return_sequences = TRUE, return_state = TRUE"
    rc, _, err = run(*base(d, cfg), "--input", d.x, "--input", d.x2, "--mask", d.m, "--initial-state", d.h0,
                     "--output", d.y, "--output", d.y2, "--state-output", d.h, "--state-output", d.h2)
    assert rc == 0, err
    assert np.load(d.y).shape == (B, T, H) and np.load(d.h2).shape == (B, H)
    for p in (d.y, d.y2, d.h, d.h2):
        os.remove(p)
    rc, _, err = run(*base(d, cfg), "--input", d.x, "--input", d.x2, "--mask", d.m, "--mask", d.m,
                     "--initial-state", d.h0, "--initial-state", d.h0,
                     "--output", d.y, "--output", d.y2, "--state-output", d.h, "--state-output", d.h2)
    assert rc == 0, err
    assert sorted(os.listdir(d.out)) == ["h.npy", "h2.npy", "y.npy", "y2.npy"]


def test_float64_layer(d):
    paths = {}
    for name in ("k", "rk", "b", "x"):
        paths[name] = d.inp / f"{name}_f64.npy"
        np.save(paths[name], np.load(getattr(d, name)).astype(np.float64))
    rc, _, err = run("forward", "--config", 'units = 4, dtype = "float64"', "--kernel", paths["k"],
                     "--recurrent-kernel", paths["rk"], "--bias", paths["b"], "--input", paths["x"],
                     "--output", d.y)
    assert rc == 0, err
    assert np.load(d.y).dtype == np.float64


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64"])
def test_mask_dtypes(d, dtype):
    m = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]]).astype(dtype)
    p = d.inp / f"m_{dtype}.npy"
    np.save(p, m)
    rc, _, err = run(*base(d), "--input", d.x, "--mask", p, "--output", d.y)
    assert rc == 0, err
    assert np.load(d.y).shape == (B, H)


def test_missing_bias_uses_bias_initializer(d):
    rc, _, err = run(*base(d, bias=False), "--input", d.x, "--output", d.y)
    assert rc == 0, err


# ---- command line -----------------------------------------------------------------------

def test_no_command():
    expect_error(None, [], "missing command", code=2)


def test_unknown_command():
    expect_error(None, ["fowrard"], "unknown command 'fowrard'", code=2)
    expect_error(None, ["--bogus"], "unknown option '--bogus'", code=2)
    expect_error(None, ["help", "nothing"], "unknown command 'nothing'", code=2)


def test_unknown_option(d):
    expect_error(d, [*base(d), "--input", d.x, "--output", d.y, "--bogus", "1"], "unknown option '--bogus'", code=2)


def test_unexpected_positional(d):
    expect_error(d, [*base(d), "--input", d.x, "--output", d.y, "stray"], "unexpected argument 'stray'", code=2)


def test_missing_value(d):
    expect_error(d, [*base(d), "--input", d.x, "--output"], "--output: missing value", code=2)
    expect_error(d, [*base(d), "--input", "--output", d.y], "--input: missing value", code=2)


@pytest.mark.parametrize("drop", ["--config", "--kernel", "--recurrent-kernel", "--input", "--output"])
def test_missing_required(d, drop):
    args = {"--config": "units = 4", "--kernel": d.k, "--recurrent-kernel": d.rk, "--input": d.x,
            "--output": d.y}
    del args[drop]
    flat = ["forward"] + [v for kv in args.items() for v in kv]
    expect_error(d, flat, drop, "required", code=2)


def test_option_twice(d):
    expect_error(d, [*base(d), "--kernel", d.k, "--input", d.x, "--output", d.y], "--kernel given more than once")


def test_output_count(d):
    expect_error(d, [*base(d), "--input", d.x, "--input", d.x2, "--output", d.y], "--output given 1 times for 2 --input")
    expect_error(d, [*base(d), "--input", d.x, "--output", d.y, "--output", d.y2], "--output given 2 times for 1 --input")


def test_state_output_count(d):
    cfg = "units = 4, return_state = TRUE"
    expect_error(d, [*base(d, cfg), "--input", d.x, "--output", d.y], "--state-output given 0 times", "return_state")
    expect_error(d, [*base(d, cfg), "--input", d.x, "--input", d.x2, "--output", d.y, "--output", d.y2,
                     "--state-output", d.h], "--state-output given 1 times for 2 --input")
    expect_error(d, [*base(d), "--input", d.x, "--output", d.y, "--state-output", d.h], "return_state = FALSE")


def test_mask_and_initial_state_count(d):
    ins = ["--input", d.x, "--input", d.x2, "--input", d.x3, "--output", d.y, "--output", d.y2, "--output", d.y3]
    expect_error(d, [*base(d), *ins, "--mask", d.m, "--mask", d.m], "--mask given 2 times for 3 --input")
    expect_error(d, [*base(d), *ins, "--initial-state", d.h0, "--initial-state", d.h0],
                 "--initial-state given 2 times for 3 --input")


def test_duplicate_outputs(d):
    cfg = "units = 4, return_state = TRUE"
    expect_error(d, [*base(d, cfg), "--input", d.x, "--output", d.y, "--state-output", d.y], "also given to --output")


def test_model_without_support_or_layer_alone(d):
    expect_error(d, ["forward", "--layer", "gru", "--input", d.x, "--output", d.y], "--layer")


# ---- files -------------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--kernel", "--recurrent-kernel", "--bias", "--input", "--mask", "--initial-state"])
def test_nonexistent_file(d, flag):
    missing = d.inp / "nope.npy"
    args = {"--kernel": d.k, "--recurrent-kernel": d.rk, "--bias": d.b, "--input": d.x}
    args[flag] = missing
    flat = ["forward", "--config", "units = 4"] + [v for kv in args.items() for v in kv]
    flat += ["--output", d.y]
    expect_error(d, flat, f"{flag} {missing}: cannot open")


def test_nonexistent_config_file(d):
    expect_error(d, [*base(d, str(d.inp / "nope.json")), "--input", d.x, "--output", d.y], "nope.json: cannot open")


def write_raw(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def npy_bytes(header, data=b"", major=1):
    h = header.encode()
    pre = 10 if major == 1 else 12
    total = (pre + len(h) + 1 + 63) // 64 * 64
    h = h + b" " * (total - pre - len(h) - 1) + b"\n"
    n = len(h).to_bytes(2 if major == 1 else 4, "little")
    return b"\x93NUMPY" + bytes([major, 0]) + n + h + data


MALFORMED = {
    "bad_magic": (b"PK\x03\x04 not a numpy file at all", "bad magic"),
    "truncated": (b"\x93NUMPY\x01\x00", "truncated"),
    "bad_version": (b"\x93NUMPY\x07\x00\x00\x00", "version 7.0"),
    "header_past_end": (b"\x93NUMPY\x01\x00\xff\x00{'descr'", "runs past the end"),
    "missing_shape": (npy_bytes("{'descr': '<f4', 'fortran_order': False}"), "missing key 'shape'"),
    "bad_descr": (npy_bytes("{'descr': '<c8', 'fortran_order': False, 'shape': (3, 12)}"), "'<c8'"),
    "fortran": (npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (3, 12)}", b"\0" * 144), "fortran_order"),
    "negative_dim": (npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 12)}"), "negative"),
    "overflow": (npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}"), "overflows"),
    "forged_shape": (npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000)}", b"\0" * 16), "truncated"),
    "short_data": (npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 12)}", b"\0" * 100), "needs 144 bytes"),
    "trailing": (npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 12)}", b"\0" * 150), "6 bytes of trailing data"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_kernel(d, case):
    data, needle = MALFORMED[case]
    p = write_raw(d.inp / "bad.npy", data)
    expect_error(d, ["forward", "--config", "units = 4", "--kernel", p, "--recurrent-kernel", d.rk,
                     "--input", d.x, "--output", d.y], f"--kernel {p}: ", needle)


@pytest.mark.parametrize("flag", ["--input", "--mask", "--initial-state", "--bias", "--recurrent-kernel"])
def test_malformed_other_arrays(d, flag):
    p = write_raw(d.inp / "bad.npy", MALFORMED["bad_magic"][0])
    args = {"--kernel": d.k, "--recurrent-kernel": d.rk, "--bias": d.b, "--input": d.x, "--mask": d.m,
            "--initial-state": d.h0}
    args[flag] = p
    flat = ["forward", "--config", "units = 4"] + [v for kv in args.items() for v in kv] + ["--output", d.y]
    expect_error(d, flat, f"{flag} {p}: ", "bad magic")


# ---- dtypes and shapes -----------------------------------------------------------------

def test_kernel_wrong_float_dtype(d):
    p = d.inp / "k64.npy"
    np.save(p, np.load(d.k).astype(np.float64))
    line = expect_error(d, ["forward", "--config", "units = 4", "--kernel", p, "--recurrent-kernel", d.rk,
                            "--input", d.x, "--output", d.y], f"--kernel {p}", "float64", "float32")
    assert "dtype" in line


def test_float64_config_with_float32_arrays(d):
    expect_error(d, [*base(d, 'units = 4, dtype = "float64"'), "--input", d.x, "--output", d.y],
                 f"--kernel {d.k}", "float32", "float64")


def test_input_wrong_dtype(d):
    expect_error(d, [*base(d), "--input", d.x64, "--output", d.y], f"--input {d.x64}", "float64", "float32")
    p = d.inp / "xi.npy"
    np.save(p, np.zeros((B, T, I), np.int32))
    expect_error(d, [*base(d), "--input", p, "--output", d.y], f"--input {p}", "int32")


def test_initial_state_wrong_dtype(d):
    p = d.inp / "h64.npy"
    np.save(p, np.zeros((B, H)))
    expect_error(d, [*base(d), "--input", d.x, "--initial-state", p, "--output", d.y], f"--initial-state {p}", "float64")


def test_kernel_rank(d):
    p = d.inp / "k3.npy"
    np.save(p, np.zeros((1, I, 3 * H), np.float32))
    expect_error(d, ["forward", "--config", "units = 4", "--kernel", p, "--recurrent-kernel", d.rk,
                     "--input", d.x, "--output", d.y], f"--kernel {p}: expected 2 dimensions, got 3")


def test_kernel_wrong_units(d):
    p = d.inp / "kw.npy"
    np.save(p, np.zeros((I, 2 * H), np.float32))
    expect_error(d, ["forward", "--config", "units = 4", "--kernel", p, "--recurrent-kernel", d.rk,
                     "--input", d.x, "--output", d.y], f"--kernel {p}", "(3, 12)", "(3, 8)")


def test_input_dim_config_vs_kernel(d):
    expect_error(d, [*base(d, "units = 4, input_shape = c(NULL, 7)"), "--input", d.x, "--output", d.y],
                 f"--kernel {d.k}", "input_dim 3", "input_dim 7", "--config")


def test_recurrent_kernel_shape(d):
    p = d.inp / "rkw.npy"
    np.save(p, np.zeros((H, 2 * H), np.float32))
    expect_error(d, [*base(d), "--input", d.x, "--output", d.y][:0] +
                 ["forward", "--config", "units = 4", "--kernel", d.k, "--recurrent-kernel", p,
                  "--input", d.x, "--output", d.y], f"--recurrent-kernel {p}", "(4, 12)", "(4, 8)")


def test_bias_shape_vs_reset_after(d):
    expect_error(d, ["forward", "--config", "units = 4, reset_after = TRUE", "--kernel", d.k,
                     "--recurrent-kernel", d.rk, "--bias", d.b, "--input", d.x, "--output", d.y],
                 f"--bias {d.b}", "(2, 12)", "reset_after = TRUE")
    expect_error(d, ["forward", "--config", "units = 4", "--kernel", d.k, "--recurrent-kernel", d.rk,
                     "--bias", d.b2, "--input", d.x, "--output", d.y], f"--bias {d.b2}", "reset_after = FALSE")


def test_bias_without_use_bias(d):
    expect_error(d, [*base(d, "units = 4, use_bias = FALSE"), "--input", d.x, "--output", d.y],
                 f"--bias {d.b}", "use_bias = FALSE")


def test_input_shape_errors(d):
    p2 = d.inp / "x2d.npy"
    np.save(p2, np.zeros((B, I), np.float32))
    expect_error(d, [*base(d), "--input", p2, "--output", d.y], f"--input {p2}: expected 3 dimensions, got 2")
    p = d.inp / "xw.npy"
    np.save(p, np.zeros((B, T, I + 1), np.float32))
    expect_error(d, [*base(d), "--input", p, "--output", d.y], f"--input {p}", "(2, 5, 3)", "(2, 5, 4)")
    p0 = d.inp / "x0.npy"
    np.save(p0, np.zeros((B, 0, I), np.float32))
    expect_error(d, [*base(d), "--input", p0, "--output", d.y], f"--input {p0}", "timesteps")


def test_mask_shape(d):
    p = d.inp / "mw.npy"
    np.save(p, np.ones((B, T + 1), bool))
    expect_error(d, [*base(d), "--input", d.x, "--mask", p, "--output", d.y], f"--mask {p}", "(2, 5)", "(2, 6)")
    p3 = d.inp / "m3.npy"
    np.save(p3, np.ones((B, T, 1), bool))
    expect_error(d, [*base(d), "--input", d.x, "--mask", p3, "--output", d.y], f"--mask {p3}: expected 2 dimensions")


def test_shared_mask_vs_second_input_shape(d):
    p = d.inp / "xb.npy"
    np.save(p, np.zeros((B + 1, T, I), np.float32))
    expect_error(d, [*base(d), "--input", d.x, "--input", p, "--mask", d.m, "--output", d.y, "--output", d.y2],
                 f"--mask {d.m}", "(3, 5)")


def test_initial_state_shape(d):
    p = d.inp / "hw.npy"
    np.save(p, np.zeros((B, H + 1), np.float32))
    expect_error(d, [*base(d), "--input", d.x, "--initial-state", p, "--output", d.y], f"--initial-state {p}",
                 "(2, 4)", "(2, 5)")


def test_stateful_batch_mismatch_fails_in_a_later_call(d):
    """The first call succeeds in memory, the second fails: nothing is written."""
    p = d.inp / "xb.npy"
    np.save(p, np.zeros((B + 1, T, I), np.float32))
    cfg = "units = 4, stateful = TRUE, batch_size = 2"
    expect_error(d, [*base(d, cfg), "--input", d.x, "--input", p, "--output", d.y, "--output", d.y2], "--input", str(p))


# ---- configurations -------------------------------------------------------------------------

@pytest.mark.parametrize("config,needle", [
    ("units = 4, activation = \"nope\"", "nope"),
    ("units = 4, no_such_argument = 1", "no_such_argument"),
    ("units = 0", "units"),
    ("units = 4, stateful = TRUE", "batch_size"),
    ("units = 4, dtype = \"int8\"", "dtype"),
    ("   ", "empty configuration"),
])
def test_bad_config_text(d, config, needle):
    line = expect_error(d, [*base(d, config), "--input", d.x, "--output", d.y], "--config", needle)
    assert line.count("\n") == 0


def test_bad_config_file(d):
    p = d.inp / "cfg.json"
    p.write_text('{"class_name": "GRU", "config": {"units": 4, ')
    expect_error(d, [*base(d, str(p)), "--input", d.x, "--output", d.y], f"--config {p}")
    q = d.inp / "cfg.txt"
    q.write_text("units = 4,\nactivation = \"bogus\"\n")
    expect_error(d, [*base(d, str(q)), "--input", d.x, "--output", d.y], f"--config {q}", "bogus")
    expect_error(d, [*base(d, str(d.inp)), "--input", d.x, "--output", d.y], "is a directory")


def test_config_subcommand_errors():
    expect_error(None, ["config"], "CONFIG is required", code=2)
    expect_error(None, ["config", "units = 4", "--yaml"], "unknown option '--yaml'", code=2)
    expect_error(None, ["config", "units = -1"], "units")
    expect_error(None, ["config", "/nonexistent/c.json"], "cannot open")


def test_config_subcommand_ok():
    rc, out, err = run("config", "units = 4")
    assert rc == 0 and err == "" and "units = 4" in out and "reset_after = FALSE" in out
    assert out.count("\n") == 1


# ---- outputs ---------------------------------------------------------------------------------

def test_output_directory_missing(d):
    p = d.out / "nodir" / "y.npy"
    expect_error(d, [*base(d), "--input", d.x, "--output", p], f"--output {p}", "does not exist")


def test_output_is_a_directory(d):
    sub = d.inp / "adir"
    sub.mkdir()
    expect_error(d, [*base(d), "--input", d.x, "--output", sub], f"--output {sub}", "directory")


def test_second_output_fails_first_removed(d):
    """The second file cannot be created (name too long): the first must not remain."""
    long = d.out / ("y" * 300 + ".npy")
    expect_error(d, [*base(d), "--input", d.x, "--input", d.x2, "--output", d.y, "--output", long], "--output", "y" * 20)


def test_existing_output_untouched_on_error(d):
    sentinel = b"old contents"
    write_raw(d.y, sentinel)
    rc, _, err = run(*base(d), "--input", d.x64, "--output", d.y)
    assert rc != 0 and len(err.splitlines()) == 1
    assert open(d.y, "rb").read() == sentinel
    os.remove(d.y)


# ---- show / compare ------------------------------------------------------------------------

def test_show_and_compare_errors(d):
    expect_error(None, ["show"], "a .npy file is required", code=2)
    expect_error(None, ["show", d.inp / "nope.npy"], "cannot open")
    expect_error(None, ["show", d.x, "--limit", "x"], "--limit")
    expect_error(None, ["compare", d.x], "two .npy files", code=2)
    expect_error(None, ["compare", d.x, d.k], "shapes differ")
    expect_error(None, ["compare", d.x, d.x2], "differs")
    expect_error(None, ["compare", d.x, d.m], "bool")
    expect_error(None, ["compare", d.x, d.x, "--atol", "-1"], "--atol")
    rc, out, err = run("compare", d.x, d.x)
    assert rc == 0 and "matches" in out
    rc, out, err = run("show", d.m)
    assert rc == 0 and "bool, shape (2, 5)" in out and "True" in out


# ---- the bundled example (the README's main job) --------------------------------------------

def test_example_config_json_matches_r_form():
    """examples/data/config.json (Keras get_config()) and config.txt (R form) are one layer."""
    data = os.path.join(SRC, "examples", "data")
    rc_r, out_r, err_r = run("config", os.path.join(data, "config.txt"))
    assert rc_r == 0, err_r
    rc_j, out_j, err_j = run("config", os.path.join(data, "config.json"))
    if rc_j != 0 and len(err_j.splitlines()) == 1 and "GRU_WITH_CJSON" in err_j:
        pytest.skip("built without cJSON")
    assert rc_j == 0, err_j
    # Differences that are not about the layer's math: Keras's JSON has no input_shape for
    # a layer inside a model, names the layer "gru" and says implementation 2.
    norm = (out_j.replace("input_shape = NULL", "input_shape = c(NULL, 3)")
            .replace('name = "gru"', "name = NULL").replace("implementation = 2", "implementation = 1"))
    assert norm == out_r


def test_example_script():
    script = os.path.join(SRC, "examples", "run_example.sh")
    p = subprocess.run(["sh", script, GRU], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.count(" matches ") == 2, p.stdout
    assert "y.npy: float32, shape (2, 5, 4)" in p.stdout


# ---- wiring of several calls (properties of the CLI, no reference numbers) ------------------

def test_stateful_calls_carry_state(d):
    """stateful: two calls on x then x2 give what one call on concat(x, x2) gives; without
    stateful the second call equals a fresh run on x2."""
    cat = d.inp / "xcat.npy"
    np.save(cat, np.concatenate([np.load(d.x), np.load(d.x2)], axis=1))
    st = "units = 4, return_sequences = TRUE, stateful = TRUE, batch_size = 2"
    rc, _, err = run(*base(d, st), "--input", d.x, "--input", d.x2, "--output", d.y, "--output", d.y2)
    assert rc == 0, err
    rc, _, err = run(*base(d, st), "--input", cat, "--output", d.y3)
    assert rc == 0, err
    both = np.concatenate([np.load(d.y), np.load(d.y2)], axis=1)
    np.testing.assert_allclose(both, np.load(d.y3), rtol=1e-5, atol=1e-6)
    for p in (d.y, d.y2, d.y3):
        os.remove(p)
    free = "units = 4, return_sequences = TRUE"
    rc, _, err = run(*base(d, free), "--input", d.x, "--input", d.x2, "--output", d.y, "--output", d.y2)
    assert rc == 0, err
    rc, _, err = run(*base(d, free), "--input", d.x2, "--output", d.y3)
    assert rc == 0, err
    assert np.array_equal(np.load(d.y2), np.load(d.y3))


def test_initial_state_and_mask_matched_by_position(d):
    rng = np.random.default_rng(5)
    ha, hb = d.inp / "ha.npy", d.inp / "hb.npy"
    ma, mb = d.inp / "ma.npy", d.inp / "mb.npy"
    np.save(ha, rng.normal(size=(B, H)).astype(np.float32))
    np.save(hb, rng.normal(size=(B, H)).astype(np.float32))
    np.save(ma, np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1]], bool))
    np.save(mb, np.array([[1, 1, 1, 1, 1], [0, 1, 1, 0, 1]], bool))
    cfg = "units = 4, return_state = TRUE"
    rc, _, err = run(*base(d, cfg), "--input", d.x, "--input", d.x, "--initial-state", ha, "--initial-state", hb,
                     "--mask", ma, "--mask", mb, "--output", d.y, "--output", d.y2,
                     "--state-output", d.h, "--state-output", d.h2)
    assert rc == 0, err
    for h0, m, y_ref, h_ref in ((ha, ma, d.y, d.h), (hb, mb, d.y2, d.h2)):
        rc, _, err = run(*base(d, cfg), "--input", d.x, "--initial-state", h0, "--mask", m,
                         "--output", d.y3, "--state-output", d.out / "h3.npy")
        assert rc == 0, err
        assert np.array_equal(np.load(d.y3), np.load(y_ref))
        assert np.array_equal(np.load(d.out / "h3.npy"), np.load(h_ref))
    assert not np.array_equal(np.load(d.h), np.load(d.h2))
