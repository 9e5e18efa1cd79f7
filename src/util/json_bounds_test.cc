#include "util/json_bounds.h"

#include <gtest/gtest.h>

namespace csd {
namespace {

using nlohmann::json;

TEST(JsonBounds, DepthCountsBracketsOutsideStrings) {
  EXPECT_FALSE(nests_deeper_than(R"({"a": [1, {"b": 2}]})", 3));
  EXPECT_TRUE(nests_deeper_than(R"({"a": [1, {"b": 2}]})", 2));
  EXPECT_FALSE(nests_deeper_than(R"({"a": "[[[[[[[[[[ \" [[[["})", 1));
  EXPECT_TRUE(nests_deeper_than(std::string(10'000, '['), kMaxJsonDepth));
  EXPECT_FALSE(nests_deeper_than(std::string(32, '[') + std::string(32, ']'), kMaxJsonDepth));
  EXPECT_TRUE(nests_deeper_than(std::string(33, '{'), kMaxJsonDepth));
  // Unbalanced closers never make the depth negative and so never hide an opener.
  EXPECT_TRUE(nests_deeper_than("]]]]" + std::string(3, '['), 2));
}

TEST(JsonBounds, TextIsCutOnACharacterBoundary) {
  EXPECT_EQ(bounded_text("short", 10), "short");
  std::string cut = bounded_text(std::string(300, 'x'), 256);
  EXPECT_EQ(cut, std::string(256, 'x') + " [44 bytes cut]");
  // "é" is two bytes: a cut in its middle backs off to before it.
  std::string accents;
  for (int i = 0; i < 10; ++i) accents += "\xc3\xa9";
  std::string out = bounded_text(accents, 5);
  EXPECT_EQ(out, "\xc3\xa9\xc3\xa9 [16 bytes cut]");
  EXPECT_NO_THROW(json(out).dump());
}

TEST(JsonBounds, NonScalarsAreReplacedByAMarker) {
  EXPECT_EQ(bounded_scalar(json::parse(R"({"a": [[[1]]]})")), kOmittedObject);
  EXPECT_EQ(bounded_scalar(json::parse("[1, 2]")), kOmittedList);
  EXPECT_EQ(bounded_scalar(json(nullptr)), json(nullptr));
  EXPECT_EQ(bounded_scalar(json(42)), json(42));
  EXPECT_EQ(bounded_scalar(json(true)), json(true));
  EXPECT_EQ(bounded_scalar(json("alice")), json("alice"));
  EXPECT_LT(bounded_scalar(json(std::string(100'000, 'u'))).get<std::string>().size(), kMaxFieldBytes + 32);
}

}  // namespace
}  // namespace csd
