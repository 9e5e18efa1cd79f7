// Runs a program to completion, as a benchmark iteration: posix_spawn, execve, wait4.
#pragma once

#include <string>
#include <vector>

namespace csd::bench {

// What one process cost, from wait4's rusage: CPU (user + system, the exec'd program included), which
// the load of a shared machine inflates far less than wall time, and its page faults.
struct Usage {
  int status = -1;  // exit status, -1 when it could not start or was killed
  double cpu_us = 0;
  long minor_faults = 0;
  long major_faults = 0;
};

// stdout and stderr go to /dev/null, so printing costs what a pipe to the journal would not. `env`
// (NAME=VALUE strings) replaces the environment when given. posix_spawn (a vfork in glibc) rather than
// fork: the child touches none of the parent's pages before its execve, so its page faults are its own.
Usage run_usage(const std::vector<std::string>& argv, const std::vector<std::string>* env = nullptr);

// The exit status only; `cpu_seconds`, when given, receives the child's user + system CPU time.
int run_process(const std::vector<std::string>& argv, double* cpu_seconds = nullptr);

}  // namespace csd::bench
