#include "conda/locate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "conda/condarc.h"
#include "test_support/temp_dir.h"
#include "util/file.h"

namespace csd::conda {
namespace {

using ::testing::HasSubstr;

TEST(Condarc, YamlAsConda) {
  // Comments, quoting, anchors and the explicit tags YAML allows.
  auto dirs = parse_envs_dirs(
      "# site\nbase: &b /srv/shared\nenvs_dirs: !!seq\n  - *b\n  - \"/a b\"  # spaced\n  - '~'\n", "rc",
      "/h");
  ASSERT_TRUE(dirs) << dirs.error().to_string();
  EXPECT_EQ(*dirs, (std::vector<std::string>{"/srv/shared", "/a b", "/h"}));
  EXPECT_TRUE(parse_envs_dirs("", "rc", "")->empty());
  EXPECT_TRUE(parse_envs_dirs("# only a comment\n", "rc", "")->empty());
  auto scalar = parse_envs_dirs("envs_dirs: /srv/envs\n", "rc", "");
  ASSERT_FALSE(scalar);
  EXPECT_EQ(scalar.error().line, 1);
  EXPECT_THAT(scalar.error().message, HasSubstr("expected a list of directories"));
  auto nested = parse_envs_dirs("envs_dirs:\n  - [a]\n", "rc", "");
  ASSERT_FALSE(nested);
  EXPECT_EQ(nested.error().line, 2);
  auto top = parse_envs_dirs("- a\n- b\n", "rc", "");
  ASSERT_FALSE(top);
  EXPECT_THAT(top.error().message, HasSubstr("expected a mapping"));
  auto broken = parse_envs_dirs("a: b\n  c: [\n", "/etc/conda/.condarc", "");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().file, "/etc/conda/.condarc");
  EXPECT_GT(broken.error().line, 0);
}

TEST(Condarc, HostileYamlDoesNotCrash) {
  EXPECT_FALSE(parse_envs_dirs(std::string(100000, '['), "rc", ""));
  // Whatever yaml-cpp makes of control bytes and invalid UTF-8, it returns (as a value or an error).
  EXPECT_NO_THROW((void)parse_envs_dirs(std::string("envs_dirs: [\x01\x02\xff]\n"), "rc", ""));
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c)
    laughs += std::string(1, c) + ": &" + c + " [*" + char(c - 1) + ", *" + char(c - 1) + ", *" +
              char(c - 1) + "]\n";
  laughs += "envs_dirs: [/ok]\n";
  auto r = parse_envs_dirs(laughs, "rc", "");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*r, std::vector<std::string>{"/ok"});
}

TEST(Condarc, SearchPathInCondasOrder) {
  auto p = condarc_search_path(
      {.conda_root = "/opt/c", .home = "/home/u", .xdg_config_home = "/x", .condarc = "/rc"});
  EXPECT_EQ(p, (std::vector<std::string>{"/etc/conda/.condarc",
                                         "/etc/conda/condarc",
                                         "/etc/conda/condarc.d/",
                                         "/var/lib/conda/.condarc",
                                         "/var/lib/conda/condarc",
                                         "/var/lib/conda/condarc.d/",
                                         "/opt/c/.condarc",
                                         "/opt/c/condarc",
                                         "/opt/c/condarc.d/",
                                         "/x/conda/.condarc",
                                         "/x/conda/condarc",
                                         "/x/conda/condarc.d/",
                                         "/home/u/.config/conda/.condarc",
                                         "/home/u/.config/conda/condarc",
                                         "/home/u/.config/conda/condarc.d/",
                                         "/home/u/.conda/.condarc",
                                         "/home/u/.conda/condarc",
                                         "/home/u/.conda/condarc.d/",
                                         "/home/u/.condarc",
                                         "/rc"}));
}

TEST(Condarc, ServiceUsersHomeFromThePasswordFile) {
  test::TempDir tmp;
  tmp.write("/etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n");
  EXPECT_EQ(user_home("www-data", Root(tmp.path())), "/var/www");
  EXPECT_EQ(user_home("nobody-here", Root(tmp.path())), "");
  EXPECT_EQ(user_home("root", Root()), "/root");
}

TEST(Condarc, BlockAndFlowLists) {
  auto dirs = read_envs_dirs(
      "channels:\n  - conda-forge\nenvs_dirs:\n  - /srv/envs  # shared\n  - '~/envs'\nssl_verify: true\n",
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
  // Every place of conda's search path, in its order, with what each gave.
  std::vector<std::string> places = {"/etc/conda/.condarc (envs_dirs: /srv/conda-envs)",
                                     "/etc/conda/condarc (absent)",
                                     "/etc/conda/condarc.d/ (absent)",
                                     "/var/lib/conda/.condarc (absent)",
                                     "/var/lib/conda/condarc (absent)",
                                     "/var/lib/conda/condarc.d/ (absent)",
                                     "/opt/miniconda3/.condarc (absent)",
                                     "/opt/miniconda3/condarc (absent)",
                                     "/opt/miniconda3/condarc.d/ (absent)",
                                     "/home/u/.config/conda/.condarc (absent)",
                                     "/home/u/.config/conda/condarc (absent)",
                                     "/home/u/.config/conda/condarc.d/ (absent)",
                                     "/home/u/.conda/.condarc (absent)",
                                     "/home/u/.conda/condarc (absent)",
                                     "/home/u/.conda/condarc.d/ (absent)",
                                     "/home/u/.condarc (absent)",
                                     "/srv/conda-envs/app (/etc/conda/.condarc envs_dirs)"};
  std::size_t at = 0;
  for (const auto& p : places) {
    auto found = m.find(p, at);
    ASSERT_NE(found, std::string::npos) << p << " in order in\n" << m;
    at = found;
  }
  EXPECT_THAT(m, HasSubstr("entries named 'app' in /home/u/.conda/environments.txt"));
  EXPECT_THAT(r.error().hint, HasSubstr("conda create -n NAME"));
}

TEST_F(Locate, XdgAndCondarcVariablesAndCondarcD) {
  mkdir("/srv/a/app");
  mkdir("/srv/b/app");
  tmp.write("/etc/conda/condarc.d/10-first.yml", "envs_dirs: [/srv/none]\n");
  tmp.write("/etc/conda/condarc.d/20-second.yaml", "envs_dirs: [/srv/a]\n");
  tmp.write("/etc/conda/condarc.d/notes.txt", "envs_dirs: [/srv/b]\n");
  auto r = locate({.name = "app"}, root);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->prefix, "/srv/a/app");
  EXPECT_EQ(r->found_via, "/etc/conda/condarc.d/20-second.yaml envs_dirs");
  // A later file of the search path takes precedence: $CONDARC is the last.
  tmp.write("/cfg/my.rc", "envs_dirs:\n  - /srv/b\n");
  r = locate({.name = "app", .xdg_config_home = "/xdg", .condarc = "/cfg/my.rc"}, root);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->prefix, "/srv/b/app");
  tmp.write("/xdg/conda/condarc", "envs_dirs: ['/srv/a']\n");
  r = locate({.name = "nothere", .xdg_config_home = "/xdg", .condarc = "/cfg/my.rc"}, root);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("/xdg/conda/condarc (envs_dirs: /srv/a)"));
  EXPECT_THAT(r.error().message, HasSubstr("/cfg/my.rc (envs_dirs: /srv/b)"));
}

TEST_F(Locate, BrokenYamlCondarcIsAnErrorAtItsLine) {
  tmp.write("/etc/conda/.condarc", "channels:\n  - defaults\nenvs_dirs: [/srv/a\nssl_verify: true\n");
  auto r = locate({.name = "app"}, root);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, "/etc/conda/.condarc");
  EXPECT_GT(r.error().line, 0);
  EXPECT_THAT(r.error().message, HasSubstr("not valid YAML"));
}

TEST_F(Locate, HostileCondarcIsIgnoredNotFatal) {
  tmp.write("/etc/conda/.condarc", std::string(300 << 10, 'x'));  // over the 256 KiB limit
  auto r = locate({.name = "app", .conda_root = "/opt/miniconda3"}, root);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("more than the 262144 bytes accepted"));
}

}  // namespace
}  // namespace csd::conda
