#include "host/journal.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "util/fd.h"

namespace csd::host {

std::string journal_datagram(const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) {
    auto eq = f.find('=');
    if (eq == std::string::npos) continue;  // not a field
    std::string_view value = std::string_view(f).substr(eq + 1);
    if (value.find('\n') == std::string_view::npos) {
      out += f;
      out += '\n';
      continue;
    }
    out.append(f, 0, eq);
    out += '\n';
    std::uint64_t n = value.size();
    for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
    out += value;
    out += '\n';
  }
  return out;
}

Status journal_send(const std::vector<std::string>& fields, const std::string& socket_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) return make_error("the journal's socket path is too long");
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid())
    return make_error(fmt::format("cannot write to the journal: socket: {}", std::strerror(errno)));
  std::string datagram = journal_datagram(fields);
  if (::sendto(fd.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
               sizeof(addr)) < 0)
    return make_error(fmt::format("cannot write to the journal ({}): {}", socket_path, std::strerror(errno)));
  return ok_status();
}

}  // namespace csd::host
