#include "check/context.h"

#include "contract/naming.h"

namespace csd::check {

std::vector<PathVar> path_vars(const Contract& c) {
  return {
      {kPidFileVar, &c.paths.pid_file, "CSD104", "PID file", "paths.pid_file"},
      {kRestartFlagVar, &c.paths.restart_flag, "CSD105", "restart flag", "paths.restart_flag"},
      {kStateFileVar, &c.paths.state_file, "CSD106", "state file", "paths.state_file"},
      {kRuntimeDirVar, &c.paths.runtime_dir, "CSD107", "runtime directory", "paths.runtime_dir"},
  };
}

const PathVar* find_path_var(const std::vector<PathVar>& vars, const std::string& name) {
  for (const auto& v : vars)
    if (name == v.variable) return &v;
  return nullptr;
}

}  // namespace csd::check
