#!/usr/bin/env bash
# deploy under real systemd: a second environment whose app fails its health check (the example
# answers 503 in maintenance, set through the environment's own conda variables) is switched to,
# fails the gate, and is rolled back by deploy itself; the previous environment serves again,
# verify passes, and the record says what happened. Then a good environment deploys and
# rollback returns.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init deploy

rig_example_names
record=/var/lib/mes-dashboard/conda-systemd-deploy.json
first=/opt/miniconda3/envs/mes-dashboard

rig_on_fail() { rig_journal "$app" -n 30; }

port=$(rig_free_port)
rig_example_deployment "$root" "$first" "$port" "$tool" "$contract"
rig_fixture_env "$root" /opt/miniconda3/envs/mes-dashboard-2026.12
rig_fixture_env "$root" /opt/miniconda3/envs/mes-dashboard-broken --env-var MES_DASHBOARD_MAINTENANCE=broken-build

rig_boot "csd-e2e-deploy-$$" --bind="$root/opt:/opt"
rig_run "$tool" render --contract "$contract" >/dev/null
rig_systemctl daemon-reload
rig_check "the service starts" rig_systemctl start "$app" "$wd"
rig_check "it is healthy" rig_run "$tool" health --contract "$installed" --retries 30

running_prefix() { rig_run sh -c "tr '\\0' '\\n' </proc/\$(systemctl show -p MainPID --value $app)/environ | sed -n 's/^CONDA_PREFIX=//p'"; }

deploy_broken() {
  local out rc=0
  out=$(rig_run "$tool" deploy --contract "$installed" --env mes-dashboard-broken --retries 5 2>&1) || rc=$?
  echo "$out"
  [ "$rc" -eq 1 ] || { echo "exit $rc, expected 1"; return 1; }
  grep -q '^\[ *[0-9.]*s\] deploy: health gate failed: .* answered 503' <<<"$out" || return 1
  grep -q "^\[ *[0-9.]*s\] rolled back: mes-dashboard runs from $first again" <<<"$out" || return 1
  # Each step as it starts and as it ends with its time, each probe with its attempt (docs/cli.md, Progress).
  grep -q "^\[ *[0-9.]*s\] deploy: restarting $app\$" <<<"$out" || return 1
  grep -qE "^\[ *[0-9.]+s\] deploy: restarted $app \([0-9.]+s\)\$" <<<"$out" || return 1
  grep -q '^\[ *[0-9.]*s\] deploy: health gate: probing http' <<<"$out" || return 1
  grep -qE '^\[ *[0-9.]+s\] deploy: health probe 5: answered 503 \([0-9.]+s\)$' <<<"$out" || return 1
  grep -qE '^\[ *[0-9.]+s\] deploy: health gate failed: .* \([0-9.]+s\)$' <<<"$out" || return 1
  # In a pipe the progress is plain lines: no live line rewritten with carriage returns.
  ! grep -q $'\r' <<<"$out"
}
rig_check "deploy of an environment whose app fails its health check rolls back by itself" deploy_broken
rig_check_eq "the previous environment serves again" "$first" "$(running_prefix)"
rig_check "health passes" rig_run "$tool" health --contract "$installed"
rig_check "the installed contract names the previous environment" rig_run grep -qE '^env = "mes-dashboard"( |$)' "$installed"
rig_check "the record says rolled back" sh -c "$(printf '%q ' nsenter -t "$RIG_PID" -a cat "$record") | grep -q '\"result\": \"rolled back\"'"
rig_check "verify passes after the rollback" rig_run "$tool" verify --contract "$installed" || true

# --json: one document, the events with their times in it (docs/json.md).
switch_json() {
  local result=$1 out rc=0
  shift
  out=$(rig_run "$tool" "$@" --json 2>/dev/null) || rc=$?
  echo "$out"
  [ "$rc" -eq 0 ] || { echo "exit $rc"; return 1; }
  python3 -c '
import json, sys
d = json.load(sys.stdin)
kinds = {e["kind"] for e in d["events"]}
assert d["ok"] and d["result"] == sys.argv[1], d["result"]
assert {"start", "end", "probe", "note"} <= kinds, kinds
assert all(e["took_ms"] >= 0 for e in d["events"] if e["kind"] == "end")
assert any(e["kind"] == "probe" and e["status"] == 200 and e["attempt"] >= 1 for e in d["events"])
' "$result" <<<"$out"
}
rig_check "deploy --json of a good environment passes its gate" \
  switch_json deployed deploy --contract "$installed" --env-name mes-dashboard-2026.12
rig_check_eq "the new environment serves" /opt/miniconda3/envs/mes-dashboard-2026.12 "$(running_prefix)"
rig_check "rollback --json returns to the previous environment" \
  switch_json "rolled back" rollback --contract "$installed"
rig_check_eq "the previous environment serves" "$first" "$(running_prefix)"

# A terminal's live line (forced here by --color=always, as a terminal would set it): the step under
# way with its seconds, rewritten in place and cleared before the next line.
live_line() {
  local out
  out=$(rig_run "$tool" deploy --contract "$installed" --env-name mes-dashboard-2026.12 --color=always 2>&1) || return 1
  # Whichever step the ticks (4 a second) fall in; the deploy as a whole takes seconds (two restarts).
  grep -q $'\r\033\[K  \.\.\. deploy: [a-z].*: [0-9]*s ([0-9]*s in all)' <<<"$out" || { echo "$out" | cat -v; return 1; }
  # What the terminal shows once each line is cleared: the same lines as in a pipe.
  sed $'s/.*\r\033\\[K//' <<<"$out" | grep -qE "^\[ *[0-9.]+s\] deploy: restarted $app \([0-9.]+s\)\$" \
    || { echo "$out" | cat -v; return 1; }
}
rig_check "on a terminal a live line counts the seconds of the step under way" live_line

# --quiet: a rollback that succeeds prints nothing.
quiet_rollback() {
  local out
  out=$(rig_run "$tool" rollback --contract "$installed" --quiet 2>&1) || { echo "$out"; return 1; }
  [ -z "$out" ] || { echo "printed: $out"; return 1; }
}
rig_check "rollback --quiet prints nothing when it succeeds" quiet_rollback
rig_check_eq "and the previous environment serves" "$first" "$(running_prefix)"

rig_check "systemctl stop the service" rig_systemctl stop "$app" "$wd"
rig_summary
