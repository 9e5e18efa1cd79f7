#include "control/client.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "util/fd.h"
#include "util/json_bounds.h"
#include "util/json_text.h"

namespace csd::control {

using nlohmann::json;

Result<sockaddr_un> address_of(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    return file_error(
        path,
        fmt::format("socket path longer than the {} bytes Unix sockets allow", sizeof(addr.sun_path) - 1),
        "choose a shorter paths.control_socket");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

int try_connect(int fd, const sockaddr_un& addr) {
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) return 0;
  return errno;
}

std::string encode_line(const json& j) {
  return json_text(j) + "\n";
}

Result<json> call(const std::string& path, const json& request, Millis timeout) {
  auto addr = address_of(path);
  if (!addr) return addr.error();
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return make_error(fmt::format("socket(): {}", std::strerror(errno)));
  if (int err = try_connect(fd.get(), *addr); err != 0)
    return file_error(path, fmt::format("no watchdog answers: {}", std::strerror(err)),
                      "is the watchdog unit running? `systemctl status NAME-watchdog.service`");
  std::string out = encode_line(request);
  if (::send(fd.get(), out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size()))
    return file_error(path, fmt::format("cannot send: {}", std::strerror(errno)));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string in;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return file_error(path, "the watchdog did not answer in time");
    struct pollfd p {
      fd.get(), POLLIN, 0
    };
    int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60'000)));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return file_error(path, "the watchdog closed the connection without an answer");
    in.append(buf, static_cast<std::size_t>(n));
    if (in.size() > kMaxLine) return file_error(path, "answer too long");
    auto nl = in.find('\n');
    if (nl == std::string::npos) continue;
    std::string line = in.substr(0, nl);
    if (nests_deeper_than(line, kMaxJsonDepth))
      return file_error(path, "the watchdog's answer nests too deep");
    json answer = json::parse(line, nullptr, false);
    if (answer.is_discarded() || !answer.is_object())
      return file_error(path, "the watchdog's answer is not JSON");
    return answer;
  }
}

}  // namespace csd::control
