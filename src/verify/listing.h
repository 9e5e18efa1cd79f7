// `conda-systemd list`: every installed contract (/etc/conda-systemd/NAME.toml) with its units'
// states as systemd reports them, the app's main PID and when it last (re)started, like
// `systemctl list-units` for the services conda-systemd runs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/bus.h"
#include "util/error.h"
#include "util/root.h"

namespace csd::verify {

struct ListedUnit {
  std::string name;
  std::string role;  // "app", "watchdog", "worker"
  std::string load_state = "unknown";
  std::string active_state = "unknown";
  std::string sub_state = "unknown";
};

struct Listed {
  std::string name;
  std::string contract;  // the installed file
  std::string error;     // the contract cannot be read: why; the other fields stay empty
  std::string version;
  std::string environment;  // conda.env, or conda.prefix
  std::vector<ListedUnit> units;
  pid_t main_pid = 0;
  std::uint64_t active_since_usec = 0;  // the app's ActiveEnterTimestamp: its last (re)start
};

// Reads each installed contract (no conda lookup: a broken environment must still be listed) and,
// when `systemd` is given, the state of each of its units. An error only when the contract
// directory cannot be read.
Result<std::vector<Listed>> list_installed(const Root& root, host::Systemd* systemd);

std::string listing_text(const std::vector<Listed>& listed);
nlohmann::json listing_json(const std::vector<Listed>& listed);

}  // namespace csd::verify
