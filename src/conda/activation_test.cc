#include "conda/activation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "test_support/temp_dir.h"
#include "util/file.h"

namespace csd::conda {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// A conda layout made by hand: enough for everything but running a program from it.
class ActivationEnv : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::string root = tmp.path() + "/miniconda3";
  std::string prefix = root + "/envs/app";

  void SetUp() override {
    tmp.write("/miniconda3/conda-meta/history", "==> 2026-11-01 10:00:00 <==\n");
    tmp.write("/miniconda3/bin/conda", "#!/bin/sh\nexit 1\n", 0755);
    tmp.write("/miniconda3/envs/app/conda-meta/history", "==> 2026-11-01 10:00:00 <==\n");
    tmp.mkdirs("/miniconda3/envs/app/bin");
    tmp.mkdirs("/miniconda3/envs/app/etc/conda/activate.d");
  }
  void script(const std::string& name, const std::string& text) {
    tmp.write("/miniconda3/envs/app/etc/conda/activate.d/" + name, text);
  }
  std::string script_path(const std::string& name) const { return prefix + "/etc/conda/activate.d/" + name; }
};

TEST(ActivationEnvironment, FromEnvironFirstWinsAndSkipsJunk) {
  const char* envp[] = {"A=1", "B=x=y", "A=2", "NOEQUALS", "=bad", "EMPTY=", nullptr};
  Environment env = environment_from(envp);
  EXPECT_EQ(env, (Environment{{"A", "1"}, {"B", "x=y"}, {"EMPTY", ""}}));
  EXPECT_THAT(environment_strings(env), ElementsAre("A=1", "B=x=y", "EMPTY="));
}

TEST(ActivationPath, NormalizesLexically) {
  EXPECT_EQ(normalize_path("/opt//envs/./x/", "/"), "/opt/envs/x");
  EXPECT_EQ(normalize_path("envs/../x", "/opt"), "/opt/x");
  EXPECT_EQ(normalize_path("../../..", "/a"), "/");
  EXPECT_TRUE(is_shell_name("_A1"));
  EXPECT_FALSE(is_shell_name("1A"));
  EXPECT_FALSE(is_shell_name("a.b"));
  EXPECT_FALSE(is_shell_name(""));
}

TEST_F(ActivationEnv, CondaVariablesOfANamedEnvironment) {
  Environment inherited{
      {"PATH", "/usr/bin:/bin"}, {"HOME", "/root"}, {"_CE_M", "-m"}, {"_CE_CONDA", "conda"}};
  std::vector<std::string> warnings;
  Environment env = apply_conda_variables(inherited, {prefix, root, {}}, warnings);
  EXPECT_EQ(env["PATH"], prefix + "/bin:" + root + "/condabin:/usr/bin:/bin");
  EXPECT_EQ(env["CONDA_PREFIX"], prefix);
  EXPECT_EQ(env["CONDA_SHLVL"], "1");
  EXPECT_EQ(env["CONDA_DEFAULT_ENV"], "app");
  EXPECT_EQ(env["CONDA_PROMPT_MODIFIER"], "(app) ");
  EXPECT_EQ(env["CONDA_EXE"], root + "/bin/conda");
  EXPECT_EQ(env.count("CONDA_PYTHON_EXE"), 0u) << "the installation has no bin/python";
  EXPECT_EQ(env.count("_CE_M"), 0u);
  EXPECT_EQ(env.count("_CE_CONDA"), 0u);
  EXPECT_EQ(env["HOME"], "/root");
  EXPECT_THAT(warnings, IsEmpty());
}

TEST_F(ActivationEnv, PrefixOutsideEnvsDirIsNamedByItsPathAndRootAsBase) {
  std::vector<std::string> warnings;
  Environment by_path =
      apply_conda_variables({{"PATH", "/usr/bin"}}, {"/srv/envs-2026/app", "", {}}, warnings);
  EXPECT_EQ(by_path["CONDA_DEFAULT_ENV"], "/srv/envs-2026/app");
  EXPECT_EQ(by_path["PATH"], "/srv/envs-2026/app/bin:/usr/bin") << "no installation known, no condabin";
  EXPECT_EQ(by_path.count("CONDA_EXE"), 0u);
  Environment base = apply_conda_variables({{"PATH", "/usr/bin"}}, {root, root, {}}, warnings);
  EXPECT_EQ(base["CONDA_DEFAULT_ENV"], "base");
  EXPECT_EQ(base["CONDA_PROMPT_MODIFIER"], "(base) ");
}

TEST_F(ActivationEnv, CondabinOnlyWhenPathHasNone) {
  std::vector<std::string> warnings;
  Environment env =
      apply_conda_variables({{"PATH", "/opt/other/condabin:/usr/bin"}}, {prefix, root, {}}, warnings);
  EXPECT_EQ(env["PATH"], prefix + "/bin:/opt/other/condabin:/usr/bin");
  Environment no_path = apply_conda_variables({}, {prefix, "", {}}, warnings);
  EXPECT_EQ(no_path["PATH"], prefix + "/bin:/usr/bin") << "conda starts from /usr/bin when PATH is unset";
}

TEST_F(ActivationEnv, PreviousActivationIsReplacedNotStacked) {
  Environment inherited{{"PATH", "/old/env/bin:/older/bin/:/usr/bin"},
                        {"CONDA_PREFIX", "/old/env"},
                        {"CONDA_SHLVL", "2"},
                        {"CONDA_PREFIX_1", "/older"},
                        {"CONDA_STACKED_2", "true"},
                        {"CONDA_DEFAULT_ENV", "env"}};
  std::vector<std::string> warnings;
  Environment env = apply_conda_variables(inherited, {prefix, "", {}}, warnings);
  EXPECT_EQ(env["PATH"], prefix + "/bin:/usr/bin");
  EXPECT_EQ(env["CONDA_SHLVL"], "1");
  EXPECT_EQ(env["CONDA_DEFAULT_ENV"], "app");
  EXPECT_EQ(env.count("CONDA_PREFIX_1"), 0u);
  EXPECT_EQ(env.count("CONDA_STACKED_2"), 0u);
}

TEST_F(ActivationEnv, PrefixWithoutALevelIsNoActivation) {
  // Container images often set CONDA_PREFIX and PATH themselves; conda, with no CONDA_SHLVL, only
  // prepends.
  Environment inherited{
      {"PATH", "/opt/conda/bin:/usr/bin"}, {"CONDA_PREFIX", "/opt/conda"}, {"CONDA_PREFIX_FOO", "kept"}};
  std::vector<std::string> warnings;
  Environment env = apply_conda_variables(inherited, {prefix, "", {}}, warnings);
  EXPECT_EQ(env["PATH"], prefix + "/bin:/opt/conda/bin:/usr/bin");
  EXPECT_EQ(env["CONDA_PREFIX_FOO"], "kept");
}

TEST_F(ActivationEnv, EnvironmentVariablesAreUppercasedUnsetAndSaved) {
  std::vector<EnvVar> vars = {{"lower_name", "v"}, {"GONE", std::nullopt}, {"HOME", "/srv"}, {"SAME", "1"}};
  Environment inherited{{"PATH", "/usr/bin"}, {"GONE", "x"}, {"HOME", "/root"}, {"SAME", "1"}};
  std::vector<std::string> warnings;
  Environment env = apply_conda_variables(inherited, {prefix, "", vars}, warnings);
  EXPECT_EQ(env["LOWER_NAME"], "v");
  EXPECT_EQ(env.count("lower_name"), 0u);
  EXPECT_EQ(env.count("GONE"), 0u);
  EXPECT_EQ(env["HOME"], "/srv");
  EXPECT_EQ(env["__CONDA_SHLVL_0_HOME"], "/root");
  EXPECT_EQ(env["__CONDA_SHLVL_0_GONE"], "x");
  EXPECT_EQ(env["__CONDA_SHLVL_0_SAME"], "1");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("GONE, HOME"));
  EXPECT_THAT(warnings[0], Not(HasSubstr("SAME")));
}

TEST(ActivationState, ParsesEnvVars) {
  auto vars =
      parse_state_env_vars(R"({"env_vars": {"B": "2", "a": "1", "X": "***unset***", "N": null}})", "state");
  ASSERT_TRUE(vars.ok()) << vars.error().to_string();
  ASSERT_EQ(vars->size(), 3u);
  EXPECT_EQ((*vars)[0].name, "B") << "file order, as conda keeps it";
  EXPECT_EQ((*vars)[1].name, "a");
  EXPECT_EQ((*vars)[2].name, "N");
  EXPECT_FALSE((*vars)[2].value.has_value());
  auto none = parse_state_env_vars(R"({"other": 1})", "state");
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());
}

TEST(ActivationState, MalformedStateNamesFileLineAndColumn) {
  auto r = parse_state_env_vars("{\"env_vars\": {\n  \"A\": \"1\",\n  \"B\" \"2\"}}", "/p/conda-meta/state");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, "/p/conda-meta/state");
  EXPECT_EQ(r.error().line, 3);
  EXPECT_GT(r.error().column, 1);
  EXPECT_THAT(r.error().message, HasSubstr("malformed JSON"));
  EXPECT_THAT(r.error().to_string(), HasSubstr("/p/conda-meta/state:3:"));

  auto not_object = parse_state_env_vars(R"({"env_vars": ["A=1"]})", "state");
  ASSERT_FALSE(not_object.ok());
  EXPECT_THAT(not_object.error().message, HasSubstr("env_vars is a JSON array"));
  auto number = parse_state_env_vars(R"({"env_vars": {"PORT": 8080}})", "state");
  ASSERT_FALSE(number.ok());
  EXPECT_THAT(number.error().message, HasSubstr("PORT is a JSON number"));
  EXPECT_THAT(number.error().hint, HasSubstr("\"PORT\": \"8080\""));
  EXPECT_FALSE(parse_state_env_vars("[]", "state").ok());
  EXPECT_FALSE(parse_state_env_vars("", "state").ok());
}

TEST_F(ActivationEnv, PackageVariablesThenStateWhichWins) {
  tmp.write("/miniconda3/envs/app/etc/conda/env_vars.d/b-pkg.json", R"({"SHARED": "b", "B_ONLY": "b"})");
  tmp.write("/miniconda3/envs/app/etc/conda/env_vars.d/a-pkg.json", R"({"SHARED": "a", "A_ONLY": "a"})");
  tmp.write("/miniconda3/envs/app/conda-meta/state", R"({"env_vars": {"SHARED": "state"}})");
  std::vector<std::string> warnings;
  auto vars = read_environment_variables(prefix, warnings);
  ASSERT_TRUE(vars.ok()) << vars.error().to_string();
  std::map<std::string, std::string> got;
  for (const auto& v : *vars) got[v.name] = v.value.value_or("<unset>");
  EXPECT_EQ(got, (std::map<std::string, std::string>{{"A_ONLY", "a"}, {"B_ONLY", "b"}, {"SHARED", "state"}}));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("SHARED"));
}

TEST_F(ActivationEnv, NothingToReadIsNoVariables) {
  std::vector<std::string> warnings;
  auto vars = read_environment_variables(prefix, warnings);
  ASSERT_TRUE(vars.ok());
  EXPECT_THAT(*vars, IsEmpty());
}

TEST_F(ActivationEnv, MalformedPackageVariablesNameTheFile) {
  tmp.write("/miniconda3/envs/app/etc/conda/env_vars.d/pkg.json", "{oops");
  std::vector<std::string> warnings;
  auto vars = read_environment_variables(prefix, warnings);
  ASSERT_FALSE(vars.ok());
  EXPECT_EQ(vars.error().file, prefix + "/etc/conda/env_vars.d/pkg.json");
}

TEST_F(ActivationEnv, ScriptsInByteOrderShOnly) {
  script("b.sh", "");
  script("A.sh", "");
  script("a.sh", "");
  script("10-x.sh", "");
  script("notes.txt", "");
  script("c.sh.bak", "");
  EXPECT_THAT(find_activate_scripts(prefix), ElementsAre(script_path("10-x.sh"), script_path("A.sh"),
                                                         script_path("a.sh"), script_path("b.sh")));
  EXPECT_THAT(find_activate_scripts(tmp.path() + "/nowhere"), IsEmpty());
}

TEST_F(ActivationEnv, ScriptsSetChangeAndUnsetInOneShell) {
  script("10-set.sh", "export SET_BY_SCRIPT='line one\nline two'\nHELPER=not-exported\n");
  script("20-change.sh",
         "export FROM_STATE=\"$FROM_STATE+changed\"\nexport PATH=\"$CONDA_PREFIX/extra:$PATH\"\n");
  script("30-unset.sh", "unset UNSET_ME\ncd /\n[ -n \"$HELPER\" ] && export SAW_HELPER=yes\n");
  Environment env{{"PATH", prefix + "/bin:/usr/bin"},
                  {"CONDA_PREFIX", prefix},
                  {"FROM_STATE", "state"},
                  {"UNSET_ME", "1"},
                  {"PWD", "/somewhere"},
                  {"odd.name", "kept"}};
  auto r = run_activate_scripts(find_activate_scripts(prefix), env);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  Environment& got = *r;
  EXPECT_EQ(got["SET_BY_SCRIPT"], "line one\nline two");
  EXPECT_EQ(got["FROM_STATE"], "state+changed");
  EXPECT_EQ(got["PATH"], prefix + "/extra:" + prefix + "/bin:/usr/bin");
  EXPECT_EQ(got.count("UNSET_ME"), 0u);
  EXPECT_EQ(got.count("HELPER"), 0u) << "a shell variable that was not exported stays in the shell";
  EXPECT_EQ(got["SAW_HELPER"], "yes") << "later scripts see what earlier ones set";
  EXPECT_EQ(got["PWD"], "/somewhere") << "the shell's cd is not the service's";
  EXPECT_EQ(got.count("OLDPWD"), 0u);
  EXPECT_EQ(got["odd.name"], "kept") << "a name no shell can hold passes through";
}

TEST_F(ActivationEnv, ScriptThatReturnsNonZeroIsNamed) {
  script("10-ok.sh", "export OK=1\n");
  script("20-bad.sh", "export HALF=1\nfalse\n");
  script("30-never.sh", "touch \"$CONDA_PREFIX/ran-30\"\n");
  auto r = run_activate_scripts(find_activate_scripts(prefix), {{"CONDA_PREFIX", prefix}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, script_path("20-bad.sh"));
  EXPECT_THAT(r.error().message, HasSubstr("returned status 1"));
  EXPECT_FALSE(path_exists(prefix + "/ran-30"));
}

TEST_F(ActivationEnv, ScriptThatExitsOrBreaksTheShellIsNamed) {
  script("10-exit.sh", "exit 0\n");
  auto r = run_activate_scripts(find_activate_scripts(prefix), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, script_path("10-exit.sh"));
  EXPECT_THAT(r.error().message, HasSubstr("ended the shell (status 0)"));

  std::remove(script_path("10-exit.sh").c_str());
  script("20-syntax.sh", "if then fi (\n");
  auto syntax = run_activate_scripts(find_activate_scripts(prefix), {});
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().file, script_path("20-syntax.sh"));
}

TEST_F(ActivationEnv, ScriptThatIsADirectoryIsRefusedBeforeAnythingRuns) {
  tmp.mkdirs("/miniconda3/envs/app/etc/conda/activate.d/dir.sh");
  auto r = run_activate_scripts(find_activate_scripts(prefix), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, script_path("dir.sh"));
  EXPECT_THAT(r.error().message, HasSubstr("not a regular file"));
}

TEST_F(ActivationEnv, BackgroundProcessOfAScriptDoesNotHoldTheActivation) {
  script("10-daemon.sh", "sleep 30 >/dev/null 2>&1 &\necho $! > \"$CONDA_PREFIX/daemon.pid\"\n");
  auto start = std::chrono::steady_clock::now();
  auto r = run_activate_scripts(find_activate_scripts(prefix), {{"CONDA_PREFIX", prefix}});
  auto took = std::chrono::steady_clock::now() - start;
  std::ifstream pid_file(prefix + "/daemon.pid");
  pid_t daemon = 0;
  pid_file >> daemon;
  if (daemon > 1) ::kill(daemon, SIGKILL);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST_F(ActivationEnv, ScriptThatHangsIsStoppedWithWhatItStarted) {
  script("10-ok.sh", "export OK=1\n");
  script("20-hangs.sh", "sleep 60 >/dev/null 2>&1 &\necho $! > \"$CONDA_PREFIX/child.pid\"\nwait\n");
  ScriptRunner runner;
  runner.timeout = std::chrono::milliseconds(300);
  auto r = run_activate_scripts(find_activate_scripts(prefix), {{"CONDA_PREFIX", prefix}}, runner);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, script_path("20-hangs.sh"));
  EXPECT_THAT(r.error().message, HasSubstr("did not finish within 0.3 s"));
  EXPECT_THAT(r.error().hint, HasSubstr("activate_timeout"));
  std::ifstream pid_file(prefix + "/child.pid");
  pid_t child = 0;
  pid_file >> child;
  ASSERT_GT(child, 1);
  // The script's own child was in the shell's process group: killed with it. Reaped by init,
  // which may take a moment; a zombie or nothing is what is left.
  std::string state = "?";
  for (int i = 0; i < 500; ++i) {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) {
      state = "gone";
      break;
    }
    state = line.substr(line.rfind(')') + 2, 1);
    if (state == "Z") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(state == "gone" || state == "Z") << "the script's sleep survived the timeout: state " << state;
  if (state != "gone" && state != "Z") ::kill(child, SIGKILL);
}

TEST_F(ActivationEnv, NoScriptsRunsNoShell) {
  auto r = run_activate_scripts({}, {{"A", "1"}}, ScriptRunner{.shell = "/nonexistent/sh"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (Environment{{"A", "1"}}));
}

TEST_F(ActivationEnv, PrefixChecks) {
  EXPECT_TRUE(check_prefix(prefix).ok());
  auto missing = check_prefix(tmp.path() + "/nowhere");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("does not exist"));
  tmp.write("/venv/pyvenv.cfg", "home = /usr/bin\n");
  tmp.mkdirs("/venv/bin");
  auto venv = check_prefix(tmp.path() + "/venv");
  ASSERT_FALSE(venv.ok());
  EXPECT_THAT(venv.error().message, HasSubstr("venv"));
  tmp.mkdirs("/plain/bin");
  auto plain = check_prefix(tmp.path() + "/plain");
  ASSERT_FALSE(plain.ok());
  EXPECT_THAT(plain.error().message, HasSubstr("not a conda environment"));
}

TEST_F(ActivationEnv, ActivateInfersTheInstallationAndRunsScripts) {
  tmp.write("/miniconda3/envs/app/conda-meta/state", R"({"env_vars": {"FROM_STATE": "s"}})");
  script("10.sh", "export SEEN=\"$FROM_STATE:$CONDA_DEFAULT_ENV\"\n");
  auto a = activate({.prefix = prefix}, {{"PATH", "/usr/bin"}});
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  EXPECT_EQ(a->conda_root, root);
  EXPECT_THAT(a->activate_scripts, ElementsAre(script_path("10.sh")));
  EXPECT_EQ(a->environment.at("SEEN"), "s:app");
  EXPECT_EQ(a->environment.at("CONDA_EXE"), root + "/bin/conda");
}

TEST_F(ActivationEnv, ActivateStopsAtAMalformedState) {
  tmp.write("/miniconda3/envs/app/conda-meta/state", "{\"env_vars\": ");
  script("10.sh", "touch \"$CONDA_PREFIX/ran\"\n");
  auto a = activate({.prefix = prefix}, {});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().file, prefix + "/conda-meta/state");
  EXPECT_FALSE(path_exists(prefix + "/ran"));
}

TEST(ActivationChanges, AddedChangedRemoved) {
  auto changes =
      environment_changes({{"A", "1"}, {"B", "2"}, {"C", "3"}}, {{"B", "2"}, {"C", "4"}, {"D", "5"}});
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].kind, EnvChange::kRemoved);
  EXPECT_EQ(changes[0].name, "A");
  EXPECT_EQ(changes[1].kind, EnvChange::kChanged);
  EXPECT_EQ(changes[1].old_value, "3");
  EXPECT_EQ(changes[1].new_value, "4");
  EXPECT_EQ(changes[2].kind, EnvChange::kAdded);
  EXPECT_EQ(changes[2].name, "D");
}

}  // namespace
}  // namespace csd::conda
