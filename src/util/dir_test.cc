#include "util/dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "test_support/temp_dir.h"

namespace csd {
namespace {

TEST(ListDir, SortedNamesWithoutDotEntries) {
  test::TempDir t;
  t.write("/b.conf", "");
  t.write("/a.conf", "");
  t.write("/.hidden", "");
  ASSERT_EQ(::mkdir((t.path() + "/sub").c_str(), 0755), 0);
  auto names = list_dir(t.path());
  ASSERT_TRUE(names) << names.error().to_string();
  EXPECT_EQ(*names, (std::vector<std::string>{".hidden", "a.conf", "b.conf", "sub"}));
}

TEST(ListDir, MissingDirectoryAndFileInItsPlaceAreNotFound) {
  test::TempDir t;
  t.write("/file", "x");
  for (const std::string& p : {t.path() + "/none", t.path() + "/file"}) {
    auto names = list_dir(p);
    ASSERT_FALSE(names) << p;
    EXPECT_TRUE(names.error().is(ErrorKind::kNotFound)) << names.error().to_string();
    EXPECT_EQ(names.error().file, p);
  }
}

}  // namespace
}  // namespace csd
