#!/usr/bin/env bash
# Render and check under real systemd: the units rendered from the example contract install and
# start, gunicorn serves and reloads under the hardening, `systemd-analyze` accepts and rates the
# units; then each drift (a `conda run` wrapper, a changed PIDFile=, a drop-in with another
# restart flag) makes `systemctl start` fail with the finding in the journal, and the service
# starts again once the drift is gone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init render-check

rig_example_names
unit_file=/etc/systemd/system/$app

rig_on_fail() { rig_journal "$app" -n 40; }

port=$(rig_free_port)
# The example contract, with the tool where the rig puts it and a port free on this host.
rig_example_deployment "$root" "$prefix" "$port" "$tool" "$contract"

rig_boot "csd-e2e-render-$$" --bind="$root/opt:/opt"

rig_check "render writes the deployment" rig_run "$tool" render --contract "$contract"
rig_check "check passes on the rendered deployment" rig_run "$tool" check --contract "$contract"
rig_check "render --check finds nothing to change" rig_run "$tool" render --contract "$contract" --check
rig_systemctl daemon-reload

verify_quiet() {
  local out
  out=$(rig_run systemd-analyze verify "$unit_file" /etc/systemd/system/mes-dashboard-watchdog.service 2>&1) || {
    echo "$out"
    return 1
  }
  # verify exits 0 even for unknown keys and bad values: anything it prints is a failure.
  [ -z "$out" ] || { echo "$out"; return 1; }
}
rig_check "systemd-analyze verify prints nothing for the rendered units" verify_quiet

started_and_healthy() {
  rig_systemctl start "$app" || return 1
  rig_wait_until 30 rig_healthy "$port" || { echo "no 200 from /health"; return 1; }
}
rig_check "systemctl start $app (check passes as ExecStartPre=)" started_and_healthy

rig_check_main_process "$app" /run/mes-dashboard/gunicorn.pid "$prefix"

exposure() {
  rig_run systemd-analyze security "$1" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
score_at_most() {
  local score
  score=$(exposure "$1")
  echo "$1: $score"
  [ -n "$score" ] && awk -v s="$score" -v max="$2" 'BEGIN { exit !(s <= max) }'
}
rig_check "systemd-analyze security rates $app 1.5 or less" score_at_most "$app" 1.5
rig_check "systemd-analyze security rates the watchdog unit 1.5 or less" \
  score_at_most mes-dashboard-watchdog.service 1.5
rig_log "exposure: app $(exposure "$app"), watchdog $(exposure mes-dashboard-watchdog.service)"

workers() { rig_run sh -c "cat /proc/$main_pid/task/*/children" | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' '; }
old_workers=$(workers)
reload_replaces_workers() {
  rig_systemctl reload "$app" || return 1
  local deadline=$((SECONDS + 30)) now
  while [ $SECONDS -lt $deadline ]; do
    now=$(workers)
    if [ -n "$now" ] && [ "$(comm -12 <(tr ' ' '\n' <<<"$old_workers" | sed '/^$/d') <(tr ' ' '\n' <<<"$now" | sed '/^$/d'))" = "" ] &&
      [ "$(wc -w <<<"$now")" -ge 2 ]; then
      return 0
    fi
    sleep 0.2
  done
  echo "workers before: $old_workers, after: $(workers)"
  return 1
}
rig_check "systemctl reload replaces every worker under the hardening" reload_replaces_workers
rig_check "gunicorn is still healthy after the reload" rig_wait_until 10 rig_healthy "$port"

# --- drift: each one must stop the start, with the finding in the journal ---------------------

start_refused_with() {
  local code=$1
  rig_systemctl stop "$app" || return 1
  rig_systemctl daemon-reload || return 1
  if rig_systemctl start "$app" 2>/dev/null; then
    echo "the start succeeded despite the drift"
    return 1
  fi
  rig_journal "$app" | grep "\[$code\]" >/dev/null || { echo "no [$code] in the journal"; rig_journal "$app" -n 20; return 1; }
  rig_journal "$app" | grep "\[$code\]" | tail -n 1
}
starts_again() {
  rig_systemctl daemon-reload || return 1
  rig_systemctl reset-failed "$app" || true
  started_and_healthy
}

rig_run sed -i "s|^ExecStart=.*|ExecStart=/usr/bin/env bash -lc 'exec conda run --no-capture-output -n mes-dashboard gunicorn --config gunicorn.conf.py mes_dashboard:create_app()'|" "$unit_file"
rig_check "a conda run wrapper in ExecStart= refuses the start (CSD101)" start_refused_with CSD101
rig_check "render repairs the unit" rig_run "$tool" render --contract "$contract"
rig_check "the service starts again" starts_again

rig_run sed -i "s|^Type=notify|&\nPIDFile=/run/mes-dashboard/other.pid|" "$unit_file"
rig_check "a changed PIDFile= refuses the start (CSD104)" start_refused_with CSD104
rig_check "render repairs the unit" rig_run "$tool" render --contract "$contract"
rig_check "the service starts again" starts_again

rig_write_file /etc/systemd/system/$app.d/flag.conf <<'CONF'
[Service]
Environment=WATCHDOG_RESTART_FLAG=/tmp/mes_dashboard_restart.flag
CONF
rig_check "a drop-in with another restart flag refuses the start (CSD105)" start_refused_with CSD105
rig_check "render --check shows no difference in the files it owns" rig_run "$tool" render --contract "$contract" --check
rig_run rm /etc/systemd/system/$app.d/flag.conf
rig_check "without the drop-in the service starts again" starts_again

rig_check "systemctl stop $app" rig_systemctl stop "$app"
rig_summary
