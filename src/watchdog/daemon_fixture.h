// The watchdog as shipped, for tests: the real binary (CSD_BINARY) started as a process on a
// contract in a temporary directory, driven through files, signals and its control socket.
// Header-only: only *_test.cc files include it.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "test_support/temp_dir.h"
#include "util/file.h"
#include "util/strings.h"
#include "watchdog/client.h"
#include "watchdog/control.h"
#include "watchdog/flag.h"
#include "watchdog/state_store.h"
#include "watchdog/test_fixture.h"

namespace csd::watchdog::testing {

using nlohmann::json;
using std::chrono::seconds;

inline std::string text_of(const std::string& path) {
  auto t = read_file(path);
  return t ? *t : std::string();
}

class WatchdogDaemon : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::string contract = tmp.at("/contract.toml");
  std::string flag = tmp.at("/run/mes_dashboard_restart.flag");
  std::string state_file = tmp.at("/state/state.json");
  std::string socket = tmp.at("/run/watchdog.sock");
  std::string log = tmp.at("/watchdog.log");
  std::string watchdog_extra;  // more [watchdog] keys, one "key = value" a line

  void SetUp() override {
    tmp.mkdirs("/run");
    tmp.mkdirs("/state");
    tmp.mkdirs("/env");
    write_contract("v1");
  }

  void write_contract(const std::string& version, const std::string& prefix = "", int workers = 2,
                      const std::string& health = "") {
    std::ofstream(contract)
        << "[contract]\nname = \"mes-dashboard\"\nversion = \"" << version << "\"\n"
        << "[conda]\nprefix = \"" << (prefix.empty() ? tmp.at("/env") : prefix) << "\"\n"
        << "[service]\nuser = \"" << current_user() << "\"\nworkdir = \"" << tmp.path()
        << "\"\ncommand = [\"gunicorn\", \"app:app\"]\nworkers = " << workers << "\n"
        << (health.empty() ? "" : "health_url = \"" + health + "\"\n") << "[paths]\nruntime_dir = \""
        << tmp.at("/run") << "\"\nstate_file = \"" << state_file
        << "\"\n[watchdog]\nhistory_limit = 500\ncooldown = \"2s\"\nreload_timeout = \"20s\"\n"
        << watchdog_extra;
  }

  // A real gunicorn master from the fixture environment (2 workers, writing the contract's PID
  // file) in `gunicorn`, the contract naming its environment and `health` (gunicorn's own URL when
  // empty), and the watchdog started on it. An empty Child, and a failure, when gunicorn did not
  // come up.
  std::optional<Gunicorn> gunicorn;
  Child start_on_gunicorn(const FixtureEnv& env, const std::string& health = "") {
    gunicorn = start_gunicorn(env, tmp.path(), 2, tmp.at("/run/gunicorn.pid"));
    if (!gunicorn) {
      ADD_FAILURE() << "gunicorn did not start; its log is " << tmp.at("/gunicorn.log");
      return Child();
    }
    write_contract("v1", env.prefix, 2, health.empty() ? gunicorn->url() : health);
    return start();
  }

  Child start() {
    testing::SpawnOptions o;
    o.log = log;
    Child c = testing::spawn({CSD_BINARY, "watchdog", "--contract", contract, "--no-bus"}, o);
    bool up = testing::wait_until(
        [&] {
          return control::call(socket, {{"cmd", "ping"}}, Millis(500)).ok();
        },
        seconds(20));
    EXPECT_TRUE(up) << "the watchdog did not come up; its log:\n" << text_of(log);
    return c;
  }

  json state() {
    auto s = StateStore(state_file, 500).load();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    return s.ok() ? *s : json();
  }

  std::size_t decided() {
    auto s = StateStore(state_file, 500).load();
    if (!s) return 0;
    return (*s)["history"].size() + s->value("rejected_flags", json::array()).size();
  }

  // Final audit events in the daemon's log, by request id.
  std::map<std::string, std::string> final_audits() {
    std::map<std::string, std::string> out;
    auto text = read_file(log);
    if (!text) return out;
    for (const auto& line : split(*text, '\n')) {
      auto at = line.find("worker_watchdog_audit ");
      if (at == std::string::npos) continue;
      json e = json::parse(line.substr(at + 22), nullptr, false);
      if (e.is_discarded()) continue;
      std::string ev = e.value("event", "");
      if (ev == "restart_blocked" || ev == "restart_failed" || ev == "restart_executed" ||
          ev == "flag_rejected") {
        EXPECT_EQ(out.count(e.value("request_id", "")), 0u) << "two final events for one request: " << line;
        out[e.value("request_id", "")] = ev;
      }
    }
    return out;
  }

  // As `restart --no-wait` does it: never over a pending flag.
  void place(const std::string& id) {
    json f = {{"user", "burst"}, {"timestamp", format_timestamp(now_utc())}, {"request_id", id}};
    ASSERT_TRUE(testing::wait_until(
        [&] {
          auto placed = place_flag(flag, f.dump());
          return placed.ok() && *placed;
        },
        seconds(20)));
  }

  int run_cli(const std::vector<std::string>& args, std::string* output = nullptr) {
    std::vector<std::string> argv = {CSD_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    testing::SpawnOptions o;
    std::string out_file = tmp.at("/cli.out");
    ::unlink(out_file.c_str());
    o.log = out_file;
    Child c = testing::spawn(argv, o);
    int status = c.wait();
    if (output) *output = text_of(out_file);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

}  // namespace csd::watchdog::testing
