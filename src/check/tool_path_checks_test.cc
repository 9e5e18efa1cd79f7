#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "check/check.h"
#include "test_support/deployment.h"

namespace csd::check {
namespace {

using ::testing::HasSubstr;

const std::string kApp = "/etc/systemd/system/app.service";

std::vector<Finding> tool_findings(const test::Deployment& d) {
  std::vector<Finding> out;
  Report report = run({.contract = d.contract(), .root = Root(d.root())});
  for (const auto& f : report.findings())
    if (f.code == "CSD119") out.push_back(f);
  return out;
}

TEST(ToolPath, RenderedUnitsRunTheContractsTool) {
  test::Deployment d;
  EXPECT_EQ(d.contract().tool, "/usr/bin/conda-systemd");
  EXPECT_TRUE(tool_findings(d).empty());
}

TEST(ToolPath, UnitRenderedWithTheOldDefaultNamesItAndTheFix) {
  test::Deployment d;
  // Both commands of the app unit, as render wrote them before the package.
  d.edit(kApp, "ExecStartPre=/usr/bin/conda-systemd", "ExecStartPre=/usr/local/bin/conda-systemd");
  d.edit(kApp, "ExecStart=/usr/bin/conda-systemd", "ExecStart=/usr/local/bin/conda-systemd");
  auto f = tool_findings(d);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_THAT(f[0].message, HasSubstr("the default before the Debian package"));
  EXPECT_EQ(f[0].found, "/usr/local/bin/conda-systemd");
  EXPECT_EQ(f[0].expected, "/usr/bin/conda-systemd");
  EXPECT_THAT(f[0].fix, HasSubstr("render --contract"));
  EXPECT_EQ(f[0].file, kApp);
}

TEST(ToolPath, AnyOtherPathIsNamedToo) {
  test::Deployment d;
  d.edit(kApp, "ExecStartPre=/usr/bin/conda-systemd", "ExecStartPre=/opt/old/conda-systemd");
  auto f = tool_findings(d);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_THAT(f[0].message, HasSubstr("another path than the contract's tool"));
}

TEST(ToolPath, OnlyTheSelectedUnit) {
  test::Deployment d;
  d.edit(kApp, "ExecStartPre=/usr/bin/conda-systemd", "ExecStartPre=/usr/local/bin/conda-systemd");
  auto r = run({.contract = d.contract(), .root = Root(d.root()), .only_unit = "app-watchdog.service"});
  for (const auto& f : r.findings()) EXPECT_NE(f.code, "CSD119");
}

std::vector<Finding> daemon_findings(const test::Deployment& d, const std::string& only_unit = "") {
  std::vector<Finding> out;
  Report report = run({.contract = d.contract(), .root = Root(d.root()), .only_unit = only_unit});
  for (const auto& f : report.findings())
    if (f.code == "CSD138") out.push_back(f);
  return out;
}

TEST(WatchdogProgram, AToolWithoutItsDaemonIsNamedWithWhereItWasLookedFor) {
  test::Deployment d;
  d.write("/usr/bin/conda-systemd", "#!/bin/sh\n", 0755);
  auto f = daemon_findings(d);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].file, "/usr/bin/conda-systemd");
  EXPECT_EQ(f[0].expected,
            "/usr/bin/conda-systemd-watchdog or /usr/libexec/conda-systemd/conda-systemd-watchdog");
  EXPECT_THAT(f[0].fix, HasSubstr("cmake --install"));
  // Only the watchdog unit's own preflight needs it: the app's start is not refused over it.
  EXPECT_TRUE(daemon_findings(d, "app.service").empty());
  EXPECT_EQ(daemon_findings(d, "app-watchdog.service").size(), 1u);
}

TEST(WatchdogProgram, FoundInLibexecOrBesideTheToolOrBesideWhatALinkNames) {
  test::Deployment libexec;
  libexec.write("/usr/bin/conda-systemd", "#!/bin/sh\n", 0755);
  libexec.write("/usr/libexec/conda-systemd/conda-systemd-watchdog", "#!/bin/sh\n", 0755);
  EXPECT_TRUE(daemon_findings(libexec).empty());

  test::Deployment beside;
  beside.write("/usr/bin/conda-systemd", "#!/bin/sh\n", 0755);
  beside.write("/usr/bin/conda-systemd-watchdog", "#!/bin/sh\n", 0644);  // not executable
  EXPECT_EQ(daemon_findings(beside).size(), 1u);
  beside.write("/usr/bin/conda-systemd-watchdog", "#!/bin/sh\n", 0755);
  EXPECT_TRUE(daemon_findings(beside).empty());

  // The command looks beside its real path (/proc/self/exe): a link to a build tree finds the
  // daemon there.
  test::Deployment linked;
  linked.write("/opt/csd/bin/conda-systemd", "#!/bin/sh\n", 0755);
  linked.write("/opt/csd/bin/conda-systemd-watchdog", "#!/bin/sh\n", 0755);
  linked.write("/usr/bin/.keep", "");
  ASSERT_EQ(::symlink((linked.root() + "/opt/csd/bin/conda-systemd").c_str(),
                      (linked.root() + "/usr/bin/conda-systemd").c_str()),
            0);
  EXPECT_TRUE(daemon_findings(linked).empty());
}

TEST(WatchdogProgram, NoToolAtAllIsLeftToTheStart) {
  test::Deployment d;  // lays out no /usr/bin/conda-systemd
  EXPECT_TRUE(daemon_findings(d).empty());
}

}  // namespace
}  // namespace csd::check
