#include "systemd/exec_line.h"

#include <gtest/gtest.h>

namespace csd::systemd {
namespace {

using V = std::vector<std::string>;

SpecifierTable specs() {
  return unit_specifiers(*parse_unit_name("web@blue.service"));
}

ExecCommand one(std::string_view value) {
  auto r = parse_exec_line(value, specs());
  EXPECT_TRUE(r.ok()) << value << ": " << (r ? "" : r.error().message);
  if (!r || r->size() != 1) {
    ADD_FAILURE() << "expected one command from " << value;
    return {};
  }
  return r->front();
}

std::string error_of(std::string_view value) {
  auto r = parse_exec_line(value, specs());
  EXPECT_FALSE(r.ok()) << value;
  return r ? "" : r.error().message;
}

TEST(ExecLineTest, PlainCommand) {
  ExecCommand c = one("/opt/env/bin/gunicorn --pid /run/app/gunicorn.pid app:create_app()");
  EXPECT_EQ(c.path, "/opt/env/bin/gunicorn");
  EXPECT_EQ(c.argv, (V{"/opt/env/bin/gunicorn", "--pid", "/run/app/gunicorn.pid", "app:create_app()"}));
  EXPECT_EQ(c.prefixes, ExecPrefixes{});
  EXPECT_TRUE(c.env_refs.empty());
  EXPECT_TRUE(c.warnings.empty());
}

TEST(ExecLineTest, EmptyValueIsAReset) {
  auto r = parse_exec_line("", specs());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  EXPECT_TRUE(parse_exec_line("   ", specs())->empty());
}

TEST(ExecLineTest, Prefixes) {
  ExecCommand c = one("-@/bin/sh mysh -c true");
  EXPECT_TRUE(c.prefixes.ignore_failure);
  EXPECT_TRUE(c.prefixes.argv0);
  EXPECT_EQ(c.path, "/bin/sh");
  EXPECT_EQ(c.argv, (V{"mysh", "-c", "true"}));
  EXPECT_EQ(c.prefixes.to_string(), "-@");

  EXPECT_TRUE(one(":/bin/echo $X").prefixes.no_env_expand);
  EXPECT_TRUE(one("+/bin/true").prefixes.full_privileges);
  EXPECT_TRUE(one("!/bin/true").prefixes.no_setuid);
  ExecCommand amb = one("!!/bin/true");
  EXPECT_TRUE(amb.prefixes.ambient);
  EXPECT_FALSE(amb.prefixes.no_setuid);
  EXPECT_TRUE(one("!-!/bin/true").prefixes.ambient);  // order is free, as in systemd 252
  // Prefixes are read after unquoting: systemd 252 ran "-/bin/quoted" with the - prefix.
  ExecCommand quoted = one("\"-/bin/quoted\" '-'");
  EXPECT_TRUE(quoted.prefixes.ignore_failure);
  EXPECT_EQ(quoted.argv, (V{"/bin/quoted", "-"}));
}

TEST(ExecLineTest, InvalidPrefixCombinations) {
  // Verified: "!!+/bin/x" is "Neither a valid executable name nor an absolute path: +/bin/x".
  EXPECT_NE(error_of("!!+/bin/x").find("neither an absolute path"), std::string::npos);
  EXPECT_NE(error_of("+!/bin/x").find("neither an absolute path"), std::string::npos);
  EXPECT_NE(error_of("--/bin/x").find("neither an absolute path"), std::string::npos);
  EXPECT_NE(error_of("-").find("empty executable"), std::string::npos);
  EXPECT_NE(error_of("@/bin/true").find("argv[0]"), std::string::npos);
}

TEST(ExecLineTest, ExecutablePaths) {
  EXPECT_EQ(one("true").path, "true");  // a bare name: systemd searches its fixed PATH
  ExecCommand c = one("//usr/./bin//env arg");
  EXPECT_EQ(c.path, "/usr/bin/env");
  EXPECT_EQ(c.argv[0], "//usr/./bin//env");  // argv[0] stays as written, as systemd shows it
  EXPECT_NE(error_of("bin/relative arg").find("neither an absolute path"), std::string::npos);
  EXPECT_NE(error_of("/usr/bin/ x").find("directory"), std::string::npos);
  EXPECT_NE(error_of("'/bin/a\"b'").find("quotes"), std::string::npos);
  EXPECT_NE(error_of("/" + std::string(300, 'a')).find("neither"), std::string::npos);
}

TEST(ExecLineTest, QuotingAndEscapesAsSystemd252) {
  // The exact line was run through systemd 252; it printed:
  //   /bin/echo "aAAé\\q " "single\n" "middle quoted" ";" ";" "\\;" "x\\;y" "a;b"
  ExecCommand c = one(R"(/bin/echo "a\x41\101\u00e9\q\s" 'single\n' mid"dle quo"ted \; ";" \\; x\\;y a;b)");
  EXPECT_EQ(c.argv, (V{"/bin/echo", "aAA\xC3\xA9\\q ", "single\n", "middle quoted", ";", ";", "\\;", "x\\;y",
                       "a;b"}));
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("unknown escape"), std::string::npos);
  EXPECT_EQ(one(R"(/bin/echo x\x00y)").argv[1], "x\\x00y");
  EXPECT_EQ(one(R"(/bin/echo end\)").argv[1], "end\\");  // a trailing backslash is kept, with a warning
}

TEST(ExecLineTest, UnbalancedQuotesAreErrors) {
  EXPECT_NE(error_of(R"(/bin/echo "x y)").find("unbalanced"), std::string::npos);
  EXPECT_NE(error_of(R"(/bin/echo 'x)").find("unbalanced"), std::string::npos);
  EXPECT_NE(error_of(R"("/bin/echo)").find("unbalanced"), std::string::npos);
  EXPECT_NE(error_of(R"(/bin/echo "x\)").find("unbalanced"), std::string::npos);
}

TEST(ExecLineTest, SemicolonSeparatesCommands) {
  auto r = parse_exec_line("\";\" /bin/true ; /bin/false x ;", specs());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].argv, (V{"/bin/true"}));
  EXPECT_EQ((*r)[1].argv, (V{"/bin/false", "x"}));
  auto s = parse_exec_line("/bin/a x;y \\; ';'", specs());
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].argv, (V{"/bin/a", "x;y", ";", ";"}));
}

TEST(ExecLineTest, Specifiers) {
  ExecCommand c = one("/opt/%p/bin/run --name=%n --id %i --unesc %I --pct 100%% --rt %t/%N");
  EXPECT_EQ(c.path, "/opt/web/bin/run");
  EXPECT_EQ(c.argv, (V{"/opt/web/bin/run", "--name=web@blue.service", "--id", "blue", "--unesc", "blue",
                       "--pct", "100%", "--rt", "/run/web@blue"}));
  // Specifiers are expanded after unquoting, so an escaped percent still is one.
  EXPECT_EQ(one(R"(/bin/echo \x25n)").argv[1], "web@blue.service");
  EXPECT_NE(error_of("/bin/echo %k").find("unknown specifier"), std::string::npos);
  EXPECT_NE(error_of("/bin/%z").find("unknown specifier"), std::string::npos);
}

TEST(ExecLineTest, EnvironmentReferences) {
  ExecCommand c = one("/bin/kill -HUP $MAINPID ${SIG}x $$ a$$b ${A:-b} pre$X $X/y");
  EXPECT_EQ(c.argv,
            (V{"/bin/kill", "-HUP", "$MAINPID", "${SIG}x", "$$", "a$$b", "${A:-b}", "pre$X", "$X/y"}));
  EXPECT_EQ(c.env_refs, (V{"MAINPID", "SIG"}));
  ASSERT_EQ(c.warnings.size(), 3u);
  EXPECT_NE(c.warnings[0].find("stays literal"), std::string::npos);
  EXPECT_NE(c.warnings[1].find("not expanded"), std::string::npos);
  EXPECT_NE(c.warnings[2].find("argument disappears"), std::string::npos);
  EXPECT_TRUE(one(":/bin/echo $X").env_refs.empty());
}

TEST(ExecLineTest, AWordWarnsOnceOfEachKindHoweverOftenItRepeats) {
  // Each warning quotes the word: one per "${A:-" made memory grow with the square of the word
  // (10,000 of them: 600 MB in `import`).
  std::string word;
  for (int i = 0; i < 10000; ++i) word += "${A:-$B";
  ExecCommand c = one("/bin/echo " + word);
  ASSERT_EQ(c.warnings.size(), 2u);
  EXPECT_NE(c.warnings[0].find("stays literal"), std::string::npos);
  EXPECT_NE(c.warnings[1].find("not expanded"), std::string::npos);
  EXPECT_EQ(one("/bin/echo x${${${").warnings.size(), 1u);
}

TEST(ExecLineTest, ExpandEnvironmentLikeReplaceEnvArgv) {
  std::map<std::string, std::string> env = {{"MAINPID", "42"}, {"OPTS", "-a  'b c' \"d\\\"e\""}, {"E", ""}};
  EXPECT_EQ(
      expand_exec_environment({"/bin/kill", "$MAINPID", "pid=${MAINPID}", "$$MAINPID", "a$$b", "$OPTS",
                               "$UNSET", "${UNSET}", "$E", "x${A:-1}", "$MAINPID/x", "${MAINPID"},
                              env),
      (V{"/bin/kill", "42", "pid=42", "$MAINPID", "a$b", "-a", "b c", "d\"e", "", "x${A:-1}", "${MAINPID"}));
}

TEST(ExecLineTest, QuoteExecArgRoundTrips) {
  const V samples = {"plain",       "",     "two words", "100%", "%n", "$MAINPID",   "${X}",
                     ";",           "\\;",  "a;b",       "-x",   "@x", "it's \"q\"", "tab\tnl\n",
                     "caf\xC3\xA9", "\xff", "back\\",    "#",    "'"};
  std::string line = "/bin/echo";
  for (const auto& s : samples) line += " " + quote_exec_arg(s);
  ExecCommand c = one(line);
  V expected = {"/bin/echo"};
  expected.insert(expected.end(), samples.begin(), samples.end());
  EXPECT_EQ(c.argv, expected);
  EXPECT_TRUE(c.warnings.size() <= 1u);  // "${X}" is fine; nothing else may warn but "$MAINPID"-like words
}

TEST(ExecLineTest, QuoteExecLiteralSurvivesExpansion) {
  const V samples = {"$MAINPID", "${X}", "$$", "a$b", "$", "price: 5$", "%i $i"};
  std::string line = "/bin/echo";
  for (const auto& s : samples) line += " " + quote_exec_literal(s);
  ExecCommand c = one(line);
  V expected = {"/bin/echo"};
  expected.insert(expected.end(), samples.begin(), samples.end());
  EXPECT_EQ(expand_exec_environment(c.argv, {{"MAINPID", "1"}, {"X", "2"}, {"i", "3"}}), expected);
}

TEST(ExecLineTest, FormatRoundTrips) {
  for (const char* text : {"/opt/env/bin/gunicorn --pid /run/x.pid 'app:create_app()'",
                           "-@/bin/sh argv0 -c \"echo $$HOME; exit 0\"", "!!:/usr/bin/env \"a b\" \\; c%%d",
                           "+/bin/kill -HUP $MAINPID", "'/opt/my env/bin/python' -m x", "true"}) {
    ExecCommand c = one(text);
    auto formatted = format_exec_command(c);
    ASSERT_TRUE(formatted.ok()) << text << ": " << formatted.error().message;
    ExecCommand again = one(*formatted);
    EXPECT_EQ(again.prefixes, c.prefixes) << *formatted;
    EXPECT_EQ(again.path, c.path) << *formatted;
    EXPECT_EQ(again.argv, c.argv) << *formatted;
  }
}

TEST(ExecLineTest, FormatRefusesWhatCannotBeWritten) {
  ExecCommand c;
  c.path = "-relative";
  c.argv = {"-relative"};
  EXPECT_FALSE(format_exec_command(c).ok());
  c.path = "/bin/x";
  c.argv = {"other"};
  EXPECT_FALSE(format_exec_command(c).ok());  // argv[0] differs without "@"
  c.argv = {};
  EXPECT_FALSE(format_exec_command(c).ok());
  c.path = "/bin/a\"b";
  c.argv = {c.path};
  EXPECT_FALSE(format_exec_command(c).ok());
}

TEST(ExecLineTest, HostileInputNeverCrashes) {
  std::string junk;
  for (int i = 0; i < 20000; ++i) junk += static_cast<char>((i * 7919 + 13) % 256);
  (void)parse_exec_line(junk, specs());
  (void)parse_exec_line("/bin/x " + std::string(10 << 20, 'a'), specs());
  (void)parse_exec_line(std::string(100000, ';'), specs());
  (void)parse_exec_line(std::string(100000, '%'), specs());
  (void)parse_exec_line(std::string(100000, '\\'), specs());
  (void)parse_exec_line(std::string(100000, '"'), specs());
  SUCCEED();
}

}  // namespace
}  // namespace csd::systemd
