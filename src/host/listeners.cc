#include "host/listeners.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "host/process.h"
#include "util/fd.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::host {

namespace {

std::string strip_brackets(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

bool is_any(const std::string& address) {
  return address.empty() || address == "0.0.0.0" || address == "::";
}

// host/port as a sockaddr; false when `host` is not a literal address.
bool to_sockaddr(const std::string& host, int port, sockaddr_storage& out, socklen_t& len) {
  std::string h = strip_brackets(host);
  std::memset(&out, 0, sizeof out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (h.empty() || ::inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    if (h.empty()) v4->sin_addr.s_addr = htonl(INADDR_ANY);
    len = sizeof *v4;
    return true;
  }
  if (::inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v6;
    return true;
  }
  return false;
}

// The socket inodes -> holders, from /proc/*/fd of the processes this user may read.
void find_holders(std::vector<Listener>& listeners) {
  for (pid_t pid : all_pids()) {
    // Another user's process, or one gone meanwhile, shows nothing.
    for_each_open_file(
        pid,
        [&](const std::string&, std::string_view target) {
          if (!starts_with(target, "socket:[")) return true;
          unsigned long long inode = std::strtoull(std::string(target.substr(8)).c_str(), nullptr, 10);
          for (auto& l : listeners)
            if (l.inode == inode && (l.pids.empty() || l.pids.back() != pid)) l.pids.push_back(pid);
          return true;
        },
        1 << 20);
  }
}

}  // namespace

BindTry try_bind_tcp(const std::string& host, int port, std::string* why) {
  auto say = [why](std::string s) {
    if (why) *why = std::move(s);
  };
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!to_sockaddr(host, port, addr, len)) {
    say("'" + host + "' is not a literal address");
    return BindTry::kCannotTell;
  }
  Fd s(::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) {
    say(std::string("cannot open a socket: ") + std::strerror(errno));
    return BindTry::kCannotTell;
  }
  int one = 1;
  (void)::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0) return BindTry::kFree;
  int err = errno;
  say(std::strerror(err));
  return err == EADDRINUSE ? BindTry::kInUse : BindTry::kCannotTell;
}

bool parse_proc_net_line(const std::string& line, bool ipv6, Listener& out) {
  std::istringstream in(line);
  std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
  if (!(in >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode))
    return false;
  if (state != "0A") return false;  // TCP_LISTEN
  auto colon = local.find(':');
  std::size_t width = ipv6 ? 32 : 8;
  if (colon != width || local.size() != width + 5) return false;
  // The kernel prints the address as 32-bit words in this host's byte order.
  uint32_t words[4] = {};
  for (std::size_t i = 0; i < width / 8; ++i) {
    char* end = nullptr;
    std::string word = local.substr(i * 8, 8);
    words[i] = static_cast<uint32_t>(std::strtoul(word.c_str(), &end, 16));
    if (*end) return false;
  }
  char text[INET6_ADDRSTRLEN] = {};
  if (!::inet_ntop(ipv6 ? AF_INET6 : AF_INET, words, text, sizeof text)) return false;
  char* end = nullptr;
  out.port = static_cast<int>(std::strtol(local.c_str() + colon + 1, &end, 16));
  if (*end) return false;
  out.address = text;
  out.uid = static_cast<uid_t>(std::strtoul(uid.c_str(), &end, 10));
  out.inode = std::strtoull(inode.c_str(), &end, 10);
  out.pids.clear();
  return true;
}

std::vector<Listener> tcp_listeners(const std::string& host, int port) {
  std::string want = strip_brackets(host);
  std::vector<Listener> out;
  for (bool ipv6 : {false, true}) {
    auto text = read_file(ipv6 ? "/proc/net/tcp6" : "/proc/net/tcp", {.max_bytes = 64 << 20});
    if (!text) continue;
    std::istringstream lines(*text);
    std::string line;
    Listener l;
    while (std::getline(lines, line))
      if (parse_proc_net_line(line, ipv6, l) && l.port == port &&
          (l.address == want || is_any(l.address) || is_any(want)))
        out.push_back(l);
  }
  if (!out.empty()) find_holders(out);
  return out;
}

}  // namespace csd::host
