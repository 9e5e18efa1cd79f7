#include "host/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "util/fd.h"

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
  if (!name) return false;
  std::size_t len = std::strlen(name);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // A path or an abstract name ("@..."); anything else (vsock:, newer systemd) is not ours to use.
  if ((name[0] != '/' && name[0] != '@') || len < 2 || len >= sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, name, len);
  if (name[0] == '@') addr.sun_path[0] = '\0';
  socklen_t addr_len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len + (name[0] == '/' ? 1 : 0));
  Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  ssize_t n = ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
                       reinterpret_cast<const sockaddr*>(&addr), addr_len);
  return n == static_cast<ssize_t>(state.size());
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
