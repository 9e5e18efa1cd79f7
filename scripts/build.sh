#!/usr/bin/env bash
# Installs the dependencies (Debian packages) and builds conda-systemd, its tests and benchmarks into build/.
#   scripts/build.sh [TARGET...]     only these targets (the demo builds conda-systemd alone)
#   CSD_DEPS=demo scripts/build.sh conda-systemd   with only the demo's packages (scripts/install-deps.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh "${CSD_DEPS:-all}"
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build -j"$(nproc)" ${1:+--target "$@"}
echo "build: $(pwd)/build/conda-systemd"
