#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the demo need.
# Idempotent: safe to run on a machine that already has them.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libsystemd-dev libcurl4-openssl-dev
  libdtl-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  systemd-container systemd gunicorn python3-flask python3.11 python3-pkg-resources curl iproute2
  wrk  # load during zero-downtime deploys (tests/e2e/zero_downtime_test.sh)
  ansible ansible-lint
  e2fsprogs mount  # fault injection: mkfs, chattr, losetup
  debhelper lintian man-db zsh
)

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
