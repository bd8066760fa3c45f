#!/usr/bin/env bash
# The README's main job: install the build dependencies, build everything into build/,
# then run `gru forward` on the bundled example data and print the result (checked
# against the output real Keras gave for the same layer, weights and input).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build -DGRU_BUILD_BENCH=OFF
examples/run_example.sh build/gru
