#include "util/user.h"

#include <gtest/gtest.h>

namespace csd {
namespace {

TEST(User, UidOfUser) {
  auto root = uid_of_user("root");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(*root, 0u);
  auto missing = uid_of_user("no-such-user-csd");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no-such-user-csd"), std::string::npos);
}

}  // namespace
}  // namespace csd
