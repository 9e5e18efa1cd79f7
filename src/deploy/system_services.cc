// deploy's Services on the real system.
#include <fmt/format.h>

#include "deploy/deploy.h"
#include "host/bus.h"
#include "host/process.h"

namespace csd::deploy {

namespace {

// A swap's unit operations over sd-bus (swap/swap.h).
static_assert(swap::kNoCpuWeight == host::Systemd::kNoCpuWeight, "both mean systemd's [not set]");
class BusUnits : public swap::Units {
 public:
  BusUnits(host::Systemd& bus, HealthOptions gate, Millis timeout)
      : bus_(bus), gate_(gate), timeout_(timeout) {}

  Status start(const std::string& unit) override {
    return job(bus_.start_and_wait(unit, timeout_), "start", unit);
  }
  Status stop(const std::string& unit) override {
    return job(bus_.stop_and_wait(unit, timeout_), "stop", unit);
  }
  Result<bool> is_active(const std::string& unit) override {
    auto u = bus_.unit(unit);
    if (!u) return u.error();
    return u->active_state == "active" || u->active_state == "reloading";
  }
  Result<pid_t> main_pid(const std::string& unit) override {
    auto u = bus_.unit(unit);
    if (!u) return u.error();
    return u->main_pid;
  }
  Result<long> probe(const std::string& url, const std::string& unix_socket) override {
    return host::http_get_status(url, gate_.timeout, unix_socket);
  }
  Status set_boot_instance(const std::string& enable, const std::string& disable) override {
    if (auto s = bus_.disable({disable}); !s) return s;
    if (auto s = bus_.enable({enable}); !s) return s;
    return bus_.daemon_reload();
  }
  Result<std::uint64_t> cpu_weight(const std::string& unit) override { return bus_.cpu_weight(unit); }
  Status set_cpu_weight(const std::string& unit, std::uint64_t weight) override {
    return bus_.set_cpu_weight(unit, weight);
  }

 private:
  static Status job(Result<std::string> result, const char* what, const std::string& unit) {
    if (!result) return result.error();
    if (*result != "done")
      return make_error(fmt::format("systemd's {} job of {} ended '{}'", what, unit, *result),
                        "journalctl -u " + unit + " tells why");
    return ok_status();
  }
  host::Systemd& bus_;
  HealthOptions gate_;
  Millis timeout_;
};

class SystemServices : public Services {
 public:
  SystemServices(host::Systemd bus, HealthOptions gate, Millis restart_timeout)
      : bus_(std::move(bus)), gate_(gate), restart_timeout_(restart_timeout) {}

  Status daemon_reload() override { return bus_.daemon_reload(); }

  Status restart(const std::string& unit) override {
    auto result = bus_.restart_and_wait(unit, restart_timeout_);
    if (!result) return result.error();
    if (*result != "done")
      return make_error("systemd's restart job ended '" + *result + "'",
                        "journalctl -u " + unit + " tells why");
    return ok_status();
  }

  Result<std::string> running_prefix(const std::string& unit) override {
    auto u = bus_.unit(unit);
    if (!u) return u.error();
    if (u->main_pid <= 0) return make_error(unit + " has no main process");
    auto p = host::read_process_context(u->main_pid);
    if (!p) return p.error();
    auto it = p->environ.find("CONDA_PREFIX");
    if (it == p->environ.end()) return make_error("CONDA_PREFIX is not set in its main process");
    return it->second;
  }

  HealthResult health(const std::string& url, const std::string& unix_socket,
                      const OnProbe& on_probe) override {
    HealthOptions gate = gate_;
    gate.unix_socket = unix_socket;
    return host::probe_health(url, gate, on_probe);
  }

  swap::Units* swap_units() override { return &units_; }
  swap::Options swap_options() const override {
    return {.probe_attempts = gate_.retries, .probe_pause = gate_.pause};
  }

 private:
  host::Systemd bus_;
  HealthOptions gate_;
  Millis restart_timeout_;
  BusUnits units_{bus_, gate_, restart_timeout_};
};

}  // namespace

Result<std::unique_ptr<Services>> system_services(const HealthOptions& gate, Millis restart_timeout) {
  auto bus = host::Systemd::connect();
  if (!bus) return bus.error();
  return std::unique_ptr<Services>(new SystemServices(std::move(bus).value(), gate, restart_timeout));
}

}  // namespace csd::deploy
