#include "verify/listing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support/temp_dir.h"

namespace csd::verify {
namespace {

using ::testing::HasSubstr;

std::string contract(const std::string& name, const std::string& conda) {
  return "[contract]\nname = \"" + name + "\"\nversion = \"2026.12-1\"\n[conda]\n" + conda +
         "\n[service]\nuser = \"www-data\"\nworkdir = \"/srv/" + name +
         "\"\ncommand = [\"gunicorn\", \"app:app\"]\n[[worker]]\nname = \"wip\"\ncommand = [\"rq\", "
         "\"worker\"]\n";
}

TEST(Listing, EveryInstalledContractWithItsUnits) {
  test::TempDir dir;
  dir.write("/etc/conda-systemd/alpha.toml", contract("alpha", "env = \"alpha-env\""));
  dir.write("/etc/conda-systemd/beta.toml", contract("beta", "prefix = \"/opt/envs/beta\""));
  dir.write("/etc/conda-systemd/broken.toml", "[contract\n");
  auto listed = list_installed(Root(dir.path()), nullptr);
  ASSERT_TRUE(listed.ok()) << listed.error().to_string();
  ASSERT_EQ(listed->size(), 3u);
  const Listed& alpha = (*listed)[0];
  EXPECT_EQ(alpha.name, "alpha");
  EXPECT_EQ(alpha.version, "2026.12-1");
  EXPECT_EQ(alpha.environment, "alpha-env");
  ASSERT_EQ(alpha.units.size(), 3u);
  EXPECT_EQ(alpha.units[0].name, "alpha.service");
  EXPECT_EQ(alpha.units[1].role, "watchdog");
  EXPECT_EQ(alpha.units[2].name, "alpha-wip-worker.service");
  EXPECT_EQ(alpha.units[2].active_state, "unknown");  // no systemd asked
  EXPECT_EQ((*listed)[1].environment, "/opt/envs/beta");
  EXPECT_FALSE((*listed)[2].error.empty());

  std::string text = listing_text(*listed);
  EXPECT_THAT(text, HasSubstr("CONTRACT"));
  EXPECT_THAT(text, HasSubstr("alpha-env"));
  EXPECT_THAT(text, HasSubstr("broken"));
  EXPECT_THAT(text, HasSubstr("3 contract(s) installed"));
  auto j = listing_json(*listed);
  ASSERT_EQ(j["contracts"].size(), 3u);
  EXPECT_EQ(j["contracts"][0]["units"][2]["role"], "worker");
  EXPECT_TRUE(j["contracts"][2].contains("error"));
}

TEST(Listing, NoContractDirectoryIsAnError) {
  test::TempDir dir;
  auto listed = list_installed(Root(dir.path()), nullptr);
  ASSERT_FALSE(listed.ok());
  EXPECT_THAT(listed.error().message, HasSubstr("does not exist"));
}

}  // namespace
}  // namespace csd::verify
