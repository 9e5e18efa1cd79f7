#!/usr/bin/env bash
# The watchdog under load, under real systemd: 100 restart requests at once (100 concurrent
# `conda-systemd restart` commands, each writing the dashboard's flag without ever replacing a
# pending one) are all decided by the policy and each accounted for by exactly one audit event in
# the journal, and the watchdog stays up; a second burst interrupted by `systemctl stop` (SIGTERM)
# leaves a whole, valid state file, and after the next start every request of it is decided too.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init watchdog-burst

rig_example_names

rig_on_fail() {
  rig_journal "$wd" -n 20 -o cat
  rig_systemctl status "$wd" --no-pager -n 0 || true
}

[ -x "$RIG_CONDA_SYSTEMD_BIN" ] || rig_die "no conda-systemd binary at $RIG_CONDA_SYSTEMD_BIN"
port=$(rig_free_port)
rig_example_deployment "$root" "$prefix" "$port" "$tool" "$contract"

rig_serve_example "csd-e2e-wd-burst-$$" "$root" "$tool" "$contract" "$port" "burst-$RANDOM"

# "REQUEST_ID EVENT" for every final audit event in the watchdog's journal.
final_events() {
  rig_run journalctl -b --no-pager -u "$wd" -o json --output-fields=CSD_EVENT,CSD_REQUEST_ID |
    $py -c '
import json, sys
final = {"restart_blocked", "restart_failed", "restart_executed", "flag_rejected"}
for line in sys.stdin:
    e = json.loads(line)
    if e.get("CSD_EVENT") in final:
        print(e.get("CSD_REQUEST_ID"), e["CSD_EVENT"])'
}
# Requests of FILE (one {"request_id": ...} per line) without a final event, and duplicates.
unaccounted() {
  local ids events
  ids=$(rig_run cat "$1" | $py -c 'import json, sys; [print(json.loads(l)["request_id"]) for l in sys.stdin if l.strip()]' | sort)
  events=$(final_events | awk '{print $1}' | sort)
  comm -23 <(echo "$ids") <(echo "$events" | uniq)
  echo "$events" | uniq -d | sed 's/^/twice: /'
}
all_accounted() {
  local n missing
  n=$(rig_run sh -c "grep -c request_id $1 || true")
  [ "$n" = "$2" ] || { echo "$n of $2 requests written"; return 1; }
  missing=$(unaccounted "$1")
  [ -z "$missing" ] || { echo "not accounted for: $(echo "$missing" | head -5 | tr '\n' ' ')"; return 1; }
}
burst() {  # burst FILE: 100 concurrent restart requests, their ids appended to FILE
  rig_run sh -c "for i in \$(seq 100); do $tool restart --contract $contract --no-wait --json --reason burst >>$1 & done; wait"
}

# --- 100 at once --------------------------------------------------------------------------------------------
t0=$EPOCHREALTIME
rig_check "100 concurrent restart commands each write their request" burst /run/burst1.ids
rig_log "100 requests written in $(_rig_elapsed "$t0")s"
rig_check "every request is decided and audited exactly once within 120 s" rig_wait_until 120 all_accounted /run/burst1.ids 100
rig_log "all decided $(_rig_elapsed "$t0")s after the burst began"
rig_check "the watchdog stayed up" rig_systemctl is-active --quiet "$wd"
rig_check_eq "and was never restarted" 0 "$(rig_unit_prop "$wd" NRestarts)"
counts=$(final_events | awk '{print $2}' | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}')
rig_log "decisions: $counts"
rig_check_eq "the policy decided: one reload executed, the rest blocked" "restart_blocked=99 restart_executed=1 " "$counts"

# --- a burst interrupted by SIGTERM -----------------------------------------------------------------------------
before=$(final_events | wc -l)
rig_run systemd-run -q --unit=csd-burst2 sh -c "for i in \$(seq 100); do $tool restart --contract $contract --no-wait --json --reason burst2 >>/run/burst2.ids & done; wait"
some_decided() { [ $(($(final_events | wc -l) - before)) -ge 15 ]; }
rig_check "the second burst is being decided" rig_wait_until 60 some_decided
rig_check "systemctl stop $wd in the middle of it" rig_systemctl stop "$wd"
rig_check_eq "the watchdog stopped cleanly (SIGTERM: finish, save, exit 0)" success "$(rig_unit_prop "$wd" Result)"
state_valid() {
  rig_run cat "$state" | $py -c '
import json, sys
s = json.load(sys.stdin)
assert isinstance(s, dict) and isinstance(s["history"], list), "not the schema"
assert s["last_restart"] is None or isinstance(s["last_restart"], dict)
print(len(s["history"]), "entries, limit", s["history_limit"])'
}
rig_check "the state file is whole and valid JSON in the dashboard's schema" state_valid
decided_then=$(($(final_events | wc -l) - before))
rig_log "$decided_then of the second burst decided before the stop"
rig_check "systemctl start $wd again" rig_systemctl start "$wd"
burst2_done() { ! rig_systemctl is-active --quiet csd-burst2.service; }
rig_check "the second burst's commands all finish" rig_wait_until 90 burst2_done
rig_check "every request of the second burst is decided and audited exactly once" \
  rig_wait_until 120 all_accounted /run/burst2.ids 100
rig_check "no claimed flag is left over" rig_run sh -c '! ls -A /run/mes-dashboard | grep -q claimed'
rig_check "the state file is still valid" state_valid

rig_check "systemctl stop $app $wd" rig_systemctl stop "$app" "$wd"
rig_summary
