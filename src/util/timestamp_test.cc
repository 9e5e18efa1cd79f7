#include "util/timestamp.h"

#include <gtest/gtest.h>

namespace csd {
namespace {

TimePoint utc(int y, unsigned mo, unsigned d, int h, int mi, int s, long long us = 0) {
  using namespace std::chrono;
  return time_point_cast<Micros>(sys_days{year{y} / month{mo} / day{d}}) + hours{h} + minutes{mi} +
         seconds{s} + Micros{us};
}

TEST(Timestamp, FormatsUtcWithOffsetAndMicroseconds) {
  EXPECT_EQ(format_timestamp(utc(2026, 11, 3, 10, 15, 30, 123456)), "2026-11-03T10:15:30.123456+00:00");
  EXPECT_EQ(format_timestamp(utc(2026, 1, 1, 0, 0, 0)), "2026-01-01T00:00:00.000000+00:00");
}

TEST(Timestamp, RoundTrips) {
  TimePoint t = utc(2024, 2, 29, 23, 59, 59, 999999);
  EXPECT_EQ(parse_timestamp(format_timestamp(t)), t);
}

TEST(Timestamp, NaiveIsReadAsUtc) {
  // Defect 6: the old watchdog mixed naive local times with UTC ones.
  EXPECT_EQ(parse_timestamp("2026-11-03T10:15:30"), utc(2026, 11, 3, 10, 15, 30));
  EXPECT_EQ(parse_timestamp("2026-11-03T10:15:30.5"), utc(2026, 11, 3, 10, 15, 30, 500000));
  EXPECT_EQ(parse_timestamp("2026-11-03 10:15"), utc(2026, 11, 3, 10, 15, 0));
  EXPECT_EQ(parse_timestamp("2026-11-03"), utc(2026, 11, 3, 0, 0, 0));
}

TEST(Timestamp, OffsetsAreApplied) {
  EXPECT_EQ(parse_timestamp("2026-11-03T18:15:30+08:00"), utc(2026, 11, 3, 10, 15, 30));
  EXPECT_EQ(parse_timestamp("2026-11-03T18:15:30+0800"), utc(2026, 11, 3, 10, 15, 30));
  EXPECT_EQ(parse_timestamp("2026-11-03T18:15:30+08"), utc(2026, 11, 3, 10, 15, 30));
  EXPECT_EQ(parse_timestamp("2026-11-03T05:15:30-05:00"), utc(2026, 11, 3, 10, 15, 30));
  EXPECT_EQ(parse_timestamp("2026-11-03T10:15:30Z"), utc(2026, 11, 3, 10, 15, 30));
  EXPECT_EQ(parse_timestamp("2026-11-03T10:15:30.123456789+00:00"), utc(2026, 11, 3, 10, 15, 30, 123456));
  // Crossing midnight backwards.
  EXPECT_EQ(parse_timestamp("2026-01-01T02:00:00+08:00"), utc(2025, 12, 31, 18, 0, 0));
}

TEST(Timestamp, RejectsWhatIsNotATimestamp) {
  for (const char* bad :
       {"", "yesterday", "2026-13-01", "2026-02-30", "2026-11-03T24:00", "2026-11-03T10:60",
        "2026-11-03T10:15:61", "2026-11-03X10:15", "2026-11-03T10:15:30+", "2026-11-03T10:15:30.",
        "2026-11-03T10:15:30 UTC", "1730628930", "2026-11-03T10:15:30+25:00", "2026-1-3"})
    EXPECT_FALSE(parse_timestamp(bad).has_value()) << bad;
}

}  // namespace
}  // namespace csd
