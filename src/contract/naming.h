// Names derived from the contract: unit names and the environment variables the app reads.
// One place, so render, check and verify can never disagree about them.
#pragma once

#include <string>
#include <vector>

#include "contract/contract.h"

namespace csd {

std::string app_unit(const Contract& c);                                  // "mes-dashboard.service"
std::string watchdog_unit(const Contract& c);                             // "mes-dashboard-watchdog.service"
std::string worker_unit(const Contract& c, const WorkerSection& worker);  // "mes-dashboard-wip-worker.service"
std::vector<std::string> all_units(const Contract& c);

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
extern const char* const kPidFileVar;       // WATCHDOG_PID_FILE
extern const char* const kRestartFlagVar;   // WATCHDOG_RESTART_FLAG
extern const char* const kStateFileVar;     // WATCHDOG_STATE_FILE
extern const char* const kRuntimeDirVar;    // WATCHDOG_RUNTIME_DIR
extern const char* const kContractVersionVar;  // RUNTIME_CONTRACT_VERSION

}  // namespace csd
