#include "conda/condarc_plain.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <random>

namespace csd::conda {
namespace {

// What yaml-cpp makes of envs_dirs, as parse_envs_dirs read it before the plain reader: the list,
// or nullopt when it is an error.
std::optional<std::vector<std::string>> yaml_envs_dirs(const std::string& text) {
  try {
    const YAML::Node doc = YAML::Load(text);
    if (!doc || doc.IsNull()) return std::vector<std::string>{};
    if (!doc.IsMap()) return std::nullopt;
    const YAML::Node dirs = doc["envs_dirs"];
    if (!dirs || dirs.IsNull()) return std::vector<std::string>{};
    if (!dirs.IsSequence()) return std::nullopt;
    std::vector<std::string> out;
    for (const auto& item : dirs) {
      if (!item.IsScalar()) return std::nullopt;
      out.push_back(item.Scalar());
    }
    return out;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

TEST(CondarcPlain, ReadsTheUsualFiles) {
  // The fixture installation's (tests/fixtures/make-conda-env.sh) and a site's with envs_dirs.
  auto fixture = plain_envs_dirs(
      "# fixture installation\nchannels:\n  - conda-forge\nchannel_priority: strict\n"
      "auto_activate_base: false\n");
  ASSERT_TRUE(fixture);
  EXPECT_TRUE(fixture->empty());
  auto site =
      plain_envs_dirs("envs_dirs:  # where ours live\n- /srv/envs\n- ~/envs   # mine\npkgs_dirs:\n  - /p\n");
  ASSERT_TRUE(site);
  EXPECT_EQ(*site, (std::vector<std::string>{"/srv/envs", "~/envs"}));
  EXPECT_EQ(plain_envs_dirs("envs_dirs: null\n"), std::vector<std::string>{});
  EXPECT_EQ(plain_envs_dirs(""), std::vector<std::string>{});
}

TEST(CondarcPlain, LeavesTheRestToYaml) {
  for (const char* text : {"envs_dirs: /srv\n",
                           "envs_dirs: [a]\n",
                           "envs_dirs:\n  - 'a'\n",
                           "envs_dirs:\n  - ~\n",
                           "envs_dirs:\n  -\n",
                           "envs_dirs:\n  - a\n   - b\n",
                           "envs_dirs:\n  - a\n    b\n",
                           "a: b\na: c\n",
                           "a:b\n",
                           "a: b#c\n",
                           "envs_dirs:\n\t- a\n",
                           "a: b\r\n",
                           "- a\n",
                           "---\na: b\n",
                           "a: &x b\n",
                           "envs_dirs: !!seq\n  - a\n",
                           " a: b\n",
                           "a: b\n- c\n",
                           "envs_dirs:\n  - a: b\n",
                           "envs_dirs:\n  - \xc3\xa9\n",
                           "a: -b\n"})
    EXPECT_FALSE(plain_envs_dirs(text)) << text;
}

// Whatever the plain reader accepts, yaml-cpp reads the same: random files from the pieces of
// both subsets, some in it and most not.
TEST(CondarcPlain, AgreesWithYaml) {
  const std::vector<std::string> pieces = {
      "envs_dirs:", "channels:", "a_b:", "x:",   "- ",   "  - ", "    - ", " ",    "  ",  "# c", " # c", "#",
      "/srv/envs",  "~",         "~/e",  "null", "NULL", "a",    "-a",     "$V/x", "1.5", "a=b", "+x",   "..",
      ":",          "a:b",       "'q'",  "[a]",  "&x",   "*x",   "\t",     "\n",   "\n",  "\n",  "\n"};
  std::mt19937 rng(13);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1), len(1, 24);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (std::size_t n = len(rng); n > 0; --n) text += pieces[pick(rng)];
    auto plain = plain_envs_dirs(text);
    if (!plain) continue;
    ++accepted;
    EXPECT_EQ(plain, yaml_envs_dirs(text)) << "file:\n" << text;
  }
  EXPECT_GT(accepted, 500);  // the comparison is not vacuous
}

}  // namespace
}  // namespace csd::conda
