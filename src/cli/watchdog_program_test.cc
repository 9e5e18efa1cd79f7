// conda-systemd-watchdog, the program `conda-systemd watchdog` becomes (cli/watchdog_main.cc): its
// arguments are conda-systemd's to give, but anything else is still a usage error, through the
// built program; and conda-systemd without it beside (or in ../libexec) says so.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "test_support/process.h"
#include "test_support/temp_dir.h"

namespace csd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string daemon_program() {
  return fs::path(CSD_BINARY).parent_path() / "conda-systemd-watchdog";
}

test::Ran run(std::vector<std::string> args) {
  return test::run(args, {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/nonexistent"}, 30);
}

TEST(WatchdogProgram, BadArgumentsAreAUsageError) {
  std::vector<std::vector<std::string>> cases = {
      {},
      {"--contract"},
      {"--contract", ""},
      {"--contract", "a.toml", "--contract", "b.toml"},
      {"--root", "/", "--root", "/"},
      {"--contract", "a.toml", "--no-bus", "--no-bus"},
      {"--contract", "a.toml", "-n", "name"},
      {"watchdog", "--contract", "a.toml"},
      {"--contract", "a.toml", std::string(5000, 'x')},
      {"--no-bus"},
  };
  for (auto args : cases) {
    args.insert(args.begin(), daemon_program());
    test::Ran r = run(args);
    EXPECT_EQ(r.status, 2) << args.size() << " arguments: " << r.err;
    EXPECT_THAT(r.err, HasSubstr("usage: conda-systemd-watchdog --contract FILE")) << r.err;
    EXPECT_LT(r.err.size(), 1000u) << "a hostile argument is not echoed whole";
  }
}

TEST(WatchdogProgram, AContractItCannotUseIsAnError) {
  test::TempDir tmp;
  tmp.write("/bad.toml", "[contract\n");
  for (const std::string& contract : {tmp.at("/missing.toml"), tmp.at("/bad.toml")}) {
    test::Ran r = run({daemon_program(), "--contract", contract, "--no-bus"});
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("error:")) << r.err;
    EXPECT_THAT(r.err, HasSubstr(contract)) << r.err;
  }
}

TEST(WatchdogProgram, MissingProgramIsAnErrorNamingWhereItLooked) {
  // conda-systemd alone in a folder (a hard link: /proc/self/exe names the link's folder).
  test::TempDir tmp;
  std::string alone = tmp.at("/conda-systemd");
  std::error_code ec;
  fs::create_hard_link(CSD_BINARY, alone, ec);
  if (ec) fs::copy_file(CSD_BINARY, alone);
  tmp.write("/c.toml", "");
  test::Ran r = run({alone, "watchdog", "--contract", tmp.at("/c.toml"), "--no-bus"});
  EXPECT_EQ(r.status, 2) << r.err;
  std::string parent = fs::path(tmp.path()).parent_path();
  EXPECT_THAT(r.err, HasSubstr("the watchdog program is missing: no " + tmp.at("/conda-systemd-watchdog") +
                               ", no " + parent + "/libexec/conda-systemd/conda-systemd-watchdog"))
      << r.err;
  EXPECT_THAT(r.err, HasSubstr("hint: reinstall conda-systemd")) << r.err;
}

}  // namespace
}  // namespace csd
