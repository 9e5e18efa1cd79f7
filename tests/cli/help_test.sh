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
  done < <(grep -oE '^ +(-[a-zA-Z], ?)?--[a-z][a-z0-9-]*( [A-Z][A-Z=.]*)?' <<<"$help" | sed -E 's/^ +(-[a-zA-Z], ?)?//')
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
    --json | --quiet) [ -z "$value" ] || fail "$words: $opt is a flag, here it takes '$value'" ;;
  esac
done
pass "shared option names checked (${#takes[@]} options)"

# --quiet on every command; --json on exactly the commands that report (docs/cli.md, docs/json.md).
reporting=("contract show" render check exec restart status scale verify health deploy rollback runbook import list remove)
for words in "${commands[@]}"; do
  [ -n "${takes["$words --quiet"]+x}" ] || fail "'$words --help' shows no --quiet"
  reports=no
  for r in "${reporting[@]}"; do [ "$r" != "$words" ] || reports=yes; done
  if [ "$reports" = yes ]; then
    [ -n "${takes["$words --json"]+x}" ] || fail "'$words' reports but its --help shows no --json"
  else
    [ -z "${takes["$words --json"]+x}" ] || fail "'$words' does not report, yet shows --json"
    # shellcheck disable=SC2086 # the command's words
    out=$("$bin" $words --json 2>&1) && rc=0 || rc=$?
    [ "$rc" = 2 ] && grep -q "does not report; --json is for: .*deploy" <<<"$out" && grep -q "exec --dry-run" <<<"$out" \
      && pass "$words --json: exit 2 naming the commands that report" || fail "$words --json said ($rc): $out"
  fi
done

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
# Quiet: a render that changes nothing, a clean check and a health probe that fails.
out=$("$bin" render --contract "$contract" --root "$scratch/sysroot" --quiet 2>&1) && rc=0 || rc=$?
[ "$rc" = 0 ] && [ -z "$out" ] && pass "render --quiet: nothing printed" || fail "render --quiet said ($rc): $out"
out=$("$bin" -q check --contract "$contract" --root "$scratch/sysroot" 2>&1) && rc=0 || rc=$?
[ "$rc" = 1 ] && grep -q "error: \[CSD120\]" <<<"$out" && pass "-q check still prints the error that fails it" || fail "-q check said ($rc): $out"
out=$("$bin" health --quiet --contract "$contract" 2>&1) && rc=0 || rc=$?
[ "$rc" = 1 ] && grep -q UNHEALTHY <<<"$out" && pass "health --quiet still says UNHEALTHY" || fail "health --quiet said ($rc): $out"
out=$("$bin" render --contract "$contract" --root "$scratch/sysroot" 2>&1)
grep -q "^unchanged " <<<"$out" && pass "render without --quiet lists what it left unchanged" || fail "render said: $out"

json_ok() { python3 -c 'import json, sys; json.load(sys.stdin)'; }
# A copy to remove, and a unit render no longer writes: render --check --json has a difference to show.
cp -r "$scratch/sysroot" "$scratch/removable"
echo "# changed by hand" >>"$scratch/sysroot/etc/systemd/system/app.service"
reports=0
for words in "${commands[@]}"; do
  [ -n "${takes["$words --json"]+x}" ] || continue
  reports=$((reports + 1))
  at=(--contract "$contract" --root "$scratch/sysroot")
  runs=()
  case "$words" in
    runbook) runs=("${at[*]} --check $scratch/sysroot/srv/app/RUNBOOK.md") ;;
    render) runs=("${at[*]} --check" "${at[*]}") ;;
    exec) runs=("--prefix $scratch/sysroot/opt/env --allow-outside-env true --dry-run --json -- true") ;;
    import) runs=("--name mes-dashboard --root $repo/tests/fixtures/dashboard-units --output $scratch/imported.toml") ;;
    list) runs=("--root $scratch/sysroot") ;;
    remove) runs=("app --root $scratch/removable --no-bus") ;;
    scale) runs=("${at[*]} 1") ;;
    deploy) runs=("${at[*]} --env-name other") ;;
    verify | health) runs=("--contract $contract") ;; # the live system, not a root
    *) runs=("${at[*]}") ;;
  esac
  for args in "${runs[@]}"; do
    # shellcheck disable=SC2086 # the command's words and its arguments (no spaces in the scratch paths)
    json=--json
    [[ "$args" != *" -- "* ]] || json=""  # exec: the words after -- are the command's
    # shellcheck disable=SC2086 # as above
    out=$(timeout 30 "$bin" $words $args $json 2>/dev/null) || true
    if [ -n "$out" ] && json_ok <<<"$out"; then pass "$words $args --json: valid JSON"; else fail "$words $args --json printed: ${out:0:300}"; fi
    # The commands that ran to a result, not {"error": ...}: what each reports is there.
    case "$words $args" in
      "render"*--check) key=differences ;; render*) key=unchanged ;; "exec"*) key=changes ;; runbook*) key=differences ;;
      remove*) key=removed ;; health*) key=probes ;; check*) key=findings ;; "contract show"*) key=service ;;
      list*) key=contracts ;; import*) key=units ;; *) key="" ;;
    esac
    [ -z "$key" ] || python3 -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if '$key' in d and 'error' not in d else 1)" <<<"$out" 2>/dev/null \
      && pass "$words --json has '${key:-a result}'" || fail "$words --json has no '$key': ${out:0:300}"
  done
done
[ "$reports" -eq "${#reporting[@]}" ] || fail "$reports commands offer --json, not ${#reporting[@]}"
echo "# changed by hand" >>"$scratch/sysroot/etc/systemd/system/app.service"
out=$("$bin" render --contract "$contract" --root "$scratch/sysroot" --check --json 2>/dev/null) && rc=0 || rc=$?
[ "$rc" = 1 ] && grep -q '"path": "/etc/systemd/system/app.service"' <<<"$out" \
  && pass "render --check --json: exit 1, the changed unit among the differences" || fail "render --check --json ($rc): $out"
out=$("$bin" runbook --contract "$contract" --root "$scratch/sysroot" --json 2>&1) && rc=0 || rc=$?
[ "$rc" = 2 ] && pass "runbook --json without --check: exit 2" || fail "runbook --json said ($rc): $out"
out=$("$bin" exec --prefix "$scratch/sysroot/opt/env" --json -- true 2>&1) && rc=0 || rc=$?
[ "$rc" = 2 ] && grep -q -- "--dry-run" <<<"$out" && pass "exec --json without --dry-run: exit 2" || fail "exec --json said ($rc): $out"

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
