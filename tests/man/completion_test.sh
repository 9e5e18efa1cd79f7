#!/usr/bin/env bash
# The generated bash completion, driven as bash drives it: `complete -p` names the function, and
# COMP_WORDS/COMP_CWORD with the function give the candidates (the same compgen calls as a TAB).
#
#   tests/man/completion_test.sh GENERATED_DIR      (the directory mangen wrote, build/man)
set -euo pipefail
gen=$(cd "$1" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/etc" "$scratch/work"
cat >"$scratch/etc/alpha.toml" <<'TOML'
[contract]
name = "alpha"
version = "1"
[[worker]]
name = "wip"
command = ["rq", "worker"]
TOML
cp "$scratch/etc/alpha.toml" "$scratch/etc/beta.toml"
sed -i 's/"alpha"/"beta"/' "$scratch/etc/beta.toml"

# One TAB: prints the candidates, one a line, for the words given (the last is the one completed).
cat >"$scratch/tab.sh" <<'SH'
source "$GEN/conda-systemd.bash"
complete -p conda-systemd
COMP_WORDS=(conda-systemd "$@")
COMP_CWORD=$#
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
_conda_systemd conda-systemd "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}" | sort
SH
tab() { (cd "$scratch/work" && GEN=$gen CONDA_SYSTEMD_CONTRACT_DIR=$scratch/etc bash --norc --noprofile "$scratch/tab.sh" "$@"); }

failed=0
expect() {
  local desc=$1 want=$2
  shift 2
  local got
  got=$(tab "$@" | grep -v '^complete ')
  if [ "$got" = "$want" ]; then echo "ok   $desc"; else
    echo "FAIL $desc"; echo "     expected: $(tr '\n' ' ' <<<"$want")"; echo "     actual:   $(tr '\n' ' ' <<<"$got")"
    failed=$((failed + 1))
  fi
}

registered=$(tab ren | sed -n 1p)
[[ $registered == "complete "*"-F _conda_systemd conda-systemd" ]] && echo "ok   complete -p: $registered" \
  || { echo "FAIL complete -p says: $registered"; failed=$((failed + 1)); }
expect "a subcommand" render ren
expect "subcommands by prefix" "$(printf 'remove\nrestart\nrollback\nrunbook\nrender' | sort)" r
expect "a subcommand's subcommand" show contract ""
expect "an option of the command" "$(printf -- '--strict')" check --str
expect "the installed contracts for --contract" "$(printf '%s\n' "$scratch/etc/alpha.toml" "$scratch/etc/beta.toml")" \
  check --contract "$scratch/etc/"
expect "the installed contracts' names for -n" "$(printf 'alpha\nbeta')" check -n ""
expect "the units of the contract named by -n" "alpha-wip-worker.service" check -n alpha --unit alpha-wi
expect "the contract's units for check --unit" "$(printf 'alpha-watchdog.service\nalpha-wip-worker.service\nalpha.service')" \
  check --contract "$scratch/etc/alpha.toml" --unit ""
expect "units by prefix" "alpha-wip-worker.service" check --contract "$scratch/etc/alpha.toml" --unit alpha-wi
expect "options after an option's value" "--json" check --contract x.toml --js

# zsh reads its completion function without a syntax error, and compinit accepts it.
if zsh -n "$gen/_conda-systemd" && zsh -f -c "fpath=($gen \$fpath); autoload -Uz compinit; compinit -u -D; whence -w _conda-systemd" | grep -q function; then
  echo "ok   zsh loads _conda-systemd"
else
  echo "FAIL zsh does not load _conda-systemd"; failed=$((failed + 1))
fi

echo "$failed failed"
[ "$failed" -eq 0 ]
