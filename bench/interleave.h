// Commands measured side by side: interleaved round by round, so that a change in the machine's load
// (other builds on the shared VM) falls on each of them alike, and compared by medians.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace csd::bench {

struct Command {
  std::string name;
  std::vector<std::string> argv;
};

struct InterleaveOptions {
  int rounds = 400;  // each round runs every command once, the order rotated each round
  int warmup = 10;   // rounds run first and not counted (page cache, CPU frequency)
  int block = 20;    // rounds per block, for the spread of the ratio
  const std::vector<std::string>* env = nullptr;  // the commands' environment, or ours
};

// Runs the commands and prints, per command, the median and quartiles of the CPU per process
// (user + system from wait4) and the median page faults; then each command's ratio to the first (the
// floor): the ratio of the medians over all rounds, and the quartiles of that ratio over blocks of
// `block` consecutive rounds. Returns false (and prints why) when a command does not exit 0.
bool compare_interleaved(const std::vector<Command>& commands, const InterleaveOptions& options,
                         std::FILE* out);

// Rounds from $CSD_BENCH_ROUNDS when set (a quick look: 50), else `fallback`.
int rounds_from_env(int fallback);

}  // namespace csd::bench
