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
  Millis reload_timeout{30'000};
  bool restart_on_unconfirmed = false;
  MasterExpectation master;  // main_pid is filled in per request
};

// Paths are mapped under `root` (tests and `--root` deployments); the user must exist.
Result<Settings> settings_from_contract(const Contract& c, const Root& root);

// Loads and resolves the contract (conda/locate with `home`), then settings_from_contract.
Result<Settings> load_settings(const std::string& contract_path, const Root& root, const std::string& home);

// {"runtime_dir", "restart_flag", "pid_file", "state_file", "control_socket"}
nlohmann::json paths_json(const Settings& s);

}  // namespace csd::watchdog
