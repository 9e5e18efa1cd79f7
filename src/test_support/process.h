// Running a program as a test does: exact environment, both outputs collected, killed by PID when
// it outlives a timeout (a hang is a failure, not a stuck test run).
#pragma once

#include <string>
#include <vector>

namespace csd::test {

struct Ran {
  int status = -1;  // exit status, or 128 + signal
  std::string out;
  std::string err;
};

// Runs `args` (args[0] a path) with exactly `env`; stdin is /dev/null.
Ran run(const std::vector<std::string>& args, const std::vector<std::string>& env, int timeout_s = 120);

}  // namespace csd::test
