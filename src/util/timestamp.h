// Timestamps as the dashboard exchanges them: ISO 8601 text, always written in UTC with an
// explicit offset, read back with or without one (a naive timestamp is taken as UTC).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace csd {

using Micros = std::chrono::microseconds;
using TimePoint = std::chrono::sys_time<Micros>;

// Accepts what Python's datetime.fromisoformat writes and reads: "2026-11-03",
// "2026-11-03T10:15", "2026-11-03 10:15:30.123456", with an optional "Z", "+08:00", "+0800" or
// "+08". A timestamp without an offset is UTC: the old watchdog wrote naive local times, and
// guessing a zone is how an 8 h skew happened (defect 6). Returns nullopt for anything else.
std::optional<TimePoint> parse_timestamp(std::string_view text);

// "2026-11-03T10:15:30.123456+00:00": microseconds always present, so every reader (Python
// 3.7+ fromisoformat included) parses it.
std::string format_timestamp(TimePoint t);

TimePoint now_utc();

}  // namespace csd
