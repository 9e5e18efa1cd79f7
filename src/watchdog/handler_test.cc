#include "watchdog/handler.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "test_support/temp_dir.h"
#include "util/file.h"
#include "watchdog/audit.h"
#include "watchdog/test_fixture.h"

namespace csd::watchdog {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class Handler : public testing::HandlerTest {
 protected:
  TimePoint now = now_utc();

  Settings settings(const std::string& prefix = "/nonexistent-env") {
    Settings s = settings_in(prefix, "mes-dashboard.service");
    s.contract_version = "2026.11-1";
    s.history_limit = 50;
    s.reload_timeout = Millis(30'000);
    return s;
  }

  RequestHandler handler(Settings s) {
    HandlerHooks hooks = recording_hooks();
    hooks.now = [this] { return now; };
    return RequestHandler(std::move(s), hooks);
  }

  // A real gunicorn master from the fixture environment with `workers` workers, writing the
  // settings' PID file.
  std::optional<testing::Gunicorn> gunicorn(const testing::FixtureEnv& env, int workers) {
    return testing::start_gunicorn(env, tmp.path(), workers, tmp.at("/run/gunicorn.pid"));
  }

  // Writes a flag and claims it, as the loop does.
  std::string claimed(const std::string& content) { return claimed_flag(content, now); }

  std::string flag(const std::string& source = "manual", bool override_ = false, bool ack = false) {
    return json{{"user", "alice"},
                {"ip", "10.0.0.7"},
                {"timestamp", format_timestamp(now)},
                {"source", source},
                {"manual_override", override_},
                {"override_acknowledged", ack},
                {"policy_decision", "pending"}}
        .dump();
  }

  json state() { return *StateStore(tmp.at("/state/state.json"), 50).load(); }

  // Every request ends in exactly one of these.
  int final_events() {
    int n = 0;
    for (const auto& a : audits)
      for (Event e :
           {Event::restart_blocked, Event::restart_failed, Event::restart_executed, Event::flag_rejected})
        n += a["event"] == event_name(e);
    return n;
  }
};

TEST_F(Handler, NoMasterIsGunicornPidUnavailable) {
  RequestHandler h = handler(settings());
  std::string c = claimed(flag());
  Outcome o = h.handle(c);
  EXPECT_FALSE(o.pending);
  EXPECT_EQ(o.record.to_json()["decision"], "failed");
  EXPECT_EQ(o.record.to_json()["decision_reason"], "gunicorn_pid_unavailable");
  EXPECT_FALSE(path_exists(c)) << "the claimed flag is removed once decided";
  json s = state();
  EXPECT_EQ(s["last_restart"]["decision_reason"], "gunicorn_pid_unavailable");
  EXPECT_EQ(s["last_restart"]["requested_by"], "alice");
  EXPECT_EQ(s["last_restart"]["policy_state"].size(), 13u);
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0]["event"], "restart_failed");
  EXPECT_EQ(audits[0]["actor"], "alice");
  EXPECT_EQ(audits[0]["runtime_contract_version"], "2026.11-1");
}

TEST_F(Handler, StalePidFileAtAnUnrelatedProcessSignalsNothing) {
  // Defect 2: the old watchdog sent SIGHUP, whose default action kills the process, and
  // recorded success.
  testing::Child sleeper = testing::spawn({"/bin/sleep", "300"});
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto p = host::read_process(sleeper.pid());
        return p && p->exe == "/usr/bin/sleep";
      },
      seconds(10)));
  tmp.write("/run/gunicorn.pid", std::to_string(sleeper.pid()) + "\n");
  RequestHandler h = handler(settings());
  Outcome o = h.handle(claimed(flag()));
  EXPECT_EQ(o.record.to_json()["decision"], "failed");
  EXPECT_EQ(o.record.to_json()["decision_reason"], "gunicorn_pid_outside_env");
  EXPECT_EQ(o.record.to_json()["success"], false);
  EXPECT_TRUE(sleeper.running()) << "the unrelated process must survive";
  EXPECT_EQ(audits.back()["event"], "restart_failed");
  EXPECT_NE(audits.back()["detail"].get<std::string>().find("sleep"), std::string::npos);
}

TEST_F(Handler, BlockedIsRecordedWithTheDashboardsKeys) {
  RequestHandler h = handler(settings());
  // Three attempts in the window: guarded mode.
  json s = empty_state(50);
  for (int i = 0; i < 3; ++i)
    append_entry(
        s, {{"requested_at", format_timestamp(now - seconds(100 * (i + 1)))}, {"decision", "executed"}}, 50);
  ASSERT_TRUE(StateStore(tmp.at("/state/state.json"), 50).save(s).ok());
  Outcome o = h.handle(claimed(flag("auto")));
  EXPECT_EQ(o.record.to_json()["decision"], "blocked");
  EXPECT_EQ(o.record.to_json()["decision_reason"], "guarded_mode_blocked");
  EXPECT_EQ(o.record.to_json()["policy_state"]["state"], "blocked");
  EXPECT_EQ(o.record.to_json()["policy_state"]["attempts_in_window"], 3);
  for (const char* key : {"requested_by", "requested_at", "requested_ip", "completed_at", "success", "source",
                          "decision", "decision_reason", "manual_override", "policy_state"})
    EXPECT_TRUE(o.record.to_json().contains(key)) << key;
  EXPECT_EQ(state()["history"].size(), 4u);
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0]["event"], "restart_blocked");
  EXPECT_EQ(audits[0]["decision"]["reason"], "guarded_mode_blocked");
}

TEST_F(Handler, CooldownBlocksManualUntilAcknowledged) {
  RequestHandler h = handler(settings());
  json s = empty_state(50);
  append_entry(s, {{"requested_at", format_timestamp(now - seconds(10))}}, 50);
  ASSERT_TRUE(StateStore(tmp.at("/state/state.json"), 50).save(s).ok());
  EXPECT_EQ(h.handle(claimed(flag())).record.decision_reason, "cooldown_override_required");
  // With an acknowledged override the policy lets it through; no master here, so it fails there.
  Outcome o = h.handle(claimed(flag("manual", true, true)));
  EXPECT_EQ(o.record.to_json()["policy_decision"], "manual_override");
  EXPECT_EQ(o.record.to_json()["decision_reason"], "gunicorn_pid_unavailable");
  EXPECT_EQ(o.record.to_json()["manual_override"], true);
}

TEST_F(Handler, MalformedAndNonObjectFlagsAreRejectedRemovedNeverExecuted) {
  // Defect 5.
  RequestHandler h = handler(settings());
  for (const char* text : {"{not json", "null", "[1,2]", "\"restart\""}) {
    std::string c = claimed(text);
    Outcome o = h.handle(c);
    EXPECT_TRUE(o.rejected) << text;
    EXPECT_FALSE(o.pending);
    EXPECT_FALSE(path_exists(c)) << text;
  }
  json s = state();
  EXPECT_TRUE(s["history"].empty()) << "a rejected flag is not a restart attempt";
  EXPECT_EQ(s["rejected_flags"].size(), 4u);
  EXPECT_EQ(s["rejected_flags"][0]["decision_reason"], "flag_malformed");
  EXPECT_EQ(s["rejected_flags"][1]["decision_reason"], "flag_not_object");
  EXPECT_EQ(final_events(), 4);
  for (const auto& a : audits) EXPECT_EQ(a["event"], "flag_rejected");
}

TEST_F(Handler, SymlinkFifoDirectoryOversizedAreRejectedAndRemoved) {
  RequestHandler h = handler(settings());
  std::string flag_path = tmp.at("/run/restart.flag");
  tmp.write("/target", flag());
  std::vector<std::pair<std::function<void()>, const char*>> cases = {
      {[&] { ASSERT_EQ(::symlink(tmp.at("/target").c_str(), flag_path.c_str()), 0); }, "flag_symlink"},
      {[&] { ASSERT_EQ(::mkfifo(flag_path.c_str(), 0600), 0); }, "flag_fifo"},
      {[&] { tmp.mkdirs("/run/restart.flag"); }, "flag_directory"},
      {[&] { tmp.write("/run/restart.flag", std::string(kMaxFlagBytes + 1, ' ')); }, "flag_oversized"},
  };
  for (auto& [make, reason] : cases) {
    make();
    auto c = claim_flag(flag_path, ++seq, now);  // claim names are unique, as in the loop
    ASSERT_TRUE(c.ok() && c->has_value());
    Outcome o = h.handle(**c);
    EXPECT_TRUE(o.rejected);
    EXPECT_EQ(o.record.to_json()["decision_reason"], reason);
    EXPECT_FALSE(path_exists(**c)) << reason;
  }
  EXPECT_TRUE(path_exists(tmp.at("/target")));
  EXPECT_EQ(final_events(), 4);
}

TEST_F(Handler, StaleFlagIsRejected) {
  // Defect 9: a flag left while the watchdog was down executed hours later.
  RequestHandler h = handler(settings());
  std::string old =
      json{{"user", "bob"}, {"timestamp", format_timestamp(now - std::chrono::hours(3))}}.dump();
  Outcome o = h.handle(claimed(old));
  EXPECT_TRUE(o.rejected);
  EXPECT_EQ(o.record.to_json()["decision_reason"], "flag_stale");
  EXPECT_EQ(o.record.to_json()["requested_by"], "bob");
}

TEST_F(Handler, DamagedStateFailsClosed) {
  // Defect 3: a partial state file read as an empty history, so the policy failed open.
  tmp.write("/state/state.json", R"({"history": [{"requested_at": "2026-)");
  RequestHandler h = handler(settings());
  Outcome o = h.handle(claimed(flag()));
  EXPECT_EQ(o.record.to_json()["decision"], "blocked");
  EXPECT_EQ(o.record.to_json()["decision_reason"], "state_unreadable");
  EXPECT_TRUE(o.record.to_json().contains("state_problem"));
  json s = state();
  EXPECT_TRUE(s.contains("recovered_from"));
  EXPECT_TRUE(path_exists(s["recovered_from"]["file"].get<std::string>())) << "the damaged file is kept";
}

TEST_F(Handler, NaiveTimestampsAreUtc) {
  // Defect 6: a naive timestamp in the history is UTC, and what we write carries an offset.
  RequestHandler h = handler(settings());
  json s = empty_state(50);
  std::string naive = format_timestamp(now - seconds(30)).substr(0, 26);  // drop "+00:00"
  append_entry(s, {{"requested_at", naive}}, 50);
  ASSERT_TRUE(StateStore(tmp.at("/state/state.json"), 50).save(s).ok());
  std::string naive_flag = json{{"timestamp", format_timestamp(now).substr(0, 19)}}.dump();
  Outcome o = h.handle(claimed(naive_flag));
  EXPECT_EQ(o.record.to_json()["decision_reason"], "cooldown_override_required");
  EXPECT_EQ(o.record.to_json()["policy_state"]["cooldown_remaining_seconds"], 30);
  for (const char* key : {"requested_at", "completed_at"})
    EXPECT_TRUE(o.record.to_json()[key].get<std::string>().ends_with("+00:00")) << o.record.to_json()[key];
}

TEST_F(Handler, EmptyFlagIsARestartWithoutDetails) {
  RequestHandler h = handler(settings());
  Outcome o = h.handle(claimed(""));
  EXPECT_FALSE(o.rejected);
  EXPECT_EQ(o.record.to_json()["source"], "manual");
  EXPECT_EQ(o.record.to_json()["empty_flag"], true);
  EXPECT_TRUE(o.record.to_json()["requested_by"].is_null());
}

TEST_F(Handler, AClaimIsDecidedOnceWhateverItHolds) {
  // Defect 6 of issue 10: a dashboard-format flag (no request_id) left claimed by a watchdog
  // killed after its save was decided again. The claim's name is recorded with the decision.
  RequestHandler h = handler(settings());
  std::string dashboard = json{{"user", "alice"}, {"timestamp", format_timestamp(now)}}.dump();
  std::string claim = claimed(dashboard);
  tmp.write("/run/keep", dashboard);
  ASSERT_EQ(::link(tmp.at("/run/keep").c_str(), (claim + ".copy").c_str()), 0);
  Outcome first = h.handle(claim);
  EXPECT_EQ(first.record.to_json()["claim"], base_name(claim));
  // As if killed between the save and the removal: the same claim is back on disk.
  ASSERT_EQ(::rename((claim + ".copy").c_str(), claim.c_str()), 0);
  Outcome again = h.handle(claim);
  EXPECT_TRUE(again.duplicate);
  EXPECT_FALSE(path_exists(claim));
  EXPECT_EQ(state()["history"].size(), 1u);
  EXPECT_EQ(final_events(), 1);
}

TEST_F(Handler, TwoIdenticalFlagsAreTwoRequests) {
  RequestHandler h = handler(settings());
  for (const std::string& f : {json{{"user", "alice"}, {"timestamp", format_timestamp(now)}}.dump(),
                               json{{"request_id", "r-1"}, {"timestamp", format_timestamp(now)}}.dump()}) {
    Outcome a = h.handle(claimed(f));
    Outcome b = h.handle(claimed(f));
    EXPECT_FALSE(a.duplicate);
    EXPECT_FALSE(b.duplicate);
    EXPECT_NE(a.record.to_json()["claim"], b.record.to_json()["claim"]);
  }
  EXPECT_EQ(state()["history"].size(), 4u);
  EXPECT_EQ(final_events(), 4);
}

TEST_F(Handler, AnUnsavableDecisionIsNotActedOnAndIsRetried) {
  // The state lock held by another process: nothing decided, audited, signalled or removed.
  testing::Child holder = testing::hold_flock(tmp.at("/state/.state.json.lock"));
  RequestHandler h = handler(settings());
  std::string claim = claimed(flag());
  Outcome o = h.handle(claim);
  EXPECT_TRUE(o.lock_busy);
  EXPECT_NE(o.retry.find("held by PID " + std::to_string(holder.pid())), std::string::npos) << o.retry;
  EXPECT_TRUE(path_exists(claim));
  EXPECT_TRUE(audits.empty());
  holder.stop();
  Outcome later = h.handle(claim);
  EXPECT_TRUE(later.retry.empty());
  EXPECT_EQ(later.record.to_json()["decision"], "failed");
  EXPECT_FALSE(path_exists(claim));
  EXPECT_EQ(final_events(), 1);
}

TEST_F(Handler, RealReloadIsConfirmedBeforeSuccess) {
  // Defect 7: "executed" meant kill() returned 0.
  CSD_REQUIRE_FIXTURE_ENV(env);
  auto g = gunicorn(*env, 2);
  ASSERT_TRUE(g);
  Settings s = settings(env->prefix);
  s.health_url = g->url();
  RequestHandler h = handler(s);
  Outcome o = h.handle(claimed(flag()));
  ASSERT_TRUE(o.pending) << o.record.to_json().dump(2);
  EXPECT_EQ(o.record.to_json()["decision"], "executed");
  EXPECT_EQ(o.record.to_json()["success"], false) << "not yet confirmed";
  EXPECT_EQ(state()["last_restart"]["confirmation"], "pending");
  EXPECT_TRUE(list_signalling_flags(tmp.at("/run/restart.flag")).empty()) << "recorded: the mark is gone";
  Record final_record;
  ASSERT_TRUE(testing::wait_until([&] { return h.advance(*o.pending, final_record); }, seconds(40)));
  json final_entry = final_record.to_json();
  EXPECT_EQ(final_entry["success"], true) << final_entry.dump(2);
  EXPECT_EQ(final_entry["decision"], "executed");
  EXPECT_EQ(final_entry["decision_reason"], "signal_sighup");
  EXPECT_EQ(final_entry["confirmation"], "confirmed");
  EXPECT_EQ(final_entry["health_status"], 200);
  EXPECT_EQ(final_entry["new_workers"].size(), 2u);
  EXPECT_EQ(final_entry["old_workers"].size(), 2u);
  EXPECT_TRUE(final_entry.contains("confirmed_at"));
  EXPECT_TRUE(final_entry.contains("reload_ms"));
  json st = state();
  EXPECT_EQ(st["history"].size(), 1u) << "the pending entry is replaced, not duplicated";
  EXPECT_EQ(st["last_restart"]["success"], true);
  EXPECT_EQ(audits.back()["event"], "restart_executed");
  EXPECT_EQ(final_events(), 1);
}

TEST_F(Handler, ReloadNotConfirmedInTimeIsAFailure) {
  CSD_REQUIRE_FIXTURE_ENV(env);
  auto g = gunicorn(*env, 1);  // kept running to the end of the test
  ASSERT_TRUE(g);
  Settings s = settings(env->prefix);
  s.workers = 3;  // gunicorn runs 1: never confirmed
  s.reload_timeout = Millis(1500);
  bool restart_asked = false;
  s.restart_on_unconfirmed = true;
  HandlerHooks hooks = recording_hooks();
  hooks.restart_unit = [&](const std::string& unit) {
    restart_asked = unit == "mes-dashboard.service";
    return ok_status();
  };
  RequestHandler h(s, hooks);
  Outcome o = h.handle(claimed(flag()));
  ASSERT_TRUE(o.pending);
  Record final_record;
  ASSERT_TRUE(testing::wait_until([&] { return h.advance(*o.pending, final_record); }, seconds(20)));
  json final_entry = final_record.to_json();
  EXPECT_EQ(final_entry["success"], false);
  EXPECT_EQ(final_entry["decision"], "failed");
  EXPECT_EQ(final_entry["decision_reason"], "reload_unconfirmed");
  EXPECT_EQ(final_entry["unit_restart"], "requested");
  EXPECT_TRUE(restart_asked);
  EXPECT_EQ(audits.back()["event"], "restart_failed");
}

TEST_F(Handler, AbandonedPendingEntriesAreClosedAtStart) {
  json s = empty_state(50);
  append_entry(s, {{"request_id", "r9"}, {"decision", "executed"}, {"confirmation", "pending"}}, 50);
  ASSERT_TRUE(StateStore(tmp.at("/state/state.json"), 50).save(s).ok());
  RequestHandler h = handler(settings());
  ASSERT_TRUE(h.close_abandoned_reloads().ok());
  json st = state();
  EXPECT_EQ(st["last_restart"]["decision"], "failed");
  EXPECT_EQ(st["last_restart"]["confirmation"], "abandoned");
  EXPECT_EQ(st["history"][0]["confirmation"], "abandoned");
  EXPECT_EQ(final_events(), 1);
}

// Killed after the claim was marked as signalling (just before the SIGHUP) and before the state
// recorded it: the next start records the request from the mark, as failed and abandoned, and never
// signals it again.
TEST_F(Handler, AMarkTheStateDoesNotRecordIsAnAbandonedRequestAtStart) {
  std::string claim = claimed(flag());
  auto mark = mark_signalling(claim);
  ASSERT_TRUE(mark.ok()) << mark.error().to_string();
  EXPECT_FALSE(path_exists(claim));
  EXPECT_EQ(list_claimed_flags(tmp.at("/run/restart.flag")).size(), 0u) << "a mark is not a claim to decide";
  RequestHandler h = handler(settings());
  ASSERT_TRUE(h.close_abandoned_reloads().ok());
  json st = state();
  ASSERT_EQ(st["history"].size(), 1u) << st.dump(2);
  json e = st["history"][0];
  EXPECT_EQ(e["requested_by"], "alice");
  EXPECT_EQ(e["decision"], "failed");
  EXPECT_EQ(e["decision_reason"], "reload_unconfirmed");
  EXPECT_EQ(e["confirmation"], "abandoned");
  EXPECT_EQ(e["claim"], base_name(claim));
  EXPECT_FALSE(path_exists(*mark));
  EXPECT_EQ(final_events(), 1);
  // Once recorded, never again.
  ASSERT_TRUE(h.close_abandoned_reloads().ok());
  EXPECT_EQ(state()["history"].size(), 1u);
  EXPECT_EQ(final_events(), 1);
}

// Killed after the record, before the mark was removed: the mark goes, nothing is added.
TEST_F(Handler, AMarkTheStateRecordsIsOnlyRemovedAtStart) {
  std::string claim = claimed(flag());
  json s = empty_state(50);
  append_entry(s, {{"request_id", "r1"}, {"decision", "blocked"}, {"claim", base_name(claim)}}, 50);
  ASSERT_TRUE(StateStore(tmp.at("/state/state.json"), 50).save(s).ok());
  auto mark = mark_signalling(claim);
  ASSERT_TRUE(mark.ok());
  RequestHandler h = handler(settings());
  ASSERT_TRUE(h.close_abandoned_reloads().ok());
  EXPECT_EQ(state()["history"].size(), 1u);
  EXPECT_FALSE(path_exists(*mark));
  EXPECT_EQ(final_events(), 0);
}

TEST_F(Handler, RecoveredHistoryBlocksTheNextRequestsUntilAWindowHasPassed) {
  // Defect 1 of issue 10: damaged while the watchdog was down, moved aside at its start (by
  // close_abandoned_reloads), and the next request was allowed.
  tmp.write("/state/state.json", "{\"history\": [");
  Settings s = settings();
  RequestHandler h = handler(s);
  ASSERT_TRUE(h.close_abandoned_reloads().ok());
  ASSERT_TRUE(state().contains("recovered_from"));
  Outcome first = h.handle(claimed(flag()));
  EXPECT_EQ(first.record.to_json()["decision"], "blocked");
  EXPECT_EQ(first.record.to_json()["decision_reason"], "state_unreadable");
  EXPECT_NE(first.record.to_json()["state_problem"].get<std::string>().find("moved aside"),
            std::string::npos);
  now += std::chrono::seconds(120);  // past the cooldown, inside the window
  Outcome second = h.handle(claimed(flag()));
  EXPECT_EQ(second.record.to_json()["decision_reason"], "state_unreadable");
  Outcome override_ = h.handle(claimed(flag("manual", true, true)));
  EXPECT_EQ(override_.record.to_json()["policy_decision"], "manual_override");
  now += s.policy.window;
  Outcome later = h.handle(claimed(flag("auto")));
  EXPECT_NE(later.record.to_json()["decision_reason"], "state_unreadable") << later.record.to_json();
}

TEST_F(Handler, AMissingStateBesideAMovedAsideCopyIsStillARecovery) {
  // The damaged file was moved aside and the watchdog died before the new state was written.
  tmp.write("/state/state.json.corrupt-" + std::to_string(now.time_since_epoch().count()), "{");
  RequestHandler h = handler(settings());
  Outcome o = h.handle(claimed(flag()));
  EXPECT_EQ(o.record.to_json()["decision_reason"], "state_unreadable");
  EXPECT_TRUE(state().contains("recovered_from")) << "the marker now lives in the new state";
}

}  // namespace
}  // namespace csd::watchdog
