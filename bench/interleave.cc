#include "interleave.h"

#include <algorithm>
#include <cstdlib>

#include "run_process.h"

namespace csd::bench {

namespace {

// The q-quantile of values (0 <= q <= 1), interpolated between the two nearest ranks.
double quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  double at = q * static_cast<double>(values.size() - 1);
  auto lo = static_cast<std::size_t>(at);
  std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (at - static_cast<double>(lo));
}

double median(const std::vector<double>& values) {
  return quantile(values, 0.5);
}

}  // namespace

int rounds_from_env(int fallback) {
  const char* text = std::getenv("CSD_BENCH_ROUNDS");
  int n = text ? std::atoi(text) : 0;
  return n > 0 ? n : fallback;
}

bool compare_interleaved(const std::vector<Command>& commands, const InterleaveOptions& options,
                         std::FILE* out) {
  const std::size_t n = commands.size();
  std::vector<std::vector<double>> cpu(n), faults(n);
  const int total = options.warmup + options.rounds;
  for (int round = 0; round < total; ++round) {
    for (std::size_t k = 0; k < n; ++k) {
      std::size_t i = (k + static_cast<std::size_t>(round)) % n;  // A B, B A, ...: no command always first
      Usage u = run_usage(commands[i].argv, options.env);
      if (u.status != 0) {
        std::fprintf(out, "%s: exit status %d, not 0: not measured\n", commands[i].name.c_str(), u.status);
        return false;
      }
      if (round < options.warmup) continue;
      cpu[i].push_back(u.cpu_us);
      faults[i].push_back(static_cast<double>(u.minor_faults + u.major_faults));
    }
  }

  std::size_t width = 0;
  for (const auto& c : commands) width = std::max(width, c.name.size());
  std::fprintf(out,
               "\n%d rounds interleaved (each command once a round, the order rotated), per process: CPU "
               "user + system from wait4, page faults\n",
               options.rounds);
  std::fprintf(out, "%-*s  %10s  %21s  %12s\n", static_cast<int>(width), "command", "CPU median",
               "CPU quartiles", "page faults");
  for (std::size_t i = 0; i < n; ++i)
    std::fprintf(out, "%-*s  %7.0f us  [%7.0f, %7.0f] us  %12.0f\n", static_cast<int>(width),
                 commands[i].name.c_str(), median(cpu[i]), quantile(cpu[i], 0.25), quantile(cpu[i], 0.75),
                 median(faults[i]));

  // The ratio of the medians, and how it spreads: the same ratio within each block of consecutive rounds.
  const std::size_t block = static_cast<std::size_t>(std::max(1, options.block));
  for (std::size_t i = 1; i < n; ++i) {
    std::vector<double> ratios;
    for (std::size_t start = 0; start + block <= cpu[0].size(); start += block) {
      auto slice = [&](const std::vector<double>& v) {
        return std::vector<double>(v.begin() + static_cast<long>(start),
                                   v.begin() + static_cast<long>(start + block));
      };
      ratios.push_back(median(slice(cpu[i])) / median(slice(cpu[0])));
    }
    std::fprintf(out,
                 "%s / %s: %.2f (ratio of the medians); over %zu blocks of %zu rounds: median %.2f, "
                 "quartiles [%.2f, %.2f], min %.2f, max %.2f\n",
                 commands[i].name.c_str(), commands[0].name.c_str(), median(cpu[i]) / median(cpu[0]),
                 ratios.size(), block, median(ratios), quantile(ratios, 0.25), quantile(ratios, 0.75),
                 quantile(ratios, 0), quantile(ratios, 1));
  }
  std::fprintf(out, "\n");
  return true;
}

}  // namespace csd::bench
