// What the watchdog takes from the contract, in one place: the paths it really uses (reported
// over the control socket, for `verify`), the policy, and what identifies the master.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "contract/contract.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/root.h"
#include "watchdog/master.h"
#include "watchdog/policy.h"

namespace csd::watchdog {

struct Settings {
  std::string contract_path;
  std::string contract_name;
  std::string contract_version;
  std::string runtime_dir;
  std::string restart_flag;
  std::string pid_file;
  std::string state_file;
  std::string control_socket;
  PolicyConfig policy;
  Micros flag_max_age{600'000'000};
  int history_limit = 50;
  int workers = 2;
  std::string health_url;
  // A unix bind (contract/bind.h): the probe asks health_url through this socket. "" for TCP.
  std::string health_socket;
  Millis reload_timeout{30'000};
  bool restart_on_unconfirmed = false;
  MasterExpectation master;  // main_pid is filled in per request
  // zero_downtime: the master is the active instance's (docs/deploy.md); follow_active() sets
  // pid_file and master.app_unit from the record at each use. Empty otherwise.
  std::string active_file;
  std::string pid_file_of[2];  // blue, green
  std::string app_unit_of[2];  // blue, green
  // restart_mode = "swap": a restart request is written here for NAME-swap.path instead of a SIGHUP.
  std::string swap_request;
};

// `s` with the active instance's PID file and unit (zero_downtime); `s` itself otherwise, or when
// the record cannot be read (the proof then fails on the PID file and says so).
Settings follow_active(const Settings& s);
// "blue" or "green" as recorded; "" without zero_downtime or when unreadable.
std::string active_instance(const Settings& s);

// Paths are mapped under `root` (tests and `--root` deployments); the user must exist.
Result<Settings> settings_from_contract(const Contract& c, const Root& root);

// Loads and resolves the contract (conda/locate with `home`), then settings_from_contract.
Result<Settings> load_settings(const std::string& contract_path, const Root& root, const std::string& home);

// {"runtime_dir", "restart_flag", "pid_file", "state_file", "control_socket"}
nlohmann::json paths_json(const Settings& s);

}  // namespace csd::watchdog
