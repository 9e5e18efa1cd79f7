// Asking systemd over D-Bus (sd-bus): the app unit's MainPID for the identity proof, and a unit
// restart when a reload could not be confirmed and the contract says to restart.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "util/error.h"

struct sd_bus;

namespace csd::watchdog {

class SystemdBus {
 public:
  // The system bus; fails (quickly) where there is none, e.g. outside a booted system.
  static Result<SystemdBus> connect();

  // 0 when the unit is not loaded or has no main process.
  Result<pid_t> main_pid(const std::string& unit);
  // RestartUnit(unit, "replace"). Unprivileged callers need a polkit rule for it.
  Status restart_unit(const std::string& unit);

 private:
  struct Close {
    void operator()(sd_bus* bus) const;
  };
  explicit SystemdBus(sd_bus* bus) : bus_(bus) {}
  std::unique_ptr<sd_bus, Close> bus_;
};

}  // namespace csd::watchdog
