#!/bin/sh
# The README's main job: run `gru forward` on the bundled example data (a layer_gru(units = 4,
# return_sequences = TRUE, return_state = TRUE) on a batch of 2 sequences of 5 steps with 3
# features, the second sequence masked after 3 steps), print the result, and check it
# against the output of real Keras (tf_keras) for the same layer, weights and input
# (examples/data/keras_*.npy, written by examples/data/make_example_data.py).
#
# usage: examples/run_example.sh [path/to/gru]   (default: $GRU, else build/gru)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data="$here/data"
gru="${1:-${GRU:-$here/../build/gru}}"
if [ ! -x "$gru" ]; then
    echo "run_example.sh: $gru not found; build first (cmake -S . -B build -G Ninja && ninja -C build)" >&2
    exit 1
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/gru-example.XXXXXX")
trap 'rm -rf "$out"' EXIT INT TERM

echo "== configuration (examples/data/config.txt, every default filled in)"
"$gru" config "$data/config.txt"
echo
gru=$(cd "$(dirname "$gru")" && pwd)/$(basename "$gru")
cd "$data"
echo "== gru forward (in examples/data)"
echo "gru forward --config config.txt --kernel kernel.npy --recurrent-kernel recurrent_kernel.npy \\"
echo "    --bias bias.npy --input x.npy --mask mask.npy --output y.npy --state-output h.npy"
"$gru" forward --config config.txt --kernel kernel.npy --recurrent-kernel recurrent_kernel.npy \
    --bias bias.npy --input x.npy --mask mask.npy --output "$out/y.npy" --state-output "$out/h.npy"
echo
echo "== result: the output sequence y (B, T, H) and the final state h (B, H)"
cd "$out"
"$gru" show y.npy h.npy
echo
echo "== against real Keras (tf_keras 2.21): keras_y.npy, keras_h.npy"
cp "$data/keras_y.npy" "$data/keras_h.npy" .
"$gru" compare y.npy keras_y.npy
"$gru" compare h.npy keras_h.npy
