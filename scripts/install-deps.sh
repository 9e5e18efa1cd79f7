#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the demo need.
#   scripts/install-deps.sh        everything: the build, every test, fuzzing, packaging (scripts/test.sh)
#   scripts/install-deps.sh demo   only what scripts/demo.sh needs: the program's build and the
#                                  systemd container rig (docs/performance.md, "First run")
# Idempotent: safe to run on a machine that already has them.
set -euo pipefail

# Building conda-systemd itself. gtest, gmock and benchmark are here because CMake configures the
# test and benchmark targets even when only conda-systemd is built.
build=(
  build-essential cmake pkg-config
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libsystemd-dev libcurl4-openssl-dev
  libdtl-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
# The demo's rig: systemd in a container, and the example's environment built from Debian's Python.
demo=(
  systemd-container systemd gunicorn python3-flask python3.11 python3-pkg-resources curl
)
# The tests only: fuzzing (clang), the Ansible collection, fault injection (mkfs, chattr, losetup),
# the package (debhelper, lintian), the man pages and the zsh completion.
tests=(
  clang libclang-rt-14-dev
  iproute2
  wrk  # load during zero-downtime deploys (tests/e2e/zero_downtime_test.sh)
  ansible ansible-lint
  e2fsprogs mount
  debhelper lintian man-db zsh
)

case "${1:-all}" in
  demo) packages=("${build[@]}" "${demo[@]}") ;;
  all) packages=("${build[@]}" "${demo[@]}" "${tests[@]}") ;;
  *)
    echo "usage: install-deps.sh [demo|all]" >&2
    exit 2
    ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
