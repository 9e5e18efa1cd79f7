// Adding and removing gunicorn workers: TTIN adds one, TTOU removes one, sent to the verified
// master through its pidfd one at a time (standard signals do not queue: two pending TTINs
// would count as one), each confirmed by the worker count before the next.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "util/duration.h"
#include "util/error.h"
#include "watchdog/settings.h"

namespace csd::watchdog {

// "+2" and "-1" are relative, "3" absolute.
struct ScaleTarget {
  bool relative = false;
  int value = 0;
};
std::optional<ScaleTarget> parse_scale(const std::string& text);

struct ScaleResult {
  pid_t master = 0;
  std::vector<pid_t> before;
  std::vector<pid_t> after;
  int target = 0;
  bool confirmed = false;
  std::string detail;
  nlohmann::json to_json() const;
};

// Proves the master (MainPID too when `main_pid` is known), signals, and waits for the count,
// at most `timeout` per step.
Result<ScaleResult> scale_workers(const Settings& s, ScaleTarget target, std::optional<pid_t> main_pid,
                                  Millis timeout);

}  // namespace csd::watchdog
