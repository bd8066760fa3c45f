#!/usr/bin/env bash
# Run every test of libgru, as CI does, on a fresh Debian 12 machine:
#   1. install the Debian packages and the pinned Python references (.venv)
#   2. Release build + ctest (C tests, examples, and the differential Python tests
#      against real Keras, ONNX Runtime and PyTorch through the CLI)
#   3. the core built by a plain compiler invocation, with no optional dependency
#   4. the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer
#   5. a bounded libFuzzer run of every file reader
# Ends with one line "tests: N passed, N failed" (N counts the steps above).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
passed=0
failed=0
failed_steps=()
step() {
  local name=$1
  shift
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failed_steps+=("$name")
    echo "=== FAILED: $name"
  fi
}

scripts/install-deps.sh || { echo "install-deps failed"; exit 1; }
scripts/setup-venv.sh || { echo "setup-venv failed"; exit 1; }

ctest_in() {
  local dir=$1
  ctest --test-dir "$dir" --output-on-failure -j2 --timeout 3000
}

release() {
  scripts/build.sh build -DGRU_VENV="$root/.venv" -DGRU_BUILD_BENCH=OFF && ctest_in build
}
step "release build + ctest" release

step "plain compiler build of the core" scripts/plain-build.sh

sanitizers() {
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # -O1 (the level the sanitizers' documentation suggests): gcc took about 5 minutes per
  # kernel file at -O2 with the sanitizers' instrumentation, 1 minute at -O1
  scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g -DNDEBUG" -DGRU_SANITIZE=ON \
    -DGRU_VENV="$root/.venv" -DGRU_BUILD_BENCH=OFF && ctest_in build-asan
}
step "AddressSanitizer + UndefinedBehaviorSanitizer build + ctest" sanitizers

if [ -x scripts/fuzz-smoke.sh ]; then
  step "bounded libFuzzer run of the readers" scripts/fuzz-smoke.sh
fi

for s in "${failed_steps[@]}"; do echo "failed step: $s"; done
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
