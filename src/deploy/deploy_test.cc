#include "deploy/deploy.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "render/deployed.h"
#include "runbook/runbook.h"
#include "test_support/conda_env.h"
#include "test_support/deployment.h"
#include "test_support/process.h"
#include "util/file.h"

namespace csd::deploy {
namespace {

// systemd and the health URL, as a deploy sees them: the app runs from whatever prefix the
// installed contract names, and is healthy unless that prefix is listed as broken.
class FakeServices : public Services {
 public:
  explicit FakeServices(const test::Deployment& d) : d_(d) {}
  Status daemon_reload() override { return ok_status(); }
  Status restart(const std::string& unit) override {
    restarted.push_back(unit);
    return ok_status();
  }
  Result<std::string> running_prefix(const std::string&) override {
    std::string text = d_.read("/etc/conda-systemd/app.toml");
    if (text.find("env = \"app-new\"") != std::string::npos)
      return std::string("/opt/miniconda3/envs/app-new");
    if (text.find("env = \"app-broken\"") != std::string::npos)
      return std::string("/opt/miniconda3/envs/app-broken");
    return std::string("/opt/miniconda3/envs/app");
  }
  // A broken environment answers 503 twice (two probes), a working one 200 at once.
  HealthResult health(const std::string&, const std::string&, const OnProbe& on_probe) override {
    auto p = running_prefix("app.service");
    bool broken = *p == "/opt/miniconda3/envs/app-broken";
    HealthResult r{.healthy = !broken,
                   .status = broken ? 503 : 200,
                   .attempts = broken ? 2 : 1,
                   .detail = broken ? "answered 503" : "answered 200"};
    for (int i = 1; i <= r.attempts; ++i)
      on_probe({.attempt = i, .healthy = r.healthy, .status = r.status, .detail = r.detail});
    return r;
  }
  std::vector<std::string> restarted;

 private:
  const test::Deployment& d_;
};

void add_env(const test::Deployment& d, const std::string& name, bool with_flask = true) {
  std::vector<std::string> packages = {"gunicorn-20.1.0-py_0"};
  if (with_flask) packages.push_back("flask-2.2.2-py_0");
  test::write_conda_env(d.dir(), "/opt/miniconda3/envs/" + name, packages);
}

struct DeployTest : ::testing::Test {
  test::Deployment d;
  FakeServices services{d};
  std::vector<std::string> lines;
  std::vector<Event> events;
  Log log = [this](const Event& e) {
    lines.push_back(e.text);
    events.push_back(e);
  };
  Options options() const { return {.root = Root(d.root()), .who = "tester"}; }
  std::string contract() const { return d.dir().at("/etc/conda-systemd/app.toml"); }
  nlohmann::json record() const {
    return nlohmann::json::parse(d.read("/var/lib/app/conda-systemd-deploy.json"));
  }
  bool said(const std::string& prefix) const {
    for (const auto& l : lines)
      if (l.rfind(prefix, 0) == 0) return true;
    return false;
  }
};

TEST_F(DeployTest, SwitchesTheInstalledContractAndRecordsThePrevious) {
  add_env(d, "app-new");
  auto r = deploy(contract(), {.env = "app-new"}, services, options(), log);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(r->ok) << ::testing::PrintToString(lines);
  EXPECT_EQ(r->prefix, "/opt/miniconda3/envs/app-new");
  EXPECT_NE(d.read("/etc/conda-systemd/app.toml").find("env = \"app-new\"  # set by conda-systemd deploy"),
            std::string::npos);
  EXPECT_NE(d.read("/etc/app/runtime.env").find("/opt/miniconda3/envs/app-new"), std::string::npos);
  EXPECT_NE(d.read("/opt/app/RUNBOOK.md").find("`/opt/miniconda3/envs/app-new`"), std::string::npos);
  EXPECT_EQ(services.restarted,
            (std::vector<std::string>{"app.service", "app-wip-worker.service", "app-watchdog.service"}));
  EXPECT_TRUE(said("deploy: preflight of /opt/miniconda3/envs/app-new passed"));
  EXPECT_TRUE(said("deploy: health gate passed:"));
  EXPECT_TRUE(said("deployed: app runs from /opt/miniconda3/envs/app-new"));
  auto rec = record();
  EXPECT_EQ(rec["current"]["prefix"], "/opt/miniconda3/envs/app-new");
  EXPECT_EQ(rec["previous"]["prefix"], "/opt/miniconda3/envs/app");
  EXPECT_EQ(rec["previous"]["key"], "env");
  EXPECT_EQ(rec["operations"].back()["result"], "deployed");
  EXPECT_EQ(rec["operations"].back()["steps"].size(), r->events.size());

  lines.clear();
  auto back = rollback(contract(), services, options(), log);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_TRUE(back->ok) << ::testing::PrintToString(lines);
  EXPECT_TRUE(said("rolled back: app runs from /opt/miniconda3/envs/app;"));
  EXPECT_NE(d.read("/etc/conda-systemd/app.toml").find("env = \"app\"  # set by conda-systemd deploy"),
            std::string::npos);
  rec = record();
  EXPECT_EQ(rec["current"]["prefix"], "/opt/miniconda3/envs/app");
  EXPECT_EQ(rec["previous"]["prefix"], "/opt/miniconda3/envs/app-new");
}

TEST_F(DeployTest, AFailedHealthGateRollsBackByItself) {
  add_env(d, "app-broken");
  std::string before = d.read("/etc/conda-systemd/app.toml");
  auto r = deploy(contract(), {.env = "app-broken"}, services, options(), log);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_FALSE(r->ok);
  EXPECT_TRUE(r->rolled_back);
  EXPECT_TRUE(said("deploy: health gate failed:"));
  EXPECT_TRUE(said("rolled back: app runs from /opt/miniconda3/envs/app again"));
  EXPECT_EQ(d.read("/etc/conda-systemd/app.toml"), before);
  auto rec = record();
  EXPECT_EQ(rec["current"]["prefix"], "/opt/miniconda3/envs/app");
  EXPECT_EQ(rec["operations"].back()["result"], "rolled back");
}

// The command line renders progress from these: every step that starts ends (in order, none open
// twice), and each health probe is heard within the gate, failed ones included.
TEST_F(DeployTest, EveryStepStartsAndEndsAndEachProbeIsHeard) {
  add_env(d, "app-broken");
  auto r = deploy(contract(), {.env = "app-broken"}, services, options(), log);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->result, "rolled back");
  std::string open;
  std::vector<std::string> ended;
  std::vector<int> probes;
  for (const auto& e : events) {
    switch (e.kind) {
      case Event::Kind::kStart:
        EXPECT_EQ(open, "") << e.step << " starts while " << open << " runs";
        open = e.step;
        break;
      case Event::Kind::kEnd:
        EXPECT_EQ(open, e.step) << e.text;
        ended.push_back(e.step + (e.ok ? "" : " (failed)"));
        open.clear();
        break;
      case Event::Kind::kProbe:
        EXPECT_EQ(open, "health gate") << e.text;
        probes.push_back(e.probe.attempt);
        break;
      case Event::Kind::kNote:
        break;
    }
  }
  EXPECT_EQ(open, "");
  EXPECT_EQ(ended,
            (std::vector<std::string>{
                "preflight", "render", "restart app.service", "restart app-wip-worker.service",
                "restart app-watchdog.service", "health gate (failed)", "render", "restart app.service",
                "restart app-wip-worker.service", "restart app-watchdog.service", "health gate"}));
  // Two probes of the broken environment, one of the one that works again.
  EXPECT_EQ(probes, (std::vector<int>{1, 2, 1}));
  EXPECT_TRUE(said("deploy: health probe 2: answered 503"));
}

TEST_F(DeployTest, ThePreflightRefusesAnEnvironmentThatFailsCheck) {
  add_env(d, "app-noflask", false);
  std::string before = d.read("/etc/conda-systemd/app.toml");
  auto r = deploy(contract(), {.env = "app-noflask"}, services, options(), log);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_FALSE(r->ok);
  EXPECT_FALSE(r->rolled_back);
  EXPECT_TRUE(said("deploy: [CSD122]"));
  EXPECT_TRUE(said("deploy: preflight of /opt/miniconda3/envs/app-noflask failed"));
  EXPECT_TRUE(services.restarted.empty());
  EXPECT_EQ(d.read("/etc/conda-systemd/app.toml"), before);
  EXPECT_EQ(record()["operations"].back()["result"], "refused");
}

TEST_F(DeployTest, RefusesWhatCannotBeTried) {
  EXPECT_FALSE(deploy(contract(), {.env = "nowhere"}, services, options(), log));
  EXPECT_FALSE(deploy(contract(), {}, services, options(), log));
  auto none = rollback(contract(), services, options(), log);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no previous environment"), std::string::npos);
  // A source contract that differs from what is installed is not deployed behind its back.
  d.write("/src/other.toml", "# changed\n" + d.read("/etc/conda-systemd/app.toml"));
  auto other = deploy(d.dir().at("/src/other.toml"), {.env = "app"}, services, options(), log);
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("differs from the installed contract"), std::string::npos);
}

// A render from the source contract after a deploy once put the old environment back, silently.
// Through the program as shipped: render keeps the deployed environment and says so.
TEST_F(DeployTest, RenderFromTheSourceKeepsWhatDeploySwitched) {
  add_env(d, "app-new");
  d.write("/src/app.toml", test::kContract);
  const std::string source = d.dir().at("/src/app.toml");
  auto r = deploy(contract(), {.env = "app-new"}, services, options(), log);
  ASSERT_TRUE(r && r->ok) << ::testing::PrintToString(lines);

  test::Ran rendered = test::run_tool({"render", "--contract", source, "--root", d.root()});
  EXPECT_EQ(rendered.status, 0) << rendered.err;
  EXPECT_NE(rendered.err.find("render: keeps [conda] env = \"app-new\" set by deploy"), std::string::npos)
      << rendered.err;
  EXPECT_NE(d.read("/etc/conda-systemd/app.toml").find("env = \"app-new\""), std::string::npos);
  EXPECT_NE(d.read("/etc/app/runtime.env").find("/opt/miniconda3/envs/app-new"), std::string::npos);
  test::Ran diff = test::run_tool({"render", "--check", "--contract", source, "--root", d.root()});
  EXPECT_EQ(diff.status, 0) << diff.out << diff.err;
  // check of the source contract expects what render installed, not the source's own [conda].
  test::Ran checked = test::run_tool({"check", "--contract", source, "--root", d.root()});
  EXPECT_EQ(checked.status, 0) << checked.out << checked.err;
  EXPECT_NE(checked.err.find("check: keeps [conda] env = \"app-new\""), std::string::npos) << checked.err;

  // The explicit way back: the source's own environment, the deployed one kept for rollback.
  test::Ran dropped = test::run_tool({"render", "--drop-deploy", "--contract", source, "--root", d.root()});
  EXPECT_EQ(dropped.status, 0) << dropped.err;
  EXPECT_EQ(d.read("/etc/conda-systemd/app.toml").find("app-new"), std::string::npos);
  auto rec = record();
  EXPECT_EQ(rec["current"]["value"], "app");
  EXPECT_EQ(rec["current"]["operation"], "render --drop-deploy");
  EXPECT_EQ(rec["previous"]["value"], "app-new");
  test::Ran again = test::run_tool({"render", "--contract", source, "--root", d.root()});
  EXPECT_EQ(again.err.find("keeps"), std::string::npos) << again.err;
}

TEST_F(DeployTest, RenderDeployAndRollbackTakeOneLock) {
  auto held = render::lock_deployment(d.contract(), Root(d.root()), true);
  ASSERT_TRUE(held) << held.error().to_string();
  add_env(d, "app-new");
  auto r = deploy(contract(), {.env = "app-new"}, services, options(), log);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("is running"), std::string::npos) << r.error().message;
  test::Ran rendered = test::run_tool({"render", "--contract", contract(), "--root", d.root()});
  EXPECT_EQ(rendered.status, 2) << rendered.err;
  EXPECT_NE(rendered.err.find("another render, deploy or rollback"), std::string::npos) << rendered.err;
  test::Ran check_only = test::run_tool({"render", "--check", "--contract", contract(), "--root", d.root()});
  EXPECT_EQ(check_only.status, 0) << "render --check changes nothing and takes no lock: " << check_only.err;
}

// What `deploy --request` relies on: the swap request is taken (removed) only once the lock is held,
// so one that comes during another operation waits for it instead of being removed and refused.
TEST_F(DeployTest, AnOperationThatMayWaitRunsWhenLockedOnlyOnceTheLockIsItsOwn) {
  add_env(d, "app-new");
  auto held = render::lock_deployment(d.contract(), Root(d.root()), true);
  ASSERT_TRUE(held) << held.error().to_string();
  std::atomic<bool> released{false};
  std::atomic<int> calls{0};
  bool released_when_called = false;
  Options o = options();
  o.lock_wait = Millis(120'000);
  o.when_locked = [&] {
    released_when_called = released.load();
    ++calls;
    return ok_status();
  };
  Result<Outcome> r = make_error("not run");
  std::thread waiter([&] { r = deploy(contract(), {.env = "app-new"}, services, o, log); });
  // Long enough for a wrong implementation to take the request under the other's lock; a right one
  // cannot, however long this is.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(calls.load(), 0) << "called while another operation held the lock";
  released = true;
  held = Fd();
  waiter.join();
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_TRUE(released_when_called);
}

TEST_F(DeployTest, ALockHeldPastTheWaitRefusesBeforeWhenLocked) {
  add_env(d, "app-new");
  auto held = render::lock_deployment(d.contract(), Root(d.root()), true);
  ASSERT_TRUE(held) << held.error().to_string();
  Options o = options();
  o.lock_wait = Millis(300);
  bool called = false;
  o.when_locked = [&] {
    called = true;
    return ok_status();
  };
  auto r = deploy(contract(), {.env = "app-new"}, services, o, log);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("held the lock for all of"), std::string::npos) << r.error().message;
  EXPECT_TRUE(r.error().is(ErrorKind::kConflict));
  EXPECT_FALSE(called);
  EXPECT_TRUE(services.restarted.empty());
}

TEST_F(DeployTest, AWhenLockedErrorStopsTheOperationBeforeAnyChange) {
  add_env(d, "app-new");
  std::string before = d.read("/etc/conda-systemd/app.toml");
  Options o = options();
  o.when_locked = [] { return Status(make_error("no swap request")); };
  auto r = deploy(contract(), {.env = "app-new"}, services, o, log);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "no swap request");
  EXPECT_EQ(d.read("/etc/conda-systemd/app.toml"), before);
  EXPECT_TRUE(services.restarted.empty());
}

TEST_F(DeployTest, ADamagedRecordStopsRenderUntilDropped) {
  d.write("/src/app.toml", test::kContract);
  const std::string source = d.dir().at("/src/app.toml");
  d.write("/var/lib/app/conda-systemd-deploy.json", "{\"current\": ");
  test::Ran rendered = test::run_tool({"render", "--contract", source, "--root", d.root()});
  EXPECT_EQ(rendered.status, 2);
  EXPECT_NE(rendered.err.find("conda-systemd-deploy.json"), std::string::npos) << rendered.err;
  // The installed copy is what the units read: it renders as it is, whatever the record says.
  EXPECT_EQ(test::run_tool({"render", "--contract", contract(), "--root", d.root()}).status, 0);
  d.write("/var/lib/app/conda-systemd-deploy.json",
          "{\"current\": {\"key\": \"env\", \"value\": \"app-new\"}}");
  add_env(d, "app-new");
  EXPECT_EQ(test::run_tool({"render", "--contract", source, "--root", d.root()}).status, 0);
  EXPECT_NE(d.read("/etc/conda-systemd/app.toml").find("app-new"), std::string::npos);
}

TEST(DeployConda, SetsTheTargetAndKeepsTheRest) {
  std::string text =
      "# mine\n[contract]\nname = \"a\"\nversion = \"1\"\n[conda]\nroot = \"/opt/c\"  # keep\n"
      "env = \"old\"\npython = \"3.11\"\n[service]\nuser = \"u\"\nworkdir = \"/w\"\ncommand = [\"x\"]\n";
  auto r = set_conda_target(text, {.prefix = "/opt/envs/new"}, "a.toml");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*r,
            "# mine\n[contract]\nname = \"a\"\nversion = \"1\"\n[conda]\nroot = \"/opt/c\"  # keep\n"
            "prefix = \"/opt/envs/new\"  # set by conda-systemd deploy\npython = \"3.11\"\n[service]\nuser = "
            "\"u\"\nworkdir = \"/w\"\ncommand = [\"x\"]\n");
  EXPECT_FALSE(set_conda_target("[contract]\nname = \"a\"\n", {.env = "x"}, "a.toml"));
  EXPECT_FALSE(set_conda_target(text, {.env = "x", .prefix = "/y"}, "a.toml"));
}

}  // namespace
}  // namespace csd::deploy
