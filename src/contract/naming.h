// Names derived from the contract: unit names and the environment variables the app reads.
// One place, so render, check and verify can never disagree about them.
#pragma once

#include <string>
#include <vector>

#include "contract/contract.h"

namespace csd {

std::string app_unit(const Contract& c);       // "mes-dashboard.service"
std::string watchdog_unit(const Contract& c);  // "mes-dashboard-watchdog.service"
std::string worker_unit(const Contract& c,
                        const WorkerSection& worker);  // "mes-dashboard-wip-worker.service"
std::vector<std::string> all_units(const Contract& c);

// The zero-downtime layout ([service] zero_downtime, docs/deploy.md): app_unit() is then the
// template "NAME@.service", and these name the rest. Instances are "blue" and "green".
std::string app_instance(const Contract& c, const std::string& instance);  // "mes-dashboard@blue.service"
// The instance on its health socket alone, asked before the instance takes traffic.
std::string trial_unit(const Contract& c, const std::string& instance);  // "mes-dashboard-trial@blue.service"
// The slice systemd puts the app template's instances in ("system-mes\x2ddashboard.slice": the
// prefix escaped as systemd escapes unit names): the trial is put there too, so that its CPU
// weight weighs against the instances', its siblings (docs/deploy.md, "CPU while an instance boots").
std::string instance_slice(const Contract& c);
std::string socket_unit(const Contract& c);  // "mes-dashboard.socket", holds service.bind
std::string health_socket_unit(const Contract& c,
                               const std::string& instance);  // "mes-dashboard-health@blue.socket"
std::string holder_unit(const Contract& c);     // "mes-dashboard-listener.service", the sockets' Service=
std::string target_unit(const Contract& c);     // "mes-dashboard.target", the operator's handle
std::string swap_unit(const Contract& c);       // "mes-dashboard-swap.service", root oneshot
std::string swap_path_unit(const Contract& c);  // "mes-dashboard-swap.path", watches the request
// gunicorn's PID file of one instance: paths.pid_file with "-INSTANCE" before its extension.
std::string instance_pid_file(const Contract& c, const std::string& instance);
// The per-instance unix socket each instance answers the health URL's path on, besides bind.
std::string health_socket_path(const Contract& c, const std::string& instance);
// The file naming the active instance ("blue\n"), beside the deploy record.
std::string active_instance_path(const Contract& c);
// The file the watchdog writes to ask for a swap; the .path unit starts the swap unit on it.
std::string swap_request_path(const Contract& c);
// The name a unit file is loaded by: a template ("NAME@.service") through its instance "blue".
std::string loadable_unit(const Contract& c, const std::string& unit);
// "blue" <-> "green".
std::string other_instance(const std::string& instance);
bool is_instance_name(const std::string& instance);
// The CPU weight (CPUWeight=, systemd's default 100) of what boots while an instance serves: the
// trial always (rendered), the new instance until its health check passed (a runtime property
// the swap sets and takes back). A weight, not Nice=: each unit is its own cgroup (its own
// autogroup on a cgroup v1 host), and a nice value only orders threads within one
// (docs/deploy.md, "CPU while an instance boots").
inline constexpr int kBootCpuWeight = 10;

// The record of the current and the previous environment, beside the state file: deploy writes
// it, render and check keep the environment it names (docs/deploy.md).
std::string deploy_record_path(const Contract& c);

// The dashboard's variable names (docs/dashboard-compat.md, "Variables") and the values the contract gives
// them, in the order the environment file lists them.
struct EnvVar {
  std::string name;
  std::string value;
};
std::vector<EnvVar> contract_environment(const Contract& c);
// The names contract_environment derives from the contract itself (not from [service] environment).
std::vector<std::string> derived_variable_names(const Contract& c);

// The variables that carry a runtime path; check compares these wherever they are set.
extern const char* const kPidFileVar;          // WATCHDOG_PID_FILE
extern const char* const kRestartFlagVar;      // WATCHDOG_RESTART_FLAG
extern const char* const kStateFileVar;        // WATCHDOG_STATE_FILE
extern const char* const kRuntimeDirVar;       // WATCHDOG_RUNTIME_DIR
extern const char* const kContractVersionVar;  // RUNTIME_CONTRACT_VERSION

}  // namespace csd
