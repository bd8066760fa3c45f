#!/usr/bin/env bash
# Create (or refresh) the Python virtual environment with the reference packages that
# the differential tests in tests/python/ compare libgru against: real Keras 2
# (tf_keras + tensorflow-cpu), Keras 3, ONNX Runtime, numpy, pytest.
#
#   scripts/setup-venv.sh            # -> <repo>/.venv
#   GRU_VENV=/path/venv scripts/setup-venv.sh
#
# Idempotent: a stamp file inside the venv holds the hash of tests/python/requirements.txt
# (and of this script); when it matches, the script exits at once. Pip's output goes to
# <venv>/setup.log and is shown only when something fails.
# Works on a fresh Debian 12 machine as root: if `python3 -m venv` is not available it
# installs python3-venv with apt-get.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
venv=${GRU_VENV:-$root/.venv}
req=$root/tests/python/requirements.txt
python=${PYTHON:-python3}

log() { printf 'setup-venv: %s\n' "$*" >&2; }

[ -f "$req" ] || { log "missing $req"; exit 1; }
command -v "$python" >/dev/null 2>&1 || { log "no $python on PATH"; exit 1; }

want=$(cat "$req" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
stamp=$venv/.gru-requirements.sha256
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi

make_venv() {
    rm -rf "$venv"
    "$python" -m venv "$venv" >/dev/null 2>&1
}

if ! make_venv; then
    # Debian's python3 ships venv/ensurepip separately.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "python3 -m venv failed; installing python3-venv"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null 2>&1 || true
        pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
        apt-get install -y -qq python3-venv >/dev/null 2>&1 ||
            apt-get install -y -qq "python${pyver}-venv" >/dev/null 2>&1 || true
    fi
    make_venv || { log "cannot create a venv with $python -m venv"; exit 1; }
fi

pylog=$venv/setup.log
: >"$pylog"
pip() { "$venv/bin/python" -m pip --disable-pip-version-check "$@" >>"$pylog" 2>&1; }
fail() { log "$1 (last lines of $pylog follow)"; tail -n 30 "$pylog" >&2; exit 1; }

log "installing reference packages into $venv (a few minutes the first time)"
pip install -q --upgrade pip || true

# Lines marked "# no-deps" are installed with --no-deps in a second step.
tmpreq=$(mktemp)
trap 'rm -f "$tmpreq"' EXIT
grep -v 'no-deps' "$req" >"$tmpreq"
pip install -q -r "$tmpreq" || fail "pip install -r requirements failed"
nodeps=$(grep 'no-deps' "$req" | sed -e 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' || true)
if [ -n "$nodeps" ]; then
    # shellcheck disable=SC2086
    pip install -q --no-deps $nodeps || fail "pip install --no-deps $nodeps failed"
fi

# Smoke test: every reference imports (each Keras in its own process; they must not mix).
export TF_CPP_MIN_LOG_LEVEL=3
"$venv/bin/python" -c 'import numpy, onnx, onnxruntime, h5py, safetensors, pytest' >>"$pylog" 2>&1 ||
    fail "import check (numpy/onnx/onnxruntime/h5py/safetensors/pytest) failed"
"$venv/bin/python" -c 'import tf_keras' >>"$pylog" 2>&1 || fail "import tf_keras failed"
"$venv/bin/python" -c 'import keras; assert keras.__version__.startswith("3")' >>"$pylog" 2>&1 ||
    fail "import keras (3) failed"

echo "$want" >"$stamp"
log "ready: $venv"
