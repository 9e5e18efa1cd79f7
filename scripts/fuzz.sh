#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (docs/reliability.md, "Fuzzing").
#   scripts/fuzz.sh TARGET SECONDS    one target, e.g. `scripts/fuzz.sh contract 600`
#   scripts/fuzz.sh all SECONDS       every target in turn, SECONDS each
# Configures and builds build-fuzz/ (clang, sanitizers) when needed. Each run starts from a fresh copy
# of the checked-in seed corpus (fuzz/corpus/TARGET) with the target's dictionary (fuzz/dict/TARGET.dict).
# Prints one line per target: executions, seconds, edges and features covered, crashes. A crash is
# saved under build-fuzz/crashes/TARGET/ and makes the script fail.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: $0 TARGET|all SECONDS" >&2
  exit 2
}
[ $# -eq 2 ] || usage
what=$1
seconds=$2
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || usage

all_targets() {
  for f in fuzz/*_fuzz.cc; do
    n=${f#fuzz/}
    echo "${n%_fuzz.cc}"
  done
}

if [ "$what" = all ]; then
  targets=$(all_targets)
else
  [ -f "fuzz/${what}_fuzz.cc" ] || {
    echo "fuzz.sh: no target '$what'; targets: $(all_targets | tr '\n' ' ')" >&2
    exit 2
  }
  targets=$what
fi

out=build-fuzz
if [ ! -f "$out/CMakeCache.txt" ]; then
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S . -B "$out" -DCSD_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "${launcher[@]}" >/dev/null
fi
build_targets=()
for t in $targets; do build_targets+=(--target "${t}_fuzz"); done
# Several runs may start at once (one per core): one builds, the others wait for it.
flock "$out/.build.lock" cmake --build "$out" -j"$(nproc)" "${build_targets[@]}" >"$out/build-$$.log" 2>&1 || {
  tail -n 40 "$out/build-$$.log" >&2
  exit 1
}
rm -f "$out/build-$$.log"

failed=0
printf '%-12s %12s %8s %8s %8s %8s\n' target executions seconds cov ft crashes
for t in $targets; do
  corpus=$out/corpus/$t
  crashes=$out/crashes/$t
  log=$out/logs/$t.log
  rm -rf "$corpus"
  mkdir -p "$corpus" "$crashes" "$out/logs"
  cp fuzz/corpus/"$t"/* "$corpus"/
  dict=()
  if [ -f "fuzz/dict/$t.dict" ]; then dict=(-dict="fuzz/dict/$t.dict"); fi
  before=$(find "$crashes" -type f | wc -l)
  start=$SECONDS
  set +e
  "$out/fuzz/${t}_fuzz" "$corpus" "${dict[@]}" -max_total_time="$seconds" -print_final_stats=1 \
    -timeout=20 -rss_limit_mb=2048 -artifact_prefix="$crashes/" >"$log" 2>&1
  rc=$?
  set -e
  took=$((SECONDS - start))
  after=$(find "$crashes" -type f | wc -l)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  found=$((after - before))
  printf '%-12s %12s %8s %8s %8s %8s\n' "$t" "${execs:-?}" "$took" "${cov:-?}" "${ft:-?}" "$found"
  if [ $rc -ne 0 ] || [ $found -gt 0 ]; then
    failed=1
    echo "fuzz.sh: $t failed (exit $rc); log: $log; inputs: $crashes/" >&2
    grep -m 5 -E 'ERROR|runtime error|invariant|SUMMARY' "$log" >&2 || true
  fi
done
exit $failed
