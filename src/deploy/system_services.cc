// deploy's Services on the real system.
#include "deploy/deploy.h"
#include "host/bus.h"
#include "host/process.h"

namespace csd::deploy {

namespace {

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

  HealthResult health(const std::string& url, const OnProbe& on_probe) override {
    return host::probe_health(url, gate_, on_probe);
  }

 private:
  host::Systemd bus_;
  HealthOptions gate_;
  Millis restart_timeout_;
};

}  // namespace

Result<std::unique_ptr<Services>> system_services(const HealthOptions& gate, Millis restart_timeout) {
  auto bus = host::Systemd::connect();
  if (!bus) return bus.error();
  return std::unique_ptr<Services>(new SystemServices(std::move(bus).value(), gate, restart_timeout));
}

}  // namespace csd::deploy
