#include "watchdog/audit.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "host/journal.h"

namespace csd::watchdog {

using nlohmann::json;

namespace {

std::string text_of(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

const char* event_name(Event event) {
  static constexpr std::array<const char*, 7> kNames = {
      "restart_blocked",  "restart_failed", "restart_executed", "flag_rejected",
      "reload_signalled", "workers_scaled", "flag_superseded"};
  return kNames[static_cast<std::size_t>(event)];
}

json audit_entry(Event event, const json& payload, TimePoint now, const std::string& contract_version) {
  json entry = {{"event", event_name(event)},
                {"timestamp", format_timestamp(now)},
                {"runtime_contract_version", contract_version}};
  if (payload.is_object())
    for (auto it = payload.begin(); it != payload.end(); ++it)
      if (!entry.contains(it.key())) entry[it.key()] = it.value();
  return entry;
}

std::string audit_line(const json& entry) {
  // ensure_ascii=False in the dashboard: UTF-8 as is. Invalid UTF-8 is replaced, never thrown on.
  return "worker_watchdog_audit " + entry.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<std::string> journal_fields(const json& entry) {
  static const std::pair<const char*, const char*> kFields[] = {
      {"CSD_EVENT", "event"},
      {"CSD_REQUEST_ID", "request_id"},
      {"CSD_SOURCE", "source"},
      {"CSD_ACTOR", "actor"},
      {"CSD_IP", "ip"},
      {"CSD_DECISION", "decision"},
      {"CSD_REASON", "decision_reason"},
      {"CSD_MASTER_PID", "master_pid"},
      {"CSD_CONTRACT_VERSION", "runtime_contract_version"},
  };
  std::vector<std::string> out;
  for (const auto& [field, key] : kFields) {
    auto it = entry.find(key);
    if (it == entry.end() || it->is_null()) continue;
    // "decision" is an object in the dashboard's restart_blocked payload: journal its verdict.
    const json& v = it->is_object() && it->contains("decision") ? (*it)["decision"] : *it;
    out.push_back(fmt::format("{}={}", field, text_of(v)));
  }
  if (auto it = entry.find("decision");
      it != entry.end() && it->is_object() && it->contains("reason") && !entry.contains("decision_reason"))
    out.push_back(fmt::format("CSD_REASON={}", text_of((*it)["reason"])));
  return out;
}

Status send_audit_to_journal(const json& entry, int priority) {
  std::vector<std::string> fields = journal_fields(entry);
  fields.push_back("MESSAGE=" + audit_line(entry));
  fields.push_back(fmt::format("PRIORITY={}", priority));
  fields.push_back("SYSLOG_IDENTIFIER=conda-systemd-watchdog");
  return host::journal_send(fields);
}

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (!stream) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  return dev == static_cast<unsigned long long>(st.st_dev) &&
         ino == static_cast<unsigned long long>(st.st_ino);
}

}  // namespace csd::watchdog
