// Runs a program to completion, as a benchmark iteration: fork, execve, wait.
#pragma once

#include <string>
#include <vector>

namespace csd::bench {

// Returns the exit status; stdout and stderr go to /dev/null so printing costs what a pipe to
// the journal would not. Aborts the benchmark (returns -1) when the program cannot start.
int run_process(const std::vector<std::string>& argv);

}  // namespace csd::bench
