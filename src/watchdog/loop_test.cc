// The daemon as it runs in production: the real binary, started by the test, driven through
// files, signals and its control socket.
#include "watchdog/loop.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "test_support/temp_dir.h"
#include "util/file.h"
#include "util/strings.h"
#include "watchdog/client.h"
#include "watchdog/control.h"
#include "watchdog/daemon_fixture.h"
#include "watchdog/flag.h"
#include "watchdog/reload.h"
#include "watchdog/state_store.h"
#include "watchdog/test_fixture.h"

namespace csd::watchdog {
namespace {

// The daemon fixture's names (daemon_fixture.h): Child, text_of, json, seconds, WatchdogDaemon.
using namespace testing;

TEST_F(WatchdogDaemon, IdleItSleepsWithNoTimerArmed) {
  // Defect 1: the old watchdog woke every 5 s. Idle, no timerfd of ours may be armed. (A control
  // client arms one for its idle bound: the ping of start() is gone once the watchdog has seen it
  // hang up, so the check is repeated until then.)
  Child d = start();
  std::string fddir = "/proc/" + std::to_string(d.pid()) + "/fdinfo";
  int timers = 0;
  std::string armed;
  auto idle = [&] {
    timers = 0;
    armed.clear();
    DIR* dir = ::opendir(fddir.c_str());
    if (!dir) return false;
    while (auto* e = ::readdir(dir)) {
      auto info = read_file(fddir + "/" + e->d_name);
      if (!info || info->find("clockid:") == std::string::npos) continue;
      ++timers;
      if (info->find("it_value: (0, 0)") == std::string::npos) armed += *info;
    }
    ::closedir(dir);
    return armed.empty();
  };
  EXPECT_TRUE(testing::wait_until(idle, seconds(20))) << armed;
  EXPECT_EQ(timers, 1) << "one timerfd for pending work; none for WATCHDOG=1 without WatchdogSec=";
}

TEST_F(WatchdogDaemon, FlagPresentAtStartAndLeftoverClaimsAreHandled) {
  tmp.write("/run/mes_dashboard_restart.flag", "{broken");
  tmp.write("/run/.mes_dashboard_restart.flag.claimed.00000000000000000001.0000000001.1",
            json{{"request_id", "left-over"}, {"timestamp", format_timestamp(now_utc())}}.dump());
  Child d = start();
  ASSERT_TRUE(testing::wait_until([&] { return decided() >= 2; }, seconds(20)));
  EXPECT_EQ(decided(), 2u);
  json s = state();
  EXPECT_EQ(s["history"][0]["request_id"], "left-over");
  EXPECT_EQ(s["rejected_flags"][0]["decision_reason"], "flag_malformed");
  // Removed right after the decision is saved.
  EXPECT_TRUE(testing::wait_until([&] { return list_claimed_flags(flag).empty(); }, seconds(10)));
  EXPECT_FALSE(path_exists(flag));
}

TEST_F(WatchdogDaemon, TouchedAndSlowlyWrittenFlagsAreReadWhole) {
  Child d = start();
  {
    std::ofstream touch(flag);  // created empty, closed: "restart, no details"
  }
  ASSERT_TRUE(testing::wait_until([&] { return decided() == 1; }, seconds(20)));
  EXPECT_EQ(state()["last_restart"]["empty_flag"], true);
  {
    // Written in place, in two parts: claimed at close, never half-read.
    std::ofstream slow(flag);
    slow << R"({"user": "slow", )" << std::flush;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    slow << R"("request_id": "slow-1"})";
  }
  ASSERT_TRUE(testing::wait_until([&] { return decided() == 2; }, seconds(20)));
  json s = state();
  EXPECT_EQ(s["last_restart"]["request_id"], "slow-1");
  EXPECT_FALSE(s.contains("rejected_flags"));
}

TEST_F(WatchdogDaemon, BurstOfHundredIsAccountedFor) {
  Child d = start();
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    std::string id = "burst-" + std::to_string(i);
    ids.insert(id);
    place(id);
  }
  ASSERT_TRUE(testing::wait_until([&] { return decided() == 100; }, seconds(60))) << decided();
  EXPECT_TRUE(d.running()) << "the watchdog stays up";
  EXPECT_TRUE(control::call(socket, {{"cmd", "ping"}}, Millis(2000)).ok());
  json s = state();
  std::set<std::string> recorded;
  for (const auto& e : s["history"]) recorded.insert(e["request_id"].get<std::string>());
  EXPECT_EQ(recorded, ids) << "every request has its entry";
  auto audits = final_audits();
  std::set<std::string> audited;
  for (const auto& [id, ev] : audits) audited.insert(id);
  EXPECT_EQ(audited, ids) << "every request has exactly one final audit event";
  // The policy decided: after the retry budget, guarded mode blocks.
  EXPECT_EQ(s["last_restart"]["decision"], "blocked");
  EXPECT_EQ(s["last_restart"]["decision_reason"], "manual_override_required");
}

TEST_F(WatchdogDaemon, SigtermMidBurstLeavesAValidStateAndLosesNothing) {
  // Defect 8: SIGTERM killed the old watchdog at once, possibly in the middle of a state write.
  Child d = start();
  std::atomic<int> placed{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 200 && !stop; ++i) {
      json f = {{"user", "burst"},
                {"timestamp", format_timestamp(now_utc())},
                {"request_id", "t-" + std::to_string(i)}};
      bool written = false;
      testing::wait_until(
          [&] {
            if (stop) return true;
            auto p = place_flag(flag, f.dump());
            return written = p.ok() && *p;
          },
          seconds(5));
      if (!written) break;
      ++placed;
    }
  });
  ASSERT_TRUE(testing::wait_until([&] { return decided() >= 20; }, seconds(30)));
  ASSERT_EQ(::kill(d.pid(), SIGTERM), 0);
  int status = d.wait();
  stop = true;
  writer.join();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  // Whole and valid.
  auto text = read_file(state_file);
  ASSERT_TRUE(text.ok());
  json s = json::parse(*text, nullptr, false);
  ASSERT_FALSE(s.is_discarded());
  EXPECT_TRUE(validate_state(s).ok());
  // Nothing lost: each placed request is decided, claimed for the next start, or still the flag.
  std::size_t left = list_claimed_flags(flag).size() + (path_exists(flag) ? 1 : 0);
  EXPECT_EQ(decided() + left, static_cast<std::size_t>(placed.load()));
}

TEST_F(WatchdogDaemon, SighupReloadsTheContract) {
  Child d = start();
  auto before = control::call(socket, {{"cmd", "paths"}}, Millis(2000));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ((*before)["contract_version"], "v1");
  EXPECT_EQ((*before)["paths"]["restart_flag"], flag);
  EXPECT_EQ((*before)["paths"]["state_file"], state_file);
  write_contract("v2");
  ASSERT_EQ(::kill(d.pid(), SIGHUP), 0);
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto after = control::call(socket, {{"cmd", "paths"}}, Millis(2000));
        return after.ok() && (*after)["contract_version"] == "v2";
      },
      seconds(10)));
  // A broken contract on SIGHUP keeps the running one.
  std::ofstream(contract) << "[contract\n";
  ASSERT_EQ(::kill(d.pid(), SIGHUP), 0);
  EXPECT_TRUE(testing::wait_until(
      [&] { return text_of(log).find("keeping the current one") != std::string::npos; }, seconds(10)));
  EXPECT_TRUE(d.running());
}

TEST_F(WatchdogDaemon, ControlProtocol) {
  Child d = start();
  auto st = control::call(socket, {{"cmd", "status"}}, Millis(2000));
  ASSERT_TRUE(st.ok());
  EXPECT_EQ((*st)["phase"], "idle");
  EXPECT_EQ((*st)["pid"], d.pid());
  EXPECT_EQ((*st)["watching"], true);
  auto unknown = control::call(socket, {{"cmd", "reboot"}}, Millis(2000));
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ((*unknown)["ok"], false);
  // restart-wait for a request decided before the question.
  place("early");
  ASSERT_TRUE(testing::wait_until([&] { return decided() == 1; }, seconds(20)));
  auto waited = control::call(socket, {{"cmd", "restart-wait"}, {"request_id", "early"}}, Millis(5000));
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ((*waited)["record"]["request_id"], "early");
  // And one asked before the flag is even written.
  Result<json> later = make_error("not yet");
  std::thread asker([&] {
    later = control::call(socket, {{"cmd", "restart-wait"}, {"request_id", "later"}}, Millis(20000));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  place("later");
  asker.join();
  ASSERT_TRUE(later.ok()) << later.error().to_string();
  EXPECT_EQ((*later)["record"]["request_id"], "later");
}

TEST_F(WatchdogDaemon, TheCommandBecomesTheDaemonProgramInTheSameProcess) {
  // `conda-systemd watchdog` replaces itself (execve) with conda-systemd-watchdog beside it: the PID a
  // unit's MainPID names is the daemon's, and that process maps the small program only.
  Child d = start();
  char exe[4096];
  ssize_t n = ::readlink(("/proc/" + std::to_string(d.pid()) + "/exe").c_str(), exe, sizeof(exe) - 1);
  ASSERT_GT(n, 0);
  std::string self(exe, static_cast<std::size_t>(n));
  std::string program = std::string(CSD_BINARY);
  program.replace(program.rfind('/') + 1, std::string::npos, "conda-systemd-watchdog");
  EXPECT_EQ(self, program);
  EXPECT_EQ(text_of("/proc/" + std::to_string(d.pid()) + "/maps").find(std::string(CSD_BINARY) + "\n"),
            std::string::npos);
}

TEST_F(WatchdogDaemon, ASecondWatchdogRefusesToStart) {
  Child d = start();
  std::string out;
  EXPECT_EQ(run_cli({"watchdog", "--contract", contract, "--no-bus"}, &out), 2);
  EXPECT_NE(out.find("another watchdog"), std::string::npos) << out;
  EXPECT_TRUE(d.running());
}

TEST_F(WatchdogDaemon, RestartStatusScaleAgainstRealGunicorn) {
  CSD_REQUIRE_FIXTURE_ENV(env);
  Child d = start_on_gunicorn(*env);
  ASSERT_TRUE(gunicorn);
  std::string out;
  EXPECT_EQ(run_cli({"restart", "--contract", contract, "--reason", "test"}, &out), 0) << out;
  EXPECT_NE(out.find("reload confirmed"), std::string::npos) << out;
  EXPECT_EQ(run_cli({"restart", "--contract", contract}, &out), 3) << out;
  EXPECT_NE(out.find("--override --ack"), std::string::npos) << out;
  EXPECT_EQ(run_cli({"restart", "--contract", contract, "--override", "--ack", "--json"}, &out), 0) << out;
  json rec = json::parse(out, nullptr, false);
  ASSERT_FALSE(rec.is_discarded()) << out;
  EXPECT_EQ(rec["policy_decision"], "manual_override");
  EXPECT_EQ(rec["success"], true);

  EXPECT_EQ(run_cli({"status", "--contract", contract, "--json", "--no-bus"}, &out), 0) << out;
  json st = json::parse(out, nullptr, false);
  ASSERT_FALSE(st.is_discarded()) << out;
  EXPECT_EQ(st["master"]["pid"], gunicorn->pid());
  EXPECT_EQ(st["master"]["workers"].size(), 2u);
  EXPECT_EQ(st["watchdog"]["alive"], true);
  EXPECT_EQ(st["policy_state"].size(), 13u);

  EXPECT_EQ(run_cli({"scale", "--contract", contract, "--no-bus", "+1"}, &out), 0) << out;
  EXPECT_EQ(host::list_children(gunicorn->pid()).size(), 3u);
  EXPECT_EQ(run_cli({"scale", "--contract", contract, "--no-bus", "-1"}, &out), 0) << out;
  EXPECT_TRUE(
      testing::wait_until([&] { return host::running_children(gunicorn->pid()).size() == 2; }, seconds(10)));
  EXPECT_EQ(run_cli({"scale", "--contract", contract, "--no-bus", "0"}, &out), 2) << out;
}

TEST_F(WatchdogDaemon, AHungHealthProbeNeverStallsTheLoop) {
  // Issue 13: the probe used to run in the loop, which answered nothing until it timed out. The
  // health URL is a real listener that accepts and answers nothing; the control socket must
  // answer while a probe's connection is still open, so while the probe hangs.
  CSD_REQUIRE_FIXTURE_ENV(env);
  testing::Listener health;
  ASSERT_TRUE(health.valid());
  Child d = start_on_gunicorn(*env, health.url());
  ASSERT_TRUE(gunicorn);
  place("hung");
  Fd hung;
  json answered;
  // Each probe is one connection; a probe may end (its 2 s timeout) before the answer, on a
  // loaded machine: then the next one is tried. The old loop never answered during one.
  for (int probe = 0; probe < 8 && !hung.valid(); ++probe) {
    Fd connection = health.accept(std::chrono::milliseconds(30'000));
    ASSERT_TRUE(connection.valid()) << "no probe came; the log:\n" << text_of(log);
    auto st = control::call(socket, {{"cmd", "status"}}, Millis(30'000));
    ASSERT_TRUE(st.ok()) << st.error().to_string();
    if (testing::peer_still_open(connection.get())) {
      hung = std::move(connection);
      answered = *st;
    }
  }
  ASSERT_TRUE(hung.valid()) << "the control socket was never answered while a probe hung";
  EXPECT_EQ(answered["phase"], "confirming") << answered.dump(2);
  EXPECT_EQ(answered["pending_request"], "hung");
  EXPECT_NE(answered["pending_detail"].get<std::string>().find("has not answered yet"), std::string::npos)
      << answered.dump(2);
  // libcurl is loaded by the probe child, never by the daemon.
  EXPECT_EQ(text_of("/proc/" + std::to_string(d.pid()) + "/maps").find("libcurl"), std::string::npos);

  // The hung probe is answered at last, and so is any later one (should it have timed out
  // meanwhile): the reload is confirmed.
  const char reply[] = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
  ASSERT_EQ(::write(hung.get(), reply, sizeof(reply) - 1), static_cast<ssize_t>(sizeof(reply) - 1));
  std::atomic<bool> decided_now{false};
  std::thread responder([&] {
    while (!decided_now)
      if (Fd c = health.accept(std::chrono::milliseconds(100)); c.valid())
        (void)!::write(c.get(), reply, sizeof(reply) - 1);
  });
  auto done = control::call(socket, {{"cmd", "restart-wait"}, {"request_id", "hung"}}, Millis(60'000));
  decided_now = true;
  responder.join();
  ASSERT_TRUE(done.ok()) << done.error().to_string();
  EXPECT_EQ((*done)["record"]["success"], true) << done->dump(2);
  EXPECT_EQ((*done)["record"]["health_status"], 200) << done->dump(2);
  EXPECT_TRUE(host::list_children(d.pid()).empty()) << "a probe child was left behind";
  EXPECT_EQ(text_of("/proc/" + std::to_string(d.pid()) + "/maps").find("libcurl"), std::string::npos);
}

TEST_F(WatchdogDaemon, RestartWithoutWatchdogSaysSo) {
  std::string out;
  EXPECT_EQ(run_cli({"restart", "--contract", contract, "--timeout", "1s"}, &out), 4) << out;
  EXPECT_NE(out.find("is the watchdog running"), std::string::npos) << out;
  EXPECT_TRUE(path_exists(flag)) << "the request stays for the watchdog's next start";
  EXPECT_EQ(run_cli({"status", "--contract", contract, "--no-bus"}, &out), 1) << out;
  EXPECT_NE(out.find("NOT answering"), std::string::npos) << out;
}

}  // namespace
}  // namespace csd::watchdog
