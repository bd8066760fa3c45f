#!/usr/bin/env bash
# bench/run.sh: the whole benchmark in one command.
#
#   bench/run.sh [--quick] [--shapes S1,S2] [--variants 0,1] [--modes infer,train,stream]
#                [--threads 1,2] [--time SECONDS] [--min-reps N] [--engines ort,tf,torch]
#                [--no-others] [--no-install] [--markdown]
#
# 1. installs what it needs (as root on Debian; skipped with --no-install):
#    libdnnl-dev (oneDNN), python3-torch (PyTorch), cmake, ninja-build, and the Python
#    venv of scripts/setup-venv.sh (onnxruntime, tensorflow-cpu, tf-keras, numpy)
#    -- or uses BENCH_PYTHON=/path/to/python when set;
# 2. builds libgru, bench_gru and bench_floor in build-bench/ (Release);
# 3. runs bench_gru (libgru vs oneDNN, interleaved, same process), then bench_others.py
#    (ONNX Runtime, tf_keras, PyTorch), and prints the combined table with the machine
#    and the date; last bench_floor (the B = 1 floor of this machine, a few seconds).
#    Results land in build-bench/results/ (bench.csv, combined.csv, log).
# --quick: S1-S3 only, short timing (a smoke run, about a minute).
# --min-reps N: at least N timed repetitions of each library per case (bench_gru's
#   default 3; S4 and S5 take that few at --time 0.5, and on a noisy machine the median
#   of 3 moves with the minute it was taken in).
# The environment's OPENBLAS_CORETYPE is left as it is (nothing here uses BLAS directly).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=${BENCH_BUILD_DIR:-$root/build-bench}
out=$build/results

shapes=S1,S2,S3,S4,S5
variants=0,1
modes=infer,train,stream
threads=1,2
time_s=0.6
min_reps=3
engines=ort,tf,torch
others=1
install=1
markdown=()
while [ $# -gt 0 ]; do
    case $1 in
        --quick) shapes=S1,S2,S3; time_s=0.25 ;;
        --shapes) shapes=$2; shift ;;
        --variants) variants=$2; shift ;;
        --modes) modes=$2; shift ;;
        --threads) threads=$2; shift ;;
        --time) time_s=$2; shift ;;
        --min-reps) min_reps=$2; shift ;;
        --engines) engines=$2; shift ;;
        --no-others) others=0 ;;
        --no-install) install=0 ;;
        --markdown) markdown=(--markdown) ;;
        -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

log() { printf 'bench/run.sh: %s\n' "$*" >&2; }

# ---- 1. install ---------------------------------------------------------------------
if [ "$install" = 1 ]; then
    need=()
    dpkg -s libdnnl-dev >/dev/null 2>&1 || need+=(libdnnl-dev)
    command -v cmake >/dev/null 2>&1 || need+=(cmake)
    command -v ninja >/dev/null 2>&1 || need+=(ninja-build)
    command -v cc >/dev/null 2>&1 || need+=(gcc)
    if [[ ,$engines, == *,torch,* ]] && [ "$others" = 1 ] &&
        ! /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
        need+=(python3-torch)
    fi
    if [ ${#need[@]} -gt 0 ]; then
        sudo=()
        [ "$(id -u)" = 0 ] || sudo=(sudo)
        log "installing ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        "${sudo[@]}" apt-get update -qq >/dev/null
        "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
    fi
fi

python=${BENCH_PYTHON:-}
if [ "$others" = 1 ] && [ -z "$python" ]; then
    if [ -x "$root/scripts/setup-venv.sh" ] || [ -f "$root/scripts/setup-venv.sh" ]; then
        [ "$install" = 1 ] && bash "$root/scripts/setup-venv.sh"
        python=$root/.venv/bin/python
    else
        # No project venv script: a venv of our own with just what the benchmark needs.
        venv=$build/venv
        if [ ! -x "$venv/bin/python" ] && [ "$install" = 1 ]; then
            log "creating $venv (onnxruntime, onnx, tensorflow-cpu, tf-keras, numpy)"
            python3 -m venv "$venv"
            "$venv/bin/pip" install -q onnxruntime onnx tensorflow-cpu numpy
            "$venv/bin/pip" install -q --no-deps tf-keras
        fi
        python=$venv/bin/python
    fi
    if [ ! -x "$python" ]; then
        log "no Python for ONNX Runtime / tf_keras ($python); skipping them"
        engines=$(echo ",$engines," | sed -e 's/,ort,/,/; s/,tf,/,/; s/^,//; s/,$//')
        python=/usr/bin/python3
    fi
fi

# ---- 2. build -------------------------------------------------------------------------
mkdir -p "$out"
log "building in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGRU_BUILD_TESTS=OFF \
    >"$out/cmake.log" 2>&1 || { tail -n 30 "$out/cmake.log" >&2; exit 1; }
ninja -C "$build" -j"$(nproc)" bench_gru bench_floor >"$out/build.log" 2>&1 ||
    { tail -n 30 "$out/build.log" >&2; exit 1; }

# ---- 3. run ---------------------------------------------------------------------------
{
    echo "# libgru benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1), $(nproc) CPUs," \
        "$(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "compiler: $(cc --version | head -n1); oneDNN $(dpkg-query -W -f='${Version}' libdnnl-dev 2>/dev/null || echo '?')"
    [ -n "${OPENBLAS_CORETYPE:-}" ] && echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE (unused here)"
    echo
    "$build/bench/bench_gru" --shapes "$shapes" --variants "$variants" --modes "$modes" \
        --threads "$threads" --time "$time_s" --min-reps "$min_reps" --csv "$out/bench.csv"
    if [ "$others" = 1 ] && [ -n "$engines" ]; then
        echo
        echo "## ONNX Runtime, tf_keras, PyTorch (same shapes; libgru / oneDNN from above)"
        "$python" "$here/bench_others.py" --csv "$out/bench.csv" --engines "$engines" \
            --shapes "$shapes" --variants "$variants" --modes "$modes" \
            --threads "$threads" --time "$time_s" --out "$out/combined.csv" "${markdown[@]}"
    fi
    echo
    echo "## The B = 1 floor on one core (bench_floor)"
    "$build/bench/bench_floor"
    echo
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} 2>&1 | tee "$out/log.txt"
log "results in $out"
