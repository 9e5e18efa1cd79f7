#include "systemd/env_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "test_support/temp_dir.h"

namespace csd::systemd {
namespace {

EnvFile parse(std::string_view text) {
  auto r = parse_env_file_text(text, "/opt/app/.env");
  EXPECT_TRUE(r.ok()) << (r ? "" : r.error().to_string());
  return r ? *r : EnvFile{};
}

std::vector<std::pair<std::string, std::string>> pairs(const EnvFile& f) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : f.entries) out.emplace_back(e.name, e.value);
  return out;
}

// The issues of one kind, as "line:code".
std::vector<std::string> issues(const EnvFile& f) {
  std::vector<std::string> out;
  for (const auto& i : f.issues) out.push_back(std::to_string(i.where.line) + ":" + env_issue_code(i.kind));
  return out;
}

using P = std::vector<std::pair<std::string, std::string>>;
using V = std::vector<std::string>;

TEST(EnvFileTest, ValuesAsSystemd252ReadsThem) {
  // Each expected value was checked against systemd 252's own parser (through
  // systemd-environment-d-generator, which shares parse_env_file_internal()).
  EnvFile f = parse(
      "A=1 # not a comment\n"
      "B=\"x y\" z\n"
      "  C = spaced  \n"
      "G=a\\\nb\n"
      "H=\"q\\\"q\\$\\x\\`\"\n"
      "I='multi\nline'\n"
      "; semi\n"
      "M=x \"y\" z\n"
      "N=  lead\n"
      "O=trail\\ \n"
      "P=a\"b\"\n"
      "Q=\"a\"\"b\"'c'\n"
      "R=\\\"x\\\"\n"
      "S=\n"
      " T=\t\n"
      "U=\"esc\\\nnl\"\n"
      "V=a\\\\\n"
      "W=\xC3\xA9\n"
      "Y=last");
  EXPECT_EQ(pairs(f), (P{{"A", "1 # not a comment"},
                         {"B", "x yz"},
                         {"C", "spaced"},
                         {"G", "ab"},
                         {"H", "q\"q$\\x`"},
                         {"I", "multi\nline"},
                         {"M", "x \"y\" z"},
                         {"N", "lead"},
                         {"O", "trail "},
                         {"P", "a\"b\""},
                         {"Q", "abc"},
                         {"R", "\"x\""},
                         {"S", ""},
                         {"T", ""},
                         {"U", "escnl"},
                         {"V", "a\\"},
                         {"W", "\xC3\xA9"},
                         {"Y", "last"}}));
  // Lines are where each entry starts, counting every physical line.
  EXPECT_EQ(f.entries[3].line, 4);   // G
  EXPECT_EQ(f.entries[6].line, 10);  // M, after the two-line G and I
  EXPECT_EQ(f.entries.back().line, 22);
}

TEST(EnvFileTest, FlagsWhereAShellDisagrees) {
  EnvFile f = parse(
      "A=1 # not a comment\n"  // 1
      "B=\"x y\" z\n"          // 2
      "C = spaced\n"           // 3
      "export D=1\n"           // 4
      "E=$HOME/x\n"            // 5
      "F=\"${HOME}\"\n"        // 6
      "G='$HOME'\n"            // 7
      "H=x \"y\"\n"            // 8
      "I=two words\n"          // 9
      "J\n"                    // 10
      "1X=bad\n"               // 11
      "K= v\n"                 // 12
      "L=\"a\"\"b\"\n"         // 13 (adjacent quotes: a shell agrees)
      "M=price\\ 5\n");        // 14 (escaped space: a shell agrees)
  EXPECT_EQ(issues(f), (V{"1:env-inline-comment", "2:env-text-after-quote", "3:env-space-around-equals",
                          "4:env-export-prefix", "5:env-variable-reference", "6:env-variable-reference",
                          "8:env-unquoted-whitespace", "8:env-literal-quotes", "9:env-unquoted-whitespace",
                          "10:env-no-equals", "11:env-invalid-assignment", "12:env-space-around-equals"}));
  // "export D" and "1X" are not exported, as systemd drops invalid names.
  auto vars = f.variables();
  EXPECT_EQ(vars.count("D"), 0u);
  EXPECT_EQ(vars.count("export D"), 0u);
  EXPECT_EQ(vars.at("E"), "$HOME/x");
  EXPECT_EQ(vars.at("G"), "$HOME");
  EXPECT_EQ(vars.at("L"), "ab");
  EXPECT_EQ(vars.at("M"), "price 5");
  const EnvIssue& inline_comment = f.issues[0];
  EXPECT_EQ(inline_comment.severity, Severity::kError);
  EXPECT_EQ(inline_comment.where.file, "/opt/app/.env");
  EXPECT_NE(inline_comment.where.message.find("1 # not a comment"), std::string::npos);
  EXPECT_FALSE(inline_comment.where.hint.empty());
}

TEST(EnvFileTest, CommentEndingInBackslashSwallowsTheNextLineIn252) {
  EnvFile f = parse("# note \\\nSWALLOWED=1\nKEPT=2\n# escaped \\\\\nALSO=3\n#c \\\n# harmless\nZ=4\n");
  EXPECT_EQ(pairs(f), (P{{"KEPT", "2"}, {"ALSO", "3"}, {"Z", "4"}}));
  EXPECT_EQ(issues(f), (V{"2:env-comment-continuation"}));
}

TEST(EnvFileTest, UnbalancedQuoteTakesTheRestOfTheFile) {
  EnvFile f = parse("A=1\nB=\"open\nC=3\n");
  EXPECT_EQ(pairs(f), (P{{"A", "1"}, {"B", "open\nC=3\n"}}));
  EXPECT_EQ(issues(f), (V{"2:env-unbalanced-quote"}));
  EXPECT_EQ(f.issues[0].severity, Severity::kError);
  EXPECT_EQ(issues(parse("X='never")), (V{"1:env-unbalanced-quote"}));
}

TEST(EnvFileTest, LaterAssignmentsWin) {
  EnvFile f = parse("A=1\nA=2\n");
  EXPECT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.variables().at("A"), "2");
}

TEST(EnvFileTest, CrLfLineEnds) {
  EnvFile f = parse("A=1\r\nB=\"two\"\r\n# c\r\nC=3\r\n");
  EXPECT_EQ(pairs(f), (P{{"A", "1"}, {"B", "two"}, {"C", "3"}}));
  EXPECT_EQ(f.entries[2].line, 4);
  EXPECT_EQ(issues(f), (V{"1:env-carriage-return"}));
}

TEST(EnvFileTest, EmptyAndCommentOnly) {
  EXPECT_TRUE(parse("").entries.empty());
  EXPECT_TRUE(parse("\n\n  \n").entries.empty());
  EnvFile c = parse("# one\n; two\n   # three\n");
  EXPECT_TRUE(c.entries.empty());
  EXPECT_TRUE(c.issues.empty());
}

TEST(EnvFileTest, BinaryInput) {
  auto nul = parse_env_file_text(std::string("A=1\nB=x\0y\n", 10), "/e");
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error().line, 2);
  EXPECT_NE(nul.error().message.find("binary file?"), std::string::npos);
  EnvFile latin1 = parse("A=caf\xe9\n");
  EXPECT_TRUE(latin1.entries.empty());
  EXPECT_EQ(issues(latin1), (V{"1:env-invalid-utf8"}));
  std::string junk;
  for (int i = 0; i < 65536; ++i) junk += static_cast<char>(1 + (i * 7919 + 3) % 255);
  auto r = parse_env_file_text(junk, "/junk");
  EXPECT_TRUE(r.ok());
}

TEST(EnvFileTest, HugeLineIsParsedWithoutTrouble) {
  std::string text = "A=" + std::string(10 << 20, 'x') + "\nB=2\n";
  EnvFile f = parse(text);
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].value.size(), 10u << 20);
}

class EnvFileReadTest : public ::testing::Test {
 protected:
  test::TempDir dir_;
  Root root() const { return Root(dir_.path()); }
};

TEST_F(EnvFileReadTest, ReadsThroughSymlinksAndNamesTheDeploymentPath) {
  dir_.write("/opt/app/real.env", "A=1\n");
  ASSERT_EQ(::symlink("real.env", dir_.at("/opt/app/.env").c_str()), 0);
  auto files = load_environment_file(root(), EnvironmentFileRef{"/opt/app/.env", false});
  ASSERT_TRUE(files.ok()) << files.error().to_string();
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].path, "/opt/app/.env");
  EXPECT_EQ((*files)[0].entries.at(0).file, "/opt/app/.env");
  EXPECT_EQ((*files)[0].variables().at("A"), "1");
}

TEST_F(EnvFileReadTest, MissingRequiredAndOptional) {
  auto required = load_environment_file(root(), EnvironmentFileRef{"/opt/app/missing.env", false});
  ASSERT_FALSE(required.ok());
  EXPECT_EQ(required.error().file, "/opt/app/missing.env");
  EXPECT_NE(required.error().message.find("no such file"), std::string::npos);
  auto optional = load_environment_file(root(), EnvironmentFileRef{"/opt/app/missing.env", true});
  ASSERT_TRUE(optional.ok());
  EXPECT_TRUE(optional->empty());
}

TEST_F(EnvFileReadTest, GlobsInSortedOrder) {
  dir_.write("/etc/app/b.env", "X=b\n");
  dir_.write("/etc/app/a.env", "X=a\n");
  auto files = load_environment_file(root(), EnvironmentFileRef{"/etc/app/*.env", false});
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, "/etc/app/a.env");
  EXPECT_EQ((*files)[1].path, "/etc/app/b.env");
  EXPECT_FALSE(load_environment_file(root(), EnvironmentFileRef{"/etc/none/*.env", false}).ok());
  EXPECT_TRUE(load_environment_file(root(), EnvironmentFileRef{"/etc/none/*.env", true})->empty());
}

TEST_F(EnvFileReadTest, HostileFiles) {
  dir_.mkdirs("/e/dir.env");
  ASSERT_EQ(::mkfifo(dir_.at("/e/fifo.env").c_str(), 0600), 0);
  ASSERT_EQ(::symlink("loop2.env", dir_.at("/e/loop1.env").c_str()), 0);
  ASSERT_EQ(::symlink("loop1.env", dir_.at("/e/loop2.env").c_str()), 0);
  dir_.write("/e/big.env", "A=" + std::string(10 << 20, 'x') + "\n");
  dir_.write("/e/empty.env", "");
  dir_.write("/e/comments.env", "# a\n; b\n");
  dir_.write("/e/crlf.env", "A=1\r\n");
  auto expect_error = [&](const char* path, const char* words) {
    auto r = load_environment_file(root(), EnvironmentFileRef{path, false});
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().to_string();
    EXPECT_EQ(r.error().file, path);
    // Optional: systemd skips it silently; we keep a note of why.
    auto opt = load_environment_file(root(), EnvironmentFileRef{path, true});
    ASSERT_TRUE(opt.ok()) << path;
    ASSERT_EQ(opt->size(), 1u) << path;
    ASSERT_EQ((*opt)[0].issues.size(), 1u);
    EXPECT_EQ((*opt)[0].issues[0].kind, EnvIssueKind::kUnreadable);
  };
  expect_error("/e/dir.env", "directory");
  expect_error("/e/fifo.env", "FIFO");  // must not block
  expect_error("/e/loop1.env", "loop");
  expect_error("/e/big.env", "bytes");
  for (const char* ok : {"/e/empty.env", "/e/comments.env", "/e/crlf.env"}) {
    auto r = load_environment_file(root(), EnvironmentFileRef{ok, false});
    ASSERT_TRUE(r.ok()) << ok;
  }
  EXPECT_EQ(read_env_file(dir_.at("/e/crlf.env"))->variables().at("A"), "1");
}

}  // namespace
}  // namespace csd::systemd
