// The daemon: one epoll loop over inotify on the flag's directory, a signalfd (TERM and INT:
// finish what is in progress, save, exit 0; HUP: re-read the contract), the control socket,
// and timers armed only while something is pending. Idle, it sleeps in epoll_wait with no
// timeout at all (defect 1: the old watchdog polled every 5 s). Talks to systemd through
// sd_notify: READY=1 once it watches, STATUS= after every action, WATCHDOG=1 when the unit
// sets WatchdogSec=.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "util/error.h"
#include "watchdog/settings.h"

namespace csd::watchdog {

struct DaemonOptions {
  // Reads the contract again (at start and on SIGHUP).
  std::function<Result<Settings>()> load_settings;
  // Human-readable lines at a syslog priority; the caller prints them (the library never does).
  std::function<void(int priority, const std::string& line)> log = [](int, const std::string&) {};
  // Ask systemd (sd-bus) for the app unit's MainPID and, if the contract says so, to restart it.
  bool use_systemd_bus = true;
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Runs until SIGTERM or SIGINT and returns 0 then; an error when it cannot start. Blocks
  // SIGTERM, SIGINT and SIGHUP in the calling thread (they arrive through the signalfd).
  Result<int> run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace csd::watchdog
