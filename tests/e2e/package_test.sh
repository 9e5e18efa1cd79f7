#!/usr/bin/env bash
# The Debian package under real systemd: installed with dpkg in a container whose /usr is an overlay
# (nothing reaches the host; dpkg's database is empty there, so --force-depends: the dependencies
# are checked on the host by scripts/package.sh with apt-get --simulate). The installed binary runs,
# both man pages render, bash completion completes a command and an installed contract, and an
# upgrade try-restarts the running watchdog units of the installed contracts and nothing else.
#
# The package: CSD_DEB, else the newest build/deb/*.deb, else scripts/package.sh builds one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"
rig_init package

deb=${CSD_DEB:-$(ls -t "$RIG_REPO"/build/deb/conda-systemd_*.deb 2>/dev/null | head -n1 || true)}
[ -n "$deb" ] || deb=$(bash "$RIG_REPO/scripts/package.sh" "$RIG_REPO/build" 2>/dev/null | tail -n1)
[ -f "$deb" ] || rig_die "no package: set CSD_DEB or run scripts/package.sh"
mkdir -p "$RIG_WORK/deb"
cp "$deb" "$RIG_WORK/deb/conda-systemd.deb"
chmod -R a+rX "$RIG_WORK/deb"

rig_on_fail() { rig_systemctl status --no-pager 'alpha*' 'beta*' 2>&1 | tail -n 30; }
# A volatile container has a fresh /etc: man-db's configuration (a conffile of the host's man-db)
# comes from the host, as a server has its own.
rig_boot "csd-e2e-package-$$" --overlay=/usr::/usr --bind-ro="$RIG_WORK/deb:/mnt/deb" --bind-ro=/etc/manpath.config

# dpkg's database under the volatile /var starts empty.
rig_run sh -c 'mkdir -p /var/lib/dpkg/info /var/lib/dpkg/updates && touch /var/lib/dpkg/status /var/lib/dpkg/available'
install_deb() { rig_run dpkg --force-depends -i /mnt/deb/conda-systemd.deb; }
rig_check "dpkg installs the package" install_deb
rig_check_eq "the installed binary is the package's" "conda-systemd $(dpkg-deb -f "$deb" Version)" \
  "$(rig_run /usr/bin/conda-systemd --version)"
rig_check "the binaries are stripped" rig_run sh -c '! readelf -S /usr/bin/conda-systemd | grep -q debug_info &&
  ! readelf -S /usr/libexec/conda-systemd/conda-systemd-watchdog | grep -q debug_info'

# man renders the page; each word must be in it.
man_has() {
  local out word
  out=$(rig_run env MANPAGER=cat MANWIDTH=100 man "$1" 2>&1) || { echo "$out"; return 1; }
  shift
  for word; do grep -qF -- "$word" <<<"$out" || { echo "not in the page: $word"; return 1; }; done
}
rig_check "man conda-systemd renders" man_has conda-systemd "COMMANDS" "contract show" "EXIT STATUS" "ENVIRONMENT" "FILES"
rig_check "man conda-systemd.contract renders" man_has conda-systemd.contract "pid_file" "restart_flag" "cooldown"

# Three installed contracts: alpha's watchdog runs, beta's is installed but stopped, gamma has none.
# Plain sleeps stand in for the units' programs: what is tested is which units the upgrade touches.
for name in alpha beta gamma; do
  rig_write_file "/etc/conda-systemd/$name.toml" <<<"[contract]
name = \"$name\""
done
for unit in alpha.service alpha-watchdog.service beta-watchdog.service; do
  rig_write_file "/etc/systemd/system/$unit" <<<"[Service]
ExecStart=/bin/sleep infinity"
done
rig_systemctl daemon-reload
rig_systemctl start alpha.service alpha-watchdog.service

completion() {
  rig_run bash --norc -c 'source /usr/share/bash-completion/completions/conda-systemd
    COMP_WORDS=(conda-systemd "$@"); COMP_CWORD=$(($# )); _conda_systemd
    printf "%s\n" "${COMPREPLY[@]}"' bash "$@"
}
rig_check_eq "bash completion completes a command" "render" "$(completion ren)"
rig_check_eq "bash completion completes an installed contract" "/etc/conda-systemd/alpha.toml" \
  "$(completion check --contract /etc/conda-systemd/al)"

app_before=$(rig_unit_prop alpha.service InvocationID)
watchdog_before=$(rig_unit_prop alpha-watchdog.service InvocationID)
# deb-systemd-invoke obeys policy-rc.d: where it forbids service actions (exit 101, as in Docker
# images) the upgrade restarts nothing. Written into the container's /usr overlay, not the host's.
rig_write_file /usr/sbin/policy-rc.d 755 <<<$'#!/bin/sh\nexit 101'
rig_check "an upgrade under a policy-rc.d that forbids it configures the package" install_deb
rig_check_eq "and restarts nothing" "$watchdog_before" "$(rig_unit_prop alpha-watchdog.service InvocationID)"
rig_run rm /usr/sbin/policy-rc.d
rig_check "an upgrade (dpkg -i again) configures the package" install_deb
rig_check "the running watchdog was restarted" \
  test "$(rig_unit_prop alpha-watchdog.service InvocationID)" != "$watchdog_before"
rig_check_eq "the watchdog runs again" active "$(rig_systemctl is-active alpha-watchdog.service || true)"
rig_check_eq "the stopped watchdog was not started" inactive "$(rig_systemctl is-active beta-watchdog.service || true)"
rig_check_eq "the app was not restarted" "$app_before" "$(rig_unit_prop alpha.service InvocationID)"

rig_check "dpkg purges the package" rig_run dpkg --purge conda-systemd
rig_check "its files are gone" rig_run sh -c '! test -e /usr/bin/conda-systemd && ! test -e /usr/libexec/conda-systemd &&
  ! test -e /usr/share/man/man1/conda-systemd.1.gz'
rig_summary
