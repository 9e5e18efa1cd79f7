// The right process: before any signal, prove that the PID file names the contract's gunicorn
// master (defect 2: a stale PID file made the old watchdog SIGHUP, and so kill, whatever
// process of the same user had the PID).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "host/process.h"
#include "util/error.h"
#include "watchdog/pidfd.h"

namespace csd::watchdog {

// Why nothing was signalled: the record's decision_reason. pid_unavailable (no file, no number,
// no process) is the dashboard's; the others name the mismatch. pid_hidden: the process exists (a
// pidfd opened) but /proc does not let the watchdog look at it: across user namespaces
// (PrivateUsers=yes on either unit) the kernel denies /proc/PID/exe, and ProtectProc=invisible
// hides the whole directory. Nothing is signalled without the proof.
enum class RefusalReason {
  pid_unavailable,
  pid_wrong_user,
  pid_outside_env,
  pid_not_gunicorn,
  pid_wrong_unit,
  pid_not_main_pid,
  pid_hidden,
};

// "gunicorn_pid_unavailable" for RefusalReason::pid_unavailable, and so on.
const char* reason_name(RefusalReason reason);

// The PID file: at most 64 bytes, never through a link, one integer above 1 (gunicorn writes
// "1234\n").
Result<pid_t> read_pid_file(const std::string& path);

// True for a gunicorn master's command line: `gunicorn ...`, `<python> [opts] .../gunicorn ...`,
// `<python> -m gunicorn ...`, or the title setproctitle gives it, "gunicorn: master [...]".
// A worker ("gunicorn: worker [...]") is not a master.
bool is_gunicorn_master_cmdline(const std::vector<std::string>& argv);

struct MasterExpectation {
  std::string prefix;    // the contract's conda environment
  uid_t uid = 0;         // the contract's service user
  std::string app_unit;  // "mes-dashboard.service"
  // The app unit's MainPID as systemd reports it; nullopt when systemd cannot be asked.
  std::optional<pid_t> main_pid;
};

struct Refusal {
  RefusalReason reason = RefusalReason::pid_unavailable;
  std::string detail;  // what was found, for the operator
};

struct VerifiedMaster {
  Pidfd pidfd;  // signal through this, never by number
  host::ProcessInfo info;
};

struct MasterCheck {
  std::optional<VerifiedMaster> master;
  Refusal refusal;  // when master is empty
};

// Opens a pidfd first, then checks /proc, then checks the pidfd's process is still alive: a
// live process keeps its PID, so what /proc said was about the process the pidfd holds.
// Checks, in order: exists and not a zombie; owner (real and effective uid); executable inside
// the prefix (symlinks in the prefix resolved); command line; the systemd unit of its cgroup
// when it is in one; MainPID when known.
MasterCheck verify_master(pid_t pid, const MasterExpectation& expect);

// read_pid_file + verify_master.
MasterCheck find_master(const std::string& pid_file, const MasterExpectation& expect);

}  // namespace csd::watchdog
