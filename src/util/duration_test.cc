#include "util/duration.h"

#include <gtest/gtest.h>

namespace csd {
namespace {

std::optional<long> ms(std::string_view text) {
  auto d = parse_duration(text);
  if (!d) return std::nullopt;
  return static_cast<long>(d->count());
}

TEST(Duration, SystemdTimeSyntax) {
  EXPECT_EQ(ms("5"), 5'000);  // no unit: seconds
  EXPECT_EQ(ms("5s"), 5'000);
  EXPECT_EQ(ms("500ms"), 500);
  EXPECT_EQ(ms("2min"), 120'000);
  EXPECT_EQ(ms("10m"), 600'000);
  EXPECT_EQ(ms("1h 30min"), 5'400'000);
  EXPECT_EQ(ms("1h30min"), 5'400'000);
  EXPECT_EQ(ms("1m30s"), 90'000);
  EXPECT_EQ(ms("60 seconds"), 60'000);
  EXPECT_EQ(ms(" 2 hours "), 7'200'000);
  EXPECT_EQ(ms("1.5h"), 5'400'000);
  EXPECT_EQ(ms("0.5s"), 500);
  EXPECT_EQ(ms("1w"), 604'800'000);
  EXPECT_EQ(ms("2d"), 172'800'000);
  EXPECT_EQ(ms("1500us"), 1);
  EXPECT_EQ(ms("0"), 0);
}

TEST(Duration, RefusesWhatSystemdRefuses) {
  for (const char* bad :
       {"", " ", "-5", "-5s", "5 parsecs", "s", "1h -5min", "5s!", "1,5s", "1e3", "5 5x", ".s", "1h\n"})
    EXPECT_FALSE(parse_duration(bad).has_value()) << '"' << bad << '"';
}

TEST(Duration, RefusesOverflowInsteadOfWrapping) {
  EXPECT_FALSE(parse_duration("101y").has_value());
  EXPECT_FALSE(parse_duration("99999999999999999999999s").has_value());
  EXPECT_FALSE(parse_duration("99y 99y").has_value());
  EXPECT_TRUE(parse_duration("99y").has_value());
}

TEST(Duration, FormatReadsBack) {
  for (long v : {0L, 1L, 999L, 1'000L, 90'000L, 5'400'000L, 86'400'000L})
    EXPECT_EQ(parse_duration(format_duration(Millis(v))), Millis(v)) << v;
}

}  // namespace
}  // namespace csd
