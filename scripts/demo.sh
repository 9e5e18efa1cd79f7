#!/usr/bin/env bash
# The main job on the bundled example, end to end: builds conda-systemd and a conda-layout
# environment for the example MES dashboard, boots real systemd in a container, renders the
# deployment from examples/mes-dashboard/runtime.toml, starts it through the preflight check,
# and shows it serving, reloading and refusing drift. Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
# The demo needs the program alone: not the tests, the benchmarks or the man pages, and only the
# Debian packages that build it and boot the container (docs/performance.md, "First run").
[ -n "${DEMO_SKIP_BUILD:-}" ] || CSD_DEPS=demo bash scripts/build.sh conda-systemd >/dev/null
export CONDA_SYSTEMD_BIN=${CONDA_SYSTEMD_BIN:-$PWD/build/conda-systemd}
source tests/e2e/rig.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; rig_run "$@"; }

rig_on_fail() { rig_journal mes-dashboard.service -n 30 -o cat; }
rig_init demo
root=$RIG_WORK/root
prefix=/opt/miniconda3/envs/mes-dashboard
tool=$RIG_CONTAINER_BIN_DIR/conda-systemd
contract=/opt/mes-dashboard/runtime.toml
port=$(rig_free_port)

step "A conda-layout environment for the example (Debian's python3.11, gunicorn, Flask)"
tests/fixtures/make-conda-env.sh --root "$root" --prefix "$prefix" >/dev/null
"$root$prefix/bin/python" -c 'import sys, gunicorn, flask; print("python", sys.version.split()[0], "gunicorn", gunicorn.__version__, "flask", flask.__version__)'
mkdir -p "$root/opt/mes-dashboard"
cp -r examples/mes-dashboard/. "$root/opt/mes-dashboard/"
find "$root/opt/mes-dashboard" -name __pycache__ -prune -exec rm -rf {} +
sed -e "s|^version = .*|&\ntool = \"$tool\"|" -e "s|127.0.0.1:8080|127.0.0.1:$port|g" \
  examples/mes-dashboard/runtime.toml >"$root$contract"
chmod -R a+rX "$root/opt"

step "Real systemd in a container"
rig_boot "csd-demo-$$" --bind="$root/opt:/opt"
rig_run systemctl --version | head -1

step "The contract, resolved"
show "$tool" contract show --contract "$contract" --json | head -20
echo "..."

step "Render the deployment from the contract"
show "$tool" render --contract "$contract"
token=demo-$RANDOM$RANDOM
rig_write_file /etc/mes-dashboard/secrets.env 640 <<<"MES_ADMIN_TOKEN=$token"
rig_systemctl daemon-reload
show sed -n '/^ExecStartPre/p;/^ExecStart=/p;/^ExecReload/p' /etc/systemd/system/mes-dashboard.service

step "Preflight: check the deployment against the contract"
show "$tool" check --contract "$contract"

step "Start: check runs as ExecStartPre=, exec replaces itself with gunicorn"
show systemctl start mes-dashboard.service || { rig_on_fail; exit 1; }
rig_wait_until 30 sh -c "curl --noproxy '*' -sf http://127.0.0.1:$port/health"
printf '$ curl http://127.0.0.1:%s/health\n' "$port"
curl --noproxy '*' -s "http://127.0.0.1:$port/health"
echo
main=$(rig_unit_prop mes-dashboard.service MainPID)
echo "MainPID $main: $(rig_run readlink /proc/"$main"/exe), pid file says $(rig_run cat /run/mes-dashboard/gunicorn.pid)"
echo "exposure: $(rig_run systemd-analyze security mes-dashboard.service 2>/dev/null | tail -1)"

step "Reload: SIGHUP reaches gunicorn directly"
show systemctl reload mes-dashboard.service
sleep 2
rig_journal mes-dashboard.service -n 4 -o cat

step "An admin asks for a worker restart through the dashboard"
printf '$ curl -X POST -H "Authorization: Bearer ..." http://127.0.0.1:%s/admin/api/worker/restart\n' "$port"
curl --noproxy '*' -s -X POST -H "Authorization: Bearer $token" "http://127.0.0.1:$port/admin/api/worker/restart"
echo
confirmed() { rig_run "$tool" status --contract /etc/conda-systemd/mes-dashboard.toml --json | grep -q '"confirmed_at"'; }
rig_check "the watchdog claimed the flag, reloaded gunicorn and confirmed it" rig_wait_until 60 confirmed
show "$tool" status --contract /etc/conda-systemd/mes-dashboard.toml | head -20

step "Verify: the live system against the contract"
show "$tool" verify --contract /etc/conda-systemd/mes-dashboard.toml | tail -15

step "Drift: a hand edit puts a conda run wrapper back; the start is refused"
rig_systemctl stop mes-dashboard.service
rig_run sed -i "s|^ExecStart=.*|ExecStart=/usr/bin/env bash -lc 'exec conda run -n mes-dashboard gunicorn mes_dashboard:create_app()'|" /etc/systemd/system/mes-dashboard.service
rig_systemctl daemon-reload
show systemctl start mes-dashboard.service || true
rig_journal mes-dashboard.service -o cat | grep -A3 CSD101 | head -4
step "render repairs it"
show "$tool" render --contract "$contract"
rig_systemctl daemon-reload
show systemctl start mes-dashboard.service
echo "active: $(rig_systemctl is-active mes-dashboard.service)"

rig_systemctl stop mes-dashboard.service
rig_pass "demo finished: rendered, checked, started, served, reloaded, drift refused and repaired"
rig_summary
