#include "contract/naming.h"

#include <cctype>

#include "util/file.h"

namespace csd {

const char* const kPidFileVar = "WATCHDOG_PID_FILE";
const char* const kRestartFlagVar = "WATCHDOG_RESTART_FLAG";
const char* const kStateFileVar = "WATCHDOG_STATE_FILE";
const char* const kRuntimeDirVar = "WATCHDOG_RUNTIME_DIR";
const char* const kContractVersionVar = "RUNTIME_CONTRACT_VERSION";

std::string app_unit(const Contract& c) {
  return c.name + (c.service.zero_downtime ? "@.service" : ".service");
}
std::string watchdog_unit(const Contract& c) {
  return c.name + "-watchdog.service";
}
std::string worker_unit(const Contract& c, const WorkerSection& w) {
  return c.name + "-" + w.name + "-worker.service";
}

std::vector<std::string> all_units(const Contract& c) {
  std::vector<std::string> units = {app_unit(c), watchdog_unit(c)};
  for (const auto& w : c.workers) units.push_back(worker_unit(c, w));
  if (c.service.zero_downtime)
    for (auto u : {socket_unit(c), c.name + "-health@.socket", holder_unit(c), target_unit(c),
                   c.name + "-trial@.service"})
      units.push_back(u);
  if (c.service.zero_downtime && c.watchdog.restart_mode == "swap")
    for (auto u : {swap_path_unit(c), swap_unit(c)}) units.push_back(u);
  return units;
}

std::string app_instance(const Contract& c, const std::string& instance) {
  return c.name + "@" + instance + ".service";
}
std::string socket_unit(const Contract& c) {
  return c.name + ".socket";
}
std::string trial_unit(const Contract& c, const std::string& instance) {
  return c.name + "-trial@" + instance + ".service";
}
std::string instance_slice(const Contract& c) {
  // Names hold letters, digits, "-", "_" and "." (contract.md): systemd escapes "-" (it nests
  // slices) and a leading ".".
  std::string escaped;
  for (std::size_t i = 0; i < c.name.size(); ++i)
    escaped += c.name[i] == '-'               ? "\\x2d"
               : (i == 0 && c.name[i] == '.') ? "\\x2e"
                                              : std::string(1, c.name[i]);
  return "system-" + escaped + ".slice";
}
std::string health_socket_unit(const Contract& c, const std::string& instance) {
  return c.name + "-health@" + instance + ".socket";
}
std::string holder_unit(const Contract& c) {
  return c.name + "-listener.service";
}
std::string target_unit(const Contract& c) {
  return c.name + ".target";
}
std::string swap_unit(const Contract& c) {
  return c.name + "-swap.service";
}
std::string swap_path_unit(const Contract& c) {
  return c.name + "-swap.path";
}

std::string instance_pid_file(const Contract& c, const std::string& instance) {
  const std::string& p = c.paths.pid_file;
  auto slash = p.rfind('/');
  auto dot = p.rfind('.');
  if (dot == std::string::npos || dot < slash + 2) return p + "-" + instance;
  return p.substr(0, dot) + "-" + instance + p.substr(dot);
}

std::string health_socket_path(const Contract& c, const std::string& instance) {
  // Not under paths.runtime_dir: that is the app's RuntimeDirectory= (its user's), and the
  // socket units, which start first at boot, would create it as root.
  return "/run/conda-systemd/" + c.name + "/health-" + instance + ".sock";
}

std::string active_instance_path(const Contract& c) {
  return join_path(parent_dir(c.paths.state_file), "conda-systemd-active");
}

std::string swap_request_path(const Contract& c) {
  return join_path(c.paths.runtime_dir, "swap.request");
}

std::string loadable_unit(const Contract& c, const std::string& unit) {
  auto at = unit.find("@.");
  if (!c.service.zero_downtime || at == std::string::npos) return unit;
  return unit.substr(0, at) + "@blue" + unit.substr(at + 1);
}

std::string other_instance(const std::string& instance) {
  return instance == "blue" ? "green" : "blue";
}
bool is_instance_name(const std::string& instance) {
  return instance == "blue" || instance == "green";
}

std::string deploy_record_path(const Contract& c) {
  return join_path(parent_dir(c.paths.state_file), "conda-systemd-deploy.json");
}

namespace {

// "mes-dashboard" -> "MES_DASHBOARD": the dashboard reads MES_DASHBOARD_ROOT.
std::string env_prefix(const std::string& name) {
  std::string out;
  for (char ch : name)
    out += std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::toupper(ch)) : '_';
  return out;
}

std::string seconds(Millis d) {
  return std::to_string((d.count() + 999) / 1000);
}

}  // namespace

std::vector<EnvVar> contract_environment(const Contract& c) {
  const auto& w = c.watchdog;
  std::vector<EnvVar> vars = {
      {"CONDA_SYSTEMD_CONTRACT", c.installed_path()},
      {kContractVersionVar, c.version},
      {"RUNTIME_CONTRACT_ENFORCE", "true"},
      {env_prefix(c.name) + "_ROOT", c.service.workdir},
      {kRuntimeDirVar, c.paths.runtime_dir},
      {kRestartFlagVar, c.paths.restart_flag},
      {kPidFileVar, c.paths.pid_file},
      {kStateFileVar, c.paths.state_file},
      {"WATCHDOG_CONTROL_SOCKET", c.paths.control_socket},
      {"WATCHDOG_RESTART_HISTORY_MAX", std::to_string(w.history_limit)},
      {"WORKER_RESTART_COOLDOWN", seconds(w.cooldown)},
      {"WORKER_RESTART_RETRY_BUDGET", std::to_string(w.retry_budget)},
      {"WORKER_RESTART_CHURN_THRESHOLD", std::to_string(w.churn_threshold)},
      {"WORKER_RESTART_WINDOW_SECONDS", seconds(w.window)},
      {"WORKER_GUARDED_MODE_ENABLED", w.guarded_mode ? "true" : "false"},
      {"CONDA_ENV_NAME", c.conda.env.empty() ? c.conda.prefix : c.conda.env},
      // Not CONDA_PREFIX_*: conda reserves CONDA_PREFIX_<n> for stacked activations.
      {"CONDA_SYSTEMD_PREFIX", c.conda.prefix},
  };
  if (!c.conda.root.empty()) vars.push_back({"CONDA_BIN", c.conda.root + "/bin/conda"});
  if (!c.service.bind.empty()) vars.push_back({"GUNICORN_BIND", c.service.bind});
  vars.push_back({"GUNICORN_WORKERS", std::to_string(c.service.workers)});
  for (const auto& [k, v] : c.service.environment) vars.push_back({k, v});
  return vars;
}

std::vector<std::string> derived_variable_names(const Contract& c) {
  Contract bare = c;
  bare.service.environment.clear();
  bare.conda.root = bare.conda.root.empty() ? "/" : bare.conda.root;  // so CONDA_BIN is listed
  bare.service.bind = bare.service.bind.empty() ? "-" : bare.service.bind;
  std::vector<std::string> names;
  for (const auto& v : contract_environment(bare)) names.push_back(v.name);
  return names;
}

}  // namespace csd
