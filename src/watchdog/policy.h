// The recovery policy: cooldown, retry budget, churn window and the acknowledged manual
// override, with the dashboard's decisions, reason strings and 13 policy_state keys
// (reference/dashboard-compat.md, section 4). Pure functions: the clock is an argument.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "contract/contract.h"
#include "util/timestamp.h"

namespace csd::watchdog {

struct PolicyConfig {
  Micros cooldown{60'000'000};
  int retry_budget = 3;
  int churn_threshold = 3;
  Micros window{600'000'000};
  bool guarded_mode_enabled = true;
};
// From the contract, in whole seconds (rounded up) with the dashboard's lower bounds (cooldown
// 1 s, budgets 1, window 30 s).
PolicyConfig policy_config(const WatchdogSection& w);

// The times of one history entry that the policy looks at.
struct Attempt {
  std::optional<TimePoint> requested_at;
  std::optional<TimePoint> completed_at;
};
// Reads them from the state's history entries; entries that are not objects are skipped,
// as the dashboard does.
std::vector<Attempt> attempts_from_history(const nlohmann::json& history);

struct PolicyState {
  std::string state = "allowed";  // "blocked", "cooldown" or "allowed"
  bool allowed = true;
  bool cooldown = false;
  long long cooldown_remaining_seconds = 0;
  bool blocked = false;
  bool guarded_mode = false;
  bool retry_budget_exhausted = false;
  bool churn_exceeded = false;
  int attempts_in_window = 0;
  int retry_budget = 0;
  int churn_threshold = 0;
  long long window_seconds = 0;
  long long cooldown_seconds = 0;

  // Exactly the 13 keys the dashboard's status pages read.
  nlohmann::json to_json() const;
};

// attempts: the entries whose requested_at (else completed_at) is at most `window` old; entries
// with neither are ignored. Cooldown: less than `cooldown` since the last request. A last
// request in the future (a skewed or naive-local timestamp) counts as made now, so a clock
// error can never block restarts for longer than one cooldown.
PolicyState evaluate_policy(const PolicyConfig& config, const std::vector<Attempt>& history,
                            std::optional<TimePoint> last_requested_at, TimePoint now);

struct Decision {
  bool allowed = false;
  std::string decision;  // "allowed", "blocked" or "manual_override"
  std::string reason;    // guarded_mode_blocked, cooldown_active, policy_allows_auto_restart,
                         // manual_override_required, cooldown_override_required,
                         // operator_override_acknowledged, policy_allows_manual_restart
  bool requires_acknowledgement = false;
  nlohmann::json to_json() const;
};

// The dashboard's decision table. `source` other than "auto" is "manual".
Decision decide(const PolicyState& state, std::string_view source, bool manual_override,
                bool override_acknowledged);

// A state that was damaged and recovered (moved aside, started afresh) may be missing entries the
// policy would count: attempts of the last `window` and the last request of the `cooldown`.
// Those are all older than the recovery, so one window or one cooldown after it, whichever is
// longer, the recovered history is as good as the lost one.
TimePoint recovery_blocks_until(TimePoint recovered_at, const PolicyConfig& config);

// The decision for a history recovered at `recovered_at`: until recovery_blocks_until, every
// request but an acknowledged override is blocked with reason "state_unreadable" (fail closed).
// A manual request is told it needs --override --ack; an automatic one cannot give it.
Decision after_recovery(const Decision& d, std::string_view source, TimePoint recovered_at, TimePoint now,
                        const PolicyConfig& config);

}  // namespace csd::watchdog
