#!/usr/bin/env bash
# verify under real systemd: all ok on the healthy example, and a failure naming the row when the
# PID file holds another PID, when a drop-in changed an environment variable after the start, and
# when the watchdog runs with another contract.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init verify

rig_example_names

rig_on_fail() { rig_journal "$wd" -n 20; }

port=$(rig_free_port)
rig_example_deployment "$root" /opt/miniconda3/envs/mes-dashboard "$port" "$tool" "$contract"

rig_boot "csd-e2e-verify-$$" --bind="$root/opt:/opt"
rig_run "$tool" render --contract "$contract" >/dev/null
rig_systemctl daemon-reload
rig_check "the service starts" rig_systemctl start "$app" "$wd"
rig_wait_until 30 sh -c "[ \"\$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/health)\" = 200 ]"

verify_ok() { rig_run "$tool" verify --contract "$installed"; }
# verify_fails ROW: exit 1, and ROW among the rows that differ.
verify_fails() {
  local out rc=0
  out=$(rig_run "$tool" verify --contract "$installed" 2>&1) || rc=$?
  [ "$rc" -eq 1 ] || { echo "exit $rc, expected 1"; echo "$out"; return 1; }
  grep -E "^$1 .*DIFFERS" <<<"$out" || { echo "no differing row '$1' in:"; grep -E 'DIFFERS|^verify:' <<<"$out"; return 1; }
}
rig_check "verify passes on the healthy system" verify_ok || true
rig_check "verify --json says ok" sh -c "$(printf '%q ' nsenter -t "$RIG_PID" -a "${RIG_CONTAINER_ENV[@]}" "$tool" verify --json --contract "$installed") | /usr/bin/python3.11 -I -c 'import json, sys; sys.exit(0 if json.load(sys.stdin)[\"ok\"] is True else 1)'" || true

# The PID file holds another PID.
real=$(rig_run cat /run/mes-dashboard/gunicorn.pid)
rig_run sh -c 'echo 4242 >/run/mes-dashboard/gunicorn.pid'
rig_check "verify names the PID file row when it holds another PID" verify_fails "PID file /run/mes-dashboard/gunicorn.pid"
rig_run sh -c "echo $real >/run/mes-dashboard/gunicorn.pid"
rig_check "verify passes again with the right PID" verify_ok || true

# A drop-in changed an environment variable after the start (systemd reloaded, nothing restarted).
rig_write_file /etc/systemd/system/$app.d/flag.conf <<'CONF'
[Service]
Environment=WATCHDOG_RESTART_FLAG=/tmp/mes_dashboard_restart.flag
CONF
rig_systemctl daemon-reload
rig_check "verify names the variable a drop-in changed after the start" \
  verify_fails "mes-dashboard.service Environment= WATCHDOG_RESTART_FLAG"
rig_run rm /etc/systemd/system/$app.d/flag.conf
rig_systemctl daemon-reload
rig_check "verify passes again without the drop-in" verify_ok || true

# The watchdog runs with another contract (same socket, another version): a drop-in replaces its
# command and skips its preflight, as a hand edit would.
rig_run sh -c "sed 's/^version = .*/version = \"2026.10-7\"/' $installed >/etc/conda-systemd/other.toml"
rig_write_file /etc/systemd/system/$wd.d/other.conf <<CONF
[Service]
ExecStartPre=
ExecStart=
ExecStart=$tool watchdog --contract /etc/conda-systemd/other.toml
CONF
rig_systemctl daemon-reload
rig_systemctl restart "$wd"
rig_check "verify names the watchdog's contract when it runs with another" verify_fails "watchdog contract"
# The second contract goes too: it claims every path and unit of this one, which check refuses (CSD135).
rig_run rm /etc/systemd/system/$wd.d/other.conf /etc/conda-systemd/other.toml
rig_systemctl daemon-reload
rig_systemctl restart "$wd"
rig_check "verify passes again with the watchdog on the contract" verify_ok || true

rig_check "systemctl stop the service" rig_systemctl stop "$app" "$wd"
rig_summary
