// The contract: the single source of truth for one service. See docs/contract.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "util/duration.h"
#include "util/error.h"

namespace csd {

struct CondaSection {
  std::string root;    // conda installation; "" when the contract names only a prefix
  std::string env;     // environment name, resolved to a prefix by conda/locate
  std::string prefix;  // explicit prefix; after resolution always set
  std::string python;  // expected "major.minor", or ""
  std::vector<std::string> require;
  // The activate.d scripts must finish within this, or exec refuses to start the service.
  Millis activate_timeout{30'000};
};

struct ServiceSection {
  std::string user;
  std::string group;
  std::string workdir;
  std::vector<std::string> command;
  std::string environment_file;
  std::string secrets_file;  // operator-managed EnvironmentFile= (tokens), never rendered
  std::string bind;          // host:port, unix:/path, or "" (contract/bind.h)
  std::string health_url;    // http(s) URL, or ""
  int workers = 2;           // gunicorn workers the watchdog expects after a reload
  Millis graceful_timeout{30'000};
  std::map<std::string, std::string> environment;
  std::vector<std::string> allow_outside_env;  // commands `exec` may run from outside the env
  bool memory_deny_write_execute = false;      // breaks old-style cffi callbacks, so opt-in
  // A socket unit holds `bind`; two app instances take turns on it (docs/deploy.md).
  bool zero_downtime = false;
};

struct PathsSection {
  std::string runtime_dir;
  std::string pid_file;
  std::string restart_flag;
  std::string state_file;
  std::string control_socket;
};

// The keys of [paths] in the schema's order, each with what it names: the one list that every list
// of a contract's paths (its JSON form, the collisions between installed contracts) is made from.
struct PathKey {
  const char* key;   // "pid_file"
  const char* what;  // "PID file"
  std::string PathsSection::*member;
};
inline constexpr PathKey kPathKeys[] = {
    {"runtime_dir", "runtime directory", &PathsSection::runtime_dir},
    {"pid_file", "PID file", &PathsSection::pid_file},
    {"restart_flag", "restart flag", &PathsSection::restart_flag},
    {"state_file", "state file", &PathsSection::state_file},
    {"control_socket", "control socket", &PathsSection::control_socket},
};

struct WatchdogSection {
  Millis cooldown{60'000};
  int retry_budget = 3;
  int churn_threshold = 3;  // defaults to retry_budget
  Millis window{600'000};
  Millis reload_timeout{30'000};
  Millis flag_max_age{600'000};
  int history_limit = 50;
  bool guarded_mode = true;
  std::string on_unconfirmed = "report";  // or "restart"
  Millis watchdog_sec{0};                 // WatchdogSec= of the watchdog unit; 0: off
  std::string restart_mode = "hup";       // or "swap" (zero_downtime only): new code, same environment
};

struct WorkerSection {
  std::string name;
  std::vector<std::string> command;
  std::map<std::string, std::string> environment;
};

struct ScriptSection {
  std::string path;
};

// Where the Debian package installs conda-systemd, the default of `contract.tool`; and the default
// before the package existed, which units rendered then still run (docs/install.md).
inline constexpr const char* kDefaultTool = "/usr/bin/conda-systemd";
inline constexpr const char* kOldDefaultTool = "/usr/local/bin/conda-systemd";

struct Contract {
  std::string source;  // the file it was read from
  std::string name;
  std::string version;
  std::string tool;  // where conda-systemd is installed; the units run it

  // Where render installs the contract, and where the units' commands read it.
  std::string installed_path() const { return "/etc/conda-systemd/" + name + ".toml"; }
  CondaSection conda;
  ServiceSection service;
  PathsSection paths;
  WatchdogSection watchdog;
  std::vector<WorkerSection> workers;
  std::vector<ScriptSection> scripts;
};

// Parses and validates; every default is filled in. The conda prefix is left for
// conda/locate to resolve, since that reads the file system.
Result<Contract> parse_contract(std::string_view text, const std::string& source);
// The sections and keys the parser accepts (docs/contract.md documents each; man/mangen checks it).
const std::vector<std::string>& contract_sections();
const std::vector<std::string>& contract_keys(const std::string& section);
Result<Contract> load_contract(const std::string& path);

// The keys the contract accepts, "section.key", for docs and suggestions.
const std::vector<std::string>& contract_keys();

}  // namespace csd
