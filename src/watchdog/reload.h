// Confirming a reload (defect 7: "executed" used to mean only that kill() returned 0). After
// SIGHUP, gunicorn forks new workers and stops the old ones; the reload is done when every old
// worker has exited and the configured number of new ones runs, and then, when the contract
// names one, when the health URL answers 2xx.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "util/duration.h"
#include "util/error.h"
#include "watchdog/pidfd.h"

namespace csd::watchdog {

class WorkerTracker {
 public:
  // Call before the signal: the master's children now are the workers to be replaced.
  WorkerTracker(pid_t master, int expected);

  pid_t master() const { return master_; }
  int expected() const { return expected_; }
  const std::vector<pid_t>& old_workers() const { return old_; }
  // A pidfd per old worker: each polls readable when its worker exits, so an event loop wakes
  // on the exits instead of polling for them.
  std::vector<int> old_worker_fds() const;

  struct Progress {
    std::vector<pid_t> old_left;     // old workers still running
    std::vector<pid_t> new_workers;  // running children that are not old workers
    bool done = false;               // none left, and exactly `expected` new ones
  };
  Progress check() const;

 private:
  pid_t master_;
  int expected_;
  std::vector<pid_t> old_;
  std::vector<Pidfd> old_fds_;
};

// The running (non-zombie) children of a process.
std::vector<pid_t> running_children(pid_t parent);

// One GET; the HTTP status code, or an error when nothing answered in time. Proxies are never
// used (the URL is the service's own), redirects never followed.
// With `unix_socket`, the request goes to that socket instead of the URL's host (the URL's host
// still names the Host: header): a zero-downtime instance's own health socket.
Result<long> http_get_status(const std::string& url, Millis timeout, const std::string& unix_socket = "");

}  // namespace csd::watchdog
