#!/usr/bin/env bash
# check's comparison with the rendering under real systemd (issue 11): a drop-in that weakens the
# hardening, and a worker unit the contract no longer renders, each refuse their start with the
# finding in the journal; after removing the drop-in, or running render, the start succeeds. render
# keeps an orphan that is still running and removes it once it is stopped.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init check-drift

rig_example_names
worker=mes-dashboard-old-worker.service

rig_on_fail() { rig_journal "$app" -n 30; rig_journal "$worker" -n 20; }

port=$(rig_free_port)
# The example contract, with the tool where the rig puts it and a port free on this host.
rig_example_deployment "$root" "$prefix" "$port" "$tool" "$contract.base"
# The same contract with one more worker: a long sleep from the environment's own python.
cp "$root$contract.base" "$root$contract.with-worker"
cat >>"$root$contract.with-worker" <<'TOML'

[[worker]]
name = "old"
command = ["python", "-c", "import time; time.sleep(100000)"]
TOML
cp "$root$contract.with-worker" "$root$contract"
chmod -R a+rX "$root/opt"

rig_boot "csd-e2e-drift-$$" --bind="$root/opt:/opt"

rig_check "render writes the deployment with the worker" rig_run "$tool" render --contract "$contract"
rig_systemctl daemon-reload
started_and_healthy() {
  rig_systemctl start "$app" || return 1
  rig_wait_until 30 rig_healthy "$port" || { echo "no 200 from /health"; return 1; }
}
rig_check "systemctl start $app" started_and_healthy
rig_check "systemctl start $worker" rig_systemctl start "$worker"

refused_with() {
  local unit=$1 code=$2
  rig_systemctl stop "$unit" || return 1
  rig_systemctl daemon-reload || return 1
  rig_systemctl reset-failed "$unit" 2>/dev/null || true
  if rig_systemctl start "$unit" 2>/dev/null; then
    echo "the start of $unit succeeded despite the drift"
    return 1
  fi
  # The journal captured once: grep -q closing a pipe early would fail it under pipefail.
  local journal
  journal=$(rig_journal "$unit")
  grep -q "\[$code\]" <<<"$journal" || { echo "no [$code] in the journal"; tail -n 20 <<<"$journal"; return 1; }
  grep "\[$code\]" <<<"$journal" | tail -n 1
}

# --- a drop-in that weakens the hardening -------------------------------------------------------
rig_write_file /etc/systemd/system/$app.d/50-debug.conf <<'CONF'
[Service]
ProtectSystem=no
CapabilityBoundingSet=CAP_SYS_ADMIN
CONF
rig_check "a drop-in weakening the hardening refuses the start (CSD133)" refused_with "$app" CSD133
names_dropin() { grep "\[CSD133\]" <<<"$(rig_journal "$app")" | grep "/etc/systemd/system/$app.d/50-debug.conf" >/dev/null; }
rig_check "the journal names the drop-in" names_dropin
fix_says_remove() { grep -q "remove the drop-in /etc/systemd/system/$app.d/50-debug.conf" <<<"$(rig_journal "$app")"; }
rig_check "the fix is to remove the drop-in, not to render" fix_says_remove
rig_run rm /etc/systemd/system/$app.d/50-debug.conf
starts_again() {
  rig_systemctl daemon-reload || return 1
  rig_systemctl reset-failed "$app" 2>/dev/null || true
  started_and_healthy
}
rig_check "without the drop-in the service starts again" starts_again

# --- an orphaned worker -------------------------------------------------------------------------
rig_run cp "$contract.base" "$contract"
orphan_in_check() {
  local out
  out=$(rig_run "$tool" check --contract "$contract" 2>&1) && { echo "check passed: $out"; return 1; }
  grep -q "/etc/systemd/system/$worker:1: error: \[CSD134\]" <<<"$out" || { echo "$out"; return 1; }
}
rig_check "check names the orphaned unit (CSD134)" orphan_in_check
kept_while_running() {
  local out
  out=$(rig_run "$tool" render --contract "$contract" 2>&1) && { echo "render exited 0: $out"; return 1; }
  grep -q "kept      /etc/systemd/system/$worker" <<<"$out" || { echo "$out"; return 1; }
  grep -q "systemctl disable --now $worker" <<<"$out" || { echo "$out"; return 1; }
  rig_run test -f "/etc/systemd/system/$worker"
}
rig_check "render keeps the running orphan and says how to stop it" kept_while_running
rig_check "the orphan's own start is refused (CSD134)" refused_with "$worker" CSD134
removed_once_stopped() {
  local out
  out=$(rig_run "$tool" render --contract "$contract" 2>&1) || { echo "$out"; return 1; }
  grep -q "removed   /etc/systemd/system/$worker" <<<"$out" || { echo "$out"; return 1; }
  grep -q "next: systemctl disable --now $worker" <<<"$out" || { echo "$out"; return 1; }
  ! rig_run test -e "/etc/systemd/system/$worker"
}
# A refused start leaves the worker "activating (auto-restart)" (Restart=on-failure): render rightly
# keeps it until it is stopped, as its message said.
rig_check "systemctl stop $worker, as render said" rig_systemctl stop "$worker"
rig_check "render removes the stopped orphan and prints the disable line" removed_once_stopped
rig_check "check passes after render" rig_run "$tool" check --contract "$contract"
restart_ok() {
  rig_systemctl daemon-reload || return 1
  rig_systemctl restart "$app" || return 1
  rig_wait_until 30 rig_healthy "$port"
}
rig_check "the service starts after render" restart_ok

rig_check "systemctl stop $app" rig_systemctl stop "$app"
rig_summary
