#include "conda/locate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support/temp_dir.h"
#include "util/file.h"

namespace csd::conda {
namespace {

using ::testing::HasSubstr;

TEST(Condarc, BlockAndFlowLists) {
  auto dirs = read_envs_dirs("channels:\n  - conda-forge\nenvs_dirs:\n  - /srv/envs  # shared\n  - '~/envs'\nssl_verify: true\n",
                             "/home/u");
  EXPECT_EQ(dirs, (std::vector<std::string>{"/srv/envs", "/home/u/envs"}));
  EXPECT_EQ(read_envs_dirs("envs_dirs: [/a, \"/b\"]\n", ""), (std::vector<std::string>{"/a", "/b"}));
  EXPECT_TRUE(read_envs_dirs("\x01\x02 junk: [\n", "").empty());
}

class Locate : public ::testing::Test {
 protected:
  test::TempDir tmp;
  Root root{tmp.path()};
  void mkdir(const std::string& p) { tmp.mkdirs(p); }
};

TEST_F(Locate, ExplicitPrefix) {
  mkdir("/opt/envs/x");
  auto r = locate({.prefix = "/opt/envs/x"}, root);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->prefix, "/opt/envs/x");
  EXPECT_EQ(r->found_via, "contract prefix");
  EXPECT_FALSE(locate({.prefix = "/opt/envs/y"}, root).ok());
}

TEST_F(Locate, NameUnderRootEnvs) {
  mkdir("/opt/miniconda3/envs/app");
  auto r = locate({.name = "app", .conda_root = "/opt/miniconda3"}, root);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->prefix, "/opt/miniconda3/envs/app");
}

TEST_F(Locate, BaseIsTheRoot) {
  mkdir("/opt/miniconda3");
  auto r = locate({.name = "base", .conda_root = "/opt/miniconda3"}, root);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->prefix, "/opt/miniconda3");
}

TEST_F(Locate, EnvsDirsOfCondarc) {
  mkdir("/opt/miniconda3");
  mkdir("/srv/conda-envs/app");
  tmp.write("/etc/conda/.condarc", "envs_dirs:\n  - /srv/conda-envs\n");
  auto r = locate({.name = "app", .conda_root = "/opt/miniconda3"}, root);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->prefix, "/srv/conda-envs/app");
  EXPECT_EQ(r->found_via, "/etc/conda/.condarc envs_dirs");
}

TEST_F(Locate, EnvironmentsTxtOfHome) {
  mkdir("/data/app");
  tmp.write("/home/u/.conda/environments.txt", "/opt/other\n/data/app\n");
  auto r = locate({.name = "app", .home = "/home/u"}, root);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->prefix, "/data/app");
}

TEST_F(Locate, NotFoundListsEveryPlaceSearched) {
  tmp.write("/etc/conda/.condarc", "envs_dirs:\n  - /srv/conda-envs\n");
  auto r = locate({.name = "app", .conda_root = "/opt/miniconda3", .home = "/home/u"}, root);
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message;
  EXPECT_THAT(m, HasSubstr("conda environment 'app' not found; searched:"));
  EXPECT_THAT(m, HasSubstr("/opt/miniconda3/envs/app (<root>/envs)"));
  EXPECT_THAT(m, HasSubstr("envs_dirs of /opt/miniconda3/.condarc (not read: no such file)"));
  EXPECT_THAT(m, HasSubstr("/srv/conda-envs/app (/etc/conda/.condarc envs_dirs)"));
  EXPECT_THAT(m, HasSubstr("envs_dirs of /home/u/.condarc (not read: no such file)"));
  EXPECT_THAT(m, HasSubstr("entries named 'app' in /home/u/.conda/environments.txt"));
  EXPECT_THAT(r.error().hint, HasSubstr("conda create -n NAME"));
}

TEST_F(Locate, HostileCondarcIsIgnoredNotFatal) {
  tmp.write("/etc/conda/.condarc", std::string(300 << 10, 'x'));  // over the 256 KiB limit
  auto r = locate({.name = "app", .conda_root = "/opt/miniconda3"}, root);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("more than the 262144 bytes accepted"));
}

}  // namespace
}  // namespace csd::conda
