#include "watchdog/reload.h"

#include <fmt/format.h>

#include <algorithm>

#include "host/process.h"

namespace csd::watchdog {

WorkerTracker::WorkerTracker(pid_t master, int expected) : master_(master), expected_(expected) {
  old_ = host::running_children(master);
  for (pid_t p : old_)
    if (auto fd = Pidfd::open(p); fd) old_fds_.push_back(std::move(fd).value());
}

std::vector<int> WorkerTracker::old_worker_fds() const {
  std::vector<int> out;
  for (const auto& fd : old_fds_) out.push_back(fd.fd());
  return out;
}

WorkerTracker::Progress WorkerTracker::check() const {
  Progress p;
  for (const auto& fd : old_fds_)
    if (!fd.exited()) p.old_left.push_back(fd.pid());
  for (pid_t child : host::running_children(master_))
    // A PID of an exited old worker may already be reused by a new one: only a live old
    // worker's PID is excluded.
    if (std::find(p.old_left.begin(), p.old_left.end(), child) == p.old_left.end())
      p.new_workers.push_back(child);
  p.done = p.old_left.empty() && static_cast<int>(p.new_workers.size()) == expected_;
  return p;
}

}  // namespace csd::watchdog
