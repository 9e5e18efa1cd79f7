#!/usr/bin/env bash
# The zero-downtime layout on a unix socket (service.bind = "unix:PATH", docs/deploy.md) under real
# systemd: the socket unit holds the path for the service's user and group, the instances serve it
# (curl --unix-socket), check's preflight compares the socket with the bind and exec what it
# inherits, a deploy swaps to new code with every request answered while the old instance stops
# (gunicorn must not unlink the path it inherited), and the way back leaves no socket file.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init zero-downtime-unix
rig_example_names
sock=/run/mes-dashboard-web/app.sock
version_py=$root/opt/mes-dashboard/mes_dashboard/version.py

rig_on_fail() {
  rig_systemctl list-units --no-legend 'mes-dashboard*' || true
  rig_journal mes-dashboard.socket -n 10 -o cat || true
  rig_journal mes-dashboard@blue.service -n 15 -o cat || true
  rig_journal mes-dashboard@green.service -n 15 -o cat || true
}

[ -x "$RIG_CONDA_SYSTEMD_BIN" ] || rig_die "no conda-systemd binary at $RIG_CONDA_SYSTEMD_BIN"
# The port only names the health URL's host: nothing listens on TCP in this scenario.
rig_example_deployment "$root" "$prefix" "$(rig_free_port)" "$tool" "$contract"
sed -i -e "s|^bind = .*|bind = \"unix:$sock\"|" -e 's/^graceful_timeout = .*/&\nzero_downtime = true/' "$root$contract"
printf 'CODE_VERSION = "1"\n' >"$version_py"
rig_boot "csd-e2e-zdu-$$" --bind="$root/opt:/opt"
rig_check "render writes the zero-downtime layout" rig_run "$tool" render --contract "$contract"
rig_check_eq "the socket unit holds the path" "ListenStream=$sock" \
  "$(rig_run grep '^ListenStream=' /etc/systemd/system/mes-dashboard.socket)"
rig_write_file /etc/mes-dashboard/secrets.env 640 <<<"MES_ADMIN_TOKEN=zdu-$RANDOM"
rig_systemctl daemon-reload
rig_check "systemctl enable --now mes-dashboard.target mes-dashboard@blue.service" \
  rig_systemctl enable --now mes-dashboard.target mes-dashboard@blue.service

over_socket() { rig_run curl --noproxy '*' -s --max-time 5 --unix-socket "$sock" http://localhost/health; }
code_version() { over_socket | $py -c 'import json, sys; print(json.load(sys.stdin)["code_version"])'; }
is_version() { [ "$(code_version 2>/dev/null)" = "$1" ]; }
rig_check "GET /health through the unix socket answers code_version 1" rig_wait_until 30 is_version 1
rig_check_eq "the socket file belongs to the service's user and group, mode 0660" "srw-rw---- www-data www-data" \
  "$(rig_run stat -c '%A %U %G' "$sock")"
rig_check "the instance's preflight passes (the socket holds service.bind)" \
  rig_run "$tool" check --contract "$installed" --unit mes-dashboard@blue.service
rig_check "health asks through the unix socket" rig_run "$tool" health --contract "$installed"

# Requests through the socket for as long as the stop file is absent: "answered failed".
load() {
  rig_run sh -c "n=0 bad=0; while [ ! -e /run/zdu-stop ]; do
      code=\$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --unix-socket $sock http://localhost/health) || true
      n=\$((n + 1)); [ \"\$code\" = 200 ] || bad=\$((bad + 1)); done; echo \"\$n \$bad\"" >"$RIG_WORK/load.txt"
}
load &
load_pid=$!
sleep 1
printf 'CODE_VERSION = "2"\n' >"$version_py"
rig_check "deploy swaps to the green instance" rig_run "$tool" deploy --contract "$installed"
sleep 1
rig_run touch /run/zdu-stop
wait "$load_pid"
read -r answered failed <"$RIG_WORK/load.txt"
rig_log "requests through the socket during the deploy: $answered, failed: $failed"
rig_check_eq "no request failed during the deploy ($answered sent)" 0 "$failed"
rig_check "the new code answers through the same path" is_version 2
rig_check "the socket file outlived the old instance's stop" rig_run test -S "$sock"
rig_check "verify passes (health through the socket)" rig_run "$tool" verify --contract "$installed"
# The watchdog confirms a reload by its health probe: with a unix bind it asks through the socket.
rig_check "restart: the watchdog's reload is executed and confirmed" \
  rig_run "$tool" restart --contract "$installed" --reason "e2e: unix bind"
last_health() { rig_run "$py" -c "import json; print(json.load(open('$state'))['last_restart'].get('health_status'))"; }
rig_check_eq "its health probe answered 200 through the unix socket" 200 "$(last_health)"

# bind moved and rendered: the unit files agree with the contract, so the preflight passes, but what a
# new instance inherits does not, and exec refuses it (docs/exec.md, "Inherited sockets"): the deploy
# fails at the start and the old instance serves on. Before daemon-reload systemd passes the socket on
# its old path; after it, systemd has closed that socket and passes none until it restarts.
moved=/run/mes-dashboard-web/moved.sock
sed -i "s|^bind = .*|bind = \"unix:$moved\"|" "$root$contract"
rig_check "render of the moved bind" rig_run "$tool" render --contract "$contract"
# grep reads the whole journal: `grep -q` would stop at the match, and journalctl, still writing the
# instance's access log, would end on SIGPIPE and fail the pipeline (pipefail).
journal_says() { rig_journal "$1" -o cat | grep -F "$2" >/dev/null; }
inherited_refused() {  # what the new instance's journal must say
  local out rc=0 new
  new=$([ "$(rig_run cat /var/lib/mes-dashboard/conda-systemd-active)" = blue ] && echo green || echo blue)
  printf 'CODE_VERSION = "3"\n' >"$version_py"
  out=$(rig_run "$tool" deploy --contract "$installed" --retries 3 2>&1) || rc=$?
  [ "$rc" -eq 1 ] && grep -q 'swap failed at start' <<<"$out" || { echo "$out (exit $rc)"; return 1; }
  # journald reads the instance's stderr on its own time: on a busy machine the line may come after
  # deploy has returned.
  rig_wait_until 15 journal_says "mes-dashboard@$new.service" "$1" || { rig_journal "mes-dashboard@$new.service" -n 10 -o cat; return 1; }
  is_version 2
}
rig_check "before daemon-reload: an instance inheriting the socket on its old path is refused, the old one serves on" \
  inherited_refused "listens on $sock, not on service.bind unix:$moved: gunicorn serves every inherited socket"
rig_systemctl daemon-reload
rig_check "after daemon-reload: an instance inheriting no socket on the bind is refused, the old one serves on" \
  inherited_refused "inherits no socket on service.bind unix:$moved"
# What the refusal's hint says. Not a restart of the socket alone: it stops the instances that require
# it, and its start is refused while its Service= (the listener) runs.
rig_check "systemctl restart mes-dashboard.target" rig_systemctl restart mes-dashboard.target
sock=$moved
rig_check "the service answers on the moved path" rig_wait_until 30 is_version 3

# A socket unit left on another address: the next instance's preflight refuses to start.
rig_run sed -i "s|^ListenStream=.*|ListenStream=127.0.0.1:1|" /etc/systemd/system/mes-dashboard.socket
preflight_names_it() {
  local out rc=0
  out=$(rig_run "$tool" check --contract "$installed" --unit mes-dashboard@blue.service 2>&1) || rc=$?
  [ "$rc" -ne 0 ] && grep -q "mes-dashboard.socket listens on 127.0.0.1:1, not on the contract's service.bind" <<<"$out" \
    || { echo "$out (exit $rc)"; return 1; }
}
rig_check "a socket unit on another address fails the preflight, named" preflight_names_it
rig_check "render puts the socket unit back" rig_run "$tool" render --contract "$contract"

rig_check "systemctl stop mes-dashboard.target" rig_systemctl stop mes-dashboard.target
# systemctl returns once the target stopped; the instance and the socket it stops with may take longer.
rig_check "the socket file goes with the socket" \
  rig_wait_until 30 sh -c "! $(printf '%q ' nsenter -t "$RIG_PID" -a test -e "$sock")"
rig_summary
