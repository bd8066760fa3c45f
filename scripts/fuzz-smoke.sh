#!/bin/sh
# Bounded libFuzzer run of every reader (CI's fuzz smoke test).
#   scripts/fuzz-smoke.sh [SCALE]   (default 1)
# Each target runs a fixed number of inputs (about 20 s each here; SCALE multiplies them)
# from a seed corpus whose bytes are the same on every machine, with a fixed seed
# (FUZZ_SEED, default 1): a CI run is the same run as on any other machine, and a crash it
# finds is found again by running this script. FUZZ_SEED=0 lets libFuzzer pick a seed,
# FUZZ_SECONDS=N runs each target for N seconds instead (both for exploratory runs).
# Builds the targets of fuzz/ with clang (GRU_BUILD_FUZZ=ON) in build-fuzz/, makes a seed
# corpus for each from the shared Keras fixture and files written by `gru convert`, then
# runs each target as above with a 512 MB allocation limit (a forged shape that
# makes a reader allocate more fails the run; 2 GB for the HDF5-based targets, where
# libhdf5's own allocations on corrupted files are outside libgru's control). Crashes leave crash-* files in build-fuzz/.
set -eu
SCALE=${1:-1}
SEED=${FUZZ_SEED:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/build-fuzz
FIX=${GRU_FIXTURES:-$ROOT/../shared/fixtures}/keras224_gru_hardsigmoid_resetbefore.h5
CC=${CC:-clang}
command -v "$CC" >/dev/null || { echo "fuzz-smoke: $CC not found (libFuzzer needs clang)" >&2; exit 1; }

cmake -S "$ROOT" -B "$B" -G Ninja -DCMAKE_C_COMPILER="$CC" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DGRU_BUILD_FUZZ=ON -DGRU_BUILD_BENCH=OFF >/dev/null
ninja -C "$B" -j2 gru fuzz_h5 fuzz_keras3 fuzz_safetensors fuzz_model fuzz_npy

C=$B/corpus
rm -rf "$C" "$B/crashes"
mkdir -p "$C/h5" "$C/keras3" "$C/safetensors" "$C/model" "$C/npy"
if [ -f "$FIX" ]; then
  cp "$FIX" "$C/h5/fixture.h5"
  "$B/gru" convert "$FIX" "$C/h5/weights.h5"
  "$B/gru" convert "$FIX" "$C/safetensors/keras.safetensors" --to safetensors-keras
  "$B/gru" convert "$FIX" "$C/npy/k" --layer gru_2 --to npy-keras >/dev/null
  mv "$C/npy/k/"*.npy "$C/npy/" && rmdir "$C/npy/k"
  python3 - "$C" <<'PY'
import json, sys, zipfile
c = sys.argv[1]
cfg = {"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "GRU", "config": {"name": "gru", "units": 64, "reset_after": False,
                                     "recurrent_activation": "hard_sigmoid"}}]}}
# a Keras 3 archive around a Keras-3-layout weights file built from the converted weights
# is not possible without h5py; the archive with a Keras 2 weights file still exercises
# the zip and JSON paths
# fixed entry dates: the same archive bytes on every machine and day
def put(z, name, data):
    z.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data)
with zipfile.ZipFile(f"{c}/keras3/m.keras", "w") as z:
    put(z, "metadata.json", json.dumps({"keras_version": "3.15.1"}))
    put(z, "config.json", json.dumps(cfg))
    with open(f"{c}/h5/weights.h5", "rb") as w:
        put(z, "model.weights.h5", w.read())
PY
fi
cp "$C"/h5/* "$C"/keras3/* "$C"/safetensors/* "$C/model/" 2>/dev/null || true

# libhdf5 keeps a few internal allocations alive until exit; they are not libgru's
printf 'leak:libhdf5\n' >"$B/lsan.supp"
export LSAN_OPTIONS="suppressions=$B/lsan.supp"

status=0
for t in h5 keras3 safetensors model npy; do
  # inputs per target: about 20 s each on the 2-core Zen 5 machine of bench/RESULTS.md
  case $t in h5) runs=6000 ;; keras3) runs=60000 ;; safetensors) runs=3000 ;;
             model) runs=25000 ;; npy) runs=2000000 ;; esac
  if [ -n "${FUZZ_SECONDS:-}" ]; then
    bound="-max_total_time=$FUZZ_SECONDS"
  else
    bound="-runs=$((runs * SCALE))"
  fi
  echo "== fuzz_$t ($bound, seed $SEED)"
  mkdir -p "$B/crashes/$t"
  # libhdf5 itself may try (and cleanly fail) huge allocations on corrupted files: let
  # them return NULL as in production, and bound our own with the malloc limit
  case $t in h5|keras3|model) lim=2048; opts=allocator_may_return_null=1 ;; *) lim=512; opts= ;; esac
  if ! ASAN_OPTIONS=$opts "$B/fuzz/fuzz_$t" "$C/$t" "$bound" -seed="$SEED" -malloc_limit_mb=$lim \
        -rss_limit_mb=3072 -timeout=10 -print_final_stats=1 -artifact_prefix="$B/crashes/$t/" \
        2>"$B/fuzz_$t.log"; then
    echo "fuzz_$t FAILED; see $B/fuzz_$t.log and $B/crashes/$t/" >&2
    # the whole report (stack and all), and the input when it is small enough to paste
    sed -n '/^==[0-9]*==ERROR\|^SUMMARY\|ERROR: libFuzzer/,/^MS: /p' "$B/fuzz_$t.log" | head -120 >&2
    for f in "$B/crashes/$t"/*; do
      [ -f "$f" ] || continue
      gzip -9c "$f" >"$f.gz"
      if [ "$(wc -c <"$f.gz")" -le 32768 ]; then
        echo "-- $(basename "$f") (base64 of its gzip; base64 -d | gunzip):" >&2
        base64 "$f.gz" >&2
      else
        echo "-- $(basename "$f"): $(wc -c <"$f") bytes, too large to print" >&2
      fi
    done
    status=1
  else
    grep -E "stat::number_of_executed_units|Done" "$B/fuzz_$t.log" | head -2
  fi
done
exit $status
