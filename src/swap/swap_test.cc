// The order of a swap's steps and what each failure leaves running. The units here are a
// stand-in that records calls: systemd itself is exercised by tests/e2e/zero_downtime_test.sh,
// which cannot force a crash between the probe and the stop of the old instance.
#include "swap/swap.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "test_support/deployment.h"
#include "test_support/temp_dir.h"
#include "util/file.h"

namespace csd::swap {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class Recorded : public Units {
 public:
  std::vector<std::string> calls;
  std::set<std::string> active = {"app@blue.service"};  // blue serves before a swap
  std::map<std::string, pid_t> pids;
  std::string fail_start;  // this unit's start job fails
  long health = 200;       // what the new instance answers
  bool crash_after_probe = false;

  Status start(const std::string& u) override {
    calls.push_back("start " + u);
    if (u == fail_start) return make_error("systemd's start job ended 'failed'");
    active.insert(u);
    pids[u] = 100 + static_cast<pid_t>(calls.size());
    return ok_status();
  }
  Status stop(const std::string& u) override {
    calls.push_back("stop " + u);
    active.erase(u);
    pids[u] = 0;
    return ok_status();
  }
  Result<bool> is_active(const std::string& u) override { return active.count(u) > 0; }
  Result<pid_t> main_pid(const std::string& u) override {
    pid_t p = pids[u];
    if (crash_after_probe && probes >= 2) return p + 1;  // restarted by systemd: another process
    return p;
  }
  Result<long> probe(const std::string&, const std::string& socket) override {
    calls.push_back("probe " + socket);
    ++probes;
    return health;
  }
  Status set_boot_instance(const std::string& on, const std::string& off) override {
    calls.push_back("boot " + on + " not " + off);
    return ok_status();
  }
  Result<std::uint64_t> cpu_weight(const std::string& u) override {
    auto it = weights.find(u);
    return it == weights.end() ? kNoCpuWeight : it->second;
  }
  Status set_cpu_weight(const std::string& u, std::uint64_t w) override {
    calls.push_back("weight " + u + " " + (w == kNoCpuWeight ? "default" : std::to_string(w)));
    if (refuse_weight) return make_error("Access denied");
    weights[u] = w;
    return ok_status();
  }
  std::map<std::string, std::uint64_t> weights;
  bool refuse_weight = false;
  int probes = 0;  // the trial's, then the instance's
};

struct Fixture {
  test::TempDir dir;
  Contract c;
  Fixture() {
    std::string text = test::kContract;
    text.insert(text.find("bind = "),
                "health_url = \"http://127.0.0.1:8080/health\"\nzero_downtime = true\n");
    c = *parse_contract(text, "runtime.toml");
    dir.mkdirs("/var/lib/app");
  }
  Root root() const { return Root(dir.path()); }
  Result<Outcome> run(Recorded& units) {
    return swap(c, units, root(), {.probe_attempts = 2, .probe_pause = Millis(1)}, nullptr);
  }
};

TEST(Swap, StartsProbesRecordsThenStopsTheOld) {
  Fixture f;
  Recorded units;
  auto out = f.run(units);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->ok);
  EXPECT_EQ(out->to, "green");
  EXPECT_THAT(
      units.calls,
      ElementsAre("start app-trial@green.service", "probe /run/conda-systemd/app/health-green.sock",
                  "stop app-trial@green.service", "weight app@green.service 10", "start app@green.service",
                  "probe /run/conda-systemd/app/health-green.sock", "weight app@green.service default",
                  "boot app@green.service not app@blue.service", "stop app@blue.service"));
  EXPECT_EQ(*read_active(f.c, f.root()), "green");
  // And back.
  units.calls.clear();
  ASSERT_TRUE(f.run(units)->ok);
  EXPECT_EQ(*read_active(f.c, f.root()), "blue");
}

TEST(Swap, TheNewInstanceGetsItsOwnWeightBackBeforeTheOldStops) {
  Fixture f;
  Recorded units;
  units.weights["app@green.service"] = 300;  // an operator's drop-in
  std::vector<std::string> log;
  ASSERT_TRUE(swap(f.c, units, f.root(), {.probe_attempts = 2, .probe_pause = Millis(1)},
                   [&](const std::string& text, bool) { log.push_back(text); })
                  ->ok);
  EXPECT_THAT(units.calls, ::testing::Contains("weight app@green.service 10"));
  EXPECT_EQ(units.weights["app@green.service"], 300u);
  auto at = [&](const std::string& call) {
    return std::find(units.calls.begin(), units.calls.end(), call) - units.calls.begin();
  };
  EXPECT_LT(at("weight app@green.service 300"), at("stop app@blue.service"));
  EXPECT_THAT(log, ::testing::Contains(HasSubstr("boots at CPU weight 10 (its own: 300)")));
}

TEST(Swap, ALeftoverBootWeightIsNotTakenForTheUnitsOwn) {
  Fixture f;
  Recorded units;
  units.weights["app@green.service"] = 10;  // an interrupted swap's
  ASSERT_TRUE(f.run(units)->ok);
  EXPECT_EQ(units.weights["app@green.service"], kNoCpuWeight);
}

TEST(Swap, AWeightSystemdRefusesIsANoteNotAFailure) {
  Fixture f;
  Recorded units;
  units.refuse_weight = true;
  std::vector<std::pair<std::string, bool>> log;
  auto out = swap(f.c, units, f.root(), {.probe_attempts = 2, .probe_pause = Millis(1)},
                  [&](const std::string& text, bool ok) { log.emplace_back(text, ok); });
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->ok);
  EXPECT_THAT(log, ::testing::Contains(std::pair<std::string, bool>(
                       "app@green.service boots at its own CPU weight: Access denied", false)));
  EXPECT_EQ(std::count(units.calls.begin(), units.calls.end(), "weight app@green.service default"), 0)
      << "nothing to take back";
}

// A start job that fails, the trial's or the instance's: what the swap started is stopped, the new
// instance's weight is taken back, and blue serves on as the active instance.
TEST(Swap, AFailedStartStopsWhatItStartedAndTheOldServesOn) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"app-trial@green.service", {"start app-trial@green.service", "stop app-trial@green.service"}},
      {"app@green.service",
       {"start app-trial@green.service", "probe /run/conda-systemd/app/health-green.sock",
        "stop app-trial@green.service", "weight app@green.service 10", "start app@green.service",
        "stop app@green.service", "weight app@green.service default"}},
  };
  for (const auto& [fails, calls] : cases) {
    Fixture f;
    Recorded units;
    units.fail_start = fails;
    auto out = f.run(units);
    ASSERT_TRUE(out.ok()) << fails;
    EXPECT_FALSE(out->ok) << fails;
    EXPECT_EQ(out->failed_step, "start") << fails;
    EXPECT_EQ(units.calls, calls) << fails;
    EXPECT_EQ(units.weights.count("app@green.service") ? units.weights["app@green.service"] : kNoCpuWeight,
              kNoCpuWeight)
        << fails;
    EXPECT_EQ(*read_active(f.c, f.root()), "blue") << fails;
  }
}

TEST(Swap, A5xxFailsTheHealthStep) {
  Fixture f;
  Recorded units;
  units.health = 503;
  auto out = f.run(units);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->failed_step, "health");
  EXPECT_THAT(out->why, HasSubstr("trial: answered 503 (after 2 attempt(s))"));
  EXPECT_EQ(units.calls.back(), "stop app-trial@green.service") << "the instance itself never started";
  EXPECT_TRUE(units.active.count("app@blue.service"));
}

TEST(Swap, ACrashAfterTheProbeNeverStopsTheOld) {
  Fixture f;
  Recorded units;
  units.crash_after_probe = true;
  auto out = f.run(units);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->failed_step, "crashed");
  for (const auto& call : units.calls) EXPECT_NE(call, "stop app@blue.service");
}

TEST(Swap, ALeftoverIsStoppedFirst) {
  Fixture f;
  Recorded units;
  units.active = {"app@blue.service", "app@green.service"};
  ASSERT_TRUE(f.run(units)->ok);
  EXPECT_EQ(units.calls.front(), "stop app@green.service");
}

TEST(Swap, ARecordThatNamesNoInstanceIsAnError) {
  Fixture f;
  f.dir.write("/var/lib/app/conda-systemd-active", "purple\n");
  Recorded units;
  auto out = f.run(units);
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.error().message, HasSubstr("names no instance: 'purple'"));
  EXPECT_TRUE(units.calls.empty());
}

TEST(Swap, ARecordThatIsALinkIsRefused) {
  Fixture f;
  f.dir.write("/tmp/x", "green\n");
  ASSERT_EQ(::symlink(f.dir.at("/tmp/x").c_str(), f.dir.at("/var/lib/app/conda-systemd-active").c_str()), 0);
  EXPECT_FALSE(read_active(f.c, f.root()).ok());
}

}  // namespace
}  // namespace csd::swap
