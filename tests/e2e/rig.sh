# shellcheck shell=bash
# shellcheck disable=SC2034 # RIG_* variables are set here for the scenarios
# The real-systemd test rig: boots systemd in systemd-nspawn containers and
# drives it with nsenter. Source it from a scenario (tests/e2e/*_test.sh):
#
#   source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"
#   rig_init smoke                     # sweep orphans, scratch dir, traps
#   rig_boot csd-e2e-smoke-$$ --bind="$RIG_WORK/opt:/opt"
#   rig_systemctl start foo.service
#   rig_check "foo runs" rig_systemctl is-active --quiet foo.service
#   rig_summary                        # "N passed, M failed", exit status
#
# Optional hooks a scenario may define: rig_on_fail (diagnostics, run at the
# first failed check while the container is still up) and rig_on_exit (the
# scenario's own cleanup; do not set an EXIT trap, the rig owns it).
#
# Containers are found and stopped by the PIDs the rig recorded, never by
# name: each run keeps a directory under $RIG_STATE_DIR with its owner (the
# scenario's shell) and one file per container. A run whose owner died
# (killed, crashed) is an orphan; the next rig_init stops its containers and
# removes its files, after checking that each PID is still the very process
# that was recorded (name and start time).
#
# Variables for scenarios (read-only):
#   RIG_DIR               this directory
#   RIG_REPO              the repository root
#   RIG_WORK              scratch directory of this run, removed at exit
#   RIG_PID               host PID of the current container's systemd (PID 1 inside)
#   RIG_MACHINE           name of the current container
#   RIG_CONDA_SYSTEMD_BIN the conda-systemd binary (env CONDA_SYSTEMD_BIN, else
#                         CSD_BUILD_BIN, which ctest sets, else build/conda-systemd);
#                         when it exists, its directory is bound into containers
#                         at /opt/conda-systemd/bin, unless it lies under /usr
#                         (the installed package), which containers see as is
#   RIG_CONTAINER_BIN_DIR where containers find it
# Tunables (environment): RIG_BOOT_TIMEOUT (s, 60), RIG_STOP_TIMEOUT (s, 20),
#   RIG_KEEP=1 keeps $RIG_WORK for a post-mortem.

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RIG_REPO=$(cd "$RIG_DIR/../.." && pwd)
RIG_STATE_DIR=${TMPDIR:-/tmp}/conda-systemd-e2e
RIG_CONDA_SYSTEMD_BIN=${CONDA_SYSTEMD_BIN:-${CSD_BUILD_BIN:-$RIG_REPO/build/conda-systemd}}
RIG_CONTAINER_BIN_DIR=/opt/conda-systemd/bin
# The installed package's binary is where it is: containers see the host's /usr (nothing to bind).
case "$RIG_CONDA_SYSTEMD_BIN" in
  /usr/*) RIG_CONTAINER_BIN_DIR=$(dirname "$RIG_CONDA_SYSTEMD_BIN") ;;
esac
# The watchdog daemon `conda-systemd watchdog` becomes, where the command looks for it
# (docs/architecture.md, "The watchdog daemon, a program of its own"): beside the binary (a build
# tree), else ../libexec/conda-systemd/ (the package). RIG_WATCHDOG_PROGRAM on the host,
# RIG_CONTAINER_WATCHDOG_PROGRAM as the containers see it.
RIG_WATCHDOG_PROGRAM=$(dirname "$RIG_CONDA_SYSTEMD_BIN")/conda-systemd-watchdog
RIG_CONTAINER_WATCHDOG_PROGRAM=$RIG_CONTAINER_BIN_DIR/conda-systemd-watchdog
if [ ! -x "$RIG_WATCHDOG_PROGRAM" ]; then
  RIG_WATCHDOG_PROGRAM=$(dirname "$(dirname "$RIG_CONDA_SYSTEMD_BIN")")/libexec/conda-systemd/conda-systemd-watchdog
  RIG_CONTAINER_WATCHDOG_PROGRAM=$RIG_WATCHDOG_PROGRAM
fi
RIG_BOOT_TIMEOUT=${RIG_BOOT_TIMEOUT:-60}
RIG_STOP_TIMEOUT=${RIG_STOP_TIMEOUT:-20}
# What runs inside a container gets a clean environment, not the caller's
# (pyenv shims, proxies, PYTHON* variables).
RIG_CONTAINER_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  LANG=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 TERM=dumb)

RIG_RUN_DIR=
RIG_WORK=
RIG_PID=
RIG_MACHINE=
RIG_PASSED=0
RIG_FAILED=0
RIG_SUMMARY_DONE=no
RIG_SCENARIO=
RIG_T0=
declare -gA RIG_INNER=()   # machine -> host PID of its systemd

rig_log() { printf '[rig %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
rig_die() { rig_log "ERROR: $*"; exit 1; }

# --- process identity -----------------------------------------------------

# Start time of PID in clock ticks since boot (field 22 of /proc/PID/stat),
# which together with the PID names one process for good.
_rig_starttime() {
  local stat rest
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  rest=${stat##*) }   # the name in parentheses may contain spaces
  # shellcheck disable=SC2086 # splitting into fields is the point
  set -- $rest
  echo "${20}"
}

# True when PID is alive (not a zombie) and started at START.
_rig_alive() {
  local pid=$1 start=$2 stat rest
  [[ "$pid" =~ ^[0-9]+$ ]] && [ "$pid" -gt 1 ] || return 1
  [ "$(_rig_starttime "$pid")" = "$start" ] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  rest=${stat##*) }
  [ "${rest%% *}" != Z ]
}

# True when PID is alive, started at START and named COMM: the very process
# that was recorded, not a later one that got the same PID.
_rig_same_process() {
  _rig_alive "$1" "$2" && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$3" ]
}

# --- stopping containers (this run's or an orphan's) ----------------------

# Reads a machine file written by rig_boot into the _m_* variables.
_rig_read_machine() {
  _m_machine='' _m_nspawn_pid='' _m_nspawn_start='' _m_inner_pid='' _m_inner_start=
  local key value
  while IFS='=' read -r key value; do
    case "$key" in
      machine) _m_machine=$value ;;
      nspawn_pid) _m_nspawn_pid=$value ;;
      nspawn_start) _m_nspawn_start=$value ;;
      inner_pid) _m_inner_pid=$value ;;
      inner_start) _m_inner_start=$value ;;
    esac
  done <"$1"
}

# Stops the container a machine file describes: poweroff through its
# systemd, then SIGKILL by PID when that does not end it in time.
_rig_stop_machine() {
  local file=$1 deadline inner_ok=no nspawn_ok=no
  _rig_read_machine "$file"
  _rig_same_process "$_m_nspawn_pid" "$_m_nspawn_start" systemd-nspawn && nspawn_ok=yes
  if [ -z "$_m_inner_pid" ] && [ "$nspawn_ok" = yes ]; then
    # Killed while booting, before the container's systemd was recorded:
    # it is still nspawn's child, find it there.
    _m_inner_pid=$(pgrep -P "$_m_nspawn_pid" -x systemd | head -n1 || true)
    [ -z "$_m_inner_pid" ] || _m_inner_start=$(_rig_starttime "$_m_inner_pid")
  fi
  _rig_same_process "$_m_inner_pid" "$_m_inner_start" systemd && inner_ok=yes

  if [ "$inner_ok" = yes ]; then
    timeout 10 nsenter -t "$_m_inner_pid" -a systemctl poweroff >/dev/null 2>&1 || true
    deadline=$((SECONDS + RIG_STOP_TIMEOUT))
    while [ $SECONDS -lt $deadline ]; do
      _rig_same_process "$_m_inner_pid" "$_m_inner_start" systemd \
        || _rig_same_process "$_m_nspawn_pid" "$_m_nspawn_start" systemd-nspawn || break
      sleep 0.1
    done
    if _rig_same_process "$_m_inner_pid" "$_m_inner_start" systemd; then
      rig_log "container $_m_machine did not power off within ${RIG_STOP_TIMEOUT}s: SIGKILL to its systemd, PID $_m_inner_pid"
      # Killing a PID namespace's init kills every process in it.
      kill -KILL "$_m_inner_pid" 2>/dev/null || true
    fi
  fi
  # nspawn leaves by itself once its container is gone; give it a moment.
  deadline=$((SECONDS + 5))
  while _rig_same_process "$_m_nspawn_pid" "$_m_nspawn_start" systemd-nspawn && [ $SECONDS -lt $deadline ]; do
    sleep 0.1
  done
  if _rig_same_process "$_m_nspawn_pid" "$_m_nspawn_start" systemd-nspawn; then
    rig_log "systemd-nspawn PID $_m_nspawn_pid still there: SIGKILL"
    kill -KILL "$_m_nspawn_pid" 2>/dev/null || true
  fi
  # Reap it when it is our own child (an orphan's parent reaps it); its exit
  # status tells whether the container shut down cleanly.
  if [ "$nspawn_ok" = yes ]; then
    local status=0
    wait "$_m_nspawn_pid" 2>/dev/null || status=$?
    case "$status" in
      0|127) ;;   # clean, or not our child
      *) rig_log "systemd-nspawn of $_m_machine exited with status $status" ;;
    esac
  fi

  if _rig_same_process "$_m_inner_pid" "$_m_inner_start" systemd \
    || _rig_same_process "$_m_nspawn_pid" "$_m_nspawn_start" systemd-nspawn; then
    rig_log "WARNING: container $_m_machine (PIDs $_m_nspawn_pid, $_m_inner_pid) survived SIGKILL; its files stay"
    return 1
  fi
  # nspawn removes this on a clean exit only; the name was checked at boot.
  [[ "$_m_machine" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] && rm -rf "/run/systemd/nspawn/propagate/$_m_machine"
  rm -f "$file"
}

# Stops the containers of runs whose owner is gone and removes their files.
_rig_sweep() {
  local run owner_pid owner_start machine_file survivors lock_fd
  mkdir -p "$RIG_STATE_DIR"
  # The sweep kills the PIDs recorded here: nobody else may write here.
  if [ "$(stat -c %u "$RIG_STATE_DIR")" != "$(id -u)" ] || [ -n "$(find "$RIG_STATE_DIR" -maxdepth 0 -perm /022)" ]; then
    rig_die "$RIG_STATE_DIR must belong to $(id -un) and be writable by it alone"
  fi
  exec {lock_fd}>"$RIG_STATE_DIR/.lock"
  # Concurrent scenarios must not sweep the same orphan twice.
  flock "$lock_fd"
  for run in "$RIG_STATE_DIR"/*/; do
    run=${run%/}
    [ -f "$run/owner" ] || continue
    read -r owner_pid owner_start _ <"$run/owner" || true
    _rig_same_process "$owner_pid" "$owner_start" "$(sed -n 2p "$run/owner")" && continue
    rig_log "sweeping orphaned run $(basename "$run") (owner PID $owner_pid is gone)"
    survivors=no
    for machine_file in "$run"/machines/*; do
      [ -f "$machine_file" ] || continue
      if _rig_stop_machine "$machine_file"; then
        rig_log "stopped orphaned container $_m_machine (systemd PID ${_m_inner_pid:-none}, nspawn PID $_m_nspawn_pid)"
      else
        survivors=yes
      fi
    done
    # A run that just ended may still be removing its own files: whichever rm finishes is enough.
    [ "$survivors" = yes ] || rm -rf "$run" 2>/dev/null || [ ! -e "$run" ] || rig_log "could not remove $run"
  done
  flock -u "$lock_fd"
  exec {lock_fd}>&-
}

# --- set-up and teardown --------------------------------------------------

# rig_init SCENARIO: checks prerequisites, sweeps orphans of earlier runs,
# creates this run's directory, and arms the cleanup traps.
rig_init() {
  RIG_SCENARIO=${1:?rig_init needs a scenario name}
  RIG_T0=$EPOCHREALTIME
  [ "$(id -u)" -eq 0 ] || rig_die "the e2e tests boot containers: run them as root"
  local tool missing=()
  for tool in systemd-nspawn:systemd-container nsenter:util-linux flock:util-linux curl:curl; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
  done
  [ ${#missing[@]} -eq 0 ] || rig_die "missing Debian package ${missing[*]} (apt-get install ${missing[*]})"

  _rig_sweep
  RIG_RUN_DIR=$(mktemp -d "$RIG_STATE_DIR/$RIG_SCENARIO.$$.XXXXXX")
  mkdir -p "$RIG_RUN_DIR/machines" "$RIG_RUN_DIR/work"
  # Containers run as www-data and read what is bound in from here.
  chmod 755 "$RIG_RUN_DIR" "$RIG_RUN_DIR/work"
  # Written whole, then renamed: a concurrent sweep must never read half an owner and take this
  # run for an orphan.
  # The owner is this shell: $BASHPID is read here, once, because inside $(...) it names the
  # subshell (and /proc/$BASHPID/comm there is cat's), which made every concurrent run take the
  # others for orphans and stop their containers.
  local me=$BASHPID owner_start owner_comm
  owner_start=$(_rig_starttime "$me")
  owner_comm=$(<"/proc/$me/comm")
  printf '%s %s\n%s\n' "$me" "$owner_start" "$owner_comm" >"$RIG_RUN_DIR/.owner"
  _rig_same_process "$me" "$owner_start" "$owner_comm" \
    || rig_die "the run's owner record ($me $owner_start $owner_comm) does not describe this shell"
  mv "$RIG_RUN_DIR/.owner" "$RIG_RUN_DIR/owner"
  RIG_WORK=$RIG_RUN_DIR/work

  trap '_rig_on_exit' EXIT
  # A signal ends the scenario through the EXIT trap, so cleanup still runs.
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  rig_log "scenario $RIG_SCENARIO, run dir $RIG_RUN_DIR"
}

rig_teardown() {
  local file
  for file in "$RIG_RUN_DIR"/machines/*; do
    [ -f "$file" ] || continue
    local t0=$EPOCHREALTIME
    _rig_read_machine "$file"
    local name=$_m_machine
    _rig_stop_machine "$file" && rig_log "container $name stopped in $(_rig_elapsed "$t0")s"
  done
  RIG_INNER=()
  RIG_PID=
  RIG_MACHINE=
}

_rig_on_exit() {
  local rc=$?
  trap - EXIT INT TERM HUP
  set +e
  if [ "$RIG_SUMMARY_DONE" = no ]; then
    # The scenario stopped before its summary: a failed check, or a step
    # that failed outside any check, which counts as one more failure.
    rig_log "scenario $RIG_SCENARIO stopped early (exit status $rc)"
    if [ "$RIG_FAILED" -eq 0 ]; then
      RIG_FAILED=1
      _rig_diagnose
    fi
  fi
  # The scenario's own cleanup (host-side processes, say): scenarios must
  # not replace the rig's EXIT trap, they define rig_on_exit instead.
  if declare -F rig_on_exit >/dev/null; then rig_on_exit || true; fi
  [ -z "$RIG_RUN_DIR" ] || rig_teardown
  if [ "$RIG_SUMMARY_DONE" = no ]; then
    echo "$RIG_PASSED passed, $RIG_FAILED failed"
    [ "$rc" -ne 0 ] || rc=1
  fi
  if [ -n "$RIG_RUN_DIR" ]; then
    if [ "${RIG_KEEP:-0}" = 1 ]; then
      rm -f "$RIG_RUN_DIR/owner"
      rig_log "kept $RIG_RUN_DIR (RIG_KEEP=1)"
    elif [ -z "$(ls -A "$RIG_RUN_DIR/machines")" ]; then
      rm -rf "$RIG_RUN_DIR"
    fi
  fi
  exit "$rc"
}

_rig_elapsed() {
  local now=$EPOCHREALTIME
  # EPOCHREALTIME is "seconds.microseconds"; bash has integers only.
  local us=$(( (${now%.*} - ${1%.*}) * 1000000 + 10#${now#*.} - 10#${1#*.} ))
  printf '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000))
}

# --- containers -----------------------------------------------------------

# rig_boot NAME [systemd-nspawn options...]: boots systemd in a volatile
# container of the host's /usr, waits until it is running (or degraded) and
# makes it the current container.
rig_boot() {
  local name=${1:?rig_boot needs a machine name}
  shift
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] || rig_die "bad machine name '$name'"
  [ -n "$RIG_RUN_DIR" ] || rig_die "call rig_init first"
  local file=$RIG_RUN_DIR/machines/$name console=$RIG_RUN_DIR/$name.console.log
  local extra=()
  if [ -x "$RIG_CONDA_SYSTEMD_BIN" ] && [ "$RIG_CONTAINER_BIN_DIR" != "$(dirname "$RIG_CONDA_SYSTEMD_BIN")" ]; then
    extra+=("--bind-ro=$(cd "$(dirname "$RIG_CONDA_SYSTEMD_BIN")" && pwd):$RIG_CONTAINER_BIN_DIR")
  fi
  local t0=$EPOCHREALTIME
  systemd-nspawn -D / --volatile=yes --register=no --keep-unit --console=read-only \
    -M "$name" "${extra[@]}" "$@" -b -- systemd.firstboot=off </dev/null >"$console" 2>&1 &
  local nspawn_pid=$! nspawn_start
  nspawn_start=$(_rig_starttime "$nspawn_pid")
  # Recorded at once, so that even a kill during boot leaves a trace to sweep.
  printf 'machine=%s\nnspawn_pid=%s\nnspawn_start=%s\n' \
    "$name" "$nspawn_pid" "$nspawn_start" >"$file"

  local deadline=$((SECONDS + RIG_BOOT_TIMEOUT)) inner='' state=
  while [ $SECONDS -lt $deadline ]; do
    if [ -z "$inner" ]; then
      # PID 1 of the container is nspawn's child once it has exec'd systemd.
      inner=$(pgrep -P "$nspawn_pid" -x systemd | head -n1 || true)
      if [ -n "$inner" ]; then
        printf 'inner_pid=%s\ninner_start=%s\n' "$inner" "$(_rig_starttime "$inner")" >>"$file"
      fi
    fi
    if [ -n "$inner" ]; then
      state=$(timeout 5 nsenter -t "$inner" -a systemctl is-system-running 2>/dev/null || true)
      case "$state" in running|degraded) break ;; esac
    fi
    _rig_alive "$nspawn_pid" "$nspawn_start" || break
    sleep 0.1
  done

  RIG_MACHINE=$name
  RIG_PID=$inner
  RIG_INNER[$name]=$inner
  case "$state" in
    running|degraded) ;;
    *)
      if _rig_alive "$nspawn_pid" "$nspawn_start"; then
        rig_log "container $name did not boot within ${RIG_BOOT_TIMEOUT}s (state '${state:-none}', systemd PID ${inner:-none})"
      else
        local status=0
        wait "$nspawn_pid" 2>/dev/null || status=$?
        rig_log "systemd-nspawn for $name exited with status $status during boot"
      fi
      _rig_boot_diagnostics "$name" "$console"
      return 1
      ;;
  esac
  rig_log "container $name booted ($state) in $(_rig_elapsed "$t0")s, systemd is host PID $inner"
  if [ "$state" = degraded ]; then
    rig_log "degraded: failed units:"
    rig_systemctl --failed --no-legend >&2 || true
  fi
}

_rig_boot_diagnostics() {
  local name=$1 console=$2
  echo "--- console of $name (last 40 lines) ---" >&2
  tail -n 40 "$console" >&2 || true
  if [ -n "$RIG_PID" ] && [ -d "/proc/$RIG_PID" ]; then
    echo "--- jobs ---" >&2
    rig_systemctl list-jobs --no-legend >&2 || true
    echo "--- failed units ---" >&2
    rig_systemctl --failed --no-legend >&2 || true
  fi
  echo "---" >&2
}

# rig_use NAME: makes an already booted container the current one.
rig_use() {
  [ -n "${RIG_INNER[$1]:-}" ] || rig_die "no container $1 booted in this run"
  RIG_MACHINE=$1
  RIG_PID=${RIG_INNER[$1]}
}

# rig_run CMD...: runs CMD inside the current container, in a clean environment.
rig_run() {
  [ -n "$RIG_PID" ] || rig_die "no container booted"
  nsenter -t "$RIG_PID" -a "${RIG_CONTAINER_ENV[@]}" "$@"
}

rig_systemctl() { rig_run systemctl --no-pager "$@"; }

# rig_journal UNIT [journalctl options...]: the unit's log in this boot.
rig_journal() {
  local unit=$1
  shift
  rig_run journalctl --no-pager -o short-precise -b -u "$unit" "$@"
}

# rig_write_file PATH [MODE] < content: writes a file inside the container.
rig_write_file() {
  local path=$1 mode=${2:-644}
  # shellcheck disable=SC2016 # $1 and $2 are expanded by the inner sh
  rig_run sh -c 'mkdir -p "$(dirname "$1")" && cat >"$1" && chmod "$2" "$1"' sh "$path" "$mode"
}

# --- staging: what a scenario lays out under ROOT before it boots ---------
# ROOT/opt is bound as /opt in the container; the units run as www-data and read what is bound in.

# rig_example_names: the names of the example deployment, as globals for the scenario: app, wd
# (its units), prefix (its environment), root (what is staged, under RIG_WORK), tool (conda-systemd
# as the container sees it), contract, installed (render's copy), state (the watchdog's), py.
rig_example_names() {
  app=mes-dashboard.service
  wd=mes-dashboard-watchdog.service
  prefix=/opt/miniconda3/envs/mes-dashboard
  root=$RIG_WORK/root
  tool=$RIG_CONTAINER_BIN_DIR/conda-systemd
  contract=/opt/mes-dashboard/runtime.toml
  installed=/etc/conda-systemd/mes-dashboard.toml
  state=/var/lib/mes-dashboard/mes_dashboard_restart_state.json
  py=/usr/bin/python3.11
}

# rig_fixture_env ROOT PREFIX [make-conda-env.sh options]...: a conda-layout environment at PREFIX.
rig_fixture_env() {
  local root=$1 prefix=$2
  shift 2
  "$RIG_REPO/tests/fixtures/make-conda-env.sh" --root "$root" --prefix "$prefix" "$@" >/dev/null
}

# rig_example_app ROOT: the mes-dashboard example app in ROOT/opt/mes-dashboard, without caches.
rig_example_app() {
  local root=$1
  mkdir -p "$root/opt/mes-dashboard"
  cp -r "$RIG_REPO/examples/mes-dashboard/." "$root/opt/mes-dashboard/"
  find "$root/opt/mes-dashboard" -name __pycache__ -prune -exec rm -rf {} +
  chmod -R a+rX "$root/opt"
}

# rig_example_contract ROOT PORT TOOL CONTRACT: the example's contract at ROOT/CONTRACT, with the
# tool where the rig puts it and gunicorn on PORT.
rig_example_contract() {
  local root=$1 port=$2 tool=$3 contract=$4
  mkdir -p "$(dirname "$root$contract")"
  sed -e "s|^version = .*|&\ntool = \"$tool\"|" -e "s|127.0.0.1:8080|127.0.0.1:$port|g" \
    "$RIG_REPO/examples/mes-dashboard/runtime.toml" >"$root$contract"
  chmod -R a+rX "$root/opt"
}

# rig_example_deployment ROOT PREFIX PORT TOOL CONTRACT: all three: a fixture environment at PREFIX,
# the example app, and its contract at CONTRACT.
rig_example_deployment() {
  local root=$1 prefix=$2 port=$3 tool=$4 contract=$5
  rig_fixture_env "$root" "$prefix"
  rig_example_app "$root"
  rig_example_contract "$root" "$port" "$tool" "$contract"
}

# rig_serve_example MACHINE ROOT TOOL CONTRACT PORT TOKEN: boots MACHINE on what
# rig_example_deployment laid out under ROOT, renders it, writes the admin token, starts the app
# and waits until it answers on PORT and its watchdog is active (each a check).
# rig_plain_unit UNIT DESCRIPTION PORT VERSION TOKEN EXECSTART [LINE]...: a hand-written unit (not
# rendered) that runs the example app as www-data in /opt/mes-dashboard, with its runtime directory,
# the flag there, gunicorn on PORT, RUNTIME_CONTRACT_VERSION=VERSION and the admin TOKEN; each LINE
# is added to [Service].
rig_plain_unit() {
  local unit=$1 description=$2 port=$3 version=$4 token=$5 exec_start=$6
  shift 6
  {
    cat <<EOF
[Unit]
Description=$description

[Service]
Type=simple
User=www-data
Group=www-data
WorkingDirectory=/opt/mes-dashboard
RuntimeDirectory=mes-dashboard
Environment=GUNICORN_BIND=127.0.0.1:$port
Environment=MES_ADMIN_TOKEN=$token
Environment=WATCHDOG_RESTART_FLAG=/run/mes-dashboard/restart.flag
Environment=RUNTIME_CONTRACT_VERSION=$version
ExecStart=$exec_start
EOF
    printf '%s\n' "$@"
  } | rig_write_file "/etc/systemd/system/$unit"
}

# rig_healthy PORT: GET /health on PORT answers 200.
rig_healthy() { [ "$(rig_http_status "http://127.0.0.1:$1/health")" = 200 ]; }

# rig_start_healthy UNIT PORT: starts UNIT and waits until it answers on PORT (each a check).
rig_start_healthy() {
  local t0=$EPOCHREALTIME
  rig_check "systemctl start $1" rig_systemctl start "$1"
  rig_check "GET /health answers 200 within 30 s" rig_wait_until 30 rig_healthy "$2"
  rig_log "healthy $(_rig_elapsed "$t0")s after start"
}

rig_serve_example() {
  local machine=$1 root=$2 tool=$3 contract=$4 port=$5 token=$6
  local app=mes-dashboard.service wd=mes-dashboard-watchdog.service
  rig_boot "$machine" --bind="$root/opt:/opt"
  rig_check "render writes the deployment" rig_run "$tool" render --contract "$contract"
  rig_write_file /etc/mes-dashboard/secrets.env 640 <<<"MES_ADMIN_TOKEN=$token"
  rig_systemctl daemon-reload
  rig_start_healthy "$app" "$port"
  rig_check "$wd is active (Type=notify: READY=1 sent)" rig_wait_until 30 rig_systemctl is-active --quiet "$wd"
}

# rig_check_main_process UNIT PID_FILE PREFIX: the unit's main process (set as main_pid) is the
# gunicorn master that wrote PID_FILE and runs a binary of PREFIX, not a wrapper (two checks).
rig_check_main_process() {
  local unit=$1 pid_file=$2 prefix=$3 main_exe
  main_pid=$(rig_unit_prop "$unit" MainPID)
  rig_check_eq "MainPID of $unit is the gunicorn master of $pid_file" "$main_pid" \
    "$(rig_run cat "$pid_file" 2>&1 || true)"
  main_exe=$(rig_run readlink "/proc/$main_pid/exe" || true)
  case "$main_exe" in
    "$prefix"/bin/*) rig_pass "the main process runs $main_exe, inside the environment: no wrapper" ;;
    *) rig_fail "the main process runs '$main_exe', not a binary of $prefix" ;;
  esac
}

# rig_smaps_rollup PID: Rss, Pss, Pss_Anon and Pss_File of PID in the current container, on one line.
rig_smaps_rollup() {
  rig_run grep -E '^(Rss|Pss|Pss_Anon|Pss_File):' "/proc/$1/smaps_rollup" | tr -s ' \n' ' '
}

# rig_smaps_breakdown PID: the resident memory of PID in the current container by mapping
# (/proc/PID/smaps): Pss, Rss and Anonymous in KiB for each file (its name), [heap], [stack] and
# [anon] (mappings without a name), largest Pss first, then the total. PSS divides each shared page
# between the processes that map it.
rig_smaps_breakdown() {
  rig_run cat "/proc/$1/smaps" | awk '
    /^[0-9a-f]+-[0-9a-f]+ / { name = NF >= 6 ? $6 : "[anon]"; sub(".*/", "", name); next }
    $1 == "Pss:" { pss[name] += $2; tp += $2 }
    $1 == "Rss:" { rss[name] += $2; tr += $2 }
    $1 == "Anonymous:" { anon[name] += $2; ta += $2 }
    END {
      printf "%8s %8s %9s  %s\n", "Pss", "Rss", "Anonymous", "mapping"
      for (n in pss) printf "%8d %8d %9d  %s\n", pss[n], rss[n], anon[n], n | "sort -rn"
      close("sort -rn")
      printf "%8d %8d %9d  %s\n", tp, tr, ta, "total"
    }'
}

# rig_unit_prop UNIT PROPERTY: one property value of a unit.
rig_unit_prop() { rig_systemctl show -p "$2" --value "$1"; }

# rig_free_port: a TCP port free on the host now (containers share its network).
rig_free_port() {
  /usr/bin/python3.11 -I -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# rig_wait_until SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
rig_wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  while ! "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

# rig_http_status URL: the HTTP status code of a GET, from the host.
rig_http_status() { curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 5 "$1"; }

# --- assertions -----------------------------------------------------------
# A failed check returns non-zero, so under `set -e` it ends the scenario:
# later steps depend on earlier ones, and the first failure is the one to
# read. Before that, rig_on_fail runs when the scenario defines it (to print
# a unit's journal, say). Use a check in a condition to go on after a failure.
# The checked commands run in an `if`, where bash ignores `set -e`: check
# functions must return non-zero themselves (`|| return 1`).

_rig_indent() { sed 's/^/     /'; }

rig_pass() { RIG_PASSED=$((RIG_PASSED + 1)); echo "ok   $*"; }
rig_fail() {
  RIG_FAILED=$((RIG_FAILED + 1))
  echo "FAIL $*"
  _rig_diagnose
  return 1
}

_rig_diagnose() {
  if declare -F rig_on_fail >/dev/null && [ -n "$RIG_PID" ]; then
    echo "--- diagnostics (rig_on_fail) ---"
    rig_on_fail 2>&1 | _rig_indent || true
    echo "---"
  fi
}

# rig_check DESCRIPTION CMD...: passes when CMD succeeds; its output is shown on failure.
rig_check() {
  local desc=$1 out
  shift
  if out=$("$@" 2>&1); then
    rig_pass "$desc"
  else
    echo "FAIL $desc"
    [ -z "$out" ] || _rig_indent <<<"$out"
    RIG_FAILED=$((RIG_FAILED + 1))
    _rig_diagnose
    return 1
  fi
}

# rig_check_eq DESCRIPTION EXPECTED ACTUAL
rig_check_eq() {
  if [ "$2" = "$3" ]; then
    rig_pass "$1"
  else
    echo "FAIL $1"
    echo "     expected: $2"
    echo "     actual:   $3"
    RIG_FAILED=$((RIG_FAILED + 1))
    _rig_diagnose
    return 1
  fi
}

# rig_summary: prints "N passed, M failed"; non-zero when anything failed.
# Tears the containers down first, so the count is the last line printed.
rig_summary() {
  rig_teardown
  RIG_SUMMARY_DONE=yes
  rig_log "scenario $RIG_SCENARIO took $(_rig_elapsed "$RIG_T0")s"
  echo "$RIG_PASSED passed, $RIG_FAILED failed"
  [ "$RIG_FAILED" -eq 0 ]
}


# --- load (wrk, Debian's package) -----------------------------------------
# rig_load_start NAME URL [CONNECTIONS]: wrk on the host against URL, without keep-alive (every
# request a new connection, as a client that would see a refused connection), 2 threads, in the
# background until rig_load_stop NAME; its report goes to $RIG_WORK/load-NAME.txt. A new
# connection per request is the point: a listener that is not there shows as a socket error.
declare -gA RIG_LOAD_PID=() RIG_LOAD_START=()
rig_load_start() {
  local name=$1 url=$2 conns=${3:-8}
  command -v wrk >/dev/null || rig_die "missing Debian package wrk (apt-get install wrk)"
  # -d is the bound, never reached in a passing run: rig_load_stop ends it with SIGINT, on which wrk
  # prints its report.
  wrk -t 2 -c "$conns" -d 300s --timeout 5s --latency -H 'Connection: close' "$url" \
    >"$RIG_WORK/load-$name.txt" 2>&1 &
  RIG_LOAD_PID[$name]=$!
  RIG_LOAD_START[$name]=$(_rig_starttime "$!")
  # wrk connects within milliseconds; a load that did not start is a failure of the run.
  sleep 0.5
  _rig_alive "${RIG_LOAD_PID[$name]}" "${RIG_LOAD_START[$name]}" || { cat "$RIG_WORK/load-$name.txt" >&2; return 1; }
}

# rig_load_stop NAME: SIGINT to that wrk (by its PID, checked to be the same process), waits for its
# report and prints it.
rig_load_stop() {
  local name=$1 pid=${RIG_LOAD_PID[$1]:-} i
  [ -n "$pid" ] || rig_die "no load $name running"
  if _rig_same_process "$pid" "${RIG_LOAD_START[$name]}" wrk; then kill -INT "$pid"; fi
  for i in $(seq 50); do
    _rig_alive "$pid" "${RIG_LOAD_START[$name]}" || break
    sleep 0.1
  done
  wait "$pid" 2>/dev/null || true
  unset "RIG_LOAD_PID[$name]"
  cat "$RIG_WORK/load-$name.txt"
}

# rig_load_stop_all: ends every wrk this run started (for rig_on_exit).
rig_load_stop_all() {
  local name
  for name in "${!RIG_LOAD_PID[@]}"; do
    _rig_same_process "${RIG_LOAD_PID[$name]}" "${RIG_LOAD_START[$name]}" wrk && kill -KILL "${RIG_LOAD_PID[$name]}"
  done
  RIG_LOAD_PID=()
}

# rig_load_summary REPORT: "requests failures p50 p99 max" from a wrk report (latencies as wrk
# prints them, e.g. 1.52ms); failures = socket errors (connect, read, write, timeout) + non-2xx/3xx.
rig_load_summary() {
  awk '
    / requests in / { requests = $1 }
    /Socket errors:/ { gsub(",", ""); errors = $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { non2xx = $5 }
    $1 == "Latency" && NF >= 4 && !max { max = $4 }
    $1 == "50%" { p50 = $2 }
    $1 == "99%" { p99 = $2 }
    END { printf "%d %d %s %s %s\n", requests, errors + non2xx, p50, p99, max }
  ' "$1"
}

# rig_ms LATENCY: wrk's "1.52ms", "2.01s", "850.00us" in milliseconds.
rig_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
    printf "%.2f\n", n }'
}
