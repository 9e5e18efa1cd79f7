#!/usr/bin/env bash
# Import under real systemd: the hand-written dashboard deployment of tests/fixtures/dashboard-units
# (bash -lc + conda run wrappers, a .env with an inline comment, PIDFile= against --pid) is imported
# into a contract; the report names the planted inconsistencies; the contract renders a deployment
# that passes check, starts, serves and reloads, with gunicorn as the unit's main process.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init import

rig_example_names
bin=$RIG_CONDA_SYSTEMD_BIN
contract=/opt/mes-dashboard/imported.toml

rig_on_fail() { rig_journal "$app" -n 40; }

rig_fixture_env "$root" "$prefix"
# rq is not packaged here and there is no Redis: the workers are imported, rendered and checked,
# not started, so an entry point of the environment stands in for rq.
printf '#!%s/bin/python\nimport sys\nsys.exit("rq stand-in: no Redis in this test")\n' "$prefix" >"$root$prefix/bin/rq"
chmod 755 "$root$prefix/bin/rq"
rig_example_app "$root"
cp -r "$RIG_REPO/tests/fixtures/dashboard-units/." "$root/"
port=$(rig_free_port)
# The fixture's port, made one that is free on this host (containers share its network).
sed -i "s/127.0.0.1:8080/127.0.0.1:$port/" "$root/etc/systemd/system/$app"
chmod -R a+rX "$root/opt"

report=$RIG_WORK/report.txt
import_writes_contract() {
  "$bin" import --name mes-dashboard --root "$root" --unit-dir /etc/systemd/system --tool "$tool" \
    --output "$root$contract" --secrets-output "$RIG_WORK/clean.env" >"$report" 2>&1 || { cat "$report"; return 1; }
  [ -s "$root$contract" ] && [ -s "$RIG_WORK/clean.env" ]
}
rig_check "import writes the contract and the cleaned environment file" import_writes_contract

report_names() { grep -q "$1" "$report" || { echo "no '$1' in the report"; cat "$report"; return 1; }; }
rig_check "the report names PIDFile= against --pid (CSD104)" report_names "mes-dashboard.service:14: error: \[CSD104\]"
rig_check "the report names the .env inline comment (CSD111)" report_names "/opt/mes-dashboard/.env:7: error: \[CSD111\]"
rig_check "the report names the state file the dashboard never gets (CSD106)" report_names "\[CSD106\]"
rig_check "the report names the wrappers (CSD101)" report_names "mes-dashboard-wip-worker.service:10: error: \[CSD101\]"
rig_check "the report names the shared RuntimeDirectory= (CSD109)" report_names "\[CSD109\]"
rig_check "the report lists the chosen PID file" report_names "paths.pid_file = /run/mes-dashboard/gunicorn.pid"
rig_check "the report says the wrapper goes" report_names "wrapper removed"

refuses_a_partial_contract() {
  local out=$RIG_WORK/partial.toml rc=0
  mv "$root/opt/mes-dashboard/.env" "$RIG_WORK/env.saved"
  "$bin" import --name mes-dashboard --root "$root" --output "$out" >"$RIG_WORK/partial.txt" 2>&1 || rc=$?
  mv "$RIG_WORK/env.saved" "$root/opt/mes-dashboard/.env"
  [ "$rc" = 1 ] || { echo "exit status $rc, expected 1"; cat "$RIG_WORK/partial.txt"; return 1; }
  [ ! -e "$out" ] || { echo "a partial contract was written"; return 1; }
  grep -q "nothing written" "$RIG_WORK/partial.txt"
}
rig_check "without the .env the import writes nothing and says why" refuses_a_partial_contract

# The old .env, cleaned: no inline comment, no variable the contract now owns.
cp "$RIG_WORK/clean.env" "$root/opt/mes-dashboard/.env"
chmod 644 "$root/opt/mes-dashboard/.env"
# The hand-written units are replaced: render writes the new ones into the container's /etc.
rm -rf "$root/etc"

rig_boot "csd-e2e-import-$$" --bind="$root/opt:/opt"

rig_check "render accepts the imported contract" rig_run "$tool" render --contract "$contract"
rig_check "check passes for the app on the re-rendered deployment" \
  rig_run "$tool" check --contract "$contract" --unit "$app"
rig_systemctl daemon-reload

started_and_healthy() {
  rig_systemctl start "$app" || return 1
  rig_wait_until 30 rig_healthy "$port" || { echo "no 200 from /health on port $port"; return 1; }
}
rig_check "systemctl start $app: the imported deployment serves" started_and_healthy
rig_check "the watchdog unit runs beside it" rig_wait_until 10 rig_systemctl is-active --quiet mes-dashboard-watchdog.service

rig_check_main_process "$app" /run/mes-dashboard/gunicorn.pid "$prefix"
rig_check "systemctl reload $app" rig_systemctl reload "$app"
rig_check "still serving after the reload" rig_wait_until 10 rig_healthy "$port"
rig_check "systemctl stop $app" rig_systemctl stop "$app"
rig_summary
