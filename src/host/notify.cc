#include "host/notify.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "host/datagram.h"

namespace csd::host {

namespace {

// A decimal number without sign or junk, as systemd writes them.
std::optional<unsigned long long> parse_number(const char* s) {
  if (!s || !*s) return std::nullopt;
  unsigned long long v = 0;
  for (const char* p = s; *p; ++p) {
    if (*p < '0' || *p > '9') return std::nullopt;
    if (v > (~0ULL - 9) / 10) return std::nullopt;
    v = v * 10 + static_cast<unsigned>(*p - '0');
  }
  return v;
}

}  // namespace

bool notify(std::string_view state) {
  const char* name = std::getenv("NOTIFY_SOCKET");
  // A path or an abstract name ("@..."); anything else (vsock:, newer systemd) is not ours to use.
  return name && *name && send_datagram(name, state).ok();
}

std::optional<std::chrono::microseconds> watchdog_interval() {
  auto usec = parse_number(std::getenv("WATCHDOG_USEC"));
  if (!usec || *usec == 0) return std::nullopt;
  if (const char* pid = std::getenv("WATCHDOG_PID")) {
    auto p = parse_number(pid);
    if (!p || *p != static_cast<unsigned long long>(::getpid())) return std::nullopt;
  }
  return std::chrono::microseconds(static_cast<long long>(*usec));
}

}  // namespace csd::host
