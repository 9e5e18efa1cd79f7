// The decision record: one entry of the state's history (or of its rejected_flags), as the handler
// writes it, the control socket answers it and `restart` and `status` read it. Typed here, turned
// into JSON and back in one place (record.cc); the JSON keeps the dashboard's keys and formats
// (docs/dashboard-compat.md, "The state file") and adds ours (docs/watchdog.md, "The state file").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace csd::watchdog {

struct Record {
  // The dashboard's keys. requested_by and requested_ip are copied from the flag as written (a
  // string, normally; null when absent), so they stay JSON.
  std::optional<nlohmann::json> requested_by, requested_ip;
  std::optional<std::string> requested_at, completed_at, source;
  bool success = false;
  std::optional<std::string> decision;         // blocked, failed, executed; rejected, superseded
  std::optional<std::string> decision_reason;  // the policy's reasons, master refusals, ours (handler.h)
  std::optional<bool> manual_override;
  std::optional<nlohmann::json> policy_state;  // the 13 keys of PolicyState::to_json

  // Ours: the request and its claim.
  std::string request_id;            // "" in the dashboard's own entries: not written
  std::optional<std::string> claim;  // the claim's file name: a claim is decided once
  std::optional<bool> override_acknowledged, empty_flag, requires_acknowledgement;
  std::optional<nlohmann::json> override_reason, flag_runtime_contract_version;
  std::optional<std::string> reason, runtime_contract_version, policy_decision, state_problem, detail;
  std::optional<std::string> rejected_at, superseded_at;
  // The reload: the master proven, the signal, its confirmation.
  std::optional<nlohmann::json> systemd_main_pid;  // null when systemd could not be asked
  std::optional<long long> master_pid, reload_ms, health_status;
  std::optional<nlohmann::json> old_workers, new_workers;
  std::optional<std::string> signalled_at, confirmation, confirmed_at, unit_restart;

  // Keys of other writers (the dashboard's watchdog, older versions), and ours of an unexpected
  // type, kept as read so that a record read and written back loses nothing.
  nlohmann::json extra = nlohmann::json::object();

  nlohmann::json to_json() const;
  // Anything: a record is read from a state file other programs may have written.
  static Record from_json(const nlohmann::json& j);

  // Decided to reload and confirmed.
  bool confirmed() const { return decision == "executed" && success; }
};

}  // namespace csd::watchdog
