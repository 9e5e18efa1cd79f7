#!/usr/bin/env bash
# Zero-downtime deploys under real systemd, under load (wrk, no keep-alive, on loopback):
#   1. the plain layout (gunicorn binds its own port) and `systemctl restart`, measured for the table;
#   2. the one-time switch to [service] zero_downtime = true with the runbook's commands: render keeps
#      the running unit, the socket unit takes the port, the blue instance serves;
#   3. load across 5 code deploys (each changes the code_version /health reports), 2 environment
#      deploys and 1 deploy of an environment that answers 503, which must fail and leave the old
#      instance serving: 0 failed requests; then the same load as long without deploys (the baseline);
#   4. bad input: a new instance that crashes at import, one that never gets ready, two deploys at
#      once, a bind the socket cannot hold; the new instance seen mid-boot at its small CPU weight;
#   5. a restart request through the admin endpoint with restart_mode = "swap": new code, 0 failures;
#      a swap request that comes during a deploy waits for it and is carried out after it;
#   6. the way back to the plain layout with the runbook's commands: mes-dashboard.service serves again,
#      nothing of the zero-downtime layout is left running or installed.
# Latencies are reported (and written to the log for docs/performance.md), never asserted: speed
# belongs in bench/, and this machine is shared.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init zero-downtime

root=$RIG_WORK/root
tool=$RIG_CONTAINER_BIN_DIR/conda-systemd
contract=/opt/mes-dashboard/runtime.toml
installed=/etc/conda-systemd/mes-dashboard.toml
first=/opt/miniconda3/envs/mes-dashboard
second=/opt/miniconda3/envs/mes-dashboard-2026.12
version_py=$root/opt/mes-dashboard/mes_dashboard/version.py
token=zd-$RANDOM$RANDOM
py=/usr/bin/python3.11
results=$RIG_WORK/results.txt

rig_on_fail() {
  rig_systemctl list-units --no-legend 'mes-dashboard*' || true
  rig_journal mes-dashboard@blue.service -n 15 -o cat || true
  rig_journal mes-dashboard@green.service -n 15 -o cat || true
  rig_journal mes-dashboard-swap.service -n 20 -o cat || true
  rig_journal mes-dashboard-watchdog.service -n 15 -o cat || true
}
rig_on_exit() { rig_load_stop_all; }

[ -x "$RIG_CONDA_SYSTEMD_BIN" ] || rig_die "no conda-systemd binary at $RIG_CONDA_SYSTEMD_BIN"
port=$(rig_free_port)
rig_example_deployment "$root" "$first" "$port" "$tool" "$contract"
"$RIG_REPO/tests/fixtures/make-conda-env.sh" --root "$root" --prefix "$second" >/dev/null
"$RIG_REPO/tests/fixtures/make-conda-env.sh" --root "$root" --prefix /opt/miniconda3/envs/mes-dashboard-broken \
  --env-var MES_DASHBOARD_MAINTENANCE=broken-build >/dev/null
chmod -R a+rX "$root/opt"
url=http://127.0.0.1:$port/health

set_code_version() { printf 'CODE_VERSION = "%s"\n' "$1" >"$version_py"; }
code_version() { curl --noproxy '*' -s --max-time 5 "$url" | $py -c 'import json, sys; print(json.load(sys.stdin)["code_version"])'; }
# One measured load: NAME, then the command that runs under it.
measure() {
  local name=$1
  shift
  local rc=0
  rig_load_start "$name" "$url"
  "$@" || rc=$?
  rig_load_stop "$name" >/dev/null
  echo "$name $(rig_load_summary "$RIG_WORK/load-$name.txt")" | tee -a "$results"
  return "$rc"
}
failures_of() { awk -v n="$1" '$1 == n { print $3 }' "$results"; }

# --- 1. the plain layout and systemctl restart ----------------------------------------------------------
rig_serve_example "csd-e2e-zd-$$" "$root" "$tool" "$contract" "$port" "$token"
restarts() {
  local i
  for i in 1 2 3; do
    sleep 2
    rig_systemctl restart mes-dashboard.service
  done
  sleep 2
}
measure plain-restart restarts
rig_log "plain layout, 3 restarts: $(failures_of plain-restart) failed requests (expected: connections refused)"

# --- 2. the one-time switch -----------------------------------------------------------------------------
sed -i -e 's/^graceful_timeout = .*/&\nzero_downtime = true/' -e 's/^history_limit = .*/&\nrestart_mode = "swap"/' \
  "$root$contract"
rig_check "render of the zero_downtime contract keeps the running mes-dashboard.service" \
  sh -c "$(printf '%q ' nsenter -t "$RIG_PID" -a "$tool" render --contract "$contract") 2>&1 | grep -q 'kept'"
rig_check "mes-dashboard.service still runs" rig_systemctl is-active --quiet mes-dashboard.service
rig_check "the runbook gives the switch" rig_run grep -q 'systemctl enable --now mes-dashboard.target' /opt/mes-dashboard/RUNBOOK.md
switch() {
  # The runbook's one-time switch (the old unit holds the port the socket needs), as written there.
  local cmd
  while IFS= read -r -d '' cmd; do
    rig_run sh -c "$cmd" || { echo "failed: $cmd"; return 1; }
  done < <($py "$RIG_DIR/runbook_steps.py" steps "$root/opt/mes-dashboard/RUNBOOK.md" switch)
}
rig_check "the runbook's switch commands run" switch
rig_check "GET /health answers 200 from the blue instance" rig_wait_until 30 rig_healthy "$port"
rig_check_eq "blue is the active instance" blue "$(rig_run cat /var/lib/mes-dashboard/conda-systemd-active 2>/dev/null || echo blue)"
listen_env() {
  local pid
  pid=$(rig_unit_prop mes-dashboard@blue.service MainPID)
  # gunicorn unsets LISTEN_* once it took the descriptors: what it serves is the proof.
  rig_run sh -c "ls -l /proc/$pid/fd" | grep -q 'socket:' || return 1
  [ "$(rig_run sh -c "cat /proc/$pid/comm")" != conda-systemd ]
}
rig_check "gunicorn is the instance's main process and holds the inherited sockets" listen_env
rig_check "check passes for the instance" rig_run "$tool" check --contract "$installed" --unit mes-dashboard@blue.service
rig_check "render again removes the stopped mes-dashboard.service" rig_run "$tool" render --contract "$contract"
rig_check "mes-dashboard.service is gone" sh -c "! $(printf '%q ' nsenter -t "$RIG_PID" -a test -e /etc/systemd/system/mes-dashboard.service)"

# --- 3. deploys under load, then the same load as long without deploys ----------------------------------
deploys() {
  local v out rc
  for v in 2 3 4 5 6; do
    set_code_version "$v"
    rig_run "$tool" deploy --contract "$installed" --retries 30 >>"$RIG_WORK/deploys.log" 2>&1 || return 1
    [ "$(code_version)" = "$v" ] || { echo "code_version $(code_version), expected $v"; return 1; }
  done
  rig_run "$tool" deploy --contract "$installed" --env-name mes-dashboard-2026.12 >>"$RIG_WORK/deploys.log" 2>&1 || return 1
  rig_run "$tool" deploy --contract "$installed" --env-name mes-dashboard >>"$RIG_WORK/deploys.log" 2>&1 || return 1
  rc=0
  out=$(rig_run "$tool" deploy --contract "$installed" --env-name mes-dashboard-broken --retries 3 2>&1) || rc=$?
  echo "$out" >>"$RIG_WORK/deploys.log"
  [ "$rc" -eq 1 ] || { echo "broken deploy exit $rc, expected 1"; return 1; }
  grep -q 'swap failed at health' <<<"$out" || { echo "$out"; return 1; }
}
deploys_ok=yes
window=$SECONDS
measure zd-deploys deploys || deploys_ok=no
window=$((SECONDS - window))
rig_check_eq "5 code deploys, 2 environment deploys and a broken one ran as expected" yes "$deploys_ok" \
  || cat "$RIG_WORK/deploys.log"
rig_check_eq "0 failed requests across the deploys" 0 "$(failures_of zd-deploys)"
rig_check_eq "the previous environment serves after the broken one" "$first" \
  "$(rig_run sh -c "tr '\\0' '\\n' </proc/\$(systemctl show -p MainPID --value mes-dashboard@\$(cat /var/lib/mes-dashboard/conda-systemd-active).service)/environ" | sed -n 's/^CONDA_PREFIX=//p')"
rig_check "verify passes on the active instance" rig_run "$tool" verify --contract "$installed"
# The baseline is as long as the deploys took: the maximum of a shorter window is a smaller sample of
# this machine's scheduling stalls, and would not be "the same load".
measure zd-baseline sleep "$window"
ratio() {  # COLUMN of the results: deploys' over the baseline's (5 = p99, 6 = max)
  local d b
  d=$(rig_ms "$(awk -v c="$1" '$1 == "zd-deploys" { print $c }' "$results")")
  b=$(rig_ms "$(awk -v c="$1" '$1 == "zd-baseline" { print $c }' "$results")")
  awk -v d="$d" -v b="$b" 'BEGIN { printf "%.2f (%s ms over %s ms)\n", d / b, d, b }'
}
rig_log "over ${window} s each: max latency during deploys / without: $(ratio 6); p99: $(ratio 5)"

# --- 4. bad input ---------------------------------------------------------------------------------------
active_before=$(rig_run cat /var/lib/mes-dashboard/conda-systemd-active)
bad_deploy() {  # STEP: the deploy must exit 1 naming STEP, and the same instance must serve
  local step=$1 out rc=0
  shift
  out=$(rig_run "$tool" deploy --contract "$installed" "$@" 2>&1) || rc=$?
  [ "$rc" -eq 1 ] || { echo "$out"; echo "exit $rc, expected 1"; return 1; }
  grep -q "swap failed at $step" <<<"$out" || { echo "$out"; return 1; }
  [ "$(rig_run cat /var/lib/mes-dashboard/conda-systemd-active)" = "$active_before" ] || return 1
  rig_healthy "$port"
}
printf 'raise SystemExit("broken code")\n' >"$version_py"
rig_check "a new instance that crashes at start: deploy exits 1 at the start" bad_deploy start
printf 'import time\ntime.sleep(60)\nCODE_VERSION = "slow"\n' >"$version_py"
rig_check "a new instance that never gets ready: deploy exits 1 at the start" bad_deploy start --restart-timeout 4s
two_at_once() {
  local first_pid out rc=0
  printf 'import time\ntime.sleep(3)\nCODE_VERSION = "7"\n' >"$version_py"
  rig_run "$tool" deploy --contract "$installed" >"$RIG_WORK/first-deploy.log" 2>&1 &
  first_pid=$!
  sleep 1
  out=$(rig_run "$tool" deploy --contract "$installed" 2>&1) || rc=$?
  wait "$first_pid" || { cat "$RIG_WORK/first-deploy.log"; return 1; }
  [ "$rc" -eq 2 ] && grep -q 'another render, deploy or rollback' <<<"$out" || { echo "$out (exit $rc)"; return 1; }
  [ "$(code_version)" = 7 ]
}
rig_check "two deploys at once: the second is refused, the first completes" two_at_once
# The new instance boots at CPU weight 10 (a runtime property) and gets its own back after its health
# check, before the old one stops; the trial always runs at 10 (rendered). The instance's import waits
# for a gate file (the trial's does not: its cgroup names it), so the swap can be seen mid-boot without
# timing it. On this rig the weight is systemd's record only (no cpu controller in the container:
# docs/testing.md); the check is that the swap asks systemd for it and takes it back.
gate=/opt/mes-dashboard/boot-gate
gated_code_version() {  # VERSION: the instance's import waits until the gate file exists
  rm -f "$root$gate"
  printf 'import os, time\nif "trial@" not in open("/proc/self/cgroup").read():\n    while not os.path.exists("%s"):\n        time.sleep(0.05)\nCODE_VERSION = "%s"\n' \
    "$gate" "$1" >"$version_py"
}
boot_weight() {
  local old new rc=0 out
  old=$(rig_run cat /var/lib/mes-dashboard/conda-systemd-active)
  new=$([ "$old" = blue ] && echo green || echo blue)
  gated_code_version weight
  rig_run "$tool" deploy --contract "$installed" >"$RIG_WORK/weight-deploy.log" 2>&1 &
  local pid=$!
  activating() { [ "$(rig_unit_prop "mes-dashboard@$new.service" ActiveState)" = activating ]; }
  rig_wait_until 60 activating || { touch "$root$gate"; wait "$pid"; cat "$RIG_WORK/weight-deploy.log"; return 1; }
  local during trial
  during=$(rig_unit_prop "mes-dashboard@$new.service" CPUWeight)
  trial=$(rig_unit_prop "mes-dashboard-trial@$new.service" CPUWeight)
  touch "$root$gate"
  wait "$pid" || rc=$?
  out=$(cat "$RIG_WORK/weight-deploy.log")
  [ "$rc" -eq 0 ] || { echo "$out (exit $rc)"; return 1; }
  [ "$during" = 10 ] || { echo "CPUWeight of mes-dashboard@$new.service while it boots: $during"; return 1; }
  [ "$trial" = 10 ] || { echo "CPUWeight of the trial: $trial"; return 1; }
  # Weights weigh against siblings: the trial is in the instances' slice.
  [ "$(rig_unit_prop "mes-dashboard-trial@$new.service" Slice)" = "$(rig_unit_prop "mes-dashboard@$new.service" Slice)" ] ||
    { echo "the trial is in $(rig_unit_prop "mes-dashboard-trial@$new.service" Slice)"; return 1; }
  local after
  after=$(rig_unit_prop "mes-dashboard@$new.service" CPUWeight)
  [ "$after" = '[not set]' ] || { echo "CPUWeight of mes-dashboard@$new.service once it serves: $after"; return 1; }
  # Back before the old one stopped: the deploy's lines in that order.
  local back stop
  back=$(grep -n "mes-dashboard@$new.service is back to CPU weight the default" <<<"$out" | head -n1 | cut -d: -f1)
  stop=$(grep -n "stopped mes-dashboard@$old.service gracefully" <<<"$out" | head -n1 | cut -d: -f1)
  [ -n "$back" ] && [ -n "$stop" ] && [ "$back" -lt "$stop" ] || { echo "$out"; return 1; }
  [ "$(code_version)" = weight ]
}
rig_check "the new instance boots at CPU weight 10 and has its own back before the old one stops" boot_weight
busy_bind() {
  # The socket cannot hold a port something else holds: its start fails, the journal says why.
  rig_systemctl stop mes-dashboard.target
  # PartOf= stops them with the target; said again so the port is free whatever the order.
  rig_systemctl stop mes-dashboard.socket mes-dashboard-listener.service 'mes-dashboard@*.service'
  rig_wait_until 10 sh -c "! $(printf '%q ' nsenter -t "$RIG_PID" -a systemctl is-active --quiet mes-dashboard.socket)" || return 1
  rig_run "$py" -c "import socket, time; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $port)); s.listen(); time.sleep(8)" &
  local holder=$!
  sleep 1
  # check names it before the start (CSD137): the address, and the process that holds it.
  local out
  out=$(rig_run "$tool" check --contract "$installed" 2>&1) || true
  grep -q "\[CSD137\] service.bind 127.0.0.1:$port is already in use: mes-dashboard.socket" <<<"$out" || { echo "$out"; return 1; }
  grep -q "PID [0-9]* (python3.11) listens on it" <<<"$out" || { echo "$out"; return 1; }
  ! rig_systemctl start mes-dashboard.socket 2>/dev/null || return 1
  rig_journal mes-dashboard.socket | grep 'Address already in use' >/dev/null || return 1
  wait "$holder"
  rig_systemctl reset-failed mes-dashboard.socket
  rig_systemctl start mes-dashboard.target
  rig_wait_until 30 rig_healthy "$port"
}
rig_check "a bind the socket cannot hold: check names it, its start fails with the reason in the journal" busy_bind

# --- 5. a restart request through the admin endpoint, carried out as a swap ------------------------------
set_code_version 8
post_restart() {
  curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -H "Authorization: Bearer $token" \
    -H 'X-Admin-User: e2e-admin' "http://127.0.0.1:$port/admin/api/worker/restart"
}
is_version_8() { [ "$(code_version)" = 8 ]; }
admin_swap() {
  [ "$(post_restart)" = 202 ] || return 1
  rig_wait_until 60 is_version_8
  sleep 1
}
swap_ok=yes
measure zd-admin-swap admin_swap || swap_ok=no
rig_check_eq "a restart request in swap mode brings the new code" yes "$swap_ok"
rig_check_eq "0 failed requests across the admin swap" 0 "$(failures_of zd-admin-swap)"
swap_done() { [ "$(rig_unit_prop mes-dashboard-swap.service ActiveState)" = inactive ]; }
# The watchdog (the service user) asked; root's swap unit lowered and raised the weight.
admin_weight() {
  local active
  active=$(rig_run cat /var/lib/mes-dashboard/conda-systemd-active)
  rig_journal mes-dashboard-swap.service -o cat | grep "mes-dashboard@$active.service boots at CPU weight 10" >/dev/null || return 1
  rig_journal mes-dashboard-swap.service -o cat | grep "mes-dashboard@$active.service is back to CPU weight the default" >/dev/null || return 1
  [ "$(rig_unit_prop "mes-dashboard@$active.service" CPUWeight)" = '[not set]' ]
}

# The swap unit still stops the old instance after the new code answers; it holds the lock meanwhile.
rig_check "the admin swap has ended" rig_wait_until 60 swap_done
rig_check "the admin swap booted the instance at CPU weight 10 and gave it its own back" admin_weight
# A swap request that comes while a deploy by hand holds the lock waits for it, and is carried out
# after it: it is removed only once its own deploy holds the lock. Written as the watchdog writes it
# (atomically, 0644), so the admin endpoint's cooldown does not stand in the way.
request_waits() {
  local old new pid
  old=$(rig_run cat /var/lib/mes-dashboard/conda-systemd-active)
  new=$([ "$old" = blue ] && echo green || echo blue)
  gated_code_version 9
  rig_run "$tool" deploy --contract "$installed" >"$RIG_WORK/held-deploy.log" 2>&1 &
  pid=$!
  booting() { [ "$(rig_unit_prop "mes-dashboard@$new.service" ActiveState)" = activating ]; }
  swap_waiting() { [ "$(rig_unit_prop mes-dashboard-swap.service ActiveState)" = activating ]; }
  release() { set_code_version 10; touch "$root$gate"; wait "$pid"; }
  rig_wait_until 60 booting || { release; cat "$RIG_WORK/held-deploy.log"; return 1; }
  rig_run sh -c 'printf "%s\n" "{\"service\":\"mes-dashboard\",\"request_id\":\"e2e-wait-1\",\"requested_by\":\"e2e\"}" >/run/mes-dashboard/.e2e-request &&
    chmod 0644 /run/mes-dashboard/.e2e-request && mv /run/mes-dashboard/.e2e-request /run/mes-dashboard/swap.request'
  rig_wait_until 30 swap_waiting || { release; echo "the swap unit did not start"; return 1; }
  rig_run test -e /run/mes-dashboard/swap.request || { release; echo "the request was removed under another deploy's lock"; return 1; }
  release || { cat "$RIG_WORK/held-deploy.log"; return 1; }
  rig_wait_until 120 swap_done || { echo "the swap unit did not end"; return 1; }
  [ "$(code_version)" = 10 ] || { echo "code_version $(code_version), expected 10"; rig_journal mes-dashboard-swap.service -n 20 -o cat; return 1; }
  rig_run test ! -e /run/mes-dashboard/swap.request || return 1
  rig_run test ! -e /run/mes-dashboard/swap.request.rejected || { echo "set aside"; return 1; }
  rig_journal mes-dashboard-swap.service -o cat | grep 'request e2e-wait-1 by e2e: new code for mes-dashboard' >/dev/null
}
rig_check "a swap request during a deploy waits for its lock and is carried out after it" request_waits

# --- 6. the way back to the plain layout, with the runbook's commands -----------------------------------
sed -i -e '/^zero_downtime = true$/d' -e '/^restart_mode = "swap"$/d' "$root$contract"
rig_check "render of the plain contract keeps the running zero-downtime units" \
  sh -c "$(printf '%q ' nsenter -t "$RIG_PID" -a "$tool" render --contract "$contract") 2>&1 | grep -q 'kept'"
rig_check "the target still serves" rig_healthy "$port"
rig_check "the runbook gives the way back" rig_run grep -q 'systemctl enable --now mes-dashboard.service' /opt/mes-dashboard/RUNBOOK.md
rig_check "the runbook's way back runs" switch
rig_check "GET /health answers 200 from mes-dashboard.service" rig_wait_until 30 rig_healthy "$port"
rig_check "mes-dashboard.service is active and enabled" rig_systemctl is-enabled --quiet mes-dashboard.service
rig_check_main_process mes-dashboard.service /run/mes-dashboard/gunicorn.pid "$first"
leftover_units() {
  # Every mes-dashboard unit systemd still knows as loaded or running, but the plain layout's own.
  rig_systemctl list-units --all --no-legend --plain 'mes-dashboard*' |
    awk '$1 != "mes-dashboard.service" && $1 != "mes-dashboard-watchdog.service" && $3 != "inactive" { print $1 }'
}
rig_check_eq "no socket, listener, target or instance is left active" "" "$(leftover_units)"
rig_check_eq "no unit file of the zero-downtime layout is left" "" \
  "$(rig_run sh -c 'ls /etc/systemd/system | grep -E "^mes-dashboard(@|-health@|-trial@|-listener|-swap|\.socket|\.target)"' || true)"
rig_check_eq "no socket file is left" "" "$(rig_run sh -c 'ls /run/conda-systemd/mes-dashboard 2>/dev/null' || true)"
rig_check_eq "the active instance is forgotten" no "$(rig_run test -e /var/lib/mes-dashboard/conda-systemd-active && echo yes || echo no)"
rig_check "check passes on the plain layout" rig_run "$tool" check --contract "$installed"
rig_check "verify passes on the plain layout" rig_run "$tool" verify --contract "$installed"
rig_check "systemctl stop mes-dashboard.service" rig_systemctl stop mes-dashboard.service
echo "--- results (name requests failures p50 p99 max) ---"
cat "$results"
rig_summary
