#!/usr/bin/env bash
# The runbook under real systemd: its command blocks, extracted from the generated Markdown, run
# verbatim and in order in the container (install, first start, health, reload, restart, scale,
# verify, deploy of a second environment, rollback, check); each must exit 0 and print what the
# runbook says. Then `runbook --check` finds a changed version, a changed path and a removed
# procedure in copies of it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init runbook

rig_example_names
steps_py=$RIG_DIR/runbook_steps.py

rig_on_fail() {
  rig_journal "$app" -n 30
  rig_journal mes-dashboard-watchdog.service -n 20
}

port=$(rig_free_port)
rig_example_deployment "$root" /opt/miniconda3/envs/mes-dashboard "$port" "$tool" "$contract"
rig_fixture_env "$root" /opt/miniconda3/envs/mes-dashboard-2026.12

rig_boot "csd-e2e-runbook-$$" --bind="$root/opt:/opt"

runbook=$RIG_WORK/RUNBOOK.md
rig_check "runbook prints the runbook of the contract" sh -c "$(printf '%q ' nsenter -t "$RIG_PID" -a "${RIG_CONTAINER_ENV[@]}" "$tool" runbook --contract "$contract") >$(printf '%q' "$runbook")"
rig_check_eq "the runbook has every procedure, in order" \
  "install first-start health reload restart scale verify deploy rollback switch findings" \
  "$(/usr/bin/python3.11 -I "$steps_py" procedures "$runbook" | tr '\n' ' ' | sed 's/ $//')"

# run_procedure ID: each command block of the procedure, verbatim, in a clean shell in the
# container; exit 0 and the printed lines are required.
run_procedure() {
  local id=$1 i=0 cmd out rc
  while IFS= read -r -d '' cmd; do
    out=$RIG_WORK/$id.$i.out
    rc=0
    rig_run env CONTRACT="$CONTRACT" NEW_ENV="${NEW_ENV:-}" bash -c "$cmd" >"$out" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
      rig_fail "runbook $id step $((i + 1)) exits 0: $cmd (exit $rc)"
      sed 's/^/     /' "$out"
      return 1
    fi
    if /usr/bin/python3.11 -I "$steps_py" match "$runbook" "$id" "$i" "$out" 2>"$out.why"; then
      rig_pass "runbook $id step $((i + 1)): $cmd"
    else
      rig_fail "runbook $id step $((i + 1)) prints what the runbook says: $cmd"
      sed 's/^/     /' "$out.why" "$out"
      return 1
    fi
    i=$((i + 1))
  done < <(/usr/bin/python3.11 -I "$steps_py" steps "$runbook" "$id")
  [ "$i" -gt 0 ] || rig_fail "runbook procedure $id has a command"
}

# The first time from the source contract, as the runbook says; then the installed copy.
CONTRACT=$contract run_procedure install
rig_check "render installed this very runbook" rig_run cmp "/opt/mes-dashboard/RUNBOOK.md" - <"$runbook"
CONTRACT=$installed
run_procedure first-start
# A failed procedure is counted and the next ones still run: each is its own operation.
run_procedure health || true
run_procedure reload || true
run_procedure restart || true
run_procedure scale || true
run_procedure verify || true
NEW_ENV=mes-dashboard-2026.12 run_procedure deploy || true
rig_check "the app runs from the new environment" \
  rig_run sh -c "tr '\\0' '\\n' </proc/\$(systemctl show -p MainPID --value $app)/environ | grep -qx CONDA_PREFIX=/opt/miniconda3/envs/mes-dashboard-2026.12" || true
run_procedure rollback || true
rig_check "the app runs from the first environment again" \
  rig_run sh -c "tr '\\0' '\\n' </proc/\$(systemctl show -p MainPID --value $app)/environ | grep -qx CONDA_PREFIX=/opt/miniconda3/envs/mes-dashboard" || true
run_procedure findings || true
# switch moves between layouts: zero_downtime_test.sh runs it (it needs a zero_downtime contract).

# --- runbook --check against copies that drifted ---------------------------------------------
rig_run cat /opt/mes-dashboard/RUNBOOK.md >"$RIG_WORK/current.md"
check_finds() {
  local file=$1 want=$2 out rc=0
  rig_run mkdir -p /run/rb-check
  rig_write_file "/run/rb-check/$(basename "$file")" <"$file"
  out=$(rig_run "$tool" runbook --check --contract "$installed" "/run/rb-check/$(basename "$file")" 2>&1) || rc=$?
  [ "$rc" -eq 1 ] || { echo "exit $rc, expected 1"; echo "$out"; return 1; }
  grep -qF -- "$want" <<<"$out" || { echo "no '$want' in:"; echo "$out"; return 1; }
}
rig_check "runbook --check passes on the installed runbook" \
  rig_run "$tool" runbook --check --contract "$installed" /opt/mes-dashboard/RUNBOOK.md
sed 's/| `contract.version` | `2026.11-1` |/| `contract.version` | `2026.10-3` |/' "$RIG_WORK/current.md" >"$RIG_WORK/version.md"
rig_check "runbook --check finds a changed version" check_finds "$RIG_WORK/version.md" "the runbook is for another contract version"
sed 's|`/run/mes-dashboard/gunicorn.pid`|`/tmp/gunicorn.pid`|' "$RIG_WORK/current.md" >"$RIG_WORK/path.md"
rig_check "runbook --check finds a changed path" check_finds "$RIG_WORK/path.md" '`paths.pid_file` (PID file) is not the contract'"'"'s'
awk '/<!-- procedure: rollback -->/{skip=1} /<!-- procedure: findings -->/{skip=0} !skip' "$RIG_WORK/current.md" >"$RIG_WORK/removed.md"
rig_check "runbook --check finds a removed procedure" check_finds "$RIG_WORK/removed.md" 'procedure `rollback` (Rollback) is missing'
sed 's|conda-systemd health --contract|conda-systemd healthcheck --contract|' "$RIG_WORK/current.md" >"$RIG_WORK/command.md"
rig_check "runbook --check finds a command that no longer exists" check_finds "$RIG_WORK/command.md" 'names `conda-systemd healthcheck`, which no longer exists'

rig_check "systemctl stop the service" rig_systemctl stop "$app" mes-dashboard-watchdog.service
rig_summary
