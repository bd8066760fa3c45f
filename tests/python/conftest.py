"""pytest configuration for the Python tests of libgru.

Environment:
  GRU_BIN               the `gru` binary under test (default <repo>/build/gru)
  GRU_TEST_SEED         run the randomized tests with this seed only (to reproduce)
  GRU_TEST_EXTRA_SEEDS  how many fresh random seeds to add to the fixed one (default 1)

Randomized tests take a `seed` argument; they are parametrized here with the seeds of
gru_harness.test_seeds(), which appear in the test ids (e.g. `[seed=20240601]`).
"""
import os
import sys
from pathlib import Path

# Quiet, deterministic, CPU-only TensorFlow for every reference computed in-process
# (set before any test module imports it).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402

import gru_harness  # noqa: E402

SEEDS = gru_harness.test_seeds()


def pytest_report_header(config):
    return (f"libgru: GRU_BIN={gru_harness.gru_bin()}  seeds={SEEDS} "
            f"(reproduce one with GRU_TEST_SEED=N)")


def pytest_generate_tests(metafunc):
    if "seed" in metafunc.fixturenames:
        # module scope, so that module-scoped fixtures (one Keras 3 subprocess per seed)
        # may depend on the seed
        metafunc.parametrize("seed", SEEDS, ids=[f"seed={s}" for s in SEEDS], scope="module")


@pytest.fixture(scope="session")
def gru_bin():
    """Path of the `gru` CLI. Fails when GRU_BIN names a missing file; skips when the
    default build/gru has not been built."""
    path = gru_harness.gru_bin()
    if not path.is_file():
        if os.environ.get("GRU_BIN"):
            pytest.fail(f"GRU_BIN={path} does not exist")
        pytest.skip(f"{path} not built (build it, or set GRU_BIN)")
    return path
