// The installed deployment against what render writes now: every key, changed, deleted and
// overridden by a drop-in, one at a time, gives exactly one error naming the right file.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "check/check.h"
#include "check/format.h"
#include "systemd/unit_file.h"
#include "test_support/deployment.h"
#include "test_support/findings.h"
#include "util/strings.h"

namespace csd::check {
namespace {

using test::dump;
using test::errors;
using test::with_code;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kDir = "/etc/systemd/system/";
const std::string kApp = kDir + "app.service";

Report check(const test::Deployment& d) {
  return run({.contract = d.contract(), .root = Root(d.root())});
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// A value systemd reads differently that trips no other check by accident: an optional
// EnvironmentFile= still reads the contract's file, so only the comparison can see it.
std::string changed(const systemd::Assignment& a) {
  if (a.key == "EnvironmentFile") return "-" + a.value;
  return a.value + "x";
}

bool is_list(const std::string& key) {
  for (const char* k :
       {"ExecStart", "ExecStartPre", "ExecReload", "EnvironmentFile", "Environment", "SystemCallFilter",
        "RestrictAddressFamilies", "CapabilityBoundingSet", "AmbientCapabilities", "After", "Wants",
        "WantedBy", "Documentation", "RuntimeDirectory", "StateDirectory", "ReadWritePaths", "IPAddressDeny",
        "IPAddressAllow", "SystemCallArchitectures"})
    if (key == k) return true;
  return false;
}

TEST(Drift, EveryRenderedKeyChangedDeletedOrOverriddenGivesOneErrorNamingTheFile) {
  test::Deployment d;
  ASSERT_EQ(errors(check(d)).size(), 0u) << dump(check(d));
  int cases = 0;
  for (const std::string unit : {"app.service", "app-watchdog.service", "app-wip-worker.service"}) {
    const std::string path = kDir + unit;
    const std::string original = d.read(path);
    auto parsed = systemd::parse_unit_text(original, path);
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    auto lines = split(original, '\n');
    for (const auto& a : parsed->assignments()) {
      auto idx = static_cast<std::size_t>(a.line - 1);
      std::string label = fmt::format("{}:{} {}={}", unit, a.line, a.key, a.value);

      auto edited = lines;
      edited[idx] = a.key + "=" + changed(a);
      d.write(path, join_lines(edited));
      Report r = check(d);
      auto e = errors(r);
      ASSERT_EQ(e.size(), 1u) << "changed " << label << "\n" << dump(r);
      EXPECT_EQ(e[0].file, path) << "changed " << label;

      edited = lines;
      edited.erase(edited.begin() + static_cast<long>(idx));
      d.write(path, join_lines(edited));
      r = check(d);
      e = errors(r);
      ASSERT_EQ(e.size(), 1u) << "deleted " << label << "\n" << dump(r);
      EXPECT_EQ(e[0].file, path) << "deleted " << label;
      d.write(path, original);

      const std::string dropin = kDir + unit + ".d/50-test.conf";
      std::string body = "[" + a.section + "]\n";
      if (is_list(a.key)) body += a.key + "=\n";
      body += a.key + "=" + changed(a) + "\n";
      d.write(dropin, body);
      r = check(d);
      e = errors(r);
      ASSERT_EQ(e.size(), 1u) << "drop-in " << label << "\n" << dump(r);
      EXPECT_EQ(e[0].file, dropin) << "drop-in " << label;
      EXPECT_THAT(e[0].fix, HasSubstr("remove the drop-in " + dropin)) << label;
      EXPECT_THAT(e[0].fix, Not(HasSubstr("conda-systemd render"))) << label;
      ASSERT_EQ(::unlink(d.dir().at(dropin).c_str()), 0);
      ++cases;
    }
  }
  EXPECT_GT(cases, 100) << "the generated cases must cover every rendered key";
}

TEST(Drift, EveryEnvironmentFileLineChangedOrDeletedGivesOneError) {
  test::Deployment d;
  const std::string path = "/etc/app/runtime.env";
  const std::string original = d.read(path);
  auto lines = split(original, '\n');
  int cases = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty() || lines[i][0] == '#') continue;
    auto edited = lines;
    edited[i] += "x";
    d.write(path, join_lines(edited));
    auto e = errors(check(d));
    ASSERT_EQ(e.size(), 1u) << "changed " << lines[i] << "\n" << dump(check(d));
    EXPECT_EQ(e[0].file, path);
    edited = lines;
    edited.erase(edited.begin() + static_cast<long>(i));
    d.write(path, join_lines(edited));
    e = errors(check(d));
    ASSERT_EQ(e.size(), 1u) << "deleted " << lines[i] << "\n" << dump(check(d));
    EXPECT_EQ(e[0].file, path);
    ++cases;
  }
  d.write(path, original + "EXTRA=1\n");
  auto e = errors(check(d));
  ASSERT_EQ(e.size(), 1u) << dump(check(d));
  EXPECT_EQ(e[0].code, "CSD132");
  EXPECT_GT(cases, 5);
}

// The list at the top of issue 11, each one refused: a hardening key of the app unit weakened in
// place is one error naming the unit's line, what render writes and what is there instead.
TEST(Drift, HardeningWeakenedInPlace) {
  const std::pair<std::string, std::string> edits[] = {
      {"NoNewPrivileges=yes", "NoNewPrivileges=no"},
      {"SystemCallFilter=@system-service", "SystemCallFilter=@system-service @debug"},
  };
  for (const auto& [from, to] : edits) {
    test::Deployment d;
    d.edit(kApp, from, to);
    Report r = check(d);
    auto f = errors(r);
    ASSERT_EQ(f.size(), 1u) << to << "\n" << dump(r);
    EXPECT_EQ(f[0].code, "CSD133");
    EXPECT_EQ(f[0].file, kApp);
    EXPECT_THAT(f[0].message, HasSubstr("hardening weakened"));
    // A key listed more than once shows all its values, the edited one first.
    EXPECT_THAT(f[0].expected, StartsWith(from));
    EXPECT_THAT(f[0].found, StartsWith(to));
    EXPECT_GT(f[0].line, 0);
  }
}

TEST(Drift, DeletedProtectClockAndProtectSystem) {
  test::Deployment d;
  d.edit(kApp, "ProtectClock=yes\n", "");
  d.edit(kApp, "ProtectSystem=strict\n", "");
  auto f = errors(check(d));
  ASSERT_EQ(f.size(), 2u) << dump(check(d));
  for (const auto& x : f) {
    EXPECT_EQ(x.code, "CSD133");
    EXPECT_EQ(x.file, kApp);
    EXPECT_EQ(x.found, "(not set)");
  }
}

TEST(Drift, ExecStartWithOtherWorkersAndBind) {
  test::Deployment d;
  std::string text = d.read(kApp);
  auto pos = text.find("app:create_app()");
  ASSERT_NE(pos, std::string::npos);
  text.insert(pos, "--workers 8 --bind 0.0.0.0:8080 ");
  d.write(kApp, text);
  auto f = errors(check(d));
  ASSERT_EQ(f.size(), 1u) << dump(check(d));
  EXPECT_EQ(f[0].code, "CSD132");
  EXPECT_EQ(f[0].file, kApp);
  EXPECT_THAT(f[0].found, HasSubstr("--workers 8"));
  EXPECT_THAT(f[0].fix, HasSubstr("conda-systemd render"));
}

// A drop-in that changes what render writes: one error a unit it applies to, each naming the
// drop-in, whose removal is the fix (render never writes drop-ins, so rendering again is not).
struct DropInCase {
  std::string name;
  std::string path;
  std::string text;
  std::size_t errors;
  std::string code;
};

class DropInDrift : public ::testing::TestWithParam<DropInCase> {};

TEST_P(DropInDrift, IsFixedByRemovingIt) {
  const DropInCase& c = GetParam();
  test::Deployment d;
  d.write(c.path, c.text);
  Report r = check(d);
  auto f = errors(r);
  ASSERT_EQ(f.size(), c.errors) << dump(r);
  for (const auto& x : f) {
    EXPECT_EQ(x.code, c.code);
    EXPECT_EQ(x.file, c.path);
    EXPECT_THAT(x.fix, HasSubstr("remove the drop-in " + c.path));
    EXPECT_THAT(x.fix, Not(HasSubstr("conda-systemd render")));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Drift, DropInDrift,
    ::testing::Values(DropInCase{.name = "DebugDropInWeakensHardening",
                                 .path = kDir + "app.service.d/50-debug.conf",
                                 .text = "[Service]\nProtectSystem=no\nCapabilityBoundingSet=CAP_SYS_ADMIN\n",
                                 .errors = 2,
                                 .code = "CSD133"},
                      // app, watchdog and worker
                      DropInCase{.name = "TopLevelServiceDropInAppliesToEveryUnit",
                                 .path = "/run/systemd/system/service.d/10-all.conf",
                                 .text = "[Service]\nNoNewPrivileges=no\n",
                                 .errors = 3,
                                 .code = "CSD133"},
                      DropInCase{.name = "DropInSettingThePidFile",
                                 .path = kDir + "app.service.d/pid.conf",
                                 .text = "[Service]\nPIDFile=/run/other.pid\n",
                                 .errors = 1,
                                 .code = "CSD104"}),
    [](const ::testing::TestParamInfo<DropInCase>& info) { return info.param.name; });

TEST(Drift, DropInAddingKeysRenderDoesNotSetIsAcceptedAndListed) {
  test::Deployment d;
  const std::string dropin = "/usr/lib/systemd/system/app.service.d/limits.conf";
  d.write(dropin, "[Service]\nMemoryMax=2G\nNice=5\n[Unit]\nAfter=postgresql.service\n");
  Report r = check(d);
  EXPECT_EQ(r.errors(), 0) << dump(r);
  EXPECT_EQ(r.warnings(), 0) << dump(r);
  auto notes = with_code(r, "CSD140");
  ASSERT_EQ(notes.size(), 3u) << dump(r);
  EXPECT_EQ(notes[0].file, dropin);
  EXPECT_THAT(format_text(r, false, true), HasSubstr("MemoryMax=2G"));
  EXPECT_THAT(format_text(r, false), Not(HasSubstr("MemoryMax")));
}

TEST(Drift, DropInRestatingRendersValueIsAccepted) {
  test::Deployment d;
  d.write(kDir + "app.service.d/same.conf", "[Service]\nNoNewPrivileges=yes\nUser=www-data\n");
  EXPECT_EQ(check(d).errors(), 0) << dump(check(d));
}

TEST(Drift, MaskedDropInAndUnreadableParts) {
  test::Deployment d;
  d.dir().mkdirs(kDir + "app.service.d");
  ASSERT_EQ(::symlink("/dev/null", d.dir().at(kDir + "app.service.d/50-debug.conf").c_str()), 0);
  d.write("/usr/lib/systemd/system/app.service.d/50-debug.conf", "[Service]\nProtectSystem=no\n");
  Report r = check(d);
  EXPECT_EQ(r.errors(), 0) << "a drop-in masked by a link to /dev/null hides the same name below\n"
                           << dump(r);
}

TEST(Drift, AnotherToolVersionAloneNeverRefusesAStart) {
  test::Deployment d;
  for (const std::string unit : {"app.service", "app-watchdog.service", "app-wip-worker.service"})
    d.edit(kDir + unit, "conda-systemd " CSD_VERSION " from", "conda-systemd 99.1.0 from");
  d.edit("/etc/app/runtime.env", "conda-systemd " CSD_VERSION " from", "conda-systemd 99.1.0 from");
  Report r = check(d);
  EXPECT_EQ(r.errors(), 0) << dump(r);
  EXPECT_EQ(r.warnings(), 0) << dump(r);
}

}  // namespace
}  // namespace csd::check
