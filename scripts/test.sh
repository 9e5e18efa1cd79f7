#!/usr/bin/env bash
# Installs, builds and runs every test: the fuzz targets (briefly), unit tests, script tests and the end-to-end scenarios
# under real systemd (booted in systemd-nspawn). Needs root, as the end-to-end rig does.
#
# The end-to-end scenarios run the program as a server gets it: the Debian package is built from this
# very build (scripts/package.sh compiles nothing more), installed on this machine, whose /usr the
# test containers share, and purged when the tests end, whatever their outcome.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
# Every fuzz target for a short bounded time (docs/reliability.md): a crash fails the run.
bash scripts/fuzz.sh all "${CSD_FUZZ_SECONDS:-10}"
t0=$SECONDS
deb=$(bash scripts/package.sh build | tail -n1)
if dpkg-query -W -f='${Status}' conda-systemd 2>/dev/null | grep -q 'install ok installed'; then
  echo "test: replacing the conda-systemd package already installed here ($(dpkg-query -W -f='${Version}' conda-systemd))" >&2
fi
trap 'apt-get purge -y -q conda-systemd >/dev/null 2>&1 || echo "test: could not purge conda-systemd" >&2' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" >/dev/null
echo "test: packaged and installed $(basename "$deb") in $((SECONDS - t0)) s"
# End-to-end scenarios boot containers and share port 8080: ctest runs them one at a time.
CONDA_SYSTEMD_BIN=/usr/bin/conda-systemd CSD_DEB=$deb ctest --test-dir build --output-on-failure --timeout 900 "$@"
