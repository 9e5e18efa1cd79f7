#include "host/inherited.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "host/process.h"
#include "util/file.h"

namespace csd::host {

namespace {

// A whole decimal number, nothing around it.
bool parse_number(const char* text, long& out) {
  if (!text || !*text) return false;
  const char* end = text + std::strlen(text);
  auto [p, ec] = std::from_chars(text, end, out);
  return ec == std::errc() && p == end;
}

}  // namespace

std::string own_unit() {
  auto text = read_file("/proc/self/cgroup", {.max_bytes = 64 * 1024});
  return text ? unit_of_cgroup(*text) : "";
}

std::string socket_address_text(const void* sockaddr, socklen_t length) {
  const auto* sa = static_cast<const struct sockaddr*>(sockaddr);
  if (length < static_cast<socklen_t>(sizeof(sa_family_t))) return "(no address)";
  char text[INET6_ADDRSTRLEN] = {};
  switch (sa->sa_family) {
    case AF_INET: {
      const auto* in = static_cast<const sockaddr_in*>(sockaddr);
      ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
      return fmt::format("{}:{}", text, ntohs(in->sin_port));
    }
    case AF_INET6: {
      const auto* in6 = static_cast<const sockaddr_in6*>(sockaddr);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
      return fmt::format("[{}]:{}", text, ntohs(in6->sin6_port));
    }
    case AF_UNIX: {
      const auto* un = static_cast<const sockaddr_un*>(sockaddr);
      std::size_t n = length - offsetof(sockaddr_un, sun_path);
      if (n == 0) return "(unnamed unix socket)";
      if (un->sun_path[0] == '\0') return "@" + std::string(un->sun_path + 1, n - 1);
      return std::string(un->sun_path, strnlen(un->sun_path, n));
    }
    default:
      return fmt::format("(address family {})", sa->sa_family);
  }
}

Result<std::vector<InheritedSocket>> inherited_sockets(const char* listen_pid, const char* listen_fds,
                                                       pid_t self) {
  std::vector<InheritedSocket> out;
  if (!listen_pid) return out;
  long pid = 0, count = 0;
  if (!parse_number(listen_pid, pid))
    return make_error(
        fmt::format("LISTEN_PID='{}' is not a process ID", std::string(listen_pid).substr(0, 64)));
  if (pid != self) return out;
  long most = ::sysconf(_SC_OPEN_MAX);
  if (!parse_number(listen_fds, count) || count < 0 || count > most - kListenFdsStart)
    return make_error(
        fmt::format("LISTEN_FDS='{}' is not a number of descriptors",
                    std::string(listen_fds ? listen_fds : "").substr(0, 64)),
        "systemd sets it with LISTEN_PID for socket activation; unset both when starting by hand");
  for (int fd = kListenFdsStart; fd < kListenFdsStart + count; ++fd) {
    sockaddr_storage addr{};
    socklen_t length = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0)
      return make_error(fmt::format("descriptor {} of LISTEN_FDS={} is not an open socket: {}", fd, count,
                                    std::strerror(errno)));
    int accepting = 0;
    socklen_t size = sizeof accepting;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &size) != 0) accepting = 0;
    out.push_back({.fd = fd, .address = socket_address_text(&addr, length), .listening = accepting != 0});
  }
  return out;
}

}  // namespace csd::host
