#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace csd::check
