#include "watchdog/policy.h"

#include <gtest/gtest.h>

namespace csd::watchdog {
namespace {

using std::chrono::seconds;

const TimePoint kNow = *parse_timestamp("2026-11-03T12:00:00+00:00");

PolicyConfig config(int budget = 3, int churn = 3, bool guarded = true) {
  PolicyConfig c;
  c.cooldown = seconds{60};
  c.window = seconds{600};
  c.retry_budget = budget;
  c.churn_threshold = churn;
  c.guarded_mode_enabled = guarded;
  return c;
}

std::vector<Attempt> attempts_ago(std::initializer_list<int> seconds_ago) {
  std::vector<Attempt> out;
  for (int s : seconds_ago) out.push_back({kNow - seconds{s}, std::nullopt});
  return out;
}

PolicyState allowed_state() {
  return evaluate_policy(config(), {}, std::nullopt, kNow);
}
PolicyState cooldown_state() {
  return evaluate_policy(config(), attempts_ago({10}), kNow - seconds{10}, kNow);
}
PolicyState guarded_state() {
  return evaluate_policy(config(), attempts_ago({500, 400, 300}), kNow - seconds{300}, kNow);
}
PolicyState guarded_and_cooldown_state() {
  return evaluate_policy(config(), attempts_ago({500, 400, 5}), kNow - seconds{5}, kNow);
}

void expect_decision(const Decision& d, bool allowed, const char* decision, const char* reason, bool ack) {
  EXPECT_EQ(d.allowed, allowed);
  EXPECT_EQ(d.decision, decision);
  EXPECT_EQ(d.reason, reason);
  EXPECT_EQ(d.requires_acknowledgement, ack);
}

TEST(PolicyState, StatesOfTheFixtures) {
  EXPECT_EQ(allowed_state().state, "allowed");
  EXPECT_EQ(cooldown_state().state, "cooldown");
  EXPECT_EQ(guarded_state().state, "blocked");
  EXPECT_EQ(guarded_and_cooldown_state().state, "blocked");
  EXPECT_TRUE(guarded_and_cooldown_state().cooldown);
}

// --- the decision table, row by row ---------------------------------------------------------

TEST(PolicyDecide, AutoGuardedIsBlocked) {
  expect_decision(decide(guarded_state(), "auto", false, false), false, "blocked", "guarded_mode_blocked",
                  false);
  // Guarded wins over cooldown, and auto requests cannot be overridden.
  expect_decision(decide(guarded_and_cooldown_state(), "auto", true, true), false, "blocked",
                  "guarded_mode_blocked", false);
}

TEST(PolicyDecide, AutoCooldownIsBlocked) {
  expect_decision(decide(cooldown_state(), "auto", false, false), false, "blocked", "cooldown_active", false);
  expect_decision(decide(cooldown_state(), "auto", true, true), false, "blocked", "cooldown_active", false);
}

TEST(PolicyDecide, AutoOtherwiseIsAllowed) {
  expect_decision(decide(allowed_state(), "auto", false, false), true, "allowed",
                  "policy_allows_auto_restart", false);
}

TEST(PolicyDecide, ManualGuardedNeedsAcknowledgedOverride) {
  for (auto [override_, ack] : {std::pair{false, false}, {true, false}, {false, true}}) {
    expect_decision(decide(guarded_state(), "manual", override_, ack), false, "blocked",
                    "manual_override_required", true);
    expect_decision(decide(guarded_and_cooldown_state(), "manual", override_, ack), false, "blocked",
                    "manual_override_required", true);
  }
}

TEST(PolicyDecide, ManualCooldownNeedsAcknowledgedOverride) {
  for (auto [override_, ack] : {std::pair{false, false}, {true, false}, {false, true}})
    expect_decision(decide(cooldown_state(), "manual", override_, ack), false, "blocked",
                    "cooldown_override_required", true);
}

TEST(PolicyDecide, ManualAcknowledgedOverrideIsExecutedInEveryState) {
  for (const PolicyState& s :
       {allowed_state(), cooldown_state(), guarded_state(), guarded_and_cooldown_state()})
    expect_decision(decide(s, "manual", true, true), true, "manual_override",
                    "operator_override_acknowledged", false);
}

TEST(PolicyDecide, ManualOtherwiseIsAllowed) {
  expect_decision(decide(allowed_state(), "manual", false, false), true, "allowed",
                  "policy_allows_manual_restart", false);
  expect_decision(decide(allowed_state(), "manual", true, false), true, "allowed",
                  "policy_allows_manual_restart", false);
}

TEST(PolicyDecide, UnknownSourceIsManual) {
  expect_decision(decide(cooldown_state(), "cron", false, false), false, "blocked",
                  "cooldown_override_required", true);
  expect_decision(decide(allowed_state(), "", false, false), true, "allowed", "policy_allows_manual_restart",
                  false);
}

// --- the window ---------------------------------------------------------------------------

TEST(PolicyWindow, EdgesAreInclusive) {
  PolicyConfig c = config();
  std::vector<Attempt> at_edge = {{kNow - seconds{600}, std::nullopt}};
  EXPECT_EQ(evaluate_policy(c, at_edge, std::nullopt, kNow).attempts_in_window, 1);
  std::vector<Attempt> past_edge = {{kNow - seconds{600} - Micros{1}, std::nullopt}};
  EXPECT_EQ(evaluate_policy(c, past_edge, std::nullopt, kNow).attempts_in_window, 0);
}

TEST(PolicyWindow, RequestedAtElseCompletedAt) {
  PolicyConfig c = config();
  std::vector<Attempt> h = {
      {std::nullopt, kNow - seconds{10}},         // only completed_at: counts
      {kNow - seconds{900}, kNow - seconds{10}},  // requested_at decides: out
      {std::nullopt, std::nullopt},               // neither: ignored
  };
  EXPECT_EQ(evaluate_policy(c, h, std::nullopt, kNow).attempts_in_window, 1);
}

TEST(PolicyWindow, FutureEntriesCount) {
  EXPECT_EQ(evaluate_policy(config(), attempts_ago({-3600}), std::nullopt, kNow).attempts_in_window, 1);
}

TEST(PolicyWindow, HistoryFromStateJson) {
  nlohmann::json history = nlohmann::json::array({
      {{"requested_at", "2026-11-03T11:59:00+00:00"}},
      {{"requested_at", "not a time"}, {"completed_at", "2026-11-03T11:58:00"}},  // naive: UTC
      {{"requested_at", nullptr}},
      "not an object",
      {{"requested_at", "2026-11-03T19:55:00+08:00"}},  // 11:55 UTC
      {{"requested_at", "2026-11-03T11:40:00+00:00"}},  // 20 min: outside
  });
  auto attempts = attempts_from_history(history);
  EXPECT_EQ(attempts.size(), 5u);
  EXPECT_EQ(evaluate_policy(config(), attempts, std::nullopt, kNow).attempts_in_window, 3);
  EXPECT_TRUE(attempts_from_history(nlohmann::json::object()).empty());
}

// --- budget, churn, guarded mode ----------------------------------------------------------------

TEST(PolicyGuard, BudgetExhaustedAtTheBudget) {
  PolicyState below = evaluate_policy(config(), attempts_ago({500, 400}), std::nullopt, kNow);
  EXPECT_FALSE(below.retry_budget_exhausted);
  EXPECT_FALSE(below.guarded_mode);
  EXPECT_EQ(below.state, "allowed");
  PolicyState at = evaluate_policy(config(), attempts_ago({500, 400, 300}), std::nullopt, kNow);
  EXPECT_TRUE(at.retry_budget_exhausted);
  EXPECT_TRUE(at.churn_exceeded);
  EXPECT_TRUE(at.guarded_mode);
  EXPECT_TRUE(at.blocked);
  EXPECT_FALSE(at.allowed);
}

TEST(PolicyGuard, ChurnThresholdAloneEngagesGuardedMode) {
  PolicyState s = evaluate_policy(config(5, 2), attempts_ago({500, 400}), std::nullopt, kNow);
  EXPECT_FALSE(s.retry_budget_exhausted);
  EXPECT_TRUE(s.churn_exceeded);
  EXPECT_TRUE(s.guarded_mode);
  EXPECT_EQ(s.state, "blocked");
}

TEST(PolicyGuard, DisabledGuardedModeNeverBlocks) {
  PolicyState s =
      evaluate_policy(config(3, 3, false), attempts_ago({500, 400, 300, 200}), std::nullopt, kNow);
  EXPECT_TRUE(s.retry_budget_exhausted);
  EXPECT_FALSE(s.guarded_mode);
  EXPECT_FALSE(s.blocked);
  EXPECT_EQ(s.state, "allowed");
}

// --- cooldown and the clock -----------------------------------------------------------------------

TEST(PolicyCooldown, Edges) {
  PolicyConfig c = config();
  PolicyState just_inside = evaluate_policy(c, {}, kNow - seconds{60} + Micros{1}, kNow);
  EXPECT_TRUE(just_inside.cooldown);
  EXPECT_EQ(just_inside.cooldown_remaining_seconds, 0);  // int(0.000001)
  EXPECT_EQ(just_inside.state, "cooldown");
  PolicyState at_end = evaluate_policy(c, {}, kNow - seconds{60}, kNow);
  EXPECT_FALSE(at_end.cooldown);
  EXPECT_EQ(at_end.state, "allowed");
  PolicyState fresh = evaluate_policy(c, {}, kNow, kNow);
  EXPECT_EQ(fresh.cooldown_remaining_seconds, 60);
  PolicyState half = evaluate_policy(c, {}, kNow - Micros{29'500'000}, kNow);
  EXPECT_EQ(half.cooldown_remaining_seconds, 30);  // 30.5 truncated
}

TEST(PolicyCooldown, FutureLastRequestCountsAsNow) {
  // A naive local time written on a UTC+8 host reads 8 h ahead: it may block for one cooldown,
  // never for 8 hours.
  PolicyState s = evaluate_policy(config(), {}, kNow + std::chrono::hours{8}, kNow);
  EXPECT_TRUE(s.cooldown);
  EXPECT_EQ(s.cooldown_remaining_seconds, 60);
}

TEST(PolicyCooldown, NaiveLastRequestIsUtc) {
  auto last = parse_timestamp("2026-11-03T11:59:30");
  PolicyState s = evaluate_policy(config(), {}, last, kNow);
  EXPECT_TRUE(s.cooldown);
  EXPECT_EQ(s.cooldown_remaining_seconds, 30);
}

TEST(PolicyConfigTest, FromContractWithTheDashboardsBounds) {
  WatchdogSection w;
  w.cooldown = Millis{500};
  w.retry_budget = 0;
  w.churn_threshold = 0;
  w.window = Millis{10'000};
  w.guarded_mode = false;
  PolicyConfig c = policy_config(w);
  EXPECT_EQ(c.cooldown, seconds{1});
  EXPECT_EQ(c.retry_budget, 1);
  EXPECT_EQ(c.churn_threshold, 1);
  EXPECT_EQ(c.window, seconds{30});
  EXPECT_FALSE(c.guarded_mode_enabled);
  PolicyConfig d = policy_config(WatchdogSection{});
  EXPECT_EQ(d.cooldown, seconds{60});
  EXPECT_EQ(d.window, seconds{600});
  EXPECT_EQ(d.retry_budget, 3);
}

TEST(PolicyState, HasExactlyTheThirteenKeys) {
  nlohmann::json j = guarded_and_cooldown_state().to_json();
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  std::vector<std::string> expected = {"allowed",
                                       "attempts_in_window",
                                       "blocked",
                                       "churn_exceeded",
                                       "churn_threshold",
                                       "cooldown",
                                       "cooldown_remaining_seconds",
                                       "cooldown_seconds",
                                       "guarded_mode",
                                       "retry_budget",
                                       "retry_budget_exhausted",
                                       "state",
                                       "window_seconds"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(j["state"], "blocked");
  EXPECT_EQ(j["attempts_in_window"], 3);
  EXPECT_EQ(j["window_seconds"], 600);
  EXPECT_EQ(j["cooldown_seconds"], 60);
  EXPECT_EQ(j["cooldown_remaining_seconds"], 55);
}

TEST(PolicyRecovery, ARecoveredHistoryBlocksForAWindowOrACooldown) {
  // Defect 1 of issue 10: a state recovered while the watchdog was down read as "no restarts".
  PolicyConfig c = config();
  EXPECT_EQ(recovery_blocks_until(kNow, c), kNow + seconds{600});
  c.cooldown = seconds{900};
  EXPECT_EQ(recovery_blocks_until(kNow, c), kNow + seconds{900}) << "the longer of window and cooldown";
  c = config();
  Decision allowed = decide(allowed_state(), "manual", false, false);
  Decision d = after_recovery(allowed, "manual", kNow - seconds{10}, kNow, c);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.decision, "blocked");
  EXPECT_EQ(d.reason, "state_unreadable");
  EXPECT_TRUE(d.requires_acknowledgement);
  Decision auto_d = after_recovery(decide(allowed_state(), "auto", false, false), "auto", kNow, kNow, c);
  EXPECT_EQ(auto_d.reason, "state_unreadable");
  EXPECT_FALSE(auto_d.requires_acknowledgement) << "an automatic request cannot acknowledge";
  // An acknowledged override goes ahead; after the window everything is the policy's again.
  Decision ov = decide(allowed_state(), "manual", true, true);
  EXPECT_EQ(after_recovery(ov, "manual", kNow, kNow, c).decision, "manual_override");
  EXPECT_EQ(after_recovery(allowed, "manual", kNow - seconds{600}, kNow, c).decision, "allowed");
  // A blocked decision stays blocked, now for the recovery.
  Decision cooling =
      decide(evaluate_policy(c, attempts_ago({5}), kNow - seconds{5}, kNow), "manual", false, false);
  EXPECT_EQ(after_recovery(cooling, "manual", kNow, kNow, c).reason, "state_unreadable");
}

}  // namespace
}  // namespace csd::watchdog
