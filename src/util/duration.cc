// Durations in systemd.time(7) syntax, one parser for the contract and every command-line option:
// "5" (seconds), "5s", "500ms", "2min", "1h 30min", "1.5h", "10m" (minutes, as systemd reads it).
// A number without a unit is seconds; white space may separate components and units; below a
// millisecond is dropped; negative values, unknown units and more than 100 years are refused.
#include "util/duration.h"

#include <cstdint>

namespace csd {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t';
}
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Microseconds in one of `unit`, as systemd.time(7) lists the units; 0 when unknown.
std::int64_t unit_us(std::string_view unit) {
  struct Unit {
    std::string_view name;
    std::int64_t us;
  };
  static constexpr Unit kUnits[] = {
      {"us", 1},
      {"usec", 1},
      {"ms", 1'000},
      {"msec", 1'000},
      {"", 1'000'000},
      {"s", 1'000'000},
      {"sec", 1'000'000},
      {"second", 1'000'000},
      {"seconds", 1'000'000},
      {"m", 60'000'000},
      {"min", 60'000'000},
      {"minute", 60'000'000},
      {"minutes", 60'000'000},
      {"h", 3'600'000'000},
      {"hr", 3'600'000'000},
      {"hour", 3'600'000'000},
      {"hours", 3'600'000'000},
      {"d", 86'400'000'000},
      {"day", 86'400'000'000},
      {"days", 86'400'000'000},
      {"w", 604'800'000'000},
      {"week", 604'800'000'000},
      {"weeks", 604'800'000'000},
      {"M", 2'629'800'000'000},
      {"month", 2'629'800'000'000},
      {"months", 2'629'800'000'000},
      {"y", 31'557'600'000'000},
      {"year", 31'557'600'000'000},
      {"years", 31'557'600'000'000},
  };
  for (const auto& u : kUnits)
    if (u.name == unit) return u.us;
  return 0;
}

constexpr std::int64_t kMaxUs = 100 * 31'557'600'000'000;  // 100 years: far beyond any timeout

}  // namespace

std::optional<Millis> parse_duration(std::string_view text) {
  std::int64_t total_us = 0;
  std::size_t i = 0, components = 0;
  auto skip_spaces = [&] {
    while (i < text.size() && is_space(text[i])) ++i;
  };
  skip_spaces();
  while (i < text.size()) {
    std::int64_t whole = 0, fraction = 0, fraction_scale = 1;
    std::size_t digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
      whole = whole * 10 + (text[i] - '0');
      if (whole > kMaxUs) return std::nullopt;
    }
    if (i < text.size() && text[i] == '.') {
      for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits)
        if (fraction_scale < 1'000'000'000) {
          fraction = fraction * 10 + (text[i] - '0');
          fraction_scale *= 10;
        }
    }
    if (digits == 0) return std::nullopt;
    skip_spaces();
    std::size_t unit_start = i;
    while (i < text.size() && is_letter(text[i])) ++i;
    std::int64_t scale = unit_us(text.substr(unit_start, i - unit_start));
    if (scale == 0) return std::nullopt;
    if (whole > kMaxUs / scale) return std::nullopt;
    total_us += whole * scale + fraction * scale / fraction_scale;
    if (total_us > kMaxUs) return std::nullopt;
    ++components;
    skip_spaces();
  }
  if (components == 0) return std::nullopt;
  return Millis(total_us / 1000);
}

std::string format_duration(Millis d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  auto take = [&](std::int64_t unit, const char* name) {
    if (ms >= unit) {
      out += std::to_string(ms / unit) + name;
      ms %= unit;
    }
  };
  take(3'600'000, "h");
  take(60'000, "m");
  take(1000, "s");
  take(1, "ms");
  return out;
}

}  // namespace csd
