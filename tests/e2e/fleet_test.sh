#!/usr/bin/env bash
# The fleet under Ansible: three systemd containers, each with its own network (so each serves the
# example on its own 127.0.0.1:8080), driven from this host by ansible-playbook through the
# community.docker.nsenter connection with the collection in ansible/ (docs/fleet.md).
#   1. converge: all three serving, verify clean; a second run changes nothing;
#   2. a hand edit on host 2: check mode reports it (host 2 only), a normal run repairs it;
#   3. a rolling deploy of a new environment that is broken on host 2: host 1 switches, host 2
#      rolls back by itself and stops the rollout, host 3 is never touched;
#   4. bad input: an unreachable host, a host without the environment, a contract that does not
#      parse: each fails alone with the tool's own message, nothing is rendered there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init fleet
command -v ansible-playbook >/dev/null || rig_die "missing Debian package ansible"

hosts=(host1 host2 host3)
declare -A pid=()
work=$RIG_WORK
app=mes-dashboard.service
old=mes-dashboard
new=mes-dashboard-2026.12

# The program as the role installs it: a stripped copy (the build's has debug info).
strip -o "$work/conda-systemd" "$RIG_CONDA_SYSTEMD_BIN"
strip -o "$work/conda-systemd-watchdog" "$RIG_WATCHDOG_PROGRAM"

for h in "${hosts[@]}"; do
  root=$work/$h
  rig_fixture_env "$root" "/opt/miniconda3/envs/$old"
  if [ "$h" = host2 ]; then
    # The new environment's app answers 503 here (maintenance set by the environment itself).
    rig_fixture_env "$root" "/opt/miniconda3/envs/$new" --env-var MES_DASHBOARD_MAINTENANCE=broken-build
  else
    rig_fixture_env "$root" "/opt/miniconda3/envs/$new"
  fi
  rig_example_app "$root"
  # Its own network and a writable /usr (an overlay gone with the container) for the install.
  rig_boot "csd-e2e-fleet-$h-$$" --private-network --overlay=/usr::/usr --bind="$root/opt:/opt"
  pid[$h]=$RIG_PID
done

inventory=$work/inventory.yml
{
  cat <<EOF
all:
  children:
    conda_systemd:
      hosts:
EOF
  for h in "${hosts[@]}"; do printf '        %s:\n          ansible_nsenter_pid: %s\n' "$h" "${pid[$h]}"; done
  cat <<EOF
      vars:
        ansible_connection: community.docker.nsenter
        ansible_python_interpreter: /usr/bin/python3
        conda_systemd_name: mes-dashboard
        conda_systemd_install: binary
        conda_systemd_binary: $work/conda-systemd
        conda_systemd_tool: /usr/local/bin/conda-systemd
        conda_systemd_env: $old
        conda_systemd_version: "2026.12-1"
        conda_systemd_workdir: /opt/mes-dashboard
        conda_systemd_command: ["gunicorn", "--config", "gunicorn.conf.py", "mes_dashboard:create_app()"]
        conda_systemd_deploy_retries: 5
EOF
} >"$inventory"

export ANSIBLE_COLLECTIONS_PATH=$RIG_REPO/ansible ANSIBLE_LOCAL_TEMP=$work/ansible-tmp \
  ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_HOST_KEY_CHECKING=0
playbooks=$RIG_REPO/ansible/ansible_collections/conda_systemd/fleet/playbooks
play_log=$work/play.log

# play NAME PLAYBOOK [ansible-playbook args...]: runs it, keeps its output in $play_log, returns its status.
play() {
  local name=$1 book=$2
  shift 2
  local rc=0
  timeout 600 ansible-playbook -i "$inventory" "$playbooks/$book" "$@" >"$play_log" 2>&1 || rc=$?
  cp "$play_log" "$work/$name.log"
  rig_log "ansible-playbook $book $*: exit $rc"
  return "$rc"
}
# recap HOST FIELD: a number from the PLAY RECAP line of HOST (changed, failed, unreachable...).
recap() { sed -n "s/^$1 .*[[:space:]]$2=\([0-9]*\).*/\1/p" "$play_log" | tail -n1; }
serving() { nsenter -t "${pid[$1]}" -a curl --noproxy '*' -sf -o /dev/null --max-time 5 http://127.0.0.1:8080/health; }
running_prefix() {
  nsenter -t "${pid[$1]}" -a sh -c "tr '\\0' '\\n' </proc/\$(systemctl show -p MainPID --value $app)/environ | sed -n 's/^CONDA_PREFIX=//p'"
}
rig_on_fail() { tail -n 60 "$play_log"; }

rig_check "first run converges every host" play converge converge.yml
for h in "${hosts[@]}"; do
  rig_check_eq "$h changed on the first run" yes "$([ "$(recap "$h" changed)" -gt 0 ] && echo yes || echo no)"
  rig_check "$h serves on its own 127.0.0.1:8080" serving "$h"
done

rig_check "second run" play idempotent converge.yml
for h in "${hosts[@]}"; do rig_check_eq "$h: 0 changed on the second run" 0 "$(recap "$h" changed)"; done

# A hand edit on host 2: a unit render owns, changed behind the contract's back.
nsenter -t "${pid[host2]}" -a sed -i 's/^RestartSec=2$/RestartSec=30/' /etc/systemd/system/$app
rig_check "check mode" play check converge.yml --check --diff
rig_check_eq "check mode: host 2 would change" 1 "$([ "$(recap host2 changed)" -gt 0 ] && echo 1 || echo 0)"
rig_check_eq "check mode: host 1 would not" 0 "$(recap host1 changed)"
rig_check_eq "check mode: host 3 would not" 0 "$(recap host3 changed)"
rig_check "check mode shows the unit's diff" grep -q '^-RestartSec=30' "$play_log"
rig_check "check mode changed nothing" nsenter -t "${pid[host2]}" -a grep -q '^RestartSec=30$' /etc/systemd/system/$app
rig_check "a normal run repairs it" play repair converge.yml
rig_check_eq "repair: host 2 changed" 1 "$([ "$(recap host2 changed)" -gt 0 ] && echo 1 || echo 0)"
rig_check_eq "repair: host 1 unchanged" 0 "$(recap host1 changed)"
rig_check_eq "repair: host 3 unchanged" 0 "$(recap host3 changed)"
rig_check "host 2's unit is as rendered again" nsenter -t "${pid[host2]}" -a grep -q '^RestartSec=2$' /etc/systemd/system/$app
rig_check "host 2 serves" serving host2

# The rolling deploy: serial 1, max_fail_percentage 0.
deploy_stops_at_host2() { ! play rolling rolling_deploy.yml -e "conda_systemd_env=$new"; }
rig_check "the rolling deploy fails" deploy_stops_at_host2
rig_check "the play shows the health gate's message" grep -q 'deploy: health gate failed: .* answered 503' "$play_log"
rig_check "host 2 rolled back by itself" grep -q "rolled back: mes-dashboard runs from /opt/miniconda3/envs/$old again" "$play_log"
rig_check_eq "host 1 runs the new environment" "/opt/miniconda3/envs/$new" "$(running_prefix host1)"
rig_check_eq "host 2 runs the old environment" "/opt/miniconda3/envs/$old" "$(running_prefix host2)"
rig_check_eq "host 3 runs the old environment" "/opt/miniconda3/envs/$old" "$(running_prefix host3)"
rig_check_eq "host 3 was never reached" "" "$(recap host3 ok)"
for h in "${hosts[@]}"; do rig_check "$h serves" serving "$h"; done
# After a deploy the next run of host 1 with the new environment is a no-op.
rig_check "host 1 again with the new environment" play after-deploy converge.yml --limit host1 -e "conda_systemd_env=$new"
rig_check_eq "after the deploy: host 1 0 changed" 0 "$(recap host1 changed)"

# Bad input, one host each; host 1 is fine and must stay so.
unit_sum() { nsenter -t "${pid[$1]}" -a sh -c "cat /etc/systemd/system/mes-dashboard*.service /etc/conda-systemd/*.toml | md5sum"; }
before2=$(unit_sum host2) before3=$(unit_sum host3)
# Host variables win over the group's: host 1 as deployed, host 2 a contract that does not parse,
# host 3 an environment it does not have, and a host that is not there.
cat "$inventory" - >"$work/bad.yml" <<'EOF'
  hosts:
    ghost:
      ansible_connection: community.docker.nsenter
      ansible_nsenter_pid: 2147483
    host1:
      conda_systemd_env: mes-dashboard-2026.12
    host2:
      conda_systemd_extra: "workers = = 2"
    host3:
      conda_systemd_env: no-such-env
EOF
bad_run() {
  local rc=0
  timeout 600 ansible-playbook -i "$work/bad.yml" "$playbooks/converge.yml" -e conda_systemd_hosts=all \
    >"$play_log" 2>&1 || rc=$?
  cp "$play_log" "$work/bad.log"
  [ "$rc" -ne 0 ]
}
rig_check "the run with bad hosts fails" bad_run
rig_check_eq "the unreachable host is reported unreachable" 1 "$(recap ghost unreachable)"
rig_check_eq "host 1 is fine" 0 "$(recap host1 failed)"
rig_check_eq "host 2 (contract does not parse) failed" 1 "$(recap host2 failed)"
rig_check "host 2's failure is the tool's own message, with file and line" \
  grep -q 'mes-dashboard.toml:[0-9]*:[0-9]*: error' "$play_log"
rig_check_eq "host 3 (no such environment) failed" 1 "$(recap host3 failed)"
rig_check "host 3's failure names the environment and where it looked" grep -q "no-such-env" "$play_log"
rig_check_eq "nothing was rendered on host 2" "$before2" "$(unit_sum host2)"
rig_check_eq "nothing was rendered on host 3" "$before3" "$(unit_sum host3)"
for h in "${hosts[@]}"; do rig_check "$h still serves" serving "$h"; done

rig_summary
