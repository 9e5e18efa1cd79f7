#!/usr/bin/env bash
# Runs every end-to-end scenario (tests/e2e/*_test.sh) in turn, each in its
# own process so one scenario's failure or leftovers cannot hide another's.
# Prints each scenario's output, then "N passed, M failed" over scenarios.
#
#   tests/e2e/run-all.sh [NAME_FILTER]     e.g. run-all.sh smoke
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
filter=${1:-}
passed=0
failed=0
failed_names=()

for scenario in "$here"/*_test.sh; do
  name=$(basename "$scenario" _test.sh)
  [[ -z "$filter" || "$name" == *"$filter"* ]] || continue
  echo "=== $name"
  start=$SECONDS
  if "$scenario"; then
    passed=$((passed + 1))
    echo "=== $name: passed ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    echo "=== $name: FAILED ($((SECONDS - start)) s)"
  fi
done

[ $((passed + failed)) -gt 0 ] || { echo "no scenario matches '$filter'" >&2; exit 1; }
[ "$failed" -eq 0 ] || echo "failed scenarios: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
