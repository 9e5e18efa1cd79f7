// What every check reads: the contract and where the deployment lies.
#pragma once

#include <string>

#include "check/finding.h"
#include "contract/contract.h"
#include "util/root.h"

namespace csd::check {

struct Context {
  const Contract& contract;
  Root root;
  std::string only_unit;  // --unit: check this unit (and what it shares) only; "" for all
};

// The contract's runtime paths by the variable names the dashboard uses for them, with the code
// a mismatch gets: WATCHDOG_PID_FILE -> pid_file, CSD104; ...
struct PathVar {
  const char* variable;
  const std::string* expected;
  const char* code;
  const char* what;  // "PID file"
  const char* contract_key;
};
std::vector<PathVar> path_vars(const Contract& c);
const PathVar* find_path_var(const std::vector<PathVar>& vars, const std::string& name);

// Checks, one concern a file.
void check_environment(const Context& ctx, Report& report);   // conda_checks.cc
void check_env_files(const Context& ctx, Report& report);     // env_file_checks.cc
// One environment file; `rendered` when it is the contract's own, whose every value is known.
void check_env_file(const Context& ctx, const std::string& path, bool rendered, Report& report);
void check_units(const Context& ctx, Report& report);         // unit_checks.cc
void check_scripts(const Context& ctx, Report& report);       // script_checks.cc
void check_runtime_dirs(const Context& ctx, Report& report);  // path_checks.cc
void check_tool_path(const Context& ctx, Report& report);     // tool_path_checks.cc

}  // namespace csd::check
