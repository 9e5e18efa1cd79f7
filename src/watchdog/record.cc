#include "watchdog/record.h"

namespace csd::watchdog {

using nlohmann::json;

namespace {

// Each key of the record once, with its member: to_json and from_json walk the same tables.
template <typename T>
struct Field {
  const char* key;
  std::optional<T> Record::*member;
};

const Field<std::string> kStrings[] = {
    {"requested_at", &Record::requested_at},
    {"completed_at", &Record::completed_at},
    {"source", &Record::source},
    {"decision", &Record::decision},
    {"decision_reason", &Record::decision_reason},
    {"claim", &Record::claim},
    {"reason", &Record::reason},
    {"runtime_contract_version", &Record::runtime_contract_version},
    {"policy_decision", &Record::policy_decision},
    {"state_problem", &Record::state_problem},
    {"detail", &Record::detail},
    {"rejected_at", &Record::rejected_at},
    {"superseded_at", &Record::superseded_at},
    {"signalled_at", &Record::signalled_at},
    {"confirmation", &Record::confirmation},
    {"confirmed_at", &Record::confirmed_at},
    {"unit_restart", &Record::unit_restart},
};

const Field<bool> kBools[] = {
    {"manual_override", &Record::manual_override},
    {"override_acknowledged", &Record::override_acknowledged},
    {"empty_flag", &Record::empty_flag},
    {"requires_acknowledgement", &Record::requires_acknowledgement},
};

const Field<long long> kIntegers[] = {
    {"master_pid", &Record::master_pid},
    {"reload_ms", &Record::reload_ms},
    {"health_status", &Record::health_status},
};

const Field<json> kAny[] = {
    {"requested_by", &Record::requested_by},
    {"requested_ip", &Record::requested_ip},
    {"policy_state", &Record::policy_state},
    {"override_reason", &Record::override_reason},
    {"flag_runtime_contract_version", &Record::flag_runtime_contract_version},
    {"systemd_main_pid", &Record::systemd_main_pid},
    {"old_workers", &Record::old_workers},
    {"new_workers", &Record::new_workers},
};

template <typename T, std::size_t N>
void put(json& j, const Record& r, const Field<T> (&fields)[N]) {
  for (const auto& f : fields)
    if (r.*f.member) j[f.key] = *(r.*f.member);
}

// Takes `value` into the field of `key` when it has the field's type; false when no field took it.
template <typename T, std::size_t N, typename Fits>
bool take(Record& r, const std::string& key, const json& value, const Field<T> (&fields)[N], Fits fits) {
  for (const auto& f : fields)
    if (key == f.key) {
      if (!fits(value)) return false;
      r.*f.member = value.get<T>();
      return true;
    }
  return false;
}

}  // namespace

json Record::to_json() const {
  json j = extra.is_object() ? extra : json::object();
  j["success"] = success;
  if (!request_id.empty()) j["request_id"] = request_id;
  put(j, *this, kStrings);
  put(j, *this, kBools);
  put(j, *this, kIntegers);
  put(j, *this, kAny);
  return j;
}

Record Record::from_json(const json& j) {
  Record r;
  if (!j.is_object()) return r;
  for (const auto& [key, value] : j.items()) {
    if (key == "success" && value.is_boolean()) {
      r.success = value.get<bool>();
    } else if (key == "request_id" && value.is_string()) {
      r.request_id = value.get<std::string>();
    } else if (!take(r, key, value, kStrings, [](const json& v) { return v.is_string(); }) &&
               !take(r, key, value, kBools, [](const json& v) { return v.is_boolean(); }) &&
               !take(r, key, value, kIntegers, [](const json& v) { return v.is_number_integer(); }) &&
               !take(r, key, value, kAny, [](const json&) { return true; })) {
      r.extra[key] = value;
    }
  }
  return r;
}

}  // namespace csd::watchdog
