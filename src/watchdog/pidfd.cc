#include "watchdog/pidfd.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace csd::watchdog {

Result<Pidfd> Pidfd::open(pid_t pid) {
  if (pid <= 0) return make_error(fmt::format("{} is not a process id", pid));
  long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) {
    int err = errno;
    if (err == ESRCH) return make_error(fmt::format("no process with PID {} (pidfd_open)", pid));
    return make_error(fmt::format("pidfd_open({}) failed: {}", pid, std::strerror(err)),
                      err == ENOSYS ? "pidfds need Linux 5.3 or later" : "");
  }
  // pidfds are created close-on-exec.
  return Pidfd(Fd(static_cast<int>(fd)), pid);
}

Status Pidfd::send_signal(int sig) const {
  if (!fd_.valid()) return make_error("no process handle");
  if (::syscall(SYS_pidfd_send_signal, fd_.get(), sig, nullptr, 0) != 0) {
    int err = errno;
    if (err == ESRCH) return make_error(fmt::format("PID {} has exited", pid_));
    return make_error(fmt::format("cannot signal PID {}: {}", pid_, std::strerror(err)));
  }
  return ok_status();
}

bool Pidfd::exited() const {
  if (!fd_.valid()) return true;
  struct pollfd p {
    fd_.get(), POLLIN, 0
  };
  int r = ::poll(&p, 1, 0);
  return r > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

}  // namespace csd::watchdog
