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
  # In a pipe the progress is plain lines: no live line rewritten with carriage returns.
  ! grep -q $'\r' <<<"$out"
}
rig_check "deploy of an environment whose app fails its health check rolls back by itself" deploy_broken
rig_check_eq "the previous environment serves again" "$first" "$(running_prefix)"
rig_check "health passes" rig_run "$tool" health --contract "$installed"
rig_check "the installed contract names the previous environment" rig_run grep -qE '^env = "mes-dashboard"( |$)' "$installed"
rig_check "the record says rolled back" sh -c "$(printf '%q ' nsenter -t "$RIG_PID" -a cat "$record") | grep -q '\"result\": \"rolled back\"'"
rig_check "verify passes after the rollback" rig_run "$tool" verify --contract "$installed" || true

rig_check "deploy of a good environment passes its gate" rig_run "$tool" deploy --contract "$installed" --env mes-dashboard-2026.12
rig_check_eq "the new environment serves" /opt/miniconda3/envs/mes-dashboard-2026.12 "$(running_prefix)"
rig_check "rollback returns to the previous environment" rig_run "$tool" rollback --contract "$installed"
rig_check_eq "the previous environment serves" "$first" "$(running_prefix)"

rig_check "systemctl stop the service" rig_systemctl stop "$app" "$wd"
rig_summary
