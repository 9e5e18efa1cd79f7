#include "systemd/environment.h"

#include <gtest/gtest.h>

namespace csd::systemd {
namespace {

SpecifierTable specs() {
  return unit_specifiers(*parse_unit_name("app.service"));
}

TEST(EnvironmentTest, WordsWithQuotingAndSpecifiers) {
  // The example of systemd.exec(5): VAR3 keeps "$word 5 6" literally.
  auto s = parse_environment_value(R"("VAR1=word1 word2" VAR2=word3 "VAR3=$word 5 6" UNIT=%n)", specs(),
                                   "/etc/systemd/system/app.service", 7);
  ASSERT_EQ(s.entries.size(), 4u);
  EXPECT_EQ(s.entries[0], (EnvEntry{"VAR1", "word1 word2", "/etc/systemd/system/app.service", 7}));
  EXPECT_EQ(s.entries[1].value, "word3");
  EXPECT_EQ(s.entries[2].value, "$word 5 6");
  EXPECT_EQ(s.entries[3].value, "app.service");
  ASSERT_EQ(s.issues.size(), 1u);
  EXPECT_EQ(s.issues[0].kind, EnvIssueKind::kVariableReference);
  EXPECT_EQ(s.issues[0].where.line, 7);
}

TEST(EnvironmentTest, EscapesAndEmptyValues) {
  auto s = parse_environment_value(R"(A=a\tb B= "C=" D=\x41 'E=it''s')", specs());
  ASSERT_EQ(s.entries.size(), 5u);
  EXPECT_EQ(s.entries[0].value, "a\tb");
  EXPECT_EQ(s.entries[1].value, "");
  EXPECT_EQ(s.entries[2].value, "");
  EXPECT_EQ(s.entries[3].value, "A");
  EXPECT_EQ(s.entries[4].value, "its");
  EXPECT_TRUE(s.issues.empty());
  EXPECT_TRUE(parse_environment_value("", specs()).entries.empty());
}

TEST(EnvironmentTest, SyntaxErrorDropsTheRestLikeSystemd252) {
  // Verified: systemd 252 logged "Invalid syntax, ignoring" and still set A.
  auto s = parse_environment_value(R"("A=1 2" B=\q C=3)", specs());
  ASSERT_EQ(s.entries.size(), 1u);
  EXPECT_EQ(s.entries[0].value, "1 2");
  ASSERT_EQ(s.issues.size(), 1u);
  EXPECT_EQ(s.issues[0].kind, EnvIssueKind::kInvalidSyntax);
  EXPECT_EQ(s.issues[0].severity, Severity::kError);
  auto unbalanced = parse_environment_value(R"(A=1 "B=2)", specs());
  EXPECT_EQ(unbalanced.entries.size(), 1u);
  EXPECT_EQ(unbalanced.issues.at(0).kind, EnvIssueKind::kInvalidSyntax);
}

TEST(EnvironmentTest, InvalidWordsAreDroppedAlone) {
  auto s = parse_environment_value("GOOD=1 novalue 1BAD=x export=y BAD-NAME=z =v ALSO=%k LAST=2", specs());
  ASSERT_EQ(s.entries.size(), 3u);
  EXPECT_EQ(s.entries[0].name, "GOOD");
  EXPECT_EQ(s.entries[1].name, "export");  // a valid name, oddly enough
  EXPECT_EQ(s.entries[2].name, "LAST");
  int invalid = 0, specifier = 0;
  for (const auto& i : s.issues) {
    invalid += i.kind == EnvIssueKind::kInvalidAssignment;
    specifier += i.kind == EnvIssueKind::kSpecifier;
  }
  EXPECT_EQ(invalid, 4);
  EXPECT_EQ(specifier, 1);
}

TEST(EnvironmentTest, ValidNames) {
  for (const char* ok : {"A", "_", "a_1", "WATCHDOG_PID_FILE"}) EXPECT_TRUE(is_valid_env_name(ok)) << ok;
  for (const char* bad : {"", "1A", "A-B", "A B", "A.B", "\xC3\xA9"})
    EXPECT_FALSE(is_valid_env_name(bad)) << bad;
}

TEST(EnvironmentTest, EnvironmentFileSetting) {
  auto plain = parse_environment_file_setting("/opt/app/.env", specs());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->path, "/opt/app/.env");
  EXPECT_FALSE(plain->optional);
  auto optional = parse_environment_file_setting("-/etc/%N//env", specs());
  ASSERT_TRUE(optional.ok());
  EXPECT_TRUE(optional->optional);
  EXPECT_EQ(optional->path, "/etc/app/env");
  auto relative = parse_environment_file_setting("opt/app/.env", specs());
  ASSERT_FALSE(relative.ok());
  EXPECT_NE(relative.error().message.find("not absolute"), std::string::npos);
  EXPECT_FALSE(parse_environment_file_setting("-", specs()).ok());
  EXPECT_FALSE(parse_environment_file_setting("/opt/../etc/x", specs()).ok());
  EXPECT_FALSE(parse_environment_file_setting("/opt/%k", specs()).ok());
  // The whole value is one path: systemd does not split it at spaces.
  EXPECT_EQ(parse_environment_file_setting("/opt/my app/.env", specs())->path, "/opt/my app/.env");
}

TEST(EnvironmentTest, HostileValuesNeverCrash) {
  std::string junk;
  for (int i = 0; i < 20000; ++i) junk += static_cast<char>((i * 7919 + 5) % 256);
  (void)parse_environment_value(junk, specs());
  auto huge = parse_environment_value("A=" + std::string(10 << 20, 'x'), specs());
  ASSERT_EQ(huge.entries.size(), 1u);
  EXPECT_EQ(huge.entries[0].value.size(), 10u << 20);
  (void)parse_environment_value(std::string(100000, '"'), specs());
  (void)parse_environment_value(std::string(100000, '%'), specs());
  (void)parse_environment_file_setting(junk, specs());
  SUCCEED();
}

}  // namespace
}  // namespace csd::systemd
