#!/usr/bin/env bash
# exec under real systemd: a plain unit starts gunicorn through `conda-systemd exec`, which
# activates the fixture environment (its conda-meta/state variable and activate.d script
# included) and replaces itself with gunicorn. MainPID is then gunicorn's master itself, with no
# wrapper above it, so `systemctl reload` (SIGHUP) and `systemctl stop` (SIGTERM) reach it
# directly: new workers after the reload, a graceful stop without SIGKILL.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init exec

unit=mes-dashboard-exec.service
rig_example_names
stop_timeout=20

rig_on_fail() { rig_journal "$unit" -n 40; }

[ -x "$RIG_CONDA_SYSTEMD_BIN" ] || rig_die "no conda-systemd binary at $RIG_CONDA_SYSTEMD_BIN (build it, or set CONDA_SYSTEMD_BIN)"

# An activate.d script as packages ship them: it reads what conda set and exports its own.
cat >"$RIG_WORK/50-exec-e2e.sh" <<'EOF'
export MES_EXEC_SCRIPT="activated:$CONDA_DEFAULT_ENV:$MES_EXEC_STATE"
EOF
t0=$EPOCHREALTIME
rig_fixture_env "$root" "$prefix" --env-var MES_EXEC_STATE=from-state --activate-script "$RIG_WORK/50-exec-e2e.sh"
rig_log "fixture environment built in $(_rig_elapsed "$t0")s"
rig_example_app "$root"

port=$(rig_free_port)
rig_boot "csd-e2e-exec-$$" --bind="$root/opt:/opt"

# shellcheck disable=SC2016 # $MAINPID is systemd's
rig_plain_unit "$unit" "MES dashboard (e2e exec: gunicorn started through conda-systemd exec)" "$port" e2e-exec \
  "exec-$RANDOM$RANDOM" \
  "$tool exec --prefix $prefix -- gunicorn --config gunicorn.conf.py --pid /run/mes-dashboard/gunicorn.pid 'mes_dashboard:create_app()'" \
  'ExecReload=/bin/kill -HUP $MAINPID' "TimeoutStopSec=$stop_timeout"
rig_systemctl daemon-reload

rig_start_healthy "$unit" "$port"

main_pid=$(rig_unit_prop "$unit" MainPID)
rig_check_eq "MainPID is the gunicorn master of --pid" "$main_pid" \
  "$(rig_run cat /run/mes-dashboard/gunicorn.pid 2>&1 || true)"

main_is_gunicorn() {
  local cmdline
  cmdline=$(rig_run cat "/proc/$main_pid/cmdline" | tr '\0' ' ')
  echo "cmdline of $main_pid: $cmdline"
  case "$cmdline" in
    *conda-systemd*) return 1 ;;
    "$prefix/bin/python"*" $prefix/bin/gunicorn --config gunicorn.conf.py"*) return 0 ;;
    *) return 1 ;;
  esac
}
rig_check "MainPID runs gunicorn itself, not conda-systemd" main_is_gunicorn

main_exe=$(rig_run readlink "/proc/$main_pid/exe" || true)
case "$main_exe" in
  "$prefix"/*) rig_pass "/proc/$main_pid/exe is $main_exe, inside the environment" ;;
  *) rig_fail "/proc/$main_pid/exe is '$main_exe', not inside $prefix" ;;
esac

parent_of() { rig_run sh -c 'stat=$(cat /proc/$1/stat); set -- ${stat##*) }; echo $2' sh "$1"; }
rig_check_eq "gunicorn's parent is systemd itself: no wrapper in between" 1 "$(parent_of "$main_pid")"

cgroup_only_gunicorn() {
  local cg pids pid comm bad=0
  cg=$(rig_unit_prop "$unit" ControlGroup)
  pids=$(rig_run cat "/sys/fs/cgroup$cg/cgroup.procs")
  for pid in $pids; do
    comm=$(rig_run cat "/proc/$pid/comm" 2>/dev/null || echo gone)
    echo "$pid $comm"
    case "$comm" in gunicorn) ;; *) bad=1 ;; esac
  done
  [ "$bad" -eq 0 ]
}
rig_check "every process of the unit is gunicorn (no conda-systemd, no shell)" cgroup_only_gunicorn

environ_of() { rig_run cat "/proc/$1/environ" | tr '\0' '\n'; }
environ=$(environ_of "$main_pid")
env_value() { sed -n "s|^$1=||p" <<<"$environ" | head -n1; }
rig_check_eq "environ: CONDA_PREFIX" "$prefix" "$(env_value CONDA_PREFIX)"
rig_check_eq "environ: CONDA_DEFAULT_ENV" mes-dashboard "$(env_value CONDA_DEFAULT_ENV)"
rig_check_eq "environ: CONDA_SHLVL" 1 "$(env_value CONDA_SHLVL)"
path_first=$(env_value PATH)
rig_check_eq "environ: the environment's bin is first on PATH" "$prefix/bin" "${path_first%%:*}"
rig_check_eq "environ: the conda-meta/state variable" from-state "$(env_value MES_EXEC_STATE)"
rig_check_eq "environ: the activate.d script's variable" activated:mes-dashboard:from-state \
  "$(env_value MES_EXEC_SCRIPT)"
rig_check_eq "environ: the unit's own Environment= survives" "127.0.0.1:$port" "$(env_value GUNICORN_BIND)"

workers() { rig_run sh -c "cat /proc/$main_pid/task/*/children" | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' '; }
old_workers=$(workers)
rig_log "workers before the reload: $old_workers"
hup_logged() { rig_journal "$unit" | grep 'Handling signal: hup' >/dev/null; }
new_workers_only() {
  local now
  now=$(workers)
  [ "$(wc -w <<<"$now")" -ge 2 ] || return 1
  for pid in $now; do
    case " $old_workers " in *" $pid "*) return 1 ;; esac
  done
}
reload_boots_new_workers() {
  rig_systemctl reload "$unit" || return 1
  rig_wait_until 30 hup_logged || { echo "no 'Handling signal: hup' in the journal"; return 1; }
  rig_wait_until 30 new_workers_only || { echo "workers before: $old_workers, after: $(workers)"; return 1; }
  echo "workers after the reload: $(workers)"
}
rig_check "systemctl reload: gunicorn handles HUP and boots new workers" reload_boots_new_workers
rig_check_eq "MainPID is unchanged by the reload" "$main_pid" "$(rig_unit_prop "$unit" MainPID)"
rig_check "GET /health answers 200 after the reload" rig_wait_until 10 rig_healthy "$port"

t0=$EPOCHREALTIME
rig_check "systemctl stop $unit" rig_systemctl stop "$unit"
stop_time=$(_rig_elapsed "$t0")
rig_log "stopped in ${stop_time}s"
within_timeout() { awk -v t="$stop_time" -v max="$stop_timeout" 'BEGIN { exit !(t < max) }'; }
rig_check "the stop took ${stop_time}s, within TimeoutStopSec=${stop_timeout}s" within_timeout
rig_check_eq "Result after stop" success "$(rig_unit_prop "$unit" Result)"
no_sigkill() {
  local hits
  hits=$(rig_journal "$unit" | grep -E 'SIGKILL|Killing process|timed out|Failed with result' || true)
  [ -z "$hits" ] || { echo "$hits"; return 1; }
}
rig_check "no SIGKILL nor stop timeout in the journal" no_sigkill
clean_shutdown_logged() { rig_journal "$unit" | grep 'Shutting down: Master' >/dev/null; }
rig_check "gunicorn logged a clean master shutdown" clean_shutdown_logged

rig_summary
