#!/bin/bash
# The build enforces the layers of docs/architecture.md: the same file including verify/verify.h
# compiles in a module that uses verify, and fails to compile in host, which is below verify.
set -u
build=${1:?usage: layers_test.sh BUILD_DIR}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if ! cmake --build "$build" --target layers_downward >"$out" 2>&1; then
  cat "$out"
  echo "FAIL: verify_user.cc does not compile even where verify may be used"
  exit 1
fi
if cmake --build "$build" --target layers_upward >"$out" 2>&1; then
  echo "FAIL: host compiled an include of verify/verify.h"
  exit 1
fi
if ! grep -q 'verify/verify.h: No such file or directory' "$out"; then
  cat "$out"
  echo "FAIL: layers_upward failed for another reason than the missing header"
  exit 1
fi
echo "ok: an upward include does not compile"
