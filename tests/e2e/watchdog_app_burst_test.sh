#!/usr/bin/env bash
# The example app under a burst of admin requests, under real systemd: 50 concurrent
# POST /admin/api/worker/restart. The app writes its flag without replacing a pending one
# (link(2)), so each POST is either accepted (202, a request id) or refused (409, naming the
# pending request): every 202 is decided by the watchdog exactly once, every 409 names a request
# that was accepted, no request is superseded, nothing is lost (issue 10, defect 8).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/rig.sh"

rig_init watchdog-app-burst

rig_example_names
token=app-burst-$RANDOM$RANDOM
posts=$RIG_WORK/posts

rig_on_fail() {
  rig_journal "$wd" -n 20 -o cat
  rig_journal "$app" -n 20 -o cat
}

[ -x "$RIG_CONDA_SYSTEMD_BIN" ] || rig_die "no conda-systemd binary at $RIG_CONDA_SYSTEMD_BIN"
mkdir -p "$posts"
port=$(rig_free_port)
rig_example_deployment "$root" "$prefix" "$port" "$tool" "$contract"

rig_serve_example "csd-e2e-wd-app-burst-$$" "$root" "$tool" "$contract" "$port" "$token"

# --- 50 admin requests at once ------------------------------------------------------------------------------
post() {  # post N: the answer's body in $posts/N.json, its status in $posts/N.code
  curl --noproxy '*' -s --max-time 30 -o "$posts/$1.json" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $token" -H "X-Admin-User: admin-$1" -H 'Content-Type: application/json' \
    -d '{"reason": "burst"}' "http://127.0.0.1:$port/admin/api/worker/restart" >"$posts/$1.code"
}
t0=$EPOCHREALTIME
pids=()
for i in $(seq 50); do
  post "$i" &
  pids+=($!)
done
wait "${pids[@]}"  # only these: a bare `wait` would wait for the container too
rig_log "50 POSTs answered in $(_rig_elapsed "$t0")s"

# "CODE REQUEST_ID PENDING_ID PENDING_USER" per POST.
answers() {
  for i in $(seq 50); do
    printf '%s ' "$(cat "$posts/$i.code")"
    $py -c '
import json, sys
a = json.load(open(sys.argv[1]))
p = a.get("pending") or {}
print(a.get("request_id") or "-", p.get("request_id") or "-", p.get("user") or "-")' "$posts/$i.json"
  done
}
answers >"$posts/all"
accepted=$(awk '$1 == 202 {print $2}' "$posts/all" | sort)
n202=$(echo "$accepted" | sed '/^$/d' | wc -l)
n409=$(awk '$1 == 409' "$posts/all" | wc -l)
rig_log "202: $n202, 409: $n409"
rig_check_eq "every POST is answered 202 or 409" 50 "$((n202 + n409))"
rig_check "at least one request is accepted" test "$n202" -ge 1
bad_409=$(awk '$1 == 409 && ($3 == "-" || $4 == "-")' "$posts/all")
rig_check_eq "every 409 names the pending request's id and user" "" "$bad_409"
unknown_pending=$(comm -13 <(echo "$accepted") <(awk '$1 == 409 {print $3}' "$posts/all" | sort -u))
rig_check_eq "every request a 409 names was one accepted with 202" "" "$unknown_pending"

# Request ids with a final audit event in the watchdog's journal, one line each.
final_ids() {
  rig_run journalctl -b --no-pager -u "$wd" -o json --output-fields=CSD_EVENT,CSD_REQUEST_ID |
    $py -c '
import json, sys
final = {"restart_blocked", "restart_failed", "restart_executed", "flag_rejected", "flag_superseded"}
for line in sys.stdin:
    e = json.loads(line)
    if e.get("CSD_EVENT") in final:
        print(e.get("CSD_REQUEST_ID"))' | sort
}
all_decided() { [ -z "$(comm -23 <(echo "$accepted") <(final_ids | uniq))" ]; }
rig_check "every 202 is decided by the watchdog within 120 s" rig_wait_until 120 all_decided
rig_check_eq "none is decided twice" "" "$(final_ids | uniq -d)"
rig_check_eq "the watchdog decided nothing else" "$n202" "$(final_ids | wc -l)"
superseded() {
  rig_run cat "$state" | $py -c 'import json, sys; print(json.load(sys.stdin).get("superseded_flags", 0))'
}
rig_check_eq "no request was superseded (the app never replaces a pending flag)" 0 "$(superseded)"
rig_check "the watchdog stayed up" rig_systemctl is-active --quiet "$wd"

rig_check "systemctl stop $app $wd" rig_systemctl stop "$app" "$wd"
rig_summary
