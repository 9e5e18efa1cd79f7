#!/usr/bin/env bash
# The generated man pages against the program: every option --help shows is in conda-systemd(1),
# every environment variable the program reads (getenv in src/) is in its ENVIRONMENT section, both
# pages render without a groff warning, and mangen --check fails on a contract doc missing a key.
#
#   tests/man/man_test.sh CONDA_SYSTEMD_BINARY MANGEN MAN_DIR
set -euo pipefail
bin=$1 mangen=$2 man_dir=$3
repo=$(cd "$(dirname "$0")/../.." && pwd)
failed=0
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

page1=$man_dir/conda-systemd.1
page5=$man_dir/conda-systemd.contract.5
[ -s "$page1" ] && [ -s "$page5" ] || { echo "FAIL no generated pages in $man_dir"; exit 1; }
# The page as text, roff's escaped minus signs back to plain ones.
text1=$(sed 's/\\-/-/g' "$page1")

# Subcommands as --help lists them, one level down for those with their own subcommands.
commands() {
  "$bin" "$@" --help | awk '/^Subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}'
}
checked=0
for cmd in $(commands); do
  subs=$(commands "$cmd" || true)
  paths=("$cmd")
  [ -z "$subs" ] || paths=()
  for sub in $subs; do paths+=("$cmd:$sub"); done
  for path in "${paths[@]}"; do
    words=${path//:/ }
    grep -qF "SS \"conda-systemd $words\"" <<<"$text1" || fail "conda-systemd(1) has no section for '$words'"
    # shellcheck disable=SC2086 # the command's words
    for opt in $("$bin" $words --help | grep -oE '(^|[ ,])--[a-z][a-z0-9-]*' | tr -d ' ,' | sort -u); do
      grep -qF -- "\\fB$opt\\fR" <<<"$(sed 's/\\-\\-/--/g; s/\\-/-/g' "$page1")" || fail "conda-systemd(1) does not name $words $opt"
      checked=$((checked + 1))
    done
  done
done
[ "$checked" -gt 20 ] || fail "only $checked options found in --help: the walk is broken"

environment=$(awk '/^\.SH "?ENVIRONMENT/ {on=1; next} /^\.SH/ {on=0} on' "$page1" | sed 's/\\-/-/g')
for var in $(grep -rhoE 'getenv\("[A-Z_]+"\)' "$repo/src" --include=*.cc --exclude=*_test.cc --exclude-dir=test_support \
             | sed -E 's/getenv\("([A-Z_]+)"\)/\1/' | sort -u); do
  grep -qF "$var" <<<"$environment" || fail "ENVIRONMENT of conda-systemd(1) does not name $var, which the program reads"
done

for page in "$page1" "$page5"; do
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null || true)
  [ -z "$warnings" ] || fail "$(basename "$page") renders with warnings: $warnings"
done
for key in name tool pid_file restart_flag cooldown watchdog_sec allow_outside_env; do
  grep -q "^\\\\fB$key\\\\fR" "$page5" || fail "conda-systemd.contract(5) has no entry for $key"
done

# The drift check can fail: a copy of the docs with one key's row removed.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/docs"
grep -v '^| `pid_file` |' "$repo/docs/contract.md" >"$scratch/docs/contract.md"
if out=$("$mangen" --check "$scratch" 2>&1); then
  fail "mangen --check accepted docs/contract.md without paths.pid_file"
else
  grep -qF "does not document paths.pid_file" <<<"$out" || fail "mangen --check said: $out"
fi

echo "man pages: $checked options checked, $failed failures"
[ "$failed" -eq 0 ]
