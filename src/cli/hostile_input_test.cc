// Hostile input through the program as shipped (the built binary, run as a process): each case
// once crashed it (issue 10, and the fuzz targets in fuzz/). A library test cannot show these: the
// library linked into csd_tests caught what the program, linked with its own static C++ runtime,
// could not.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "control/client.h"
#include "test_support/deployment.h"
#include "test_support/process.h"
#include "test_support/temp_dir.h"
#include "watchdog/client.h"
#include "watchdog/state_store.h"
#include "watchdog/test_fixture.h"

namespace csd {
namespace {

namespace fs = std::filesystem;
using test::Ran;
using ::testing::HasSubstr;
using ::testing::Not;

Ran conda_systemd(std::vector<std::string> args) {
  args.insert(args.begin(), CSD_BINARY);
  return test::run(args, {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/nonexistent"});
}

// A signal shows as 128 + its number: 134 is SIGABRT (an uncaught exception), 139 SIGSEGV.
std::string crashed(const Ran& r) {
  return r.status > 128 ? "killed by signal " + std::to_string(r.status - 128) + "\n" + r.err : "";
}

// Returns the one folder of a deployment with the dashboard fixture's unit files and .env.
void copy_dashboard_units(const test::TempDir& dir) {
  fs::copy(std::string(CSD_SOURCE_DIR) + "/tests/fixtures/dashboard-units", dir.path(),
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

TEST(HostileInput, ContractWithCodePointsTomlPlusPlusDidNotListIsAnError) {
  // toml++ 3.3 reached __builtin_unreachable() for these where whitespace may stand (fuzz/contract_fuzz.cc
  // under UBSan; the corpus keeps the input). Built with g++ the program happened to survive: this shows
  // the error it gives, the sanitizer run shows the undefined behaviour is gone.
  test::TempDir dir;
  for (const char* odd : {"\xef\xbb\xbb", "a = 1 \xc3\xa9\n", "a = 1\xe3\x80\x81\n"}) {
    dir.write("/odd.toml", odd);
    Ran r = conda_systemd({"contract", "show", "--contract", dir.at("/odd.toml")});
    EXPECT_EQ(crashed(r), "");
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("not valid TOML")) << r.err;
  }
}

TEST(HostileInput, MalformedContractIsAnErrorWithItsLineNotAnAbort) {
  test::TempDir dir;
  dir.write("/x.toml", "x = = 1\n");
  const std::string contract = dir.at("/x.toml");
  for (std::vector<std::string> args : {std::vector<std::string>{"contract", "show", "--contract", contract},
                                        {"contract", "show", "--json", "--contract", contract},
                                        {"check", "--contract", contract},
                                        {"exec", "--contract", contract, "--", "/bin/true"}}) {
    Ran r = conda_systemd(args);
    std::string what = args[0] + " " + args[1];
    EXPECT_EQ(crashed(r), "") << what;
    EXPECT_EQ(r.status, 2) << what << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(contract + ":1:5:")) << what;
    EXPECT_THAT(r.err, HasSubstr("not valid TOML")) << what;
  }
}

TEST(HostileInput, ImportedContractThatDoesNotValidateIsReportedNotAnAbort) {
  test::TempDir dir;
  copy_dashboard_units(dir);
  const std::string unit = "/etc/systemd/system/mes-dashboard.service";
  std::string text = "[Ins\x7ftall]\nAlso=x.service\n";
  dir.write(unit + ".d/99-odd.conf", text);
  Ran r = conda_systemd({"import", "--name", "mes-dashboard", "--root", dir.path(), "--force", "--output",
                         dir.at("/contract.toml")});
  EXPECT_EQ(crashed(r), "");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("the imported contract is not valid")) << r.out;  // the report, with --output
  // What --force wrote is TOML still: the control byte is quoted as \x7f in the PROBLEM comment.
  Ran shown = conda_systemd({"contract", "show", "--contract", dir.at("/contract.toml")});
  EXPECT_THAT(shown.err, Not(HasSubstr("not valid TOML"))) << shown.err;
}

TEST(HostileInput, CheckJsonWithInvalidUtf8InTheEnvironmentFileIsValidJson) {
  test::Deployment d;
  d.write("/etc/app/runtime.env", "TOKEN\xff\nOTHER=\xfe\xff\n");
  Ran r =
      conda_systemd({"check", "--json", "--contract", d.dir().at("/src/runtime.toml"), "--root", d.root()});
  EXPECT_EQ(crashed(r), "");
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("TOKEN\xef\xbf\xbd")) << "the bad byte shows as U+FFFD";
}

TEST(HostileInput, ImportJsonWithInvalidUtf8InTheEnvFileIsValidJson) {
  test::TempDir dir;
  copy_dashboard_units(dir);
  dir.write("/opt/mes-dashboard/.env", "EXTRA\xff\nNAME=caf\xe9\n");
  Ran r = conda_systemd({"import", "--name", "mes-dashboard", "--root", dir.path(), "--json", "--output",
                         dir.at("/contract.toml")});
  EXPECT_EQ(crashed(r), "");
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("EXTRA\xef\xbf\xbd"));
}

TEST(HostileInput, DeeplyNestedShellExpansionIsRefusedWithItsFileAndLine) {
  test::TempDir dir;
  copy_dashboard_units(dir);
  std::string nested = "x";
  for (int i = 0; i < 10000; ++i) nested = "${A:-" + nested + "}";
  dir.write("/etc/systemd/system/mes-dashboard.service.d/99-deep.conf",
            "[Service]\nExecStart=\nExecStart=/bin/bash -c 'exec /usr/bin/echo " + nested + "'\n");
  Ran r = conda_systemd({"import", "--name", "mes-dashboard", "--root", dir.path()});
  EXPECT_EQ(crashed(r), "");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("nested more than"));
  EXPECT_THAT(r.err, HasSubstr("99-deep.conf:3"));
}

TEST(HostileInput, FlagWithAHugeNumberIsRejectedAndTheWatchdogKeepsServing) {
  // nlohmann::json throws out_of_range (not parse_error) for 1e400: it ended the watchdog
  // (fuzz/flag_fuzz.cc).
  test::TempDir tmp;
  tmp.mkdirs("/run");
  tmp.mkdirs("/env");
  const std::string state_file = tmp.at("/state.json");
  tmp.write("/contract.toml", "[contract]\nname = \"app\"\nversion = \"1\"\n[conda]\nprefix = \"" +
                                  tmp.at("/env") + "\"\n[service]\nuser = \"" + watchdog::current_user() +
                                  "\"\nworkdir = \"" + tmp.path() +
                                  "\"\ncommand = [\"gunicorn\", \"app:app\"]\n[paths]\nruntime_dir = \"" +
                                  tmp.at("/run") + "\"\nstate_file = \"" + state_file + "\"\n");
  watchdog::testing::SpawnOptions o;
  o.log = tmp.at("/watchdog.log");
  watchdog::testing::Child daemon = watchdog::testing::spawn(
      {CSD_BINARY, "watchdog", "--contract", tmp.at("/contract.toml"), "--no-bus"}, o);
  const std::string socket = tmp.at("/run/watchdog.sock");
  auto answers = [&] { return control::call(socket, {{"cmd", "ping"}}, Millis(500)).ok(); };
  ASSERT_TRUE(watchdog::testing::wait_until(answers, std::chrono::seconds(20)));
  tmp.write("/run/app_restart.flag", "{\"user\": 1e400}");
  auto rejected = [&] {
    auto st = watchdog::StateStore(state_file, 50).load();
    return st.ok() && st->value("rejected_flags", nlohmann::json::array()).size() == 1;
  };
  EXPECT_TRUE(watchdog::testing::wait_until(rejected, std::chrono::seconds(20)));
  EXPECT_TRUE(daemon.running());
  EXPECT_TRUE(answers());
  auto st = watchdog::StateStore(state_file, 50).load();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ((*st)["last_rejected_flag"].value("decision_reason", ""), "flag_malformed") << st->dump();
}

}  // namespace
}  // namespace csd
