#!/usr/bin/env bash
# Installs, builds and runs every test: the fuzz targets (briefly), unit tests, script tests and the
# end-to-end scenarios under real systemd (booted in systemd-nspawn). Needs root, as the end-to-end rig does.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
# Every fuzz target for a short bounded time (docs/reliability.md): a crash fails the run.
bash scripts/fuzz.sh all "${CSD_FUZZ_SECONDS:-10}"
# End-to-end scenarios boot containers and share port 8080: ctest runs them one at a time.
ctest --test-dir build --output-on-failure --timeout 900 "$@"
