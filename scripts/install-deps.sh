#!/usr/bin/env bash
# Install the Debian packages the build, the tests and the benchmarks use, when they are
# missing. Needs root (or sudo) on a fresh Debian 12 machine; a no-op when all are present.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also what bench/ needs
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
      libcjson-dev libhdf5-dev libzip-dev python3 python3-venv python3-pip
      python3-torch python3-numpy libdnnl-dev)
if [ "${1:-}" = "--bench" ]; then
  pkgs+=(libopenblas-dev)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
