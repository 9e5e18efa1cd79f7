#!/usr/bin/env bash
# The watchdog under real systemd, with the example dashboard deployed from its contract
# (render, check as ExecStartPre=, exec): an admin's POST /admin/api/worker/restart replaces the
# workers and GET /admin/api/worker/status shows the confirmed entry; four more reloads, each confirmed
# by its health probe (the watchdog's memory after the five is logged, by mapping); a PID file pointing at an
# unrelated process of the same user signals nothing, the process survives and the refusal is
# recorded; `scale +1` then `scale -1` change the worker count and are confirmed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init watchdog-restart

rig_example_names
token=wd-$RANDOM$RANDOM

rig_on_fail() {
  rig_journal "$wd" -n 30 -o cat
  rig_journal "$app" -n 15 -o cat
}

[ -x "$RIG_CONDA_SYSTEMD_BIN" ] || rig_die "no conda-systemd binary at $RIG_CONDA_SYSTEMD_BIN"
port=$(rig_free_port)
rig_example_deployment "$root" "$prefix" "$port" "$tool" "$contract"

rig_serve_example "csd-e2e-wd-restart-$$" "$root" "$tool" "$contract" "$port" "$token"

main_pid=$(rig_unit_prop "$app" MainPID)
workers() { rig_run sh -c "cat /proc/$main_pid/task/*/children" | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' '; }
old_workers=$(workers)
rig_log "gunicorn master $main_pid, workers $old_workers"

# JSON from the app's status endpoint, one field picked by a Python expression on `s`.
api_status() {
  curl --noproxy '*' -s --max-time 5 -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/admin/api/worker/status"
}
status_field() {
  api_status | $py -c "import json, sys; d = json.load(sys.stdin)['data']; s = d['state']; print($1)"
}
post_restart() {
  curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -H "Authorization: Bearer $token" \
    -H "X-Admin-User: $1" -H 'Content-Type: application/json' -d "${2:-{\}}" \
    "http://127.0.0.1:$port/admin/api/worker/restart"
}

# --- an admin restarts the workers through the dashboard ------------------------------------------------
rig_check_eq "POST /admin/api/worker/restart is accepted" 202 "$(post_restart e2e-admin)"
confirmed() {
  [ "$(status_field "(s['last_restart'] or {}).get('requested_by'), (s['last_restart'] or {}).get('confirmation')")" \
    = "e2e-admin confirmed" ]
}
rig_check "the status endpoint shows the entry confirmed within 40 s" rig_wait_until 40 confirmed
rig_check_eq "the entry is the dashboard's success" "executed signal_sighup True" \
  "$(status_field "s['last_restart']['decision'], s['last_restart']['decision_reason'], s['last_restart']['success']")"
rig_check_eq "the entry names the master it signalled" "$main_pid" "$(status_field "s['last_restart']['master_pid']")"
rig_check_eq "the watchdog asked systemd for the app's MainPID (sd-bus)" "$main_pid" \
  "$(status_field "s['last_restart']['systemd_main_pid']")"
rig_check_eq "policy_state has the dashboard's 13 keys" 13 "$(status_field "len(s['last_restart']['policy_state'])")"
rig_check_eq "the health probe confirmed it" 200 "$(status_field "s['last_restart'].get('health_status')")"
wd_pid=$(rig_unit_prop "$wd" MainPID)
rig_check_eq "the watchdog unit's main process is the daemon program conda-systemd watchdog became" \
  "$RIG_CONTAINER_WATCHDOG_PROGRAM" "$(rig_run readlink "/proc/$wd_pid/exe")"
no_libcurl() {
  local maps
  maps=$(rig_run cat "/proc/$wd_pid/maps") && [ -n "$maps" ] && ! grep -q libcurl <<<"$maps"
}
rig_check "the watchdog never mapped libcurl (its health probe runs in a child)" no_libcurl
rig_log "watchdog after the reload: $(rig_smaps_rollup "$wd_pid")"
new_workers=$(workers)
rig_log "workers now $new_workers"
replaced() {
  local recorded
  recorded=$(status_field "' '.join(str(p) for p in sorted(s['last_restart']['new_workers']))")
  [ "$recorded " = "$new_workers" ] || { echo "recorded '$recorded', running '$new_workers'"; return 1; }
  [ -z "$(comm -12 <(tr ' ' '\n' <<<"$old_workers" | sed '/^$/d') <(tr ' ' '\n' <<<"$new_workers" | sed '/^$/d'))" ] \
    || { echo "old workers still there: $old_workers / $new_workers"; return 1; }
}
rig_check "every old worker was replaced, the entry lists the new ones" replaced
rig_check_eq "the master is the same process" "$main_pid" "$(rig_unit_prop "$app" MainPID)"
rig_check "STATUS= says what the watchdog did" sh -c \
  "nsenter -t $RIG_PID -a systemctl show -p StatusText --value $wd | grep -q 'reload confirmed'"
journal_has_event() {
  rig_run journalctl -b --no-pager -u "$wd" CSD_EVENT=restart_executed -o cat | grep '^worker_watchdog_audit {' >/dev/null
}
rig_check "the journal has the restart_executed audit event with its fields" journal_has_event

# --- four more, each confirmed by its probe: the watchdog's memory after five -----------------------------
# (docs/performance.md, "watchdog": PSS after 5 confirmed reloads with health probes, under sd-bus)
for i in 2 3 4 5; do
  rig_check_eq "reload $i (an acknowledged override, past the cooldown) is accepted" 202 \
    "$(post_restart "e2e-reload-$i" '{"manual_override": true, "override_acknowledged": true}')"
  confirmed_n() {
    [ "$(status_field "(s['last_restart'] or {}).get('requested_by'), (s['last_restart'] or {}).get('confirmation'), (s['last_restart'] or {}).get('health_status')")" \
      = "e2e-reload-$i confirmed 200" ]
  }
  rig_check "reload $i is confirmed by its health probe within 40 s" rig_wait_until 40 confirmed_n
done
rig_check "after five reloads the watchdog still never mapped libcurl" no_libcurl
rig_log "watchdog after five reloads: $(rig_smaps_rollup "$wd_pid")"
rig_log "by mapping (KiB):"$'\n'"$(rig_smaps_breakdown "$wd_pid")"
new_workers=$(workers)

# --- a PID file pointing at an unrelated process of the same user ------------------------------------------------
rig_check "an unrelated www-data process runs" rig_run systemd-run --unit=csd-e2e-sleeper --uid=www-data \
  --gid=www-data /bin/sleep 600
rig_wait_until 10 rig_systemctl is-active --quiet csd-e2e-sleeper.service
sleeper=$(rig_unit_prop csd-e2e-sleeper.service MainPID)
rig_run sh -c "echo $sleeper > /run/mes-dashboard/gunicorn.pid"
rig_check_eq "POST with an acknowledged override (past the cooldown) is accepted" 202 \
  "$(post_restart e2e-intruder '{"manual_override": true, "override_acknowledged": true}')"
refused() {
  [ "$(status_field "(s['last_restart'] or {}).get('requested_by'), (s['last_restart'] or {}).get('decision')")" \
    = "e2e-intruder failed" ]
}
rig_check "the request is decided within 20 s" rig_wait_until 20 refused
rig_check_eq "the refusal names the mismatch" "gunicorn_pid_outside_env False" \
  "$(status_field "s['last_restart']['decision_reason'], s['last_restart']['success']")"
rig_check "the unrelated process survived" rig_systemctl is-active --quiet csd-e2e-sleeper.service
rig_check_eq "its PID is unchanged" "$sleeper" "$(rig_unit_prop csd-e2e-sleeper.service MainPID)"
rig_check_eq "gunicorn's workers were not touched either" "$new_workers" "$(workers)"
rig_run systemctl stop csd-e2e-sleeper.service
rig_run sh -c "echo $main_pid > /run/mes-dashboard/gunicorn.pid"

# --- scale +1, scale -1 ---------------------------------------------------------------------------------------------
count() { wc -w <<<"$(workers)"; }
rig_check "scale +1 is confirmed" rig_run "$tool" scale --contract "$contract" +1
rig_check_eq "three workers run" 3 "$(count)"
rig_check "scale -1 is confirmed" rig_run "$tool" scale --contract "$contract" -1
rig_check "two workers run" rig_wait_until 10 sh -c "[ \$(nsenter -t $RIG_PID -a sh -c 'cat /proc/$main_pid/task/*/children' | wc -w) = 2 ]"
status_ok() {
  local out
  out=$(rig_run "$tool" status --contract "$contract") || { echo "$out"; return 1; }
  echo "$out" | grep -q "PID $main_pid verified" || { echo "$out"; return 1; }
}
rig_check "status verifies the master (MainPID included) and sees the watchdog alive" status_ok
rig_check_eq "the watchdog reports the paths it uses" \
  "/run/mes-dashboard/mes_dashboard_restart.flag $state" \
  "$(rig_run "$tool" status --contract "$contract" --json | $py -c "import json, sys; w = json.load(sys.stdin)['watchdog']['paths']; print(w['restart_flag'], w['state_file'])")"

rig_check "systemctl stop $wd exits cleanly" rig_systemctl stop "$wd"
rig_check_eq "its Result" success "$(rig_unit_prop "$wd" Result)"
rig_check "systemctl stop $app" rig_systemctl stop "$app"
rig_summary
