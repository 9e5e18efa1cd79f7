// What conda-systemd asks systemd over D-Bus (sd-bus): a unit's state, main process, the
// environment its unit files set; a daemon-reload; a start, stop or restart that waits for its job
// to finish, as systemd's own bus-wait-for-jobs does (subscribe, match JobRemoved before the call,
// wait for the job's path). Used by verify, deploy, render, list, remove and the watchdog.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "util/duration.h"
#include "util/error.h"

struct sd_bus;

namespace csd::host {

struct UnitStatus {
  std::string name;
  std::string load_state;  // "loaded", "not-found", "masked"
  std::string active_state;
  std::string sub_state;
  bool need_daemon_reload = false;  // a unit file or drop-in changed since systemd read it
  pid_t main_pid = 0;
  std::uint64_t active_enter_usec = 0;  // ActiveEnterTimestamp: when it last became active; 0 never
  std::string fragment_path;
  std::vector<std::string> drop_ins;
  std::vector<std::string> environment;  // Environment= as systemd will apply it: "NAME=value"
};

class Systemd {
 public:
  // The system bus; fails (quickly) where there is none, e.g. outside a booted system. Each
  // method call gives up after `call_timeout`: a wedged manager must not wedge the caller.
  static Result<Systemd> connect(Millis call_timeout = Millis(10'000));

  Result<UnitStatus> unit(const std::string& name);
  // The unit's MainPID without loading it: 0 when the unit is not loaded or has no main process.
  Result<pid_t> main_pid(const std::string& name);
  Status daemon_reload();
  // RestartUnit(name, "replace"), then waits for its job: the job's result ("done" is success;
  // "failed", "timeout", "canceled", ... are not) or an error when the job did not end in time.
  Result<std::string> restart_and_wait(const std::string& name, Millis timeout);
  // StartUnit(name, "replace"), waited for the same way: "done" once the unit is active (for
  // Type=notify, once it sent READY=1).
  Result<std::string> start_and_wait(const std::string& name, Millis timeout);
  // EnableUnitFiles (as `systemctl enable`, links replaced): the [Install] links of these units.
  Status enable(const std::vector<std::string>& names);
  // StopUnit(name, "replace"), waited for the same way.
  Result<std::string> stop_and_wait(const std::string& name, Millis timeout);
  // RestartUnit(name, "replace") without waiting. Unprivileged callers need a polkit rule for it.
  Status restart(const std::string& name);
  // DisableUnitFiles: removes the [Install] links of these units (as `systemctl disable`).
  Status disable(const std::vector<std::string>& names);
  // A service's CPUWeight= as systemd holds it; kNoCpuWeight when nothing sets it (the default, 100).
  Result<std::uint64_t> cpu_weight(const std::string& name);
  // SetUnitProperties(name, runtime, CPUWeight) as `systemctl set-property --runtime`: applied to a
  // running unit at once and kept until the next reboot; kNoCpuWeight resets it to the default.
  Status set_cpu_weight(const std::string& name, std::uint64_t weight);
  static constexpr std::uint64_t kNoCpuWeight = UINT64_MAX;

 private:
  struct Close {
    void operator()(sd_bus* bus) const;
  };
  explicit Systemd(sd_bus* bus) : bus_(bus) {}
  Status unit_files(const char* method, const std::vector<std::string>& names);
  Result<std::string> job_and_wait(const char* method, const char* what, const std::string& name,
                                   Millis timeout);
  std::unique_ptr<sd_bus, Close> bus_;
  bool subscribed_ = false;  // systemd refuses a second Subscribe on the same connection
};

}  // namespace csd::host
