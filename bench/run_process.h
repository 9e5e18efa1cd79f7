// Runs a program to completion, as a benchmark iteration: fork, execve, wait.
#pragma once

#include <string>
#include <vector>

namespace csd::bench {

// Returns the exit status; stdout and stderr go to /dev/null so printing costs what a pipe to
// the journal would not. Aborts the benchmark (returns -1) when the program cannot start.
// `cpu_seconds`, when given, receives the child's user + system CPU time (wait4's rusage), which
// the load of a shared machine does not inflate the way it inflates wall time.
int run_process(const std::vector<std::string>& argv, double* cpu_seconds = nullptr);

}  // namespace csd::bench
