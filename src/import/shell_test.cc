#include "import/shell.h"

#include <gtest/gtest.h>

namespace csd::importer {
namespace {

using V = std::vector<std::string>;
using Env = std::map<std::string, std::string>;

// The words of every command, or "ERROR: message".
std::vector<V> run(std::string_view script, const Env& env = {}) {
  auto r = parse_shell(script, env);
  if (!r) return {{"ERROR: " + r.error().message}};
  std::vector<V> out;
  for (const auto& c : r->commands) {
    V words;
    for (const auto& w : c.words) words.push_back(w.text);
    out.push_back(words);
  }
  return out;
}

TEST(ImportShellTest, DashboardWrapperWithDefaults) {
  const char* script =
      R"(exec "${CONDA_BIN:-/opt/miniconda3/bin/conda}" run --no-capture-output -n "${CONDA_ENV_NAME:-mes-dashboard}" )"
      R"sh(gunicorn --config gunicorn.conf.py "mes_dashboard:create_app()")sh";
  EXPECT_EQ(run(script), (std::vector<V>{{"exec", "/opt/miniconda3/bin/conda", "run", "--no-capture-output",
                                          "-n", "mes-dashboard", "gunicorn", "--config", "gunicorn.conf.py",
                                          "mes_dashboard:create_app()"}}));
  // A set variable wins over the default; an empty one does not with ":-".
  EXPECT_EQ(run(script, {{"CONDA_BIN", "/c/bin/conda"}, {"CONDA_ENV_NAME", ""}})[0][1], "/c/bin/conda");
  EXPECT_EQ(run(script, {{"CONDA_ENV_NAME", ""}})[0][5], "mes-dashboard");
  EXPECT_EQ(run("echo ${X-d}", {{"X", ""}}), (std::vector<V>{{"echo"}}));
}

TEST(ImportShellTest, RecordsWhereEachValueCameFrom) {
  auto r = parse_shell(R"(run "${A:-x}" $B)", {{"B", "b"}});
  ASSERT_TRUE(r.ok());
  const auto& w = r->commands[0].words;
  ASSERT_EQ(w[1].expansions.size(), 1u);
  EXPECT_TRUE(w[1].expansions[0].used_default);
  EXPECT_FALSE(w[1].expansions[0].set);
  EXPECT_TRUE(w[2].expansions[0].set);
}

TEST(ImportShellTest, NestedQuotesAndEscapes) {
  EXPECT_EQ(run(R"(a "it's" 'say "hi"' "a\"b\$c\x" x\ y "")"),
            (std::vector<V>{{"a", "it's", "say \"hi\"", "a\"b$c\\x", "x y", ""}}));
  EXPECT_EQ(run(R"(a "${X:-"in ner"}" ${Y:-'lit $Z'})"), (std::vector<V>{{"a", "in ner", "lit $Z"}}));
  EXPECT_EQ(run(R"(a "${X:-${Y:-deep}}")"), (std::vector<V>{{"a", "deep"}}));
}

TEST(ImportShellTest, UnquotedExpansionsSplitQuotedOnesDoNot) {
  Env env = {{"U", "redis://h:1/0"}, {"S", "a b"}, {"E", ""}};
  EXPECT_EQ(run("rq --url $U x$S\"y\" $E \"$E\"", env),
            (std::vector<V>{{"rq", "--url", "redis://h:1/0", "xa", "by", ""}}));
}

TEST(ImportShellTest, CommandsAndExportsApplyInOrder) {
  auto r =
      parse_shell("set -e; export CONDA_ENV_NAME=other && A=1 cd /opt/x\nexec run -n $CONDA_ENV_NAME", {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->commands.size(), 4u);
  EXPECT_EQ(r->commands[2].assignments, (std::vector<std::pair<std::string, std::string>>{{"A", "1"}}));
  EXPECT_EQ(r->commands[3].words.back().text, "other");
  EXPECT_EQ(r->exported.at("CONDA_ENV_NAME"), "other");
}

TEST(ImportShellTest, CommandSubstitutionIsKeptRaw) {
  auto r = parse_shell(R"sh(eval "$(/opt/miniconda3/bin/conda shell.bash hook)")sh", {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->commands[0].words[1].command_substitution);
  EXPECT_EQ(r->commands[0].words[1].text, "/opt/miniconda3/bin/conda shell.bash hook");
}

TEST(ImportShellTest, WhatCannotBeKnownIsAnError) {
  for (const char* bad : {"a | b", "a > log", "a &", "if true; then a; fi", "a *.py", "(a)", "echo $1",
                          "echo ${#X}", "echo ${X%.py}", "echo 'open", "echo \"open", "echo ${X:?missing}",
                          "a {x,y}", "cd ~/x", "echo $((1+2))", "; a"}) {
    auto r = parse_shell(bad, {});
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_FALSE(r.error().message.empty());
      EXPECT_GT(r.error().column, 0) << bad;
    }
  }
  EXPECT_FALSE(parse_shell(std::string_view("a\0b", 3), {}).ok());
}

TEST(ImportShellTest, CommentsAndContinuations) {
  EXPECT_EQ(run("a \\\n b # c d\ne"), (std::vector<V>{{"a", "b"}, {"e"}}));
  EXPECT_EQ(run("a#b"), (std::vector<V>{{"a#b"}}));
}

}  // namespace
}  // namespace csd::importer
