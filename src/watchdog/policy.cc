#include "watchdog/policy.h"

#include <algorithm>

namespace csd::watchdog {

namespace {

std::optional<TimePoint> time_field(const nlohmann::json& entry, const char* key) {
  auto it = entry.find(key);
  if (it == entry.end() || !it->is_string()) return std::nullopt;
  return parse_timestamp(it->get<std::string>());
}

}  // namespace

PolicyConfig policy_config(const WatchdogSection& w) {
  // Whole seconds, rounded up as the rendered environment file writes them
  // (WORKER_RESTART_COOLDOWN, WORKER_RESTART_WINDOW_SECONDS): the app and the watchdog agree.
  auto whole_seconds = [](Millis d) { return std::chrono::seconds((d.count() + 999) / 1000); };
  PolicyConfig c;
  c.cooldown = std::max<Micros>(whole_seconds(w.cooldown), Micros{1'000'000});
  c.retry_budget = std::max(w.retry_budget, 1);
  c.churn_threshold = std::max(w.churn_threshold, 1);
  c.window = std::max<Micros>(whole_seconds(w.window), Micros{30'000'000});
  c.guarded_mode_enabled = w.guarded_mode;
  return c;
}

std::vector<Attempt> attempts_from_history(const nlohmann::json& history) {
  std::vector<Attempt> out;
  if (!history.is_array()) return out;
  for (const auto& entry : history) {
    if (!entry.is_object()) continue;
    out.push_back({time_field(entry, "requested_at"), time_field(entry, "completed_at")});
  }
  return out;
}

nlohmann::json PolicyState::to_json() const {
  return {
      {"state", state},
      {"allowed", allowed},
      {"cooldown", cooldown},
      {"cooldown_remaining_seconds", cooldown_remaining_seconds},
      {"blocked", blocked},
      {"guarded_mode", guarded_mode},
      {"retry_budget_exhausted", retry_budget_exhausted},
      {"churn_exceeded", churn_exceeded},
      {"attempts_in_window", attempts_in_window},
      {"retry_budget", retry_budget},
      {"churn_threshold", churn_threshold},
      {"window_seconds", window_seconds},
      {"cooldown_seconds", cooldown_seconds},
  };
}

PolicyState evaluate_policy(const PolicyConfig& config, const std::vector<Attempt>& history,
                            std::optional<TimePoint> last_requested_at, TimePoint now) {
  PolicyState s;
  for (const Attempt& a : history) {
    std::optional<TimePoint> t = a.requested_at ? a.requested_at : a.completed_at;
    if (!t) continue;
    // Future entries count too (age <= window), as in the dashboard: they are recent if anything.
    if (now - *t <= config.window) ++s.attempts_in_window;
  }
  s.retry_budget = config.retry_budget;
  s.churn_threshold = config.churn_threshold;
  s.window_seconds = config.window.count() / 1'000'000;
  s.cooldown_seconds = config.cooldown.count() / 1'000'000;
  s.retry_budget_exhausted = s.attempts_in_window >= config.retry_budget;
  s.churn_exceeded = s.attempts_in_window >= config.churn_threshold;
  s.guarded_mode = config.guarded_mode_enabled && (s.retry_budget_exhausted || s.churn_exceeded);
  if (last_requested_at) {
    Micros elapsed = std::max(now - *last_requested_at, Micros{0});
    if (elapsed < config.cooldown) {
      s.cooldown = true;
      // int(cooldown - elapsed) in the dashboard: truncated toward zero.
      s.cooldown_remaining_seconds = (config.cooldown - elapsed).count() / 1'000'000;
    }
  }
  s.blocked = s.guarded_mode;
  s.allowed = !s.blocked && !s.cooldown;
  s.state = s.blocked ? "blocked" : s.cooldown ? "cooldown" : "allowed";
  return s;
}

nlohmann::json Decision::to_json() const {
  return {{"allowed", allowed},
          {"decision", decision},
          {"reason", reason},
          {"requires_acknowledgement", requires_acknowledgement}};
}

Decision decide(const PolicyState& state, std::string_view source, bool manual_override,
                bool override_acknowledged) {
  if (source == "auto") {
    if (state.blocked) return {false, "blocked", "guarded_mode_blocked", false};
    if (state.cooldown) return {false, "blocked", "cooldown_active", false};
    return {true, "allowed", "policy_allows_auto_restart", false};
  }
  bool acknowledged = manual_override && override_acknowledged;
  if ((state.blocked || state.cooldown) && !acknowledged)
    return {false, "blocked", state.blocked ? "manual_override_required" : "cooldown_override_required",
            true};
  if (acknowledged) return {true, "manual_override", "operator_override_acknowledged", false};
  return {true, "allowed", "policy_allows_manual_restart", false};
}

TimePoint recovery_blocks_until(TimePoint recovered_at, const PolicyConfig& config) {
  return recovered_at + std::max(config.window, config.cooldown);
}

Decision after_recovery(const Decision& d, std::string_view source, TimePoint recovered_at, TimePoint now,
                        const PolicyConfig& config) {
  if (d.decision == "manual_override" || now >= recovery_blocks_until(recovered_at, config)) return d;
  return {false, "blocked", "state_unreadable", source != "auto"};
}

}  // namespace csd::watchdog
