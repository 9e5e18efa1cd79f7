// Who holds a TCP port on this host: a trial bind, and the listening sockets of /proc/net/tcp and
// tcp6 with the processes whose descriptors hold them. For `check`, which names a service.bind the
// socket cannot hold before the start where it can (docs/check.md, CSD137).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace csd::host {

enum class BindTry { kFree, kInUse, kCannotTell };

// Binds a TCP socket to `host` (a literal IPv4 or IPv6 address, "[::1]" or "::1"; empty for every
// address) and `port` with SO_REUSEADDR, as gunicorn and systemd do, and lets go at once. Only
// EADDRINUSE is kInUse; a name that is not a literal address, a privileged port for an ordinary
// user, an address this host does not have yet are kCannotTell (`why` says which).
BindTry try_bind_tcp(const std::string& host, int port, std::string* why = nullptr);

struct Listener {
  std::string address;  // "127.0.0.1", "::", as /proc/net says
  int port = 0;
  uid_t uid = 0;                 // the socket's owner
  unsigned long long inode = 0;  // socket:[INODE]
  std::vector<pid_t> pids;       // the processes holding it, those this user may see
};

// The listening TCP sockets on `port` that a bind to `host` collides with (the same address, or
// either one the wildcard); `host` as for try_bind_tcp.
std::vector<Listener> tcp_listeners(const std::string& host, int port);

// Parses one line of /proc/net/tcp or tcp6; false for the header, another state than LISTEN, or
// a line that does not parse.
bool parse_proc_net_line(const std::string& line, bool ipv6, Listener& out);

}  // namespace csd::host
