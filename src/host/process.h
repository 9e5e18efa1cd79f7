// What /proc says about a process, read with bounds, and the process tree below one. One reader
// for the watchdog's identity proof and for what verify and deploy compare with the contract.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace csd::host {

struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';                   // R, S, D, Z...
  unsigned long long start_time = 0;  // clock ticks since boot: with the PID, names one process
  uid_t uid = 0;                      // real
  uid_t euid = 0;
  std::string exe;                // /proc/PID/exe, " (deleted)" removed (an updated env)
  bool exe_deleted = false;       // the link ended in " (deleted)": the file was replaced
  std::string exe_error;          // why exe is empty (EACCES for another user's process)
  std::vector<std::string> argv;  // /proc/PID/cmdline
  std::string unit;               // the systemd unit of its cgroup, "" outside any
  // read_process_context only:
  std::string cwd;
  std::string user;                            // the real uid's name, or the number when it has none
  std::map<std::string, std::string> environ;  // as the process started
};

// Reads /proc/PID/{stat,status,exe,cmdline,cgroup}. Fails when the process does not exist.
Result<ProcessInfo> read_process(pid_t pid);

// read_process, and where it runs, as whom, with which environment (cwd, user, environ). Fails
// when exe, cwd or environ cannot be read: needs the right to read another user's /proc entries
// (root, or the same user).
Result<ProcessInfo> read_process_context(pid_t pid);

// Only exe and argv (fewer reads, for a quick comparison with another process).
Result<ProcessInfo> read_process_identity(pid_t pid);

// Parses /proc/PID/stat; the command name in parentheses may contain anything, even ") ".
bool parse_stat(const std::string& text, ProcessInfo& out);

// The unit a /proc/PID/cgroup text puts the process in: the last "*.service" component of the
// unified hierarchy's path (v2), else of the name=systemd one (v1); "" when none.
std::string unit_of_cgroup(const std::string& text);

// The direct children of a process: /proc/PID/task/*/children when the kernel provides it,
// else a scan of /proc for the parent PID.
std::vector<pid_t> list_children(pid_t parent);

// The running (non-zombie) children of a process.
std::vector<pid_t> running_children(pid_t parent);

// Every process ID in /proc, in no particular order.
std::vector<pid_t> all_pids();

// Calls `each(link, target)` for the open descriptors of `pid` (link: "/proc/PID/fd/N", target:
// what it names, "socket:[INODE]" for a socket), at most the first `limit`, until `each` returns
// false. Nothing for a process that is gone or that this user may not look into.
void for_each_open_file(pid_t pid,
                        const std::function<bool(const std::string& link, std::string_view target)>& each,
                        int limit = 4096);

// The inodes of the deleted files whose name starts with `prefix` that the process holds open
// (/proc/PID/fd links "DIR/prefix... (deleted)"), at most the first 4096 descriptors looked at.
std::vector<ino_t> deleted_files_held(pid_t pid, std::string_view prefix);

// True while the process exists and is not a zombie.
bool process_running(pid_t pid);

}  // namespace csd::host
