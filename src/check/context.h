// What every check reads: the contract and where the deployment lies.
#pragma once

#include <map>
#include <string>

#include "check/finding.h"
#include "contract/contract.h"
#include "systemd/exec_line.h"
#include "systemd/unit_loader.h"
#include "util/root.h"

namespace csd::check {

struct Context {
  const Contract& contract;
  Root root;
  std::string only_unit;  // --unit: check this unit (and what it shares) only; "" for all
  // The text the installed contract copy must hold: the source's, with a deployed environment kept
  // as render keeps it (render/deployed.h). "" reads contract.source.
  std::string contract_text;
  // The contract's units as loaded so far, by name (see unit()).
  mutable std::map<std::string, Result<systemd::UnitConfig>> loaded_units = {};
  mutable systemd::DropinCache dropins = {};
  // Exec*= values of loaded units as parse_exec_line reads them (see exec_commands()).
  mutable std::map<std::pair<const systemd::UnitConfig*, std::string>,
                   Result<std::vector<systemd::ExecCommand>>>
      exec_lines = {};
};

// The contract's unit `name` (a name all_units gives) as systemd loads it under ctx.root, loaded
// once: several checks read the same units, and a unit's files do not change during one check.
const Result<systemd::UnitConfig>& unit(const Context& ctx, const std::string& name);

// An Exec*= `value` of `config` (a unit from unit()) parsed with its specifiers, once: unit_checks
// and tool_path_checks both read every ExecStart=.
const Result<std::vector<systemd::ExecCommand>>& exec_commands(const Context& ctx,
                                                               const systemd::UnitConfig& config,
                                                               const std::string& value);

// --unit NAME as systemctl takes it: a full name ("app.service"), the short form ("app"), or an
// instance of a template the contract renders ("app@blue.service"). The contract's unit it selects,
// or an error listing the contract's units.
Result<std::string> select_unit(const Contract& c, const std::string& name);

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

// "run `conda-systemd render --contract SOURCE`": the fix for a file render writes.
std::string render_hint(const Contract& c);
// The fix for a setting found in `file` of `unit`: render's hint for the unit file render writes,
// "remove or change the drop-in" for a drop-in (render never writes drop-ins, so it cannot undo one).
std::string fix_for(const Contract& c, const systemd::UnitConfig& unit, const std::string& file);

// Checks, one concern a file.
void check_environment(const Context& ctx, Report& report);  // conda_checks.cc
void check_env_files(const Context& ctx, Report& report);    // env_file_checks.cc
// One environment file; `rendered` when it is the contract's own, whose every value is known.
void check_env_file(const Context& ctx, const std::string& path, bool rendered, Report& report);
void check_units(const Context& ctx, Report& report);  // unit_checks.cc
// One installed unit against `rendered`, the text render writes for it now (drift_checks.cc).
void check_drift(const Context& ctx, const systemd::UnitConfig& unit, const std::string& rendered,
                 Report& report);
// The installed copy of the contract against the contract given, when that is another file.
void check_installed_contract(const Context& ctx, Report& report);
void check_scripts(const Context& ctx, Report& report);           // script_checks.cc
void check_runtime_dirs(const Context& ctx, Report& report);      // path_checks.cc
void check_orphans(const Context& ctx, Report& report);           // orphan_checks.cc
void check_collisions(const Context& ctx, Report& report);        // collision_checks.cc
void check_tool_path(const Context& ctx, Report& report);         // tool_path_checks.cc
void check_watchdog_program(const Context& ctx, Report& report);  // tool_path_checks.cc
void check_bind(const Context& ctx, Report& report);              // bind_checks.cc

}  // namespace csd::check
