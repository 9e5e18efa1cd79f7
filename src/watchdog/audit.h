// The audit trail: every request ends in exactly one event, sent to the journal with structured
// fields and rendered as the dashboard's `worker_watchdog_audit {json}` line.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "util/error.h"
#include "util/timestamp.h"

namespace csd::watchdog {

// The dashboard's events (restart_blocked, restart_failed, restart_executed), plus ours:
// flag_rejected (a flag that was never a valid request), reload_signalled (SIGHUP sent,
// confirmation running), workers_scaled, and flag_superseded (a request replaced by another flag
// before it was claimed; issue 10, defect 8). The names are the journal's CSD_EVENT values.
enum class Event {
  restart_blocked,
  restart_failed,
  restart_executed,
  flag_rejected,
  reload_signalled,
  workers_scaled,
  flag_superseded,
};

// "restart_blocked" for Event::restart_blocked, and so on.
const char* event_name(Event event);

// {"event", "timestamp", "runtime_contract_version", ...payload}: payload keys never override
// the first three.
nlohmann::json audit_entry(Event event, const nlohmann::json& payload, TimePoint now,
                           const std::string& contract_version);

// "worker_watchdog_audit {json}", one line, as the dashboard logged it.
std::string audit_line(const nlohmann::json& entry);

// The journal fields (besides MESSAGE and PRIORITY) an entry is sent with, "KEY=value": CSD_EVENT,
// CSD_REQUEST_ID, CSD_SOURCE, CSD_ACTOR, CSD_IP, CSD_DECISION, CSD_REASON, CSD_MASTER_PID,
// CSD_CONTRACT_VERSION, where the entry has them. `journalctl CSD_EVENT=restart_blocked` selects.
std::vector<std::string> journal_fields(const nlohmann::json& entry);

// Sends the entry to the journal (host/journal.h, its native protocol). Fails when there is no journal.
Status send_audit_to_journal(const nlohmann::json& entry, int priority);

// True when stderr is a stream to the journal (JOURNAL_STREAM names it), so a line printed there
// would reach the journal a second time.
bool stderr_is_journal();

}  // namespace csd::watchdog
