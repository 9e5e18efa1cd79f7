#include "render/tool_path.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support/temp_dir.h"

namespace csd::render {
namespace {

using ::testing::ElementsAre;

const std::string kOld = "/usr/local/bin/conda-systemd";
const std::string kNew = "/usr/bin/conda-systemd";

std::string unit(const std::string& tool) {
  return "[Service]\nExecStartPre=" + tool +
         " check --contract /etc/conda-systemd/app.toml\nExecStart=" + tool +
         " exec --contract /etc/conda-systemd/app.toml -- gunicorn app:app\n";
}

TEST(ToolMigration, NamesInstalledUnitsThatRanTheOldPath) {
  test::TempDir dir;
  dir.write("/etc/systemd/system/app.service", unit(kOld));
  dir.write("/etc/systemd/system/app-watchdog.service", unit(kNew));
  std::vector<File> files = {{"/etc/systemd/system/app.service", unit(kNew)},
                             {"/etc/systemd/system/app-watchdog.service", unit(kNew)},
                             {"/etc/systemd/system/app-wip-worker.service", unit(kNew)},  // not installed yet
                             {"/etc/conda-systemd/app.env", "A=" + kOld + "\n"}};
  EXPECT_THAT(tool_migrations(files, Root(dir.path()), kOld, kNew),
              ElementsAre("/etc/systemd/system/app.service"));
}

TEST(ToolMigration, APathThatOnlyStartsWithTheOldOneIsNotIt) {
  test::TempDir dir;
  dir.write("/etc/systemd/system/app.service", unit(kOld + "-2"));
  std::vector<File> files = {{"/etc/systemd/system/app.service", unit(kNew)}};
  EXPECT_TRUE(tool_migrations(files, Root(dir.path()), kOld, kNew).empty());
}

TEST(ToolMigration, NothingWhenTheToolIsTheOldPathOnPurpose) {
  test::TempDir dir;
  dir.write("/etc/systemd/system/app.service", unit(kOld));
  std::vector<File> files = {{"/etc/systemd/system/app.service", unit(kOld)}};
  EXPECT_TRUE(tool_migrations(files, Root(dir.path()), kOld, kOld).empty());
}

}  // namespace
}  // namespace csd::render
