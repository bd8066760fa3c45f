#!/usr/bin/env bash
# Build the core with one plain compiler invocation and no optional dependency (no
# CMake, no cJSON/HDF5/libzip), then run the README's example program with it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc=${CC:-cc}
$cc -std=c11 -O2 -Wall -Iinclude -Isrc src/*.c src/cpu/*.c src/cpu/ref/*.c src/io/*.c \
  examples/quickstart.c -o "$out/quickstart" -lm -lpthread
"$out/quickstart"
