// exec against environments built by tests/fixtures/make-conda-env.sh, through the real binary:
// a real python from the environment, real activate.d scripts, the real execve.
#include "conda/exec_plan.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "test_support/contracts.h"
#include "test_support/process.h"
#include "test_support/temp_dir.h"
#include "util/fd.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::conda {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using test::Ran;
using test::run;

std::vector<std::string> clean_env(const std::string& home) {
  return {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + home, "LANG=C.UTF-8"};
}

// An environment built by the project's fixture, in place, under a temporary directory.
struct FixtureEnv {
  std::unique_ptr<test::TempDir> dir = std::make_unique<test::TempDir>();
  std::string root;
  std::string prefix;
  std::string build_log;
  bool ok = false;
};

std::unique_ptr<FixtureEnv> build_env(const std::vector<std::string>& extra = {},
                                      const std::vector<std::pair<std::string, std::string>>& scripts = {}) {
  auto env = std::make_unique<FixtureEnv>();
  env->root = env->dir->path() + "/miniconda3";
  env->prefix = env->root + "/envs/app";
  std::vector<std::string> args = {
      "/bin/bash", std::string(CSD_SOURCE_DIR) + "/tests/fixtures/make-conda-env.sh",
      "--root",    "/",
      "--prefix",  env->prefix};
  args.insert(args.end(), extra.begin(), extra.end());
  for (const auto& [name, text] : scripts) {
    env->dir->write("/scripts/" + name, text);
    args.push_back("--activate-script");
    args.push_back(env->dir->path() + "/scripts/" + name);
  }
  Ran built = run(args, clean_env(env->dir->path()), 300);
  env->ok = built.status == 0;
  env->build_log = built.out + built.err;
  return env;
}

// The plain fixture environment, built once per test process: it is only read.
const FixtureEnv& shared_env() {
  static std::unique_ptr<FixtureEnv> env = [] {
    auto e = build_env();
    if (e->ok)
      e->dir->write(e->prefix.substr(e->dir->path().size()) + "/bin/notes.txt", "not a program\n", 0644);
    return e;
  }();
  return *env;
}

Ran exec(const FixtureEnv& env, std::vector<std::string> args, std::vector<std::string> extra_env = {}) {
  args.insert(args.begin(), {CSD_BINARY, "exec"});
  std::vector<std::string> e = clean_env(env.dir->path());
  e.insert(e.end(), extra_env.begin(), extra_env.end());
  return run(args, e);
}

// The [conda] line of a contract naming the environment by its prefix.
std::string prefix_key(const std::string& prefix) {
  return "prefix = \"" + prefix + "\"\n";
}

// `python -c CODE` as a contract's command (a TOML array; CODE holds no double quote).
std::string python_c(const std::string& code) {
  return "[\"python\", \"-c\", \"" + code + "\"]";
}

// The app's environment and a worker "wip" with its own: each prints its role and what they share.
const char* kWorkerTables = R"toml(
[service.environment]
ROLE = "app"
SHARED = "s"

[[worker]]
name = "wip"
command = ["python", "-c", "import os; print('worker', os.environ['ROLE'], os.environ['SHARED'])"]

[worker.environment]
ROLE = "worker"
)toml";

const char* kPrintEnviron =
    "import json, os, sys; print(json.dumps({'environ': dict(os.environ), 'prefix': sys.prefix, "
    "'fds': sorted(int(fd) for fd in os.listdir('/proc/self/fd'))}))";

// The tests of exec on the plain fixture environment, `env`; those that need scripts or state of
// their own build their own.
class ExecFixture : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env.ok) << env.build_log; }
  const FixtureEnv& env = shared_env();
};

TEST_F(ExecFixture, SamePidNoWrapper) {
  Ran r = run({"/bin/sh", "-c",
               "echo $$; exec \"$0\" exec --prefix \"$1\" -- python -c \"import os; print(os.getpid())\"",
               CSD_BINARY, env.prefix},
              clean_env(env.dir->path()));
  ASSERT_EQ(r.status, 0) << r.err;
  auto lines = split(std::string(trim(r.out)), '\n');
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0], lines[1]) << "the shell's PID must be python's: exec replaced itself";
}

TEST_F(ExecFixture, PythonRunsInsideTheActivatedEnvironment) {
  Ran r = exec(env, {"--prefix", env.prefix, "--", "python", "-c", kPrintEnviron}, {"_CE_M=-m", "KEEP=me"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  auto environ = j["environ"];
  EXPECT_EQ(j["prefix"], env.prefix);
  // Whatever this test process inherited, python run directly sees it too: exec must add nothing.
  Ran direct = run({env.prefix + "/bin/python", "-c", kPrintEnviron}, clean_env(env.dir->path()));
  ASSERT_EQ(direct.status, 0) << direct.err;
  EXPECT_EQ(j["fds"], nlohmann::json::parse(direct.out)["fds"])
      << "exec leaked a descriptor into the command";
  EXPECT_EQ(environ["CONDA_PREFIX"], env.prefix);
  EXPECT_EQ(environ["CONDA_DEFAULT_ENV"], "app");
  EXPECT_EQ(environ["CONDA_SHLVL"], "1");
  EXPECT_EQ(environ["CONDA_PROMPT_MODIFIER"], "(app) ");
  EXPECT_EQ(environ["CONDA_EXE"], env.root + "/bin/conda");
  EXPECT_EQ(environ["PATH"], env.prefix + "/bin:" + env.root + "/condabin:/usr/local/bin:/usr/bin:/bin");
  EXPECT_EQ(environ["KEEP"], "me");
  EXPECT_FALSE(environ.contains("_CE_M"));
  EXPECT_EQ(r.err, "") << "nothing to warn about";
}

TEST_F(ExecFixture, StateVariablesScriptsContractAndEnvInThatOrder) {
  auto env = build_env(
      {"--env-var", "FROM_STATE=state", "--env-var", "SHARED=state", "--env-var", "lower=x", "--env-var",
       "LAYERED=state"},
      {{"10-set.sh",
        "export SET_BY_SCRIPT='first line\nsecond line'\n"
        "export LAYERED=\"$LAYERED+script\"\n"},
       {"20-change.sh", "export SHARED=\"$SHARED+script\"\nexport PATH=\"$CONDA_PREFIX/extra:$PATH\"\n"},
       {"30-unset.sh", "unset UNSET_ME\n"}});
  ASSERT_TRUE(env->ok) << env->build_log;
  env->dir->write("/runtime.toml",
                  test::contract_text(
                      {.conda = prefix_key(env->prefix),
                       .command = python_c(kPrintEnviron),
                       .tail = "\n[service.environment]\nSHARED = \"contract\"\nFROM_CONTRACT = \"c\"\n"}));
  Ran r = exec(*env, {"--contract", env->dir->path() + "/runtime.toml", "--env", "FROM_CONTRACT=cli"},
               {"UNSET_ME=1"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto environ = nlohmann::json::parse(r.out)["environ"];
  EXPECT_EQ(environ["FROM_STATE"], "state");
  EXPECT_EQ(environ["LOWER"], "x") << "conda uppercases the names it exports";
  EXPECT_EQ(environ["LAYERED"], "state+script") << "scripts see the state's variables";
  EXPECT_EQ(environ["SET_BY_SCRIPT"], "first line\nsecond line");
  EXPECT_FALSE(environ.contains("UNSET_ME"));
  EXPECT_EQ(environ["SHARED"], "contract") << "the contract comes after the scripts";
  EXPECT_EQ(environ["FROM_CONTRACT"], "cli") << "--env comes last";
  EXPECT_EQ(environ["PATH"], env->prefix + "/extra:" + env->prefix + "/bin:" + env->root +
                                 "/condabin:/usr/local/bin:/usr/bin:/bin");
}

TEST_F(ExecFixture, WorkerOfTheContractHasItsOwnCommandAndEnvironment) {
  env.dir->write("/workers.toml",
                 test::contract_text({.conda = prefix_key(env.prefix),
                                      .command = python_c("import os; print('app', os.environ['ROLE'], "
                                                          "os.environ['SHARED'])"),
                                      .tail = kWorkerTables}));
  std::string contract = env.dir->path() + "/workers.toml";
  Ran app = exec(env, {"--contract", contract});
  EXPECT_EQ(app.out, "app app s\n") << app.err;
  Ran worker = exec(env, {"--contract", contract, "--worker", "wip"});
  EXPECT_EQ(worker.out, "worker worker s\n") << worker.err;
  Ran typo = exec(env, {"--contract", contract, "--worker", "wop"});
  EXPECT_EQ(typo.status, kExitUnusable);
  EXPECT_THAT(typo.err, HasSubstr("did you mean 'wip'?"));
}

TEST_F(ExecFixture, FailingScriptIsNamedAndNothingStarts) {
  auto env = build_env({}, {{"10-ok.sh", "export OK=1\n"}, {"20-fails.sh", "export HALF=1\nreturn 3\n"}});
  ASSERT_TRUE(env->ok) << env->build_log;
  std::string marker = env->dir->path() + "/started";
  Ran r = exec(*env, {"--prefix", env->prefix, "--", "python", "-c", "open('" + marker + "', 'w')"});
  EXPECT_EQ(r.status, kExitUnusable);
  EXPECT_THAT(r.err, HasSubstr(env->prefix + "/etc/conda/activate.d/20-fails.sh"));
  EXPECT_THAT(r.err, HasSubstr("status 3"));
  EXPECT_FALSE(path_exists(marker)) << "the command must not start with half an environment";
}

TEST_F(ExecFixture, HangingScriptIsStoppedAfterTheContractsTimeout) {
  auto env = build_env({}, {{"10-hangs.sh", "sleep 600\n"}});
  ASSERT_TRUE(env->ok) << env->build_log;
  std::string marker = env->dir->path() + "/started";
  env->dir->write("/runtime.toml",
                  test::contract_text({.conda = prefix_key(env->prefix) + "activate_timeout = \"1s\"\n",
                                       .command = python_c("open('" + marker + "', 'w')")}));
  Ran r = exec(*env, {"--contract", env->dir->path() + "/runtime.toml"});
  EXPECT_EQ(r.status, kExitUnusable) << r.err;
  EXPECT_THAT(r.err, HasSubstr(env->prefix + "/etc/conda/activate.d/10-hangs.sh"));
  EXPECT_THAT(r.err, HasSubstr("did not finish within 1 s"));
  EXPECT_FALSE(path_exists(marker)) << "the command must not start after a failed activation";
}

TEST_F(ExecFixture, MalformedStateIsAnErrorNamingTheFile) {
  auto env = build_env({"--env-var", "A=1"});
  ASSERT_TRUE(env->ok) << env->build_log;
  std::string state = env->prefix + "/conda-meta/state";
  env->dir->write(state.substr(env->dir->path().size()), "{\"env_vars\": {\"A\": \"1\",}}\n");
  Ran r = exec(*env, {"--prefix", env->prefix, "--", "python", "-c", "pass"});
  EXPECT_EQ(r.status, kExitUnusable);
  EXPECT_THAT(r.err, HasSubstr(state + ":1:"));
  EXPECT_THAT(r.err, HasSubstr("malformed JSON"));
}

TEST_F(ExecFixture, NotFoundIs127AndSaysWhereItLooked) {
  Ran r = exec(env, {"--prefix", env.prefix, "--", "no-such-program"});
  EXPECT_EQ(r.status, kExitNotFound);
  EXPECT_THAT(r.err, HasSubstr("'no-such-program' not found"));
  EXPECT_THAT(r.err, HasSubstr("\n    " + env.prefix + "/bin\n"));
  EXPECT_THAT(r.err, HasSubstr("\n    /usr/bin\n"));
  Ran path = exec(env, {"--prefix", env.prefix, "--", env.prefix + "/bin/nope"});
  EXPECT_EQ(path.status, kExitNotFound);
}

TEST_F(ExecFixture, NotExecutableIs126) {
  Ran r = exec(env, {"--prefix", env.prefix, "--", "notes.txt"});
  EXPECT_EQ(r.status, kExitNotExecutable);
  EXPECT_THAT(r.err, HasSubstr(env.prefix + "/bin/notes.txt"));
  EXPECT_THAT(r.err, HasSubstr("not executable"));
}

TEST_F(ExecFixture, OutsideTheEnvironmentOnlyWhenAllowed) {
  Ran refused = exec(env, {"--prefix", env.prefix, "--", "true"});
  EXPECT_EQ(refused.status, kExitUnusable);
  EXPECT_THAT(refused.err, HasSubstr("resolves outside the conda environment"));
  EXPECT_THAT(refused.err, HasSubstr("allow_outside_env = [\"true\"]"));
  Ran allowed = exec(env, {"--prefix", env.prefix, "--allow-outside-env", "true", "--", "true"});
  EXPECT_EQ(allowed.status, 0) << allowed.err;
  Ran exit_status =
      exec(env, {"--prefix", env.prefix, "--allow-outside-env", "sh", "--", "sh", "-c", "exit 7"});
  EXPECT_EQ(exit_status.status, 7) << "the command's own status is exec's";
}

TEST_F(ExecFixture, DryRunPrintsThePlanAndRunsNothing) {
  std::string marker = env.dir->path() + "/dry-run-started";
  Ran r = exec(env,
               {"--prefix", env.prefix, "--dry-run", "--env", "HOME=/srv", "--", "python", "-c",
                "open('" + marker + "', 'w')"},
               {"_CE_CONDA=conda"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(path_exists(marker));
  EXPECT_THAT(r.out, HasSubstr("program: " + env.prefix + "/bin/python\n"));
  EXPECT_THAT(r.out, HasSubstr("argv: python -c 'open("));
  EXPECT_THAT(r.out, HasSubstr("  + CONDA_PREFIX=" + env.prefix + "\n"));
  EXPECT_THAT(r.out, HasSubstr("  + CONDA_PROMPT_MODIFIER='(app) '\n"));
  EXPECT_THAT(r.out, HasSubstr("  ~ PATH=" + env.prefix + "/bin:"));
  EXPECT_THAT(r.out, HasSubstr("  ~ HOME=/srv (was " + env.dir->path() + ")\n"));
  EXPECT_THAT(r.out, HasSubstr("  - _CE_CONDA (was conda)\n"));
}

// --env-name, with the old spelling of --conda-root (still accepted).
TEST_F(ExecFixture, NameAndRootPrefixFindTheEnvironment) {
  Ran r = exec(env, {"--env-name", "app", "--root-prefix", env.root, "--", "python", "-c",
                     "import os; print(os.environ['CONDA_PREFIX'])"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, env.prefix + "\n");
  Ran missing = exec(env, {"--env-name", "nope", "--root-prefix", env.root, "--", "python"});
  EXPECT_EQ(missing.status, kExitUnusable);
  EXPECT_THAT(missing.err, HasSubstr("'nope' not found"));
}

TEST_F(ExecFixture, BadEnvironmentsAreRefused) {
  Ran missing = exec(env, {"--prefix", env.dir->path() + "/nowhere", "--", "python"});
  EXPECT_EQ(missing.status, kExitUnusable);
  EXPECT_THAT(missing.err, HasSubstr("does not exist"));
  env.dir->write("/venv/pyvenv.cfg", "home = /usr/bin\n");
  env.dir->write("/venv/bin/python", "#!/bin/sh\n", 0755);
  Ran venv = exec(env, {"--prefix", env.dir->path() + "/venv", "--", "python"});
  EXPECT_EQ(venv.status, kExitUnusable);
  EXPECT_THAT(venv.err, HasSubstr("venv, not a conda environment"));
}

TEST(ExecCli, CommandNeedsDashDashAndOneEnvironment) {
  const FixtureEnv& env = shared_env();
  ASSERT_TRUE(env.ok) << env.build_log;
  Ran no_dashes = exec(env, {"--prefix", env.prefix, "python", "--version"});
  EXPECT_EQ(no_dashes.status, kExitUnusable);
  EXPECT_THAT(no_dashes.err, HasSubstr("write -- before the command"));
  Ran none = exec(env, {"--", "python"});
  EXPECT_EQ(none.status, kExitUnusable);
  EXPECT_THAT(none.err, HasSubstr("one of --contract, --prefix or --env-name"));
  Ran bad_env = exec(env, {"--prefix", env.prefix, "--env", "NOVALUE", "--", "python"});
  EXPECT_EQ(bad_env.status, kExitUnusable);
  EXPECT_THAT(bad_env.err, HasSubstr("is not NAME=VALUE"));
}

TEST(ExecPlanning, AssignmentParsing) {
  auto kv = parse_assignment("A=b=c");
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ(kv->first, "A");
  EXPECT_EQ(kv->second, "b=c");
  EXPECT_TRUE(parse_assignment("EMPTY=").ok());
  EXPECT_FALSE(parse_assignment("=x").ok());
  EXPECT_FALSE(parse_assignment("x").ok());
}

}  // namespace
}  // namespace csd::conda
