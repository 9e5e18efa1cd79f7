#!/usr/bin/env bash
# main builds only the command argv[1] names (docs/architecture.md, "Start-up"); with an option before
# the command (--color auto, the default) it builds the whole app. Both must answer every command the
# same: help, usage errors, the --json refusal, and exec and check runs, output and exit status alike.
#
#   tests/cli/lean_start_test.sh CONDA_SYSTEMD_BINARY
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
failed=0
cases=0

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
bash "$repo/tests/fixtures/make-conda-env.sh" --root / --prefix "$scratch/env" >/dev/null
contract=$scratch/app.toml
cat >"$contract" <<TOML
[contract]
name = "app"
version = "1"
[conda]
prefix = "$scratch/env"
[service]
user = "www-data"
workdir = "/srv/app"
command = ["gunicorn", "app:app"]
allow_outside_env = ["/bin/echo"]
[[worker]]
name = "rq"
command = ["rq", "worker"]
TOML

# Runs one argument list both ways and compares what each printed and returned.
same() {
  local lean whole
  cases=$((cases + 1))
  lean=$(cd "$scratch" && "$bin" "$@" 2>&1; echo "exit $?")
  whole=$(cd "$scratch" && "$bin" --color auto "$@" 2>&1; echo "exit $?")
  if [ "$lean" != "$whole" ]; then
    failed=$((failed + 1))
    echo "FAIL $*"
    diff <(echo "$whole") <(echo "$lean") | head -20 || true
  fi
}

commands=$("$bin" --help | awk '/^Subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
[ "$(wc -w <<<"$commands")" -ge 16 ] || { echo "FAIL only these commands: $commands"; exit 1; }
for cmd in $commands; do
  [ "$cmd" != help ] || continue
  same "$cmd" --help
  same "$cmd" --bogus
  same "$cmd" --json --bogus
  same "$cmd" -V
  same "$cmd" --color=sometimes --help
  same "$cmd" --contract "$scratch/missing.toml" --contract x
  same "$cmd" -n app --contract "$contract" --help
  # Nested commands: each one's help and its --json (a refusal where it does not report).
  for sub in $("$bin" "$cmd" --help | awk '/^Subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}'); do
    same "$cmd" "$sub" --help
    same "$cmd" "$sub" --json --bogus
  done
done
# The commands that do nothing outside the scratch directory, run to their result.
same contract show --contract "$contract"
same contract show --contract "$contract" --json
same contract --json
same watchdog --json
same check --contract "$contract" --root "$scratch/empty"
same check --contract "$contract" --root "$scratch/empty" --json --strict
same check --contract "$contract" --root "$scratch/empty" --unit nope
same check --contract "$contract" --root "$scratch/empty" render
same exec --contract "$contract" -- /bin/echo hello
# The words a rendered ExecStart= runs take a way of their own (run_rendered_exec), the rest CLI11's.
same exec --contract "$contract" -- /usr/bin/env
same exec --contract "$contract" --worker rq -- /usr/bin/env
same exec --contract "$contract" --worker rx -- /bin/echo hello
same exec --contract "$contract" -- /bin/echo --contract x -- -V --help
same exec --contract "$contract" -- /bin/echo "" --
same exec --contract "$contract" -- ""
same exec --contract "$contract" --worker -- /bin/echo hello
same exec --contract "$contract" --worker rq --
same exec --contract "" -- /bin/echo hello
same exec --contract -x -- /bin/echo hello
same exec --contract "$scratch/missing.toml" -- /bin/echo hello
same exec --contract "$contract" --dry-run
same exec --contract "$contract" --dry-run --json
same exec --contract "$contract" --json
same exec --contract "$contract" --worker rq --dry-run
same exec --contract "$contract" --worker rx --dry-run
same exec --contract "$contract" /bin/echo
same exec --contract "$contract" --env BAD --dry-run
same exec --contract "$contract" -- no-such-command
same exec --contract "$contract" -- /bin/echo check --json
same exec --prefix "$scratch/env" --env-name app -- true
same exec -- true

# A command that reads the whole command line: runbook --check (which commands a runbook may name).
mkdir -p "$scratch/sysroot$scratch"
cp -a "$scratch/env" "$scratch/sysroot$scratch/env"
"$bin" render --contract "$contract" --root "$scratch/sysroot" >/dev/null
same runbook --contract "$contract" --root "$scratch/sysroot" --check "$scratch/sysroot/srv/app/RUNBOOK.md"
same runbook --contract "$contract" --root "$scratch/sysroot" --check --json "$scratch/sysroot/srv/app/RUNBOOK.md"
if ! out=$("$bin" runbook --contract "$contract" --root "$scratch/sysroot" --check "$scratch/sysroot/srv/app/RUNBOOK.md" 2>&1); then
  failed=$((failed + 1))
  echo "FAIL: runbook --check of the runbook render just wrote: $out"
fi

echo "$cases cases, $failed differ"
[ "$failed" -eq 0 ]
