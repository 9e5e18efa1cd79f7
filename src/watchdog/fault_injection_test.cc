// Fault injection against the program as shipped: CSD_BINARY started as a process with
// --no-bus, outside systemd (signals, files and mounts here are real; systemd is not needed for
// any of these faults). Root only: the disk faults mount small file systems.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "util/file.h"
#include "watchdog/daemon_fixture.h"

namespace csd::watchdog {
namespace {

// The daemon fixture's names (daemon_fixture.h): Child, text_of, json, seconds, WatchdogDaemon.
using namespace testing;
using std::chrono::milliseconds;

// Runs a setup command of the test; its output goes to the test's log on failure.
bool sh(const std::string& cmd, std::string* out = nullptr) {
  std::string log =
      std::filesystem::temp_directory_path() / ("csd-fi-" + std::to_string(::getpid()) + ".log");
  int rc = std::system((cmd + " >" + log + " 2>&1").c_str());
  if (out) *out = text_of(log);
  if (rc != 0) ADD_FAILURE() << cmd << ":\n" << text_of(log);
  ::unlink(log.c_str());
  return rc == 0;
}

class FaultInjection : public testing::WatchdogDaemon {
 protected:
  std::vector<std::string> mounts;  // unmounted last first
  std::vector<std::string> loops;
  std::vector<std::string> immutable;

  void TearDown() override {
    for (const auto& f : immutable) std::system(("chattr -i '" + f + "' 2>/dev/null").c_str());
    for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
    for (auto it = loops.rbegin(); it != loops.rend(); ++it)
      std::system(("losetup -d '" + *it + "' 2>/dev/null").c_str());
  }

  bool mount_tmpfs(const std::string& dir, const std::string& size) {
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) != 0) {
      ADD_FAILURE() << "mount tmpfs on " << dir << ": " << std::strerror(errno);
      return false;
    }
    mounts.push_back(dir);
    return true;
  }

  // An image file `size` big with file system `type`, on a loop device, mounted on `dir`.
  bool mount_image(const std::string& image, const std::string& type, const std::string& size,
                   const std::string& dir) {
    std::string dev;
    if (!sh("truncate -s " + size + " '" + image + "' && mkfs." + type + " -q -F '" + image + "'"))
      return false;
    if (!sh("losetup -f --show '" + image + "'", &dev)) return false;
    dev = std::string(trim(dev));
    loops.push_back(dev);
    if (::mount(dev.c_str(), dir.c_str(), type.c_str(), 0, "errors=continue") != 0) {
      ADD_FAILURE() << "mount " << dev << " on " << dir << ": " << std::strerror(errno);
      return false;
    }
    mounts.push_back(dir);
    return true;
  }

  json status() {
    auto st = control::call(socket, {{"cmd", "status"}}, Millis(2000));
    return st.ok() ? *st : json();
  }

  // A state with one entry, written by the watchdog itself; its bytes as they are on disk.
  std::string seed_state() {
    place("before-the-fault");
    EXPECT_TRUE(testing::wait_until([&] { return decided() == 1; }, seconds(20)));
    return text_of(state_file);
  }

  // The fault keeps a request undecided: the old state stays byte for byte, the log says why,
  // and the watchdog keeps serving.
  void expect_fault_contained(const std::string& old_state, const std::string& why) {
    ASSERT_TRUE(testing::wait_until([&] { return status().value("phase", "") == "retrying"; }, seconds(20)))
        << text_of(log);
    EXPECT_NE(status().value("retry_reason", "").find(why), std::string::npos) << status();
    EXPECT_EQ(text_of(state_file), old_state) << "the old state stays";
    EXPECT_NE(text_of(log).find(why), std::string::npos) << text_of(log);
    EXPECT_TRUE(control::call(socket, {{"cmd", "ping"}}, Millis(2000)).ok());
  }
};

// --- SIGKILL at random points of a burst -----------------------------------------------------------

TEST_F(FaultInjection, SigkillAtRandomPointsOfABurst) {
  constexpr int kRuns = 100, kFlags = 8;
  std::mt19937 random(20261103);  // fixed: a failing run can be replayed
  int killed_mid_burst = 0;
  for (int run = 0; run < kRuns; ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    std::filesystem::remove_all(tmp.at("/run"));
    std::filesystem::remove_all(tmp.at("/state"));
    tmp.mkdirs("/run"), tmp.mkdirs("/state");
    Child d = start();
    // Half dashboard-format flags (no request_id, link(2) without replacing), half `restart`'s.
    std::atomic<bool> dead{false};
    std::atomic<int> placed{0};
    std::thread writer([&] {
      for (int i = 0; i < kFlags && !dead; ++i) {
        json f = {{"user", "r" + std::to_string(run) + "-" + std::to_string(i)},
                  {"timestamp", format_timestamp(now_utc())}};
        if (i % 2) f["request_id"] = "id-" + std::to_string(run) + "-" + std::to_string(i);
        while (!dead) {
          auto p = place_flag(flag, f.dump());
          if (p.ok() && *p) {
            ++placed;
            break;
          }
          std::this_thread::sleep_for(milliseconds(1));
        }
      }
    });
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 15'000)(random)));
    ::kill(d.pid(), SIGKILL);
    d.wait();
    dead = true;
    writer.join();
    killed_mid_burst += placed < kFlags || decided() < static_cast<std::size_t>(placed);
    // Started again: every request placed is decided exactly once.
    Child again = start();
    ASSERT_TRUE(testing::wait_until([&] { return decided() == static_cast<std::size_t>(placed.load()); },
                                    seconds(30)))
        << decided() << " of " << placed;
    auto text = read_file(state_file);
    ASSERT_TRUE(text.ok());
    json s = json::parse(*text, nullptr, false);
    ASSERT_FALSE(s.is_discarded()) << "the state always parses";
    ASSERT_TRUE(validate_state(s).ok());
    std::multiset<std::string> users;
    for (const char* list : {"history", "rejected_flags"})
      for (const auto& e : s.value(list, json::array()))
        users.insert(e.value("requested_by", json("?")).dump());
    for (int i = 0; i < placed; ++i)
      EXPECT_EQ(users.count(json("r" + std::to_string(run) + "-" + std::to_string(i)).dump()), 1u)
          << "decided once, not lost: " << s.dump();
    EXPECT_EQ(users.size(), static_cast<std::size_t>(placed.load())) << "nothing else decided";
    ASSERT_TRUE(testing::wait_until([&] { return list_claimed_flags(flag).empty(); }, seconds(10)));
    for (const auto& e : std::filesystem::directory_iterator(tmp.at("/state")))
      EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos)
          << "temp file left: " << e.path();
    again.stop();
  }
  RecordProperty("runs", kRuns);
  RecordProperty("killed_mid_burst", killed_mid_burst);
  std::cout << "SIGKILL runs: " << kRuns << ", killed with requests not yet decided: " << killed_mid_burst
            << "\n";
  EXPECT_GT(killed_mid_burst, kRuns / 4) << "the kills must land inside bursts to test anything";
}

// --- ENOSPC and EIO on the state write ----------------------------------------------------------------

TEST_F(FaultInjection, NoSpaceLeftOnTheStateWrite) {
  if (::getuid() != 0) GTEST_FAIL() << "needs root to mount a small tmpfs";
  ASSERT_TRUE(mount_tmpfs(tmp.at("/state"), "256k"));
  Child d = start();
  std::string old_state = seed_state();
  ASSERT_FALSE(old_state.empty());
  // Fill the file system up.
  {
    std::ofstream fill(tmp.at("/state/filler"));
    std::string block(4096, 'x');
    while (fill.write(block.data(), block.size())) {
    }
  }
  place("on-a-full-disk");
  expect_fault_contained(old_state, "No space left on device");
  // Space again: the same request is decided, once.
  ::unlink(tmp.at("/state/filler").c_str());
  ASSERT_TRUE(testing::wait_until([&] { return decided() == 2; }, seconds(30))) << text_of(log);
  EXPECT_EQ(state()["last_restart"]["request_id"], "on-a-full-disk");
  EXPECT_EQ(final_audits().size(), 2u);
}

TEST_F(FaultInjection, InputOutputErrorOnTheStateWrite) {
  // No device-mapper here (no `error` target): the EIO comes from a loop device whose backing
  // file is made immutable under it. The state lives on ext2 in that file; the file lives on
  // ext4 (which refuses writes to an immutable file even through an open descriptor), on a tmpfs.
  if (::getuid() != 0) GTEST_FAIL() << "needs root for loop devices and mounts";
  tmp.mkdirs("/disk");
  tmp.mkdirs("/mid");
  ASSERT_TRUE(mount_tmpfs(tmp.at("/disk"), "64m"));
  ASSERT_TRUE(mount_image(tmp.at("/disk/mid.img"), "ext4", "48M", tmp.at("/mid")));
  ASSERT_TRUE(mount_image(tmp.at("/mid/state.img"), "ext2", "8M", tmp.at("/state")));
  Child d = start();
  std::string old_state = seed_state();
  ASSERT_TRUE(sh("sync && chattr +i '" + tmp.at("/mid/state.img") + "'"));
  immutable.push_back(tmp.at("/mid/state.img"));
  place("on-a-failing-disk");
  expect_fault_contained(old_state, "Input/output error");
  ASSERT_TRUE(sh("chattr -i '" + tmp.at("/mid/state.img") + "'"));
  ASSERT_TRUE(testing::wait_until([&] { return decided() == 2; }, seconds(30))) << text_of(log);
  EXPECT_EQ(state()["last_restart"]["request_id"], "on-a-failing-disk");
}

// --- the master dies during a confirmed reload ------------------------------------------------------

TEST_F(FaultInjection, TheMasterDyingMidReloadIsAFailureAndTheWatchdogGoesOn) {
  CSD_REQUIRE_FIXTURE_ENV(env);
  Child d = start_on_gunicorn(*env);
  ASSERT_TRUE(gunicorn);
  place("master-dies");
  // Killed once the SIGHUP is recorded and sent, before the reload is confirmed.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto st = control::call(socket, {{"cmd", "status"}}, Millis(2000));
        return (st.ok() && (*st)["phase"] == "confirming") || decided() > 0;
      },
      seconds(20)));
  ASSERT_EQ(::kill(gunicorn->pid(), SIGKILL), 0);
  ASSERT_TRUE(testing::wait_until(
      [&] { return state()["last_restart"].value("confirmation", "") != "pending"; }, seconds(30)));
  json last = state()["last_restart"];
  // The kill may rarely land after the confirmation; then the reload was confirmed honestly.
  if (last["success"] == true) {
    ADD_FAILURE() << "the reload was confirmed before the kill; the fault was not injected";
  } else {
    EXPECT_EQ(last["decision"], "failed");
    EXPECT_EQ(last["decision_reason"], "reload_unconfirmed");
    EXPECT_EQ(last["confirmation"], "unconfirmed");
    EXPECT_NE(last["detail"].get<std::string>().find("exited"), std::string::npos) << last;
  }
  EXPECT_TRUE(control::call(socket, {{"cmd", "ping"}}, Millis(2000)).ok());
  place("after-the-death");
  ASSERT_TRUE(testing::wait_until([&] { return decided() == 2; }, seconds(20)));
  EXPECT_EQ(state()["last_restart"]["decision_reason"], "cooldown_override_required");
}

// --- a contract broken on SIGHUP ----------------------------------------------------------------------

TEST_F(FaultInjection, AContractBrokenOnSighupKeepsTheRunningOne) {
  Child d = start();
  for (const char* broken : {"x = = 1\n", "[contract\n", "\xff\xfe", "[contract]\nname = 5\n"}) {
    std::ofstream(contract, std::ios::trunc) << broken;
    ASSERT_EQ(::kill(d.pid(), SIGHUP), 0);
    ASSERT_TRUE(testing::wait_until(
        [&] { return !d.running() || text_of(log).find("keeping the current one") != std::string::npos; },
        seconds(10)));
    ASSERT_TRUE(d.running()) << "the watchdog died on a broken contract:\n" << text_of(log);
    std::filesystem::resize_file(log, 0);
  }
  // And still works on the old one.
  place("after-broken-contracts");
  ASSERT_TRUE(testing::wait_until([&] { return decided() == 1; }, seconds(20)));
  auto paths = control::call(socket, {{"cmd", "paths"}}, Millis(2000));
  ASSERT_TRUE(paths.ok());
  EXPECT_EQ((*paths)["contract_version"], "v1");
}

}  // namespace
}  // namespace csd::watchdog
