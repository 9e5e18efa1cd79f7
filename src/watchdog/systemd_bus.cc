#include "watchdog/systemd_bus.h"

#include <fmt/format.h>
#include <systemd/sd-bus.h>

#include <cstring>

namespace csd::watchdog {

namespace {

constexpr const char* kSystemd = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
// A wedged manager must not wedge the watchdog.
constexpr uint64_t kCallTimeoutUsec = 2'000'000;

// sd_bus_error and sd_bus_message freed on every path.
struct BusError {
  sd_bus_error e = SD_BUS_ERROR_NULL;
  ~BusError() { sd_bus_error_free(&e); }
  std::string text(int r) const {
    return e.message ? std::string(e.message) : std::string(std::strerror(-r));
  }
};
struct Message {
  sd_bus_message* m = nullptr;
  ~Message() { sd_bus_message_unref(m); }
};

}  // namespace

void SystemdBus::Close::operator()(sd_bus* bus) const {
  sd_bus_flush_close_unref(bus);
}

Result<SystemdBus> SystemdBus::connect() {
  sd_bus* bus = nullptr;
  int r = sd_bus_open_system(&bus);
  if (r < 0) return make_error(fmt::format("cannot connect to the system bus: {}", std::strerror(-r)));
  sd_bus_set_method_call_timeout(bus, kCallTimeoutUsec);
  return SystemdBus(bus);
}

Result<pid_t> SystemdBus::main_pid(const std::string& unit) {
  BusError error;
  Message reply;
  // GetUnit rather than a path of our own making: it does not load units that are not loaded.
  int r = sd_bus_call_method(bus_.get(), kSystemd, kManagerPath, kManager, "GetUnit", &error.e, &reply.m, "s",
                             unit.c_str());
  if (r < 0) {
    if (sd_bus_error_has_name(&error.e, "org.freedesktop.systemd1.NoSuchUnit")) return pid_t{0};
    return make_error(fmt::format("systemd GetUnit({}): {}", unit, error.text(r)));
  }
  const char* path = nullptr;
  r = sd_bus_message_read(reply.m, "o", &path);
  if (r < 0) return make_error(fmt::format("systemd GetUnit({}): bad reply", unit));
  uint32_t pid = 0;
  BusError perr;
  r = sd_bus_get_property_trivial(bus_.get(), kSystemd, path, "org.freedesktop.systemd1.Service", "MainPID",
                                  &perr.e, 'u', &pid);
  if (r < 0) return make_error(fmt::format("systemd {} MainPID: {}", unit, perr.text(r)));
  return static_cast<pid_t>(pid);
}

Status SystemdBus::restart_unit(const std::string& unit) {
  BusError error;
  Message reply;
  int r = sd_bus_call_method(bus_.get(), kSystemd, kManagerPath, kManager, "RestartUnit", &error.e, &reply.m,
                             "ss", unit.c_str(), "replace");
  if (r < 0) return make_error(fmt::format("systemd RestartUnit({}): {}", unit, error.text(r)));
  return ok_status();
}

}  // namespace csd::watchdog
