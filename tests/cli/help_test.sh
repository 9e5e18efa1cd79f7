#!/usr/bin/env bash
# One set of conventions (docs/cli.md), checked on the program itself: every command's --help lists its
# exit codes; options that mean the same thing have the same name everywhere; every command that
# offers --json prints valid JSON with it; -V, help COMMAND, a misspelt command, --color and durations
# behave as documented.
#
#   tests/cli/help_test.sh CONDA_SYSTEMD_BINARY
set -euo pipefail
bin=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
failed=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
check() { local desc=$1; shift; if "$@" >/dev/null 2>&1; then pass "$desc"; else fail "$desc"; fi; }

subcommands() { "$bin" "$@" --help | awk '/^Subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}'; }
commands=()
for cmd in $(subcommands); do
  subs=$(subcommands "$cmd" || true)
  if [ -z "$subs" ]; then commands+=("$cmd"); else for s in $subs; do commands+=("$cmd $s"); done; fi
done
[ "${#commands[@]}" -ge 15 ] || fail "only ${#commands[@]} commands found: ${commands[*]}"

# Every option name in use, with the value it takes, for the shared-name checks below.
declare -A takes=()
for words in "${commands[@]}"; do
  # shellcheck disable=SC2086 # the command's words
  help=$("$bin" $words --help)
  grep -q '^Exit codes:' <<<"$help" || fail "'$words --help' lists no exit codes"
  grep -qE '^  0 ' <<<"$help" || fail "'$words --help' does not list exit code 0"
  grep -qE '^  2 ' <<<"$help" || fail "'$words --help' does not list exit code 2"
  while read -r opt value; do
    takes["$words $opt"]=$value
  done < <(grep -oE '^ +(-[a-zA-Z], )?--[a-z][a-z0-9-]*( [A-Z][A-Z=.]*)?' <<<"$help" | sed -E 's/^ +(-[a-zA-Z], )?//')
done
pass "every command lists its exit codes (${#commands[@]} commands)"
restart=$("$bin" restart --help)
grep -qE '^  3 ' <<<"$restart" && grep -qE '^  4 ' <<<"$restart" && pass "restart lists 3 and 4" || fail "restart does not list 3 and 4"
exec_help=$("$bin" exec --help)
grep -qE '^  126 ' <<<"$exec_help" && grep -qE '^  127 ' <<<"$exec_help" && pass "exec lists 126 and 127" || fail "exec does not list 126 and 127"

# One name per concept: the value each shared option takes, and names that must not be shown.
for key in "${!takes[@]}"; do
  words=${key% *} opt=${key##* } value=${takes[$key]}
  case "$opt" in
    --contract) [ "$value" = FILE ] || fail "$words: --contract takes '$value', not FILE" ;;
    --root | --conda-root | --unit-dir) [ "$value" = DIR ] || fail "$words: $opt takes '$value', not DIR" ;;
    --timeout | --restart-timeout) [ "$value" = DURATION ] || fail "$words: $opt takes '$value', not DURATION" ;;
    --env-name) [ "$value" = ENV ] || fail "$words: --env-name takes '$value', not ENV" ;;
    --env) [ "$value" = NAME=VALUE ] || fail "$words: --env means NAME=VALUE everywhere; here it takes '$value'" ;;
    --root-prefix | --conda-prefix) fail "$words shows $opt: the conda installation is --conda-root" ;;
    --name) [ "$value" = NAME ] || fail "$words: --name is a contract's name (NAME), here it takes '$value'" ;;
  esac
done
pass "shared option names checked (${#takes[@]} options)"

# --json prints valid JSON: a deployment under a scratch root, and the commands that report on it.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/sysroot/opt/env/conda-meta" "$scratch/sysroot/opt/env/bin" "$scratch/sysroot/srv/app"
echo '==> 2026-11-01 10:00:00 <==' >"$scratch/sysroot/opt/env/conda-meta/history"
contract=$scratch/app.toml
cat >"$contract" <<'TOML'
[contract]
name = "app"
version = "1"
[conda]
prefix = "/opt/env"
[service]
user = "www-data"
workdir = "/srv/app"
command = ["gunicorn", "app:app"]
TOML
"$bin" render --contract "$contract" --root "$scratch/sysroot" >/dev/null
json_ok() { python3 -c 'import json, sys; json.load(sys.stdin)'; }
reports=0
for words in "${commands[@]}"; do
  [ -n "${takes["$words --json"]+x}" ] || continue
  reports=$((reports + 1))
  case "$words" in
    "contract show" | check | status | scale | restart) args=(--contract "$contract" --root "$scratch/sysroot") ;;
    runbook) args=(--contract "$contract" --root "$scratch/sysroot" --check "$scratch/sysroot/srv/app/RUNBOOK.md") ;;
    import) args=(--name mes-dashboard --root "$repo/tests/fixtures/dashboard-units" --output "$scratch/imported.toml") ;;
    list) args=(--root "$scratch/sysroot") ;;
    *) args=(--contract "$contract") ;;
  esac
  [ "$words" != scale ] || args+=(1)
  # shellcheck disable=SC2086 # the command's words
  out=$(timeout 30 "$bin" $words "${args[@]}" --json 2>/dev/null) || true
  if [ -n "$out" ] && json_ok <<<"$out"; then pass "$words --json prints valid JSON"; else fail "$words --json printed: ${out:0:200}"; fi
done
[ "$reports" -ge 5 ] || fail "only $reports commands offer --json"

# Contracts by name: -n NAME, the only one installed, and an unknown name listing the installed ones.
mkdir -p "$scratch/byname/etc/conda-systemd"
cp "$contract" "$scratch/byname/etc/conda-systemd/app.toml"
cp -r "$scratch/sysroot/opt" "$scratch/sysroot/srv" "$scratch/byname/"
check "-n NAME finds /etc/conda-systemd/NAME.toml under --root" "$bin" contract show -n app --root "$scratch/byname"
check "with one contract installed, neither -n nor --contract is needed" "$bin" contract show --root "$scratch/byname"
out=$("$bin" contract show -n nope --root "$scratch/byname" 2>&1) && rc=0 || rc=$?
[ "$rc" = 2 ] && grep -q "installed: app" <<<"$out" && pass "an unknown -n NAME: exit 2, listing the installed contracts" \
  || fail "-n nope said ($rc): $out"
out=$("$bin" contract show --root "$scratch/nowhere" 2>&1) && rc=0 || rc=$?
[ "$rc" = 2 ] && grep -q "does not exist" <<<"$out" && pass "a missing contract directory says so" || fail "no directory said ($rc): $out"

check "-V prints the version" sh -c "'$bin' -V | grep -q '^conda-systemd [0-9]'"
check "help COMMAND prints the command's help" sh -c "'$bin' help restart | grep -q 'Exit codes:'"
check "help COMMAND SUBCOMMAND" sh -c "'$bin' help contract show | grep -q -- '--json'"
out=$("$bin" verfy 2>&1) && rc=0 || rc=$?
[ "$rc" = 2 ] && grep -q "unknown command 'verfy'; did you mean 'verify'" <<<"$out" && pass "a misspelt command: exit 2 and the nearest" \
  || fail "a misspelt command said ($rc): $out"
out=$("$bin" help bogus 2>&1) && rc=0 || rc=$?
[ "$rc" = 2 ] && grep -q "unknown command 'bogus'" <<<"$out" && pass "help of an unknown command: exit 2" || fail "help bogus said ($rc): $out"
out=$("$bin" --color=sometimes check --contract "$contract" 2>&1) && rc=0 || rc=$?
[ "$rc" = 2 ] && grep -q "auto" <<<"$out" && pass "--color=sometimes: exit 2 with the valid values" || fail "--color=sometimes said ($rc): $out"
out=$("$bin" health --contract "$contract" --timeout=-5s 2>&1) && rc=0 || rc=$?
[ "$rc" = 2 ] && grep -q "systemd.time" <<<"$out" && pass "a negative duration: exit 2 naming the syntax" || fail "--timeout=-5s said ($rc): $out"
out=$("$bin" health --contract "$contract" --timeout 2min --retries 1 2>&1) && rc=0 || rc=$?
[ "$rc" != 2 ] && pass "health --timeout 2min is a duration" || fail "health --timeout 2min said ($rc): $out"
out=$("$bin" health --contract "$contract" --timeout '1h 30min' --retries 1 2>&1) && rc=0 || rc=$?
[ "$rc" != 2 ] && pass "health --timeout '1h 30min' is a duration" || fail "health --timeout '1h 30min' said ($rc): $out"
# Colour: never on a pipe; with --color=always, unless... always means always.
out=$("$bin" --color=always check --contract "$scratch/missing.toml" 2>&1 || true)
grep -q $'\033\[' <<<"$out" && pass "--color=always colours a pipe" || fail "--color=always did not colour: $out"
out=$("$bin" check --contract "$scratch/missing.toml" 2>&1 || true)
grep -q $'\033\[' <<<"$out" && fail "colour on a pipe: $out" || pass "no colour on a pipe"
out=$(script -qec "env NO_COLOR=1 '$bin' check --contract '$scratch/missing.toml'" /dev/null 2>&1 || true)
grep -q $'\033\[' <<<"$out" && fail "colour with NO_COLOR on a terminal" || pass "no colour with NO_COLOR, even on a terminal"
out=$(script -qec "env TERM=dumb '$bin' check --contract '$scratch/missing.toml'" /dev/null 2>&1 || true)
grep -q $'\033\[' <<<"$out" && fail "colour with TERM=dumb on a terminal" || pass "no colour with TERM=dumb, even on a terminal"
out=$(script -qec "env -u NO_COLOR TERM=xterm '$bin' check --contract '$scratch/missing.toml'" /dev/null 2>&1 || true)
grep -q $'\033\[' <<<"$out" && pass "colour on a terminal" || fail "no colour on a terminal: $out"

echo "$failed failed"
[ "$failed" -eq 0 ]
