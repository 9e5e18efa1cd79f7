#include "util/timestamp.h"

#include <fmt/format.h>

namespace csd {

namespace {

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, int n, int& out) {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += static_cast<std::size_t>(n);
  out = v;
  return true;
}

bool take(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::optional<TimePoint> parse_timestamp(std::string_view s) {
  using namespace std::chrono;
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0;
  if (!digits(s, pos, 4, y) || !take(s, pos, '-') || !digits(s, pos, 2, mo) || !take(s, pos, '-') ||
      !digits(s, pos, 2, d))
    return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  int h = 0, mi = 0, sec = 0;
  long long frac_us = 0;
  long long offset_s = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    ++pos;
    if (!digits(s, pos, 2, h) || h > 23) return std::nullopt;
    if (take(s, pos, ':')) {
      if (!digits(s, pos, 2, mi) || mi > 59) return std::nullopt;
      if (take(s, pos, ':')) {
        if (!digits(s, pos, 2, sec) || sec > 59) return std::nullopt;
        if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
          ++pos;
          int n = 0;
          long long scale = 100000;
          while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            // Beyond microseconds the digits are dropped, as Python does.
            if (n < 6) frac_us += (s[pos] - '0') * scale, scale /= 10;
            ++pos, ++n;
          }
          if (n == 0 || n > 9) return std::nullopt;
        }
      }
    }
    if (pos < s.size()) {
      char c = s[pos];
      if (c == 'Z' || c == 'z') {
        ++pos;
      } else if (c == '+' || c == '-') {
        ++pos;
        int oh = 0, om = 0;
        if (!digits(s, pos, 2, oh) || oh > 23) return std::nullopt;
        if (pos < s.size()) {
          take(s, pos, ':');
          if (!digits(s, pos, 2, om) || om > 59) return std::nullopt;
        }
        offset_s = (oh * 3600LL + om * 60LL) * (c == '-' ? -1 : 1);
      } else {
        return std::nullopt;
      }
    }
    if (pos != s.size()) return std::nullopt;
  }
  TimePoint t =
      time_point_cast<Micros>(sys_days{ymd}) + hours{h} + minutes{mi} + seconds{sec} + Micros{frac_us};
  // Local time = UTC + offset, so UTC = local - offset.
  return t - seconds{offset_s};
}

std::string format_timestamp(TimePoint t) {
  using namespace std::chrono;
  sys_days day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<Micros> tod{t - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     tod.hours().count(), tod.minutes().count(), tod.seconds().count(),
                     tod.subseconds().count());
}

TimePoint now_utc() {
  return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
}

}  // namespace csd
