#include "conda/layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support/temp_dir.h"

namespace csd::conda {
namespace {

using ::testing::HasSubstr;

TEST(RecordName, SplitsFromTheRight) {
  Package p = parse_record_name("ca-certificates-2024.2.2-h06a4308_0.json");
  EXPECT_EQ(p.name, "ca-certificates");
  EXPECT_EQ(p.version, "2024.2.2");
  EXPECT_EQ(p.build, "h06a4308_0");
  EXPECT_TRUE(parse_record_name("history").name.empty());
  EXPECT_TRUE(parse_record_name("nodashes.json").name.empty());
  EXPECT_TRUE(parse_record_name("-1-2.json").name.empty());
  EXPECT_TRUE(parse_record_name("a--b.json").name.empty());
}

TEST(PipMetadata, DistAndEggInfo) {
  EXPECT_EQ(parse_pip_metadata_name("Flask-2.2.2.dist-info").version, "2.2.2");
  Package egg = parse_pip_metadata_name("gunicorn-20.1.0.egg-info");
  EXPECT_EQ(egg.name, "gunicorn");
  EXPECT_EQ(egg.installer, "pip");
  EXPECT_EQ(parse_pip_metadata_name("zope.interface-5.5.2-py3.11.egg-info").version, "5.5.2");
  EXPECT_TRUE(parse_pip_metadata_name("README").name.empty());
}

TEST(PackageName, NormalizedLikeConda) {
  EXPECT_EQ(normalize_package_name("Typing_Extensions"), "typing-extensions");
}

class Inspect : public ::testing::Test {
 protected:
  test::TempDir tmp;
  Root root{tmp.path()};
  const std::string prefix = "/opt/miniconda3/envs/app";

  void make_conda_env() {
    tmp.write(prefix + "/conda-meta/history", "==> 2026-11-01 10:00:00 <==\n");
    tmp.write(prefix + "/conda-meta/python-3.11.2-h_fixture_0.json", "{}");
    tmp.write(prefix + "/conda-meta/flask-2.2.2-py_0.json", "{}");
    tmp.write(prefix + "/bin/python",
              "\x7f"
              "ELF",
              0755);
    tmp.write(prefix + "/bin/gunicorn", "#!" + prefix + "/bin/python\nimport gunicorn\n", 0755);
    tmp.write(prefix + "/lib/python3.11/site-packages/Werkzeug-2.2.2.egg-info/PKG-INFO", "");
  }
};

TEST_F(Inspect, ReadsPythonPackagesAndEntryPoints) {
  make_conda_env();
  auto r = inspect(prefix, root);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->python_version, "3.11.2");
  EXPECT_EQ(r->python_major_minor(), "3.11");
  ASSERT_NE(r->find("flask"), nullptr);
  ASSERT_NE(r->find("werkzeug"), nullptr);
  EXPECT_EQ(r->find("werkzeug")->installer, "pip");
  EXPECT_EQ(r->find("gunicorn"), nullptr);
  EXPECT_TRUE(r->problems.empty());
}

TEST_F(Inspect, MissingEnvironment) {
  auto r = inspect(prefix, root);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(),
            "/opt/miniconda3/envs/app: error: the environment does not exist\n"
            "  hint: create it with `conda create -p PREFIX python=3.11 ...`, or fix the contract's [conda] "
            "section");
}

TEST_F(Inspect, VenvIsNamedAsSuch) {
  make_conda_env();
  tmp.write(prefix + "/pyvenv.cfg", "home = /usr/bin\n");
  auto r = inspect(prefix, root);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, prefix + "/pyvenv.cfg");
  EXPECT_EQ(r.error().message, "this is a Python venv, not a conda environment");
}

TEST_F(Inspect, NotConda) {
  tmp.write(prefix + "/bin/python", "", 0755);
  auto r = inspect(prefix, root);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "not a conda environment: conda-meta/history is missing");
}

TEST_F(Inspect, PythonNotExecutable) {
  make_conda_env();
  tmp.write(prefix + "/bin/python", "", 0644);
  auto r = inspect(prefix, root);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, prefix + "/bin/python");
  EXPECT_THAT(r.error().hint, HasSubstr("conda install -p PREFIX python"));
}

TEST_F(Inspect, ForeignShebangIsAProblem) {
  make_conda_env();
  tmp.write(prefix + "/bin/flask", "#!/opt/miniconda3/envs/other/bin/python\n", 0755);
  tmp.write(prefix + "/bin/tool", "#!/usr/bin/env python\n", 0755);
  tmp.write(prefix + "/conda-meta/garbage.json", "{}");
  auto r = inspect(prefix, root);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->problems.size(), 2u);
  EXPECT_EQ(r->problems[0].file, prefix + "/conda-meta/garbage.json");
  EXPECT_EQ(r->problems[1].file, prefix + "/bin/flask");
  EXPECT_THAT(r->problems[1].message,
              HasSubstr("interpreter '/opt/miniconda3/envs/other/bin/python' lies outside the environment"));
}

}  // namespace
}  // namespace csd::conda
