// Durations in systemd.time(7) syntax, one parser for the contract and every command-line option:
// "5" (seconds), "5s", "500ms", "2min", "1h 30min", "1.5h", "10m" (minutes, as systemd reads it).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace csd {

using Millis = std::chrono::milliseconds;

// Components "NUMBER[UNIT]" with optional white space between and inside them; a number without a
// unit is seconds. Returns nullopt for anything else: empty, negative, an unknown unit, over 100 years.
// Below a millisecond is dropped ("1500us" is 1 ms).
std::optional<Millis> parse_duration(std::string_view text);
// The shortest form that parses back to the same value ("90s" -> "1m30s").
std::string format_duration(Millis d);

// What usage errors show after a value that is not a duration.
inline constexpr const char* kDurationHint =
    "a duration in systemd.time(7) syntax: 5, 5s, 500ms, 2min, 1h 30min";

}  // namespace csd
