// A running process as /proc shows it: what it runs, where, as whom, with which environment.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

#include "util/error.h"

namespace csd::verify {

struct ProcessInfo {
  pid_t pid = 0;
  std::string exe;  // readlink of /proc/PID/exe; ends in " (deleted)" when the file was replaced
  std::string cwd;
  uid_t uid = 0;                               // real uid
  std::string user;                            // its name, or the number when it has none
  std::map<std::string, std::string> environ;  // as the process started
};

// Needs the right to read another user's /proc entries (root, or the same user).
Result<ProcessInfo> read_process(pid_t pid);

}  // namespace csd::verify
