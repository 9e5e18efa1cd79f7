#include "import/unwrap.h"

#include <gtest/gtest.h>

#include "test_support/temp_dir.h"

namespace csd::importer {
namespace {

using V = std::vector<std::string>;

const char* const kDashboard =
    R"(exec "${CONDA_BIN:-/opt/miniconda3/bin/conda}" run --no-capture-output -n "${CONDA_ENV_NAME:-mes-dashboard}" )"
    R"(rq worker wip-detail-query --url $REDIS_URL)";

TEST(ImportUnwrapTest, TheDashboardsWrapper) {
  auto r = unwrap({"/usr/bin/env", "bash", "-lc", kDashboard}, {{"REDIS_URL", "redis://localhost:6379/0"}},
                  Root());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->command, (V{"rq", "worker", "wip-detail-query", "--url", "redis://localhost:6379/0"}));
  EXPECT_EQ(r->wrappers, (V{"/usr/bin/env", "bash -lc", "exec", "conda run"}));
  EXPECT_EQ(r->conda_tool, "/opt/miniconda3/bin/conda");
  EXPECT_EQ(r->env_name, "mes-dashboard");
  EXPECT_TRUE(r->login_shell);
  ASSERT_EQ(r->expansions.size(), 3u);
  EXPECT_TRUE(r->expansions[0].used_default);
  EXPECT_EQ(r->expansions[2].name, "REDIS_URL");
}

TEST(ImportUnwrapTest, EnvironmentOverridesTheDefaults) {
  auto r = unwrap({"/bin/bash", "-c", kDashboard},
                  {{"CONDA_BIN", "/srv/conda/condabin/conda"}, {"CONDA_ENV_NAME", "mes-2026"}}, Root());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->conda_tool, "/srv/conda/condabin/conda");
  EXPECT_EQ(r->env_name, "mes-2026");
  EXPECT_EQ(r->command.back(), "--url");  // unset REDIS_URL: the word disappears, as in bash
  EXPECT_FALSE(r->login_shell);
}

TEST(ImportUnwrapTest, CondaRunDirectlyWithPrefixAndCwd) {
  auto r = unwrap({"/opt/c/bin/conda", "run", "--prefix=/srv/env", "--cwd", "/srv/app", "--live-stream",
                   "python", "-m", "app"},
                  {}, Root());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->prefix, "/srv/env");
  EXPECT_EQ(r->env_name, "");
  EXPECT_EQ(r->cwd, "/srv/app");
  EXPECT_EQ(r->command, (V{"python", "-m", "app"}));
  EXPECT_EQ(unwrap({"conda", "run", "-nmes", "x"}, {}, Root())->env_name, "mes");
  EXPECT_EQ(unwrap({"conda", "run", "x"}, {}, Root())->env_name, "base");
}

TEST(ImportUnwrapTest, ActivationThenExec) {
  auto r = unwrap({"/bin/bash", "-lc",
                   "set -e; cd /opt/app && source /opt/miniconda3/bin/activate mes && python migrate.py && "
                   "exec gunicorn app:app"},
                  {}, Root());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->conda_tool, "/opt/miniconda3/bin/activate");
  EXPECT_EQ(r->env_name, "mes");
  EXPECT_EQ(r->cwd, "/opt/app");
  EXPECT_EQ(r->before, (V{"python migrate.py"}));
  EXPECT_EQ(r->command, (V{"gunicorn", "app:app"}));

  r = unwrap({"/bin/bash", "-c",
              R"sh(eval "$(/opt/c/bin/conda shell.bash hook)" && conda activate /srv/e && exec x)sh"},
             {}, Root());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->prefix, "/srv/e");
}

TEST(ImportUnwrapTest, ABinaryOfAnEnvironment) {
  auto r = unwrap({"/opt/miniconda3/envs/mes/bin/gunicorn", "app:app"}, {}, Root());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->prefix, "/opt/miniconda3/envs/mes");
  EXPECT_EQ(r->command, (V{"gunicorn", "app:app"}));
  EXPECT_TRUE(r->wrappers.empty());
}

TEST(ImportUnwrapTest, EnvAssignmentsAndNestedShells) {
  auto r =
      unwrap({"/usr/bin/env", "A=1", "sh", "-c", R"(B=2 exec bash -c 'exec conda run -n "e x" echo "$A"')"},
             {}, Root());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->env_name, "e x");
  EXPECT_EQ(r->command, (V{"echo", "1"}));
  EXPECT_EQ(r->assignments.at("A"), "1");
  EXPECT_EQ(r->assignments.at("B"), "2");
}

TEST(ImportUnwrapTest, ClearMessagesForWhatCannotBeRead) {
  auto msg = [](const V& argv) {
    auto r = unwrap(argv, {}, Root());
    return r.ok() ? std::string("OK") : r.error().message;
  };
  EXPECT_NE(msg({"/bin/bash", "/opt/app/start.sh"}).find("runs the script /opt/app/start.sh"),
            std::string::npos);
  EXPECT_NE(msg({"/bin/bash", "-c", "exec x | tee log"}).find("column 8"), std::string::npos);
  EXPECT_NE(msg({"/bin/bash", "-c", "exec x --n $(nproc)"}).find("known only at run time"),
            std::string::npos);
  EXPECT_NE(msg({"conda", "env", "list"}).find("not `conda run`"), std::string::npos);
  EXPECT_NE(msg({"conda", "run", "-n", "e"}).find("without a command"), std::string::npos);
  EXPECT_NE(msg({"/bin/bash", "-c", "  "}).find("runs no command"), std::string::npos);
  V deep = {"/usr/bin/env"};
  for (int i = 0; i < 20; ++i) deep.push_back("env");
  deep.push_back("x");
  EXPECT_NE(msg(deep).find("nest"), std::string::npos);
}

}  // namespace
}  // namespace csd::importer
