#include "conda/command_path.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support/temp_dir.h"

namespace csd::conda {
namespace {

using ::testing::ElementsAre;

class ExecLookup : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::string a = tmp.path() + "/a";
  std::string b = tmp.path() + "/b";
  void SetUp() override {
    tmp.mkdirs("/a");
    tmp.mkdirs("/b");
  }
};

TEST_F(ExecLookup, FirstExecutableInPathOrder) {
  tmp.write("/a/tool", "#!/bin/sh\n", 0755);
  tmp.write("/b/tool", "#!/bin/sh\n", 0755);
  CommandLookup l = find_command("tool", a + ":" + b, "/");
  EXPECT_EQ(l.status, CommandLookup::kFound);
  EXPECT_EQ(l.path, a + "/tool");
  EXPECT_THAT(l.searched, ElementsAre(a));
}

TEST_F(ExecLookup, DirectoriesAreSkippedAndNonExecutablesReportedLast) {
  tmp.mkdirs("/a/tool");
  tmp.write("/b/tool", "data\n", 0644);
  CommandLookup l = find_command("tool", a + ":" + b, "/");
  EXPECT_EQ(l.status, CommandLookup::kNotExecutable);
  EXPECT_EQ(l.path, b + "/tool");

  tmp.write("/c/tool", "#!/bin/sh\n", 0755);
  CommandLookup later = find_command("tool", a + ":" + b + ":" + tmp.path() + "/c", "/");
  EXPECT_EQ(later.status, CommandLookup::kFound) << "a later executable wins over an earlier non-executable";
  EXPECT_EQ(later.path, tmp.path() + "/c/tool");
}

TEST_F(ExecLookup, NotFoundListsEveryDirectory) {
  CommandLookup l = find_command("nosuch", a + "::" + b, "/");
  EXPECT_EQ(l.status, CommandLookup::kNotFound);
  EXPECT_THAT(l.searched, ElementsAre(a, "", b));
}

TEST_F(ExecLookup, EmptyEntryIsTheWorkingDirectory) {
  tmp.write("/b/tool", "#!/bin/sh\n", 0755);
  CommandLookup l = find_command("tool", a + ":", b);
  EXPECT_EQ(l.status, CommandLookup::kFound);
  EXPECT_EQ(l.path, b + "/tool");
}

TEST_F(ExecLookup, SlashMeansAPathNotALookup) {
  tmp.write("/a/tool", "#!/bin/sh\n", 0755);
  CommandLookup rel = find_command("./a/tool", "/nonexistent", tmp.path());
  EXPECT_EQ(rel.status, CommandLookup::kFound);
  EXPECT_EQ(rel.path, a + "/tool");
  EXPECT_EQ(find_command(b + "/tool", a, "/").status, CommandLookup::kNotFound);
}

TEST(ExecPolicy, InsideThePrefixOrAllowedByName) {
  const std::string prefix = "/opt/miniconda3/envs/app";
  EXPECT_TRUE(command_allowed("gunicorn", prefix + "/bin/gunicorn", prefix, {}));
  EXPECT_FALSE(command_allowed("true", "/usr/bin/true", prefix, {}));
  EXPECT_FALSE(command_allowed("x", "/opt/miniconda3/envs/app2/bin/x", prefix, {}))
      << "a sibling is not inside";
  EXPECT_TRUE(command_allowed("true", "/usr/bin/true", prefix, {"true"}));
  EXPECT_TRUE(command_allowed("true", "/usr/bin/true", prefix, {"/usr/bin/true"}));
  EXPECT_TRUE(command_allowed("/usr/bin/true", "/usr/bin/true", prefix, {"/usr/bin//true"}));
  EXPECT_FALSE(command_allowed("/usr/bin/true", "/usr/bin/true", prefix, {"true"}))
      << "a bare name allows what PATH finds, not any file of that name";
  EXPECT_FALSE(command_allowed("true", "/usr/bin/true", prefix, {"/bin/true"}));
}

}  // namespace
}  // namespace csd::conda
