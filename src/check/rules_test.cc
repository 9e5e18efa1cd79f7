// The rules check and import share (check/rules.h), with the answers to where the two disagreed.
#include "check/rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "systemd/environment.h"
#include "test_support/temp_dir.h"

namespace csd::check {
namespace {

using ::testing::HasSubstr;

systemd::UnitConfig load(const test::TempDir& dir, const std::string& name, const std::string& text) {
  dir.write("/etc/systemd/system/" + name, text);
  auto u = systemd::load_unit(Root(dir.path()), name);
  if (!u) throw std::runtime_error(u.error().to_string());
  return *u;
}

TEST(Rules, RuntimeDirectoryPreserveRestartStillDeletesOnStop) {
  test::TempDir dir;
  auto a = load(dir, "a.service", "[Service]\nRuntimeDirectory=app\nRuntimeDirectoryPreserve=restart\n");
  auto b = load(dir, "b.service", "[Service]\nRuntimeDirectory=app\nRuntimeDirectoryPreserve=yes\n");
  auto f = rule_shared_runtime_dirs({&a, &b});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].code, "CSD109");
  EXPECT_EQ(f[0].unit, "a.service");
  EXPECT_EQ(f[0].found, "RuntimeDirectoryPreserve=restart");
  EXPECT_EQ(f[0].line, 3);
}

TEST(Rules, CacheAndLogsDirectoriesAreWritable) {
  test::TempDir dir;
  auto u = load(dir, "a.service", "[Service]\nProtectSystem=strict\nCacheDirectory=app\nLogsDirectory=app\n");
  EXPECT_TRUE(rule_writable_paths(u, {{"/var/cache/app/x", "k"}, {"/var/log/app/y", "k"}}).empty());
}

TEST(Rules, TmpIsWritableUnderStrictOnlyWithPrivateTmp) {
  test::TempDir dir;
  auto shared = load(dir, "a.service", "[Service]\nProtectSystem=strict\n");
  auto f = rule_writable_paths(shared, {{"/tmp/app/pid", "paths.pid_file"}, {"/dev/shm/x", "k"}});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_THAT(f[0].message, HasSubstr("/tmp/app/pid (paths.pid_file)"));
  EXPECT_THAT(f[0].message, ::testing::Not(HasSubstr("/dev/shm")));
  auto private_tmp = load(dir, "b.service", "[Service]\nProtectSystem=strict\nPrivateTmp=yes\n");
  EXPECT_TRUE(rule_writable_paths(private_tmp, {{"/tmp/app/pid", "k"}}).empty());
}

TEST(Rules, EnvironmentLineKeepsTheSeverityOfItsIssue) {
  auto bad = systemd::parse_environment_value("\"A=1", {}, "/x.service", 7);
  ASSERT_FALSE(bad.issues.empty());
  Finding f = rule_env_issue(bad.issues[0], "/x.service", 7);
  EXPECT_EQ(f.code, "CSD111");
  EXPECT_EQ(f.line, 7);
  EXPECT_EQ(f.severity,
            bad.issues[0].severity == systemd::Severity::kError ? Severity::kError : Severity::kWarning);
  EXPECT_EQ(f.severity, Severity::kError)
      << "bad quoting drops the rest of the value: an error, in check and import";
}

}  // namespace
}  // namespace csd::check
