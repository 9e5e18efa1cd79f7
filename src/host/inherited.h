// The sockets systemd passed this process (socket activation, sd_listen_fds(3)): LISTEN_PID names
// the process they are for, LISTEN_FDS how many, from descriptor 3 on. `exec` replaces itself with
// gunicorn, which serves every one of them and ignores its --bind, so exec checks them first
// (docs/exec.md, "Inherited sockets").
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "util/error.h"

namespace csd::host {

inline constexpr int kListenFdsStart = 3;  // SD_LISTEN_FDS_START

struct InheritedSocket {
  int fd = -1;
  // Where it listens: "127.0.0.1:8080", "[::]:8080", a unix path, "@name" for the abstract namespace.
  std::string address;
  bool listening = false;  // SO_ACCEPTCONN
};

// The sockets passed to `self`: nothing when LISTEN_PID is unset or names another process (they
// were not meant for it). An error when LISTEN_PID or LISTEN_FDS is not a number, LISTEN_FDS is
// over the descriptors a process may hold, or a descriptor it names is not an open socket.
Result<std::vector<InheritedSocket>> inherited_sockets(const char* listen_pid, const char* listen_fds,
                                                       pid_t self);

// The unit this process runs in ("mes-dashboard@blue.service"), from /proc/self/cgroup
// (host/process.h); "" outside a service.
std::string own_unit();

// "127.0.0.1:8080", "[::1]:8080" (the address as inet_ntop writes it), a unix path, "@name".
std::string socket_address_text(const void* sockaddr, socklen_t length);

}  // namespace csd::host
