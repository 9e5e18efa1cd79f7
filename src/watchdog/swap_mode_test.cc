// The watchdog in the zero-downtime layout (docs/deploy.md): it proves and signals the master of
// the active instance, follows the record when a swap changes it, and with restart_mode = "swap"
// writes the swap request for root instead of sending SIGHUP. Real gunicorn masters from the
// fixture environment stand for the instances; systemd's part (the .path unit, the swap) is
// tests/e2e/zero_downtime_test.sh's.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <optional>
#include <set>

#include "host/process.h"
#include "test_support/temp_dir.h"
#include "util/file.h"
#include "watchdog/handler.h"
#include "watchdog/test_fixture.h"

namespace csd::watchdog {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class SwapMode : public testing::HandlerTest {
 protected:
  const testing::FixtureEnv* env = nullptr;
  // Every test has the blue instance serving: the active one while no record says otherwise.
  std::optional<testing::Gunicorn> blue;

  void SetUp() override {
    HandlerTest::SetUp();
    std::string why;
    env = testing::fixture_env(&why);
    ASSERT_TRUE(env) << why;
    blue = instance(*env, "blue");
    ASSERT_TRUE(blue);
  }

  // The settings settings_from_contract gives a zero_downtime contract (settings_test.cc checks
  // that), with the test's own paths; `swap` for restart_mode = "swap", `health_url` to confirm by.
  Settings settings(bool swap, const std::string& health_url = "") {
    Settings s = settings_in(env->prefix, "mes-dashboard@.service");
    s.contract_name = "mes-dashboard";
    s.contract_version = "2026.12-1";
    s.active_file = tmp.at("/state/conda-systemd-active");
    s.pid_file_of[0] = tmp.at("/run/gunicorn-blue.pid");
    s.pid_file_of[1] = tmp.at("/run/gunicorn-green.pid");
    // The test's gunicorns run in no unit of their own: an empty unit expects none.
    s.app_unit_of[0] = s.app_unit_of[1] = "";
    if (swap) s.swap_request = tmp.at("/run/swap.request");
    s.health_url = health_url;
    return s;
  }

  RequestHandler handler(const Settings& s) { return RequestHandler(s, recording_hooks()); }

  // `override_`: past the cooldown of the request before, as the dashboard's acknowledged override.
  std::string claimed(bool override_ = false) {
    return claimed_flag(json{{"user", "alice"},
                             {"timestamp", format_timestamp(now_utc())},
                             {"source", "manual"},
                             {"manual_override", override_},
                             {"override_acknowledged", override_}}
                            .dump(),
                        now_utc());
  }

  // A real master for one instance, in a directory of its own, writing that instance's PID file.
  std::optional<testing::Gunicorn> instance(const testing::FixtureEnv& env, const std::string& name) {
    tmp.mkdirs("/" + name);
    return testing::start_gunicorn(env, tmp.at("/" + name), 2, tmp.at("/run/gunicorn-" + name + ".pid"));
  }

  static std::set<pid_t> workers_of(const testing::Gunicorn& g) {
    auto children = host::list_children(g.pid());
    return {children.begin(), children.end()};
  }

  Record until_decided(RequestHandler& h, PendingReload& p) {
    Record final_record;
    EXPECT_TRUE(testing::wait_until([&] { return h.advance(p, final_record); }, seconds(40)));
    return final_record;
  }
};

TEST_F(SwapMode, HupModeProvesAndSignalsTheActiveInstancesMasterOnly) {
  auto green = instance(*env, "green");
  ASSERT_TRUE(green);
  tmp.write("/state/conda-systemd-active", "green\n");
  RequestHandler h = handler(settings(false, green->url()));
  std::set<pid_t> blue_workers = workers_of(*blue), green_workers = workers_of(*green);

  Outcome o = h.handle(claimed());
  ASSERT_TRUE(o.pending) << o.record.to_json().dump(2);
  EXPECT_EQ(o.record.to_json()["master_pid"], green->pid());
  EXPECT_EQ(o.record.to_json()["decision_reason"], kSignalSighup);
  json done = until_decided(h, *o.pending).to_json();
  EXPECT_EQ(done["confirmation"], "confirmed") << done.dump(2);
  std::set<pid_t> new_green(done["new_workers"].begin(), done["new_workers"].end());
  EXPECT_EQ(new_green.size(), 2u);
  for (pid_t w : green_workers) EXPECT_EQ(new_green.count(w), 0u) << "green's workers were replaced";
  EXPECT_EQ(workers_of(*blue), blue_workers) << "the idle instance was not signalled";
  EXPECT_TRUE(blue->process.running());
}

TEST_F(SwapMode, TheHandlerFollowsTheRecordFromOneRequestToTheNext) {
  auto green = instance(*env, "green");
  ASSERT_TRUE(green);
  // No record yet: blue is active.
  RequestHandler h = handler(settings(false, blue->url()));
  Outcome first = h.handle(claimed());
  ASSERT_TRUE(first.pending) << first.record.to_json().dump(2);
  EXPECT_EQ(first.record.to_json()["master_pid"], blue->pid());
  EXPECT_EQ(until_decided(h, *first.pending).to_json()["confirmation"], "confirmed");

  // A deploy swaps to green and stops blue: the same handler now proves green's master.
  tmp.write("/state/conda-systemd-active", "green\n");
  blue->process.stop();
  Outcome second = h.handle(claimed(true));
  ASSERT_TRUE(second.pending) << second.record.to_json().dump(2);
  EXPECT_EQ(second.record.to_json()["master_pid"], green->pid());
}

TEST_F(SwapMode, ARecordNamingAStoppedInstanceIsRefusedNotRedirected) {
  // green is recorded but does not run (its PID file is missing): blue's master is not a stand-in.
  tmp.write("/state/conda-systemd-active", "green\n");
  RequestHandler h = handler(settings(false));
  std::set<pid_t> before = workers_of(*blue);
  Outcome o = h.handle(claimed());
  EXPECT_FALSE(o.pending);
  EXPECT_EQ(o.record.to_json()["decision"], "failed");
  EXPECT_EQ(o.record.to_json()["decision_reason"], "gunicorn_pid_unavailable");
  EXPECT_NE(o.record.to_json()["detail"].get<std::string>().find("gunicorn-green.pid"), std::string::npos)
      << o.record.to_json().dump(2);
  EXPECT_EQ(workers_of(*blue), before);
}

TEST_F(SwapMode, AnUnreadableRecordSignalsNeitherInstance) {
  tmp.write("/state/conda-systemd-active", "purple\n");
  RequestHandler h = handler(settings(false));
  Outcome o = h.handle(claimed());
  EXPECT_FALSE(o.pending);
  EXPECT_EQ(o.record.to_json()["decision_reason"], "gunicorn_pid_unavailable") << o.record.to_json().dump(2);
  EXPECT_EQ(audits.back()["event"], "restart_failed");
}

TEST_F(SwapMode, SwapModeWritesTheRequestInsteadOfASignal) {
  Settings s = settings(true);
  RequestHandler h = handler(s);
  std::set<pid_t> before = workers_of(*blue);
  Outcome o = h.handle(claimed());
  ASSERT_TRUE(o.pending) << o.record.to_json().dump(2);
  json entry = o.record.to_json();
  EXPECT_EQ(entry["decision"], "executed");
  EXPECT_EQ(entry["decision_reason"], kSwapRequested);
  EXPECT_EQ(entry["master_pid"], blue->pid()) << "the active master is proven before asking";
  EXPECT_EQ(entry["confirmation"], "pending");
  EXPECT_EQ(o.pending->swapped_from, "blue");
  auto request = read_file(s.swap_request, {.max_bytes = 4096, .follow_symlinks = false});
  ASSERT_TRUE(request.ok()) << request.error().to_string();
  EXPECT_NE(request->find(o.request_id), std::string::npos) << *request;
  EXPECT_NE(request->find("alice"), std::string::npos) << *request;
  struct stat st {};
  ASSERT_EQ(::lstat(s.swap_request.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0644u) << "root's oneshot refuses a request others may write";
  EXPECT_EQ(audits.back()["event"], "reload_signalled");

  // Not confirmed while blue is still recorded active.
  Record unused;
  EXPECT_FALSE(h.advance(*o.pending, unused));
  EXPECT_NE(o.pending->last_problem.find("blue is still the active instance"), std::string::npos)
      << o.pending->last_problem;
  EXPECT_EQ(workers_of(*blue), before) << "no SIGHUP: blue kept its workers";
}

TEST_F(SwapMode, ASwapIsConfirmedOnceTheOtherInstanceIsActiveAndHealthy) {
  auto green = instance(*env, "green");  // started by root's swap, in the real layout
  ASSERT_TRUE(green);
  RequestHandler h = handler(settings(true, green->url()));
  Outcome o = h.handle(claimed());
  ASSERT_TRUE(o.pending) << o.record.to_json().dump(2);
  Record unused;
  ASSERT_FALSE(h.advance(*o.pending, unused)) << "green answers, but blue is still recorded active";

  // The rest of root's swap: green recorded active, blue stopped. The old master's exit is
  // expected in a swap, not a failure.
  tmp.write("/state/conda-systemd-active", "green\n");
  blue->process.stop();
  json done = until_decided(h, *o.pending).to_json();
  EXPECT_EQ(done["success"], true) << done.dump(2);
  EXPECT_EQ(done["decision"], "executed");
  EXPECT_EQ(done["decision_reason"], kSwapRequested);
  EXPECT_EQ(done["confirmation"], "confirmed");
  EXPECT_EQ(done["health_status"], 200);
  EXPECT_EQ(audits.back()["event"], "restart_executed");
  json st = *StateStore(tmp.at("/state/state.json"), 50).load();
  EXPECT_EQ(st["last_restart"]["confirmation"], "confirmed");
  EXPECT_EQ(st["history"].size(), 1u);
}

TEST_F(SwapMode, ASwapThatNeverHappensIsUnconfirmed) {
  Settings s = settings(true, blue->url());  // answers 2xx all along: health alone confirms nothing
  s.reload_timeout = Millis(1500);
  RequestHandler h = handler(s);
  Outcome o = h.handle(claimed());
  ASSERT_TRUE(o.pending);
  json done = until_decided(h, *o.pending).to_json();
  EXPECT_EQ(done["success"], false);
  EXPECT_EQ(done["decision"], "failed");
  EXPECT_EQ(done["decision_reason"], kReloadUnconfirmed);
  EXPECT_EQ(done["detail"], "blue is still the active instance");
  EXPECT_EQ(audits.back()["event"], "restart_failed");
}

TEST_F(SwapMode, ARequestThatCannotBeWrittenFailsAndSignalsNothing) {
  Settings s = settings(true);
  tmp.mkdirs("/run/swap.request/in-the-way");  // a directory where the request goes
  RequestHandler h = handler(s);
  std::set<pid_t> before = workers_of(*blue);
  Outcome o = h.handle(claimed());
  EXPECT_FALSE(o.pending);
  EXPECT_EQ(o.record.to_json()["decision"], "failed");
  EXPECT_EQ(o.record.to_json()["decision_reason"], kSignalFailed);
  EXPECT_EQ(audits.back()["event"], "restart_failed");
  EXPECT_TRUE(is_directory(s.swap_request)) << "what was there is left as it was";
  EXPECT_EQ(workers_of(*blue), before);
}

}  // namespace
}  // namespace csd::watchdog
