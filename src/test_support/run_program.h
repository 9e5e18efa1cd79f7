// Runs a program (the built conda-systemd, a helper) as a process, the way a user or systemd would,
// and collects what it did. For tests that must see the program as shipped, not the library.
#pragma once

#include <string>
#include <vector>

namespace csd::test {

struct Ran {
  int status = -1;  // exit status, or 128 + signal (134: SIGABRT, 139: SIGSEGV)
  std::string out;
  std::string err;
};

// Runs `args` with exactly `env`, stdin from /dev/null, collects both outputs, and kills the
// program by PID if it outlives the timeout.
Ran run_program(const std::vector<std::string>& args, const std::vector<std::string>& env,
                int timeout_s = 120);

}  // namespace csd::test
