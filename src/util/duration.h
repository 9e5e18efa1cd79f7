// Durations as the contract writes them: "500ms", "60s", "10m", "1h30m".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace csd {

using Millis = std::chrono::milliseconds;

// Returns nullopt for anything else, including negative, empty and unitless values.
std::optional<Millis> parse_duration(std::string_view text);
// The shortest form that parses back to the same value ("90s" -> "1m30s").
std::string format_duration(Millis d);

}  // namespace csd
