// The rules a unit is held to, one function each, shared by check and import so that one place
// decides each code (docs/diagnostics.md, "One rule set"). Each returns findings with code,
// severity, file, line, message, expected and found; the caller adds the fix that fits it (render
// for check, the rendered units for import's migration report).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "check/finding.h"
#include "contract/contract.h"
#include "systemd/env_issue.h"
#include "systemd/unit_loader.h"
#include "util/error.h"

namespace csd::check {

// A boolean setting that is set and true, as systemd reads "yes", "true", "1" and "on".
bool is_yes(const std::optional<systemd::Assignment>& a);

// The paths a unit of this role writes: the app its PID file and the restart flag, the watchdog the
// flag, its state file and its control socket. (path, contract key)
enum class Role { kApp, kWatchdog, kWorker };
std::vector<std::pair<std::string, std::string>> written_paths(const Contract& c, Role role);

// Where systemd lets a unit write under ProtectSystem=strict: ReadWritePaths=, the managed
// RuntimeDirectory=/StateDirectory=/CacheDirectory=/LogsDirectory=, /tmp and /var/tmp only with
// PrivateTmp=yes (strict mounts everything else read-only), and /dev/shm (an API file system).
std::vector<std::string> writable_dirs(const systemd::UnitConfig& unit);

// CSD108: one finding for all of `writes` that ProtectSystem=strict leaves read-only, at the drop-in
// that took a directory away when one did, else at ProtectSystem=.
std::vector<Finding> rule_writable_paths(const systemd::UnitConfig& unit,
                                         const std::vector<std::pair<std::string, std::string>>& writes);

// CSD109: units sharing a RuntimeDirectory= of which one deletes it on stop. Only
// RuntimeDirectoryPreserve=yes keeps it: "restart" keeps it across a restart but a stop deletes it
// under the other unit, with the PID file and any pending restart flag.
std::vector<Finding> rule_shared_runtime_dirs(const std::vector<const systemd::UnitConfig*>& units);

// CSD111: a line of Environment= or of an environment file that systemd reads differently from a
// shell, at the severity the systemd module gives it (an Environment= line is no softer than a file's).
// `file` ("" for the issue's own) and `line` (0 for the issue's own) say where to point.
Finding rule_env_issue(const systemd::EnvIssue& issue, const std::string& file, int line);

// CSD101: ExecStart= (`exec_start`) of `unit` runs the service through `wrapper` ("conda run",
// "bash -lc + conda run"), so the wrapper, not the service, is systemd's main process.
Finding rule_wrapper(const systemd::Assignment& exec_start, const std::string& unit,
                     const std::string& wrapper, const std::string& found);

// CSD110: a setting of the unit's identity (User=, Group=, WorkingDirectory=) that is not `value`,
// the one `against` names ("the contract's service.user", "that of app.service"). An empty value
// expects nothing; `unset_ok` accepts a unit that does not set it. A trailing slash of a directory
// is no difference: systemd reads both alike.
struct Expected {
  std::string key;  // "User"
  std::string value;
  std::string against;
  bool unset_ok = false;
};
std::vector<Finding> rule_identity(const systemd::UnitConfig& unit, const std::string& fallback_file,
                                   const std::vector<Expected>& expected);

// CSD115: a unit file, a drop-in or an ExecStart= line that cannot be read or parsed; at the error's
// own file and line, else at `file`.
Finding rule_unreadable_unit(const Error& e, const std::string& file);

// CSD112: an environment file (`path`) that cannot be read.
Finding rule_unreadable_env_file(const Error& e, const std::string& path);

}  // namespace csd::check
