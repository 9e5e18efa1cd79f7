#include "host/datagram.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "util/fd.h"

namespace csd::host {

Status send_datagram(const std::string& address, std::string_view data) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if ((address[0] != '/' && address[0] != '@') || address.size() < 2 ||
      address.size() >= sizeof(addr.sun_path))
    return make_error(fmt::format("'{}' is not a unix socket path or abstract name", address));
  std::memcpy(addr.sun_path, address.data(), address.size());
  bool abstract = address[0] == '@';
  if (abstract) addr.sun_path[0] = '\0';
  // An abstract name is exactly its bytes; a path ends with its NUL.
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() + (abstract ? 0 : 1));
  Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return make_error(fmt::format("socket: {}", std::strerror(errno)));
  ssize_t n = ::sendto(fd.get(), data.data(), data.size(), MSG_NOSIGNAL,
                       reinterpret_cast<const sockaddr*>(&addr), len);
  if (n < 0) return make_error(fmt::format("{}: {}", address, std::strerror(errno)));
  if (static_cast<std::size_t>(n) != data.size()) return make_error(fmt::format("{}: a short send", address));
  return ok_status();
}

}  // namespace csd::host
