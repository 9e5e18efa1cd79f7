#!/usr/bin/env bash
# `conda-systemd list` under real systemd: two contracts installed, one service running and one
# stopped; list (and --json) shows both with the states, main PID and start time systemd reports.
# Also contracts by name: -n NAME, and a usage error naming both when neither is given.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init list

rig_example_names
rig_on_fail() { rig_journal mes-dashboard.service -n 20; }

port=$(rig_free_port)
rig_example_deployment "$root" "$prefix" "$port" "$tool" /opt/mes-dashboard/runtime.toml
mkdir -p "$root/opt/mes-report"
cat >"$root/opt/mes-report/runtime.toml" <<TOML
[contract]
name = "mes-report"
version = "7"
tool = "$tool"

[conda]
prefix = "$prefix"

[service]
user = "www-data"
workdir = "/opt/mes-report"
command = ["gunicorn", "mes_dashboard:create_app()"]

[[worker]]
name = "export"
command = ["python", "-c", "import time; time.sleep(1e9)"]
TOML
chmod -R a+rX "$root/opt"

rig_boot "csd-e2e-list-$$" --bind="$root/opt:/opt"
rig_run "$tool" render --contract /opt/mes-dashboard/runtime.toml >/dev/null
rig_run "$tool" render --contract /opt/mes-report/runtime.toml >/dev/null
rig_write_file /etc/mes-dashboard/secrets.env 640 <<<"MES_ADMIN_TOKEN=list-test"
rig_systemctl daemon-reload
rig_check "mes-dashboard starts" rig_systemctl start mes-dashboard.service mes-dashboard-watchdog.service
rig_wait_until 30 sh -c "curl --noproxy '*' -sf http://127.0.0.1:$port/health"

main=$(rig_unit_prop mes-dashboard.service MainPID)
json=$(rig_run "$tool" list --json)
# field CONTRACT PYTHON-EXPRESSION: one value of the listing, as Python prints it.
field() {
  /usr/bin/python3.11 -I -c 'import json, sys
c = {x["name"]: x for x in json.load(sys.stdin)["contracts"]}[sys.argv[1]]
u = {x["role"] + ("" if x["role"] != "worker" else ":" + x["name"]): x for x in c.get("units", [])}
print(eval(sys.argv[2]))' "$1" "$2" <<<"$json"
}
rig_check_eq "list --json has both contracts" "mes-dashboard mes-report" \
  "$(/usr/bin/python3.11 -I -c 'import json, sys; print(" ".join(x["name"] for x in json.load(sys.stdin)["contracts"]))' <<<"$json")"
rig_check_eq "the running app is active/running" "active/running" "$(field mes-dashboard 'u["app"]["active"] + "/" + u["app"]["sub"]')"
rig_check_eq "its watchdog is active/running" "active/running" "$(field mes-dashboard 'u["watchdog"]["active"] + "/" + u["watchdog"]["sub"]')"
rig_check_eq "its main PID is systemd's MainPID" "$main" "$(field mes-dashboard 'c["main_pid"]')"
rig_check "its start time is set" test "$(field mes-dashboard 'c["active_since_usec"]')" -gt 0
rig_check_eq "its version and environment" "2026.11-1 mes-dashboard" "$(field mes-dashboard 'c["version"] + " " + c["environment"]')"
rig_check_eq "the stopped app is inactive/dead" "inactive/dead" "$(field mes-report 'u["app"]["active"] + "/" + u["app"]["sub"]')"
rig_check_eq "its worker is listed, inactive" "inactive" "$(field mes-report 'u["worker:mes-report-export-worker.service"]["active"]')"
rig_check_eq "the stopped app has no main PID" "0" "$(field mes-report 'c["main_pid"]')"

rows() {
  local text
  text=$(rig_run "$tool" list) || return 1
  echo "$text"
  grep -q "^mes-dashboard .*active/running.* $main " <<<"$text" && grep -q '^mes-report .*inactive/dead' <<<"$text"
}
rig_check "list prints a row for each" rows

rig_check "-n NAME finds the installed contract" rig_run "$tool" contract show -n mes-report
out=$(rig_run "$tool" contract show 2>&1) && rc=0 || rc=$?
rig_check_eq "with two installed, neither -n nor --contract is a usage error" 2 "$rc"
rig_check "that error names both" grep -q "mes-dashboard, mes-report" <<<"$out"

# remove: the running service is stopped and disabled, what render wrote is gone, the secrets stay.
out=$(rig_run "$tool" remove mes-dashboard 2>&1) && rc=0 || rc=$?
echo "$out"
rig_check_eq "remove succeeds" 0 "$rc"
rig_check_eq "remove stopped the app" inactive "$(rig_systemctl is-active mes-dashboard.service || true)"
rig_check_eq "remove stopped the watchdog" inactive "$(rig_systemctl is-active mes-dashboard-watchdog.service || true)"
rig_check "remove deleted the units, the environment file and the installed contract" rig_run sh -c \
  '! test -e /etc/systemd/system/mes-dashboard.service && ! test -e /etc/systemd/system/mes-dashboard-watchdog.service && ! test -e /etc/conda-systemd/mes-dashboard.toml && ! test -e /etc/mes-dashboard/runtime.env'
rig_check "remove kept the secrets file" rig_run test -e /etc/mes-dashboard/secrets.env
rig_check "remove says what it kept" grep -q '^kept *[/]etc/mes-dashboard/secrets.env' <<<"$out"
rig_check_eq "list shows the other contract only" "mes-report" \
  "$(rig_run "$tool" list --json | /usr/bin/python3.11 -I -c 'import json, sys; print(" ".join(x["name"] for x in json.load(sys.stdin)["contracts"]))')"
rig_check "with one contract installed, neither -n nor --contract is needed" rig_run "$tool" contract show
out=$(rig_run "$tool" remove mes-dashboard 2>&1) && rc=0 || rc=$?
rig_check_eq "removing it again is a usage error" 2 "$rc"
rig_summary
