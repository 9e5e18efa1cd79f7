// A process handle that cannot be fooled by PID reuse: pidfd_open(2) and pidfd_send_signal(2),
// called through syscall(2) so the code does not depend on the C library having wrappers.
#pragma once

#include <sys/types.h>

#include "util/error.h"
#include "util/fd.h"

namespace csd::watchdog {

class Pidfd {
 public:
  Pidfd() = default;
  // Fails with the errno text (ESRCH: no such process) in the message.
  static Result<Pidfd> open(pid_t pid);

  pid_t pid() const { return pid_; }
  int fd() const { return fd_.get(); }
  bool valid() const { return fd_.valid(); }

  // Signals exactly the process the handle was opened on; if it has exited, the kernel says
  // ESRCH instead of hitting whatever process got the PID since.
  Status send_signal(int sig) const;
  // True once the process has terminated (the fd polls readable then).
  bool exited() const;

 private:
  Pidfd(Fd fd, pid_t pid) : fd_(std::move(fd)), pid_(pid) {}
  Fd fd_;
  pid_t pid_ = 0;
};

}  // namespace csd::watchdog
