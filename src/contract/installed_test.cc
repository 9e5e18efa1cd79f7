#include "contract/installed.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support/temp_dir.h"

namespace csd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(Installed, ListsTheContractsRenderInstalled) {
  test::TempDir dir;
  dir.write("/etc/conda-systemd/beta.toml", "x");
  dir.write("/etc/conda-systemd/alpha.toml", "x");
  dir.write("/etc/conda-systemd/alpha.env", "x");      // the environment file, not a contract
  dir.write("/etc/conda-systemd/alpha.toml~", "x");    // an editor's backup
  dir.write("/etc/conda-systemd/bad name.toml", "x");  // no contract can have that name
  dir.write("/elsewhere.toml", "x");
  ASSERT_EQ(::symlink(dir.at("/elsewhere.toml").c_str(), dir.at("/etc/conda-systemd/link.toml").c_str()), 0);
  dir.mkdirs("/etc/conda-systemd/dir.toml");
  auto names = installed_contracts(Root(dir.path()));
  ASSERT_TRUE(names.ok()) << names.error().to_string();
  EXPECT_THAT(*names, ElementsAre("alpha", "beta"));
}

TEST(Installed, FindsByNameAndTheOnlyOne) {
  test::TempDir dir;
  dir.write("/etc/conda-systemd/alpha.toml", "x");
  Root root(dir.path());
  EXPECT_EQ(*find_installed_contract("alpha", root), dir.at("/etc/conda-systemd/alpha.toml"));
  EXPECT_EQ(*find_installed_contract("", root), dir.at("/etc/conda-systemd/alpha.toml"));
}

TEST(Installed, UnknownNameListsTheInstalledOnes) {
  test::TempDir dir;
  dir.write("/etc/conda-systemd/alpha.toml", "x");
  dir.write("/etc/conda-systemd/beta.toml", "x");
  auto r = find_installed_contract("alpah", Root(dir.path()));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("no contract 'alpah'"));
  EXPECT_THAT(r.error().message, HasSubstr("installed: alpha, beta"));
  EXPECT_EQ(r.error().hint, "did you mean -n alpha?");
}

TEST(Installed, SeveralOrNoneNeedAName) {
  test::TempDir dir;
  dir.mkdirs("/etc/conda-systemd");
  auto none = find_installed_contract("", Root(dir.path()));
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.error().message, HasSubstr("no contract is installed"));
  dir.write("/etc/conda-systemd/alpha.toml", "x");
  dir.write("/etc/conda-systemd/beta.toml", "x");
  auto two = find_installed_contract("", Root(dir.path()));
  ASSERT_FALSE(two.ok());
  EXPECT_THAT(two.error().message, HasSubstr("2 contracts are installed"));
  EXPECT_EQ(two.error().hint, "give -n NAME or --contract FILE");
}

TEST(Installed, MissingOrUnreadableDirectorySaysSo) {
  test::TempDir dir;
  auto missing = installed_contracts(Root(dir.path()));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("does not exist"));
  dir.write("/etc/conda-systemd", "a file where the directory should be");
  auto not_dir = installed_contracts(Root(dir.path()));
  ASSERT_FALSE(not_dir.ok());
  EXPECT_THAT(not_dir.error().message, HasSubstr("cannot read the contract directory"));
}

TEST(Installed, HostileNamesAreRefused) {
  test::TempDir dir;
  dir.write("/etc/conda-systemd/alpha.toml", "x");
  for (const char* bad : {"../alpha", "a/b", "alpha.toml/..", " "}) {
    auto r = find_installed_contract(bad, Root(dir.path()));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.error().message, HasSubstr("is not a contract name")) << bad;
  }
}

}  // namespace
}  // namespace csd
