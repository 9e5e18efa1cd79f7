// Runs the program as shipped, as a process: tests of bad input go through the real binary.
#pragma once

#include <string>
#include <vector>

namespace csd::test {

struct Ran {
  int status = -1;  // exit status, or 128 + signal
  std::string out;
  std::string err;
};

// Runs a program with exactly `env`, standard input /dev/null, collects both
// outputs, and kills it by PID if it outlives the timeout.
Ran run(const std::vector<std::string>& args, const std::vector<std::string>& env, int timeout_s = 120);

// The built conda-systemd with `args`, in a minimal environment.
Ran run_tool(const std::vector<std::string>& args, int timeout_s = 60);

}  // namespace csd::test
