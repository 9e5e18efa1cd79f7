#include "import/conda_ref.h"

#include <gtest/gtest.h>

#include <utility>

#include "test_support/temp_dir.h"

namespace csd::importer {
namespace {

TEST(ImportCondaRefTest, RootFromTheCondaTool) {
  // The tool's path, and the conda installation it is in ("" for none).
  const std::pair<const char*, const char*> cases[] = {
      {"/opt/miniconda3/bin/conda", "/opt/miniconda3"},
      {"/opt/miniconda3/condabin/conda", "/opt/miniconda3"},
      {"/opt/miniconda3/bin/activate", "/opt/miniconda3"},
      {"conda", ""},
      {"/usr/local/conda", ""},
      {"/bin/conda", ""},
  };
  for (const auto& [tool, root] : cases) EXPECT_EQ(conda_root_of(tool), root) << tool;
}

TEST(ImportCondaRefTest, EnvFromPrefix) {
  EXPECT_EQ(env_of_prefix("/opt/miniconda3/envs/mes").root, "/opt/miniconda3");
  EXPECT_EQ(env_of_prefix("/opt/miniconda3/envs/mes").env, "mes");
  EXPECT_EQ(env_of_prefix("/srv/envs-x/mes").env, "");
}

TEST(ImportCondaRefTest, PrefixOfABinary) {
  test::TempDir dir;
  dir.mkdirs("/srv/py/conda-meta");
  Root root(dir.path());
  EXPECT_EQ(prefix_of_binary("/opt/miniconda3/envs/mes/bin/gunicorn", root), "/opt/miniconda3/envs/mes");
  EXPECT_EQ(prefix_of_binary("/srv/py/bin/gunicorn", root), "/srv/py");
  EXPECT_EQ(prefix_of_binary("/srv/other/bin/gunicorn", root), "");
  EXPECT_EQ(prefix_of_binary("/usr/bin/python3", root), "");
  EXPECT_EQ(prefix_of_binary("gunicorn", root), "");
}

}  // namespace
}  // namespace csd::importer
