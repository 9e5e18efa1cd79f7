#include "render/uninstall.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "render/render.h"
#include "test_support/deployment.h"
#include "util/file.h"

namespace csd::render {
namespace {

TEST(Uninstall, RemovesExactlyWhatRenderWrites) {
  test::Deployment d;
  auto files = render_all(d.contract(), "text");
  ASSERT_TRUE(files.ok()) << files.error().to_string();
  std::vector<std::string> written;
  for (const auto& f : *files) written.push_back(f.path);
  EXPECT_EQ(rendered_paths(d.contract()), written);
}

TEST(Uninstall, DeletesTheRenderedFilesAndKeepsStateAndSecrets) {
  test::Deployment d;
  const Contract& c = d.contract();
  d.write(c.paths.state_file, "{}");
  d.write("/etc/systemd/system/app.service.d/override.conf", "[Service]\n");
  ::unlink(d.dir().at(rendered_paths(c).back()).c_str());  // one already gone
  auto removal = remove_rendered(c, Root(d.root()));
  ASSERT_TRUE(removal.ok()) << removal.error().to_string();
  EXPECT_EQ(removal->removed.size() + removal->absent.size(), rendered_paths(c).size());
  EXPECT_EQ(removal->absent, std::vector<std::string>{rendered_paths(c).back()});
  for (const auto& p : rendered_paths(c)) EXPECT_FALSE(path_exists(d.dir().at(p))) << p;
  EXPECT_TRUE(path_exists(d.dir().at(c.paths.state_file)));
  // An operator's drop-in is not render's: it stays, and so does its directory.
  EXPECT_TRUE(path_exists(d.dir().at("/etc/systemd/system/app.service.d/override.conf")));
}

TEST(Uninstall, ALinkIsRemovedNotItsTarget) {
  test::Deployment d;
  const Contract& c = d.contract();
  d.write("/precious.env", "KEEP=1\n");
  std::string env = d.dir().at(c.service.environment_file);
  ::unlink(env.c_str());
  ASSERT_EQ(::symlink(d.dir().at("/precious.env").c_str(), env.c_str()), 0);
  ASSERT_TRUE(remove_rendered(c, Root(d.root())).ok());
  EXPECT_TRUE(path_exists(d.dir().at("/precious.env")));
}

TEST(Uninstall, ADirectoryWhereAFileShouldBeIsLeftAndSaid) {
  test::Deployment d;
  const Contract& c = d.contract();
  std::string env = d.dir().at(c.service.environment_file);
  ::unlink(env.c_str());
  d.dir().mkdirs(c.service.environment_file);
  auto removal = remove_rendered(c, Root(d.root()));
  ASSERT_FALSE(removal.ok());
  EXPECT_THAT(removal.error().message, ::testing::HasSubstr("is a directory"));
}

}  // namespace
}  // namespace csd::render
