#!/usr/bin/env bash
# Builds the Debian package from an existing build directory (default build/), without compiling
# anything but what is out of date: CI builds once, then packages that build (docs/install.md).
#
#   scripts/package.sh [BUILD_DIR]     prints the path of the .deb on its last line
#
# Then: lintian on the package (no errors allowed) and `apt-get install --simulate` of it, which
# checks its dependencies against this machine's archive.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
build=$(cd "${1:-build}" && pwd)
[ -f "$build/CMakeCache.txt" ] || { echo "package: $build is not a configured build (run scripts/build.sh)" >&2; exit 2; }

# Up to date after the build CI made: this only links what changed since, if anything.
cmake --build "$build" -j"$(nproc)" --target conda-systemd csd_man >/dev/null

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
[ -n "$version" ] || { echo "package: no project version in $build/CMakeCache.txt" >&2; exit 2; }

# dpkg-buildpackage writes next to its source directory: a staging copy of debian/ keeps that in the build.
stage=$build/deb
rm -rf "$stage"
mkdir -p "$stage/conda-systemd-$version"
cp -r packaging/debian "$stage/conda-systemd-$version/debian"
date=$(git -C "$repo" log -1 --format=%cD 2>/dev/null || date -R)
# The maintainer as Debian's tools take it (DEBFULLNAME, DEBEMAIL), else the author of the last commit.
maintainer="${DEBFULLNAME:-$(git -C "$repo" log -1 --format=%an)} <${DEBEMAIL:-$(git -C "$repo" log -1 --format=%ae)}>"
sed -i "s|@MAINTAINER@|$maintainer|" "$stage/conda-systemd-$version/debian/control"
cat >"$stage/conda-systemd-$version/debian/changelog" <<CHANGELOG
conda-systemd ($version) unstable; urgency=medium

  * Version $version of conda-systemd (the project's git history has the details).

 -- $maintainer  $date
CHANGELOG

(cd "$stage/conda-systemd-$version" && CSD_BUILD_DIR=$build dpkg-buildpackage -b -us -uc --no-sign >"$stage/dpkg-buildpackage.log" 2>&1) || {
  tail -n 40 "$stage/dpkg-buildpackage.log" >&2
  echo "package: dpkg-buildpackage failed; the whole log is $stage/dpkg-buildpackage.log" >&2
  exit 1
}
deb=$(ls "$stage"/conda-systemd_"$version"_*.deb)
echo "package: $(du -k "$deb" | cut -f1) KiB, depends: $(dpkg-deb -f "$deb" Depends)"

# lintian: errors fail the package; warnings are listed and explained in docs/install.md.
lintian --fail-on error --info "$deb" | tee "$stage/lintian.txt" >&2 || {
  echo "package: lintian found errors" >&2
  exit 1
}
# Every dependency must resolve on a Debian 12 machine.
apt-get install --simulate -q "$deb" >"$stage/apt-simulate.txt" 2>&1 || {
  cat "$stage/apt-simulate.txt" >&2
  echo "package: apt-get install --simulate failed" >&2
  exit 1
}
echo "$deb"
