#!/usr/bin/env bash
# Smoke scenario: a plain unit runs gunicorn from the fixture conda
# environment with the example dashboard under real systemd; /health answers;
# the main process is the environment's python; `systemctl stop` ends it
# cleanly. No conda-systemd binary involved yet.
set -euo pipefail
# shellcheck source=rig.sh
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init smoke

unit=mes-dashboard-smoke.service
rig_example_names
token=smoke-$RANDOM$RANDOM

rig_on_fail() { rig_journal "$unit" -n 40; }

t0=$EPOCHREALTIME
rig_fixture_env "$root" "$prefix"
rig_log "fixture environment built in $(_rig_elapsed "$t0")s"
rig_example_app "$root"

port=$(rig_free_port)
rig_boot "csd-e2e-smoke-$$" --bind="$root/opt:/opt"

# Bound at /opt, the environment must know itself by its run-time prefix.
rig_check_eq "inside the container, sys.prefix is $prefix" "$prefix" \
  "$(rig_run "$prefix/bin/python" -c 'import sys, gunicorn, flask; print(sys.prefix)' 2>&1)"

rig_plain_unit "$unit" "MES dashboard (e2e smoke, plain unit)" "$port" e2e-smoke "$token" \
  "$prefix/bin/gunicorn --config gunicorn.conf.py --pid /run/mes-dashboard/gunicorn.pid 'mes_dashboard:create_app()'" \
  TimeoutStopSec=20
rig_systemctl daemon-reload

rig_start_healthy "$unit" "$port"

health=$(curl --noproxy '*' -s --max-time 5 "http://127.0.0.1:$port/health")
rig_check_eq "health JSON carries the unit's contract version" e2e-smoke \
  "$(/usr/bin/python3.11 -I -c 'import json, sys; print(json.loads(sys.argv[1])["runtime_contract_version"])' "$health")"

rig_check_main_process "$unit" /run/mes-dashboard/gunicorn.pid "$prefix"
rig_check_eq "main process runs as www-data" www-data \
  "$(rig_run stat -c %U "/proc/$main_pid" 2>&1 || true)"

restart_flag_written() {
  local code
  code=$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST \
    -H "Authorization: Bearer $token" "http://127.0.0.1:$port/admin/api/worker/restart")
  [ "$code" = 202 ] || { echo "POST returned $code"; return 1; }
  rig_run test -s /run/mes-dashboard/restart.flag || { echo "no flag in /run/mes-dashboard"; return 1; }
}
rig_check "the app writes the restart flag into its RuntimeDirectory" restart_flag_written

t0=$EPOCHREALTIME
rig_check "systemctl stop $unit" rig_systemctl stop "$unit"
rig_log "stopped in $(_rig_elapsed "$t0")s"
rig_check_eq "ActiveState after stop" inactive "$(rig_unit_prop "$unit" ActiveState)"
rig_check_eq "Result after stop" success "$(rig_unit_prop "$unit" Result)"

clean_shutdown_logged() { rig_journal "$unit" | grep 'Shutting down: Master' >/dev/null; }
rig_check "gunicorn logged a clean master shutdown" clean_shutdown_logged

rig_summary
