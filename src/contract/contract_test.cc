#include "contract/contract.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "test_support/contracts.h"
#include "util/file.h"

namespace csd {
namespace {

using ::testing::HasSubstr;

const std::string kMinimal = test::contract_text(
    {.name = "mes-dashboard",
     .version = "2026.11-1",
     .conda = "root = \"/opt/miniconda3\"\nenv = \"mes-dashboard\"\n",
     .workdir = "/opt/mes-dashboard",
     .command = R"c(["gunicorn", "--config", "gunicorn.conf.py", "mes_dashboard:create_app()"])c"});

Error parse_error(const std::string& text) {
  auto r = parse_contract(text, "runtime.toml");
  EXPECT_FALSE(r.ok()) << "expected an error for:\n" << text;
  return r.ok() ? Error{} : r.error();
}

TEST(Contract, MinimalFillsEveryDefault) {
  auto r = parse_contract(kMinimal, "runtime.toml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Contract& c = *r;
  EXPECT_EQ(c.name, "mes-dashboard");
  EXPECT_EQ(c.service.group, "www-data");
  EXPECT_EQ(c.service.environment_file, "/etc/conda-systemd/mes-dashboard.env");
  EXPECT_EQ(c.paths.runtime_dir, "/run/mes-dashboard");
  EXPECT_EQ(c.paths.pid_file, "/run/mes-dashboard/gunicorn.pid");
  EXPECT_EQ(c.paths.restart_flag, "/run/mes-dashboard/mes_dashboard_restart.flag");
  EXPECT_EQ(c.paths.state_file, "/var/lib/mes-dashboard/mes_dashboard_restart_state.json");
  EXPECT_EQ(c.paths.control_socket, "/run/mes-dashboard/watchdog.sock");
  EXPECT_EQ(c.watchdog.cooldown, Millis(60'000));
  EXPECT_EQ(c.watchdog.retry_budget, 3);
  EXPECT_EQ(c.watchdog.churn_threshold, 3);
  EXPECT_EQ(c.watchdog.window, Millis(600'000));
  EXPECT_EQ(c.watchdog.history_limit, 50);
  EXPECT_EQ(c.watchdog.on_unconfirmed, "report");
}

TEST(Contract, ChurnThresholdFollowsRetryBudget) {
  auto r = parse_contract(std::string(kMinimal) + "[watchdog]\nretry_budget = 5\n", "runtime.toml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->watchdog.churn_threshold, 5);
}

TEST(Contract, WorkersAndScripts) {
  auto r = parse_contract(std::string(kMinimal) + R"(
[[worker]]
name = "wip"
command = ["rq", "worker", "wip"]
[[worker]]
name = "eqp"
command = ["rq", "worker", "eqp"]
environment = { REDIS_URL = "redis://localhost:6379/0" }
[[script]]
path = "/opt/mes-dashboard/scripts/start_server.sh"
)",
                          "runtime.toml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->workers.size(), 2u);
  EXPECT_EQ(r->workers[1].environment.at("REDIS_URL"), "redis://localhost:6379/0");
  ASSERT_EQ(r->scripts.size(), 1u);
}

TEST(Contract, MalformedTomlNamesLineAndColumn) {
  Error e = parse_error("[contract]\nname = \"x\nversion = \"1\"\n");
  EXPECT_EQ(e.file, "runtime.toml");
  EXPECT_EQ(e.line, 2);
  EXPECT_GT(e.column, 0);
  EXPECT_THAT(e.message, HasSubstr("not valid TOML"));
  EXPECT_THAT(e.to_string(), HasSubstr("runtime.toml:2:"));
}

TEST(Contract, WrongType) {
  std::string text = kMinimal;
  text.replace(text.find("user = \"www-data\""), 17, "user = 33");
  Error e = parse_error(text);
  EXPECT_EQ(e.to_string(),
            "runtime.toml:11:8: error: 'service.user' must be a string, found an integer\n"
            "  hint: put the value in double quotes");
}

TEST(Contract, MissingRequiredKey) {
  std::string text = kMinimal;
  text.erase(text.find("user = \"www-data\"\n"), 18);
  Error e = parse_error(text);
  EXPECT_EQ(e.message, "missing required key 'service.user'");
  EXPECT_EQ(e.line, 10);  // the [service] header
  EXPECT_THAT(e.hint, HasSubstr("add `user = \"...\"` to [service]"));
}

TEST(Contract, UnknownKeySuggestsTheClosest) {
  Error e = parse_error(std::string(kMinimal) + "[paths]\npid_flie = \"/run/mes-dashboard/g.pid\"\n");
  EXPECT_EQ(e.message, "unknown key 'pid_flie' in [paths]");
  EXPECT_EQ(e.hint, "did you mean 'pid_file'?");
  EXPECT_EQ(e.line, 15);
  EXPECT_EQ(e.column, 1);
}

TEST(Contract, UnknownSectionSuggestsTheClosest) {
  Error e = parse_error(std::string(kMinimal) + "[watchdgo]\ncooldown = \"1s\"\n");
  EXPECT_EQ(e.message, "unknown section [watchdgo]");
  EXPECT_EQ(e.hint, "did you mean [watchdog]?");
}

TEST(Contract, RelativePathRefused) {
  std::string text = kMinimal;
  text.replace(text.find("\"/opt/mes-dashboard\""), 20, "\"opt/mes-dashboard\"");
  Error e = parse_error(text);
  EXPECT_EQ(e.message, "'service.workdir' must be an absolute path, found 'opt/mes-dashboard'");
  EXPECT_EQ(e.line, 12);
  EXPECT_THAT(e.hint, HasSubstr("full path from /"));
}

TEST(Contract, BadDuration) {
  Error e = parse_error(std::string(kMinimal) + "[watchdog]\ncooldown = \"60 parsecs\"\n");
  EXPECT_EQ(e.message, "'watchdog.cooldown' is not a duration: \"60 parsecs\"");
  EXPECT_EQ(e.line, 15);
  EXPECT_EQ(e.column, 12);
  EXPECT_THAT(e.hint, HasSubstr("\"60s\", \"10m\", \"1h\""));
}

TEST(Contract, DurationAsNumberRefused) {
  Error e = parse_error(std::string(kMinimal) + "[watchdog]\ncooldown = 60\n");
  EXPECT_THAT(e.message, HasSubstr("must be a duration string such as \"60s\", found an integer"));
}

TEST(Contract, WindowBelowThirtySecondsRefused) {
  Error e = parse_error(std::string(kMinimal) + "[watchdog]\nwindow = \"10s\"\n");
  EXPECT_EQ(e.message, "'watchdog.window' is 10s, it must be at least 30s");
}

TEST(Contract, PidFileOutsideRuntimeDir) {
  Error e = parse_error(std::string(kMinimal) + "[paths]\npid_file = \"/tmp/gunicorn.pid\"\n");
  EXPECT_EQ(e.message,
            "paths.pid_file '/tmp/gunicorn.pid' lies outside paths.runtime_dir '/run/mes-dashboard'");
  EXPECT_EQ(e.line, 15);
  EXPECT_THAT(e.hint, HasSubstr("move it under /run/mes-dashboard/"));
}

TEST(Contract, RestartFlagOutsideRuntimeDir) {
  Error e = parse_error(std::string(kMinimal) +
                        "[paths]\nruntime_dir = \"/run/x\"\nrestart_flag = \"/run/xy/restart.flag\"\n");
  EXPECT_EQ(e.message, "paths.restart_flag '/run/xy/restart.flag' lies outside paths.runtime_dir '/run/x'");
  EXPECT_EQ(e.line, 16);
}

TEST(Contract, HistoryLimitBelowOne) {
  Error e = parse_error(std::string(kMinimal) + "[watchdog]\nhistory_limit = 0\n");
  EXPECT_EQ(e.message, "'watchdog.history_limit' is 0, it must be between 1 and 100000");
  EXPECT_EQ(e.line, 15);
}

TEST(Contract, EnvAndPrefixTogetherRefused) {
  std::string text = kMinimal;
  text.insert(text.find("env = "), "prefix = \"/opt/envs/x\"\n");
  Error e = parse_error(text);
  EXPECT_THAT(e.message, HasSubstr("exactly one of 'env'"));
}

TEST(Contract, DuplicateWorkerName) {
  Error e = parse_error(
      std::string(kMinimal) +
      "[[worker]]\nname = \"a\"\ncommand = [\"rq\"]\n[[worker]]\nname = \"a\"\ncommand = [\"rq\"]\n");
  EXPECT_EQ(e.message, "a worker named 'a' is declared twice");
  EXPECT_EQ(e.line, 18);
}

TEST(Contract, CommandMustBeAnArray) {
  std::string text = kMinimal;
  auto pos = text.find("command = [");
  text.replace(pos, text.find('\n', pos) - pos, "command = \"gunicorn app:app\"");
  Error e = parse_error(text);
  EXPECT_THAT(e.message, HasSubstr("'service.command' must be an array of strings, found a string"));
  EXPECT_THAT(e.hint, HasSubstr("no shell parsing"));
}

TEST(Contract, BadBindAndHealthUrl) {
  Error bind = parse_error(
      std::string(kMinimal).replace(std::string(kMinimal).find("command"), 0, "bind = \"8080\"\n"));
  EXPECT_EQ(bind.message, "service.bind '8080' is not host:port or unix:PATH");
  Error url = parse_error(std::string(kMinimal).replace(std::string(kMinimal).find("command"), 0,
                                                        "health_url = \"localhost:8080/health\"\n"));
  EXPECT_THAT(url.message, HasSubstr("is not an http(s) URL"));
}

TEST(Contract, EnvironmentMayNotOverrideDerivedVariables) {
  std::string text = kMinimal;
  text.insert(text.find("command = ["), "environment = { WATCHDOG_PID_FILE = \"/tmp/x.pid\" }\n");
  Error e = parse_error(text);
  EXPECT_EQ(e.message, "service.environment sets WATCHDOG_PID_FILE, which the contract derives itself");
  EXPECT_EQ(e.line, 13);
}

TEST(Contract, HostileInputNeverCrashes) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919) % 256);
  EXPECT_FALSE(parse_contract(junk, "junk.toml").ok());
  EXPECT_FALSE(parse_contract(std::string(10 << 20, '['), "brackets.toml").ok());
  EXPECT_FALSE(parse_contract("", "empty.toml").ok());
  EXPECT_EQ(parse_error("").message, "missing the [contract] section");
}

class ContractFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/csd-contract-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string dir_;
};

TEST_F(ContractFile, LoadsThroughSymlink) {
  ASSERT_TRUE(write_file_atomic(dir_ + "/real.toml", kMinimal).ok());
  ASSERT_EQ(::symlink("real.toml", (dir_ + "/link.toml").c_str()), 0);
  auto r = load_contract(dir_ + "/link.toml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
}

TEST_F(ContractFile, SymlinkLoopIsAClearError) {
  ASSERT_EQ(::symlink("b.toml", (dir_ + "/a.toml").c_str()), 0);
  ASSERT_EQ(::symlink("a.toml", (dir_ + "/b.toml").c_str()), 0);
  auto r = load_contract(dir_ + "/a.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "symbolic link loop");
  EXPECT_EQ(r.error().file, dir_ + "/a.toml");
}

TEST_F(ContractFile, OversizedRefused) {
  ASSERT_TRUE(write_file_atomic(dir_ + "/big.toml", std::string((1 << 20) + 1, '#')).ok());
  auto r = load_contract(dir_ + "/big.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("more than the 1048576 bytes accepted"));
}

TEST_F(ContractFile, DirectoryAndFifoRefused) {
  auto dir = load_contract(dir_);
  ASSERT_FALSE(dir.ok());
  EXPECT_THAT(dir.error().message, HasSubstr("is a directory"));
  ASSERT_EQ(::mkfifo((dir_ + "/fifo").c_str(), 0600), 0);
  auto fifo = load_contract(dir_ + "/fifo");  // must not block
  ASSERT_FALSE(fifo.ok());
  EXPECT_THAT(fifo.error().message, HasSubstr("is a FIFO"));
}

TEST_F(ContractFile, MissingFileHasHint) {
  auto r = load_contract(dir_ + "/none.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "no such file");
  EXPECT_THAT(r.error().hint, HasSubstr("--contract"));
}

}  // namespace
}  // namespace csd

namespace csd {
namespace {

std::string with_min_version(const std::string& v) {
  std::string text = kMinimal;
  text.replace(text.find("[contract]\n"), 11, "[contract]\nmin_tool_version = " + v + "\n");
  return text;
}

TEST(Contract, MinToolVersionOlderOrEqualIsAccepted) {
  EXPECT_TRUE(parse_contract(with_min_version("\"0.1\""), "runtime.toml").ok());
  EXPECT_TRUE(parse_contract(with_min_version("\"" CSD_VERSION "\""), "runtime.toml").ok());
}

TEST(Contract, MinToolVersionNewerSaysSoBeforeUnknownKeys) {
  // A key this version does not know, as a newer one might add: the version is what is reported.
  std::string text = with_min_version("\"99.0.0\"") + "[watchdog]\nnew_key_of_v99 = true\n";
  auto r = parse_contract(text, "runtime.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "this contract needs conda-systemd 99.0.0 or newer; this is " CSD_VERSION);
  EXPECT_THAT(r.error().hint, HasSubstr("newer conda-systemd"));
}

TEST(Contract, MinToolVersionMustBeAVersion) {
  for (const char* bad : {"\"latest\"", "\"1..2\"", "\"-1\"", "2", "\"1.2.3-rc1\"", "\"\""}) {
    auto r = parse_contract(with_min_version(bad), "runtime.toml");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.error().message, HasSubstr("must be a version string")) << bad;
  }
}

}  // namespace
}  // namespace csd
