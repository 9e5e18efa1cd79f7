#include "host/bus.h"

#include <fmt/format.h>

#include <chrono>
#include <cstring>

#include "host/libsystemd.h"
#include "util/strings.h"

namespace csd::host {

namespace {

// Only reached through a connected Systemd, which connect() made after loading libsystemd.
const LibSystemd& sd() {
  return **libsystemd();
}

constexpr const char* kSystemd = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr const char* kUnit = "org.freedesktop.systemd1.Unit";
constexpr const char* kService = "org.freedesktop.systemd1.Service";

struct BusError {
  sd_bus_error e = SD_BUS_ERROR_NULL;
  ~BusError() { sd().bus_error_free(&e); }
  std::string text(int r) const {
    return e.message ? std::string(e.message) : std::string(std::strerror(-r));
  }
};
struct Message {
  sd_bus_message* m = nullptr;
  ~Message() { sd().bus_message_unref(m); }
};
struct Slot {
  sd_bus_slot* s = nullptr;
  ~Slot() { sd().bus_slot_unref(s); }
};
struct Text {
  char* p = nullptr;
  ~Text() { free(p); }
};
struct Strv {
  char** v = nullptr;
  ~Strv() {
    if (!v) return;
    for (char** i = v; *i; ++i) free(*i);
    free(v);
  }
  std::vector<std::string> list() const {
    std::vector<std::string> out;
    for (char** i = v; i && *i; ++i) out.emplace_back(*i);
    return out;
  }
};

Result<std::string> string_property(sd_bus* bus, const char* path, const char* iface, const char* name) {
  BusError error;
  Text value;
  int r = sd().bus_get_property_string(bus, kSystemd, path, iface, name, &error.e, &value.p);
  if (r < 0) return make_error(fmt::format("systemd property {}: {}", name, error.text(r)));
  return std::string(value.p ? value.p : "");
}

Result<std::vector<std::string>> strv_property(sd_bus* bus, const char* path, const char* iface,
                                               const char* name) {
  BusError error;
  Strv value;
  int r = sd().bus_get_property_strv(bus, kSystemd, path, iface, name, &error.e, &value.v);
  if (r < 0) return make_error(fmt::format("systemd property {}: {}", name, error.text(r)));
  return value.list();
}

// LoadUnit rather than GetUnit: an inactive unit is not loaded, and its state is what we want.
Result<std::string> load_unit(sd_bus* bus, const std::string& name) {
  BusError error;
  Message reply;
  int r = sd().bus_call_method(bus, kSystemd, kManagerPath, kManager, "LoadUnit", &error.e, &reply.m, "s",
                               name.c_str());
  if (r < 0) return make_error(fmt::format("systemd LoadUnit({}): {}", name, error.text(r)));
  const char* path = nullptr;
  if (sd().bus_message_read(reply.m, "o", &path) < 0)
    return make_error(fmt::format("systemd LoadUnit({}): bad reply", name));
  return std::string(path);
}

struct JobWait {
  std::string job;
  std::string result;
};

int on_job_removed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* wait = static_cast<JobWait*>(userdata);
  uint32_t id = 0;
  const char *path = nullptr, *unit = nullptr, *result = nullptr;
  if (sd().bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0) return 0;
  if (path && wait->job == path) wait->result = result ? result : "";
  return 0;
}

}  // namespace

void Systemd::Close::operator()(sd_bus* bus) const {
  sd().bus_flush_close_unref(bus);
}

Result<Systemd> Systemd::connect(Millis call_timeout) {
  if (auto lib = libsystemd(); !lib) return lib.error();
  sd_bus* bus = nullptr;
  int r = sd().bus_open_system(&bus);
  if (r < 0)
    return make_error(fmt::format("cannot connect to the system bus: {}", std::strerror(-r)),
                      "conda-systemd asks systemd over the system bus: is systemd running?");
  sd().bus_set_method_call_timeout(bus, static_cast<uint64_t>(call_timeout.count()) * 1000);
  return Systemd(bus);
}

Result<pid_t> Systemd::main_pid(const std::string& name) {
  BusError error;
  Message reply;
  // GetUnit rather than LoadUnit: it does not load units that are not loaded.
  int r = sd().bus_call_method(bus_.get(), kSystemd, kManagerPath, kManager, "GetUnit", &error.e, &reply.m,
                               "s", name.c_str());
  if (r < 0) {
    if (sd().bus_error_has_name(&error.e, "org.freedesktop.systemd1.NoSuchUnit")) return pid_t{0};
    return make_error(fmt::format("systemd GetUnit({}): {}", name, error.text(r)));
  }
  const char* path = nullptr;
  if (sd().bus_message_read(reply.m, "o", &path) < 0)
    return make_error(fmt::format("systemd GetUnit({}): bad reply", name));
  BusError perr;
  uint32_t pid = 0;
  r = sd().bus_get_property_trivial(bus_.get(), kSystemd, path, kService, "MainPID", &perr.e, 'u', &pid);
  if (r < 0) return make_error(fmt::format("systemd {} MainPID: {}", name, perr.text(r)));
  return static_cast<pid_t>(pid);
}

Result<UnitStatus> Systemd::unit(const std::string& name) {
  auto loaded = load_unit(bus_.get(), name);
  if (!loaded) return loaded.error();
  const std::string& path = *loaded;
  int r = 0;
  UnitStatus u{.name = name};
  for (auto [field, prop] :
       {std::pair{&u.load_state, "LoadState"}, std::pair{&u.active_state, "ActiveState"},
        std::pair{&u.sub_state, "SubState"}, std::pair{&u.fragment_path, "FragmentPath"}}) {
    auto v = string_property(bus_.get(), path.c_str(), kUnit, prop);
    if (!v) return v.error();
    *field = *v;
  }
  auto drop_ins = strv_property(bus_.get(), path.c_str(), kUnit, "DropInPaths");
  if (!drop_ins) return drop_ins.error();
  u.drop_ins = *drop_ins;
  BusError e1;
  int reload = 0;
  r = sd().bus_get_property_trivial(bus_.get(), kSystemd, path.c_str(), kUnit, "NeedDaemonReload", &e1.e, 'b',
                                    &reload);
  if (r < 0) return make_error(fmt::format("systemd {} NeedDaemonReload: {}", name, e1.text(r)));
  u.need_daemon_reload = reload != 0;
  BusError e0;
  uint64_t since = 0;
  r = sd().bus_get_property_trivial(bus_.get(), kSystemd, path.c_str(), kUnit, "ActiveEnterTimestamp", &e0.e,
                                    't', &since);
  if (r < 0) return make_error(fmt::format("systemd {} ActiveEnterTimestamp: {}", name, e0.text(r)));
  u.active_enter_usec = since;
  // Sockets, targets and paths (zero_downtime) have no main process and no Environment=.
  if (u.load_state != "loaded" || !ends_with(name, ".service")) return u;
  BusError e2;
  uint32_t pid = 0;
  r = sd().bus_get_property_trivial(bus_.get(), kSystemd, path.c_str(), kService, "MainPID", &e2.e, 'u',
                                    &pid);
  if (r < 0) return make_error(fmt::format("systemd {} MainPID: {}", name, e2.text(r)));
  u.main_pid = static_cast<pid_t>(pid);
  auto env = strv_property(bus_.get(), path.c_str(), kService, "Environment");
  if (!env) return env.error();
  u.environment = *env;
  return u;
}

Status Systemd::daemon_reload() {
  BusError error;
  Message reply;
  int r =
      sd().bus_call_method(bus_.get(), kSystemd, kManagerPath, kManager, "Reload", &error.e, &reply.m, "");
  if (r < 0) return make_error(fmt::format("systemd Reload (daemon-reload): {}", error.text(r)));
  return ok_status();
}

Result<std::string> Systemd::restart_and_wait(const std::string& name, Millis timeout) {
  return job_and_wait("RestartUnit", "restart", name, timeout);
}

Result<std::string> Systemd::start_and_wait(const std::string& name, Millis timeout) {
  return job_and_wait("StartUnit", "start", name, timeout);
}

Result<std::string> Systemd::stop_and_wait(const std::string& name, Millis timeout) {
  return job_and_wait("StopUnit", "stop", name, timeout);
}

Status Systemd::restart(const std::string& name) {
  BusError error;
  Message reply;
  int r = sd().bus_call_method(bus_.get(), kSystemd, kManagerPath, kManager, "RestartUnit", &error.e,
                               &reply.m, "ss", name.c_str(), "replace");
  if (r < 0) return make_error(fmt::format("systemd RestartUnit({}): {}", name, error.text(r)));
  return ok_status();
}

// DisableUnitFiles(as names, b runtime) and EnableUnitFiles(as names, b runtime, b force).
Status Systemd::unit_files(const char* method, const std::vector<std::string>& names) {
  Message call;
  int r = sd().bus_message_new_method_call(bus_.get(), &call.m, kSystemd, kManagerPath, kManager, method);
  if (r < 0) return make_error(fmt::format("systemd {}: {}", method, std::strerror(-r)));
  std::vector<const char*> strv;
  for (const auto& n : names) strv.push_back(n.c_str());
  strv.push_back(nullptr);
  r = sd().bus_message_append_strv(call.m, const_cast<char**>(strv.data()));
  if (r >= 0) r = sd().bus_message_append(call.m, "b", 0);
  if (r >= 0 && std::string_view(method) == "EnableUnitFiles") r = sd().bus_message_append(call.m, "b", 1);
  if (r < 0) return make_error(fmt::format("systemd {}: {}", method, std::strerror(-r)));
  BusError error;
  Message reply;
  r = sd().bus_call(bus_.get(), call.m, 0, &error.e, &reply.m);
  if (r < 0) return make_error(fmt::format("systemd {}: {}", method, error.text(r)));
  return ok_status();
}

Status Systemd::disable(const std::vector<std::string>& names) {
  return unit_files("DisableUnitFiles", names);
}
Status Systemd::enable(const std::vector<std::string>& names) {
  return unit_files("EnableUnitFiles", names);
}

Result<std::uint64_t> Systemd::cpu_weight(const std::string& name) {
  auto path = load_unit(bus_.get(), name);
  if (!path) return path.error();
  BusError perr;
  uint64_t weight = kNoCpuWeight;
  int r = sd().bus_get_property_trivial(bus_.get(), kSystemd, path->c_str(), kService, "CPUWeight", &perr.e,
                                        't', &weight);
  if (r < 0) return make_error(fmt::format("systemd {} CPUWeight: {}", name, perr.text(r)));
  return static_cast<std::uint64_t>(weight);
}

Status Systemd::set_cpu_weight(const std::string& name, std::uint64_t weight) {
  BusError error;
  Message reply;
  int r = sd().bus_call_method(bus_.get(), kSystemd, kManagerPath, kManager, "SetUnitProperties", &error.e,
                               &reply.m, "sba(sv)", name.c_str(), 1, 1, "CPUWeight", "t",
                               static_cast<uint64_t>(weight));
  if (r < 0)
    return make_error(fmt::format("systemd SetUnitProperties({}, CPUWeight): {}", name, error.text(r)));
  return ok_status();
}

Result<std::string> Systemd::job_and_wait(const char* method, const char* what, const std::string& name,
                                          Millis timeout) {
  JobWait wait;
  Slot slot;
  // The match goes in before the call, so the JobRemoved of a fast job cannot be missed.
  int r = sd().bus_match_signal(bus_.get(), &slot.s, kSystemd, kManagerPath, kManager, "JobRemoved",
                                on_job_removed, &wait);
  if (r < 0) return make_error(fmt::format("cannot watch systemd jobs: {}", std::strerror(-r)));
  if (!subscribed_) {
    BusError error;
    Message reply;
    r = sd().bus_call_method(bus_.get(), kSystemd, kManagerPath, kManager, "Subscribe", &error.e, &reply.m,
                             "");
    if (r < 0) return make_error(fmt::format("systemd Subscribe: {}", error.text(r)));
    subscribed_ = true;
  }
  BusError error;
  Message reply;
  r = sd().bus_call_method(bus_.get(), kSystemd, kManagerPath, kManager, method, &error.e, &reply.m, "ss",
                           name.c_str(), "replace");
  if (r < 0) return make_error(fmt::format("systemd {}({}): {}", method, name, error.text(r)));
  const char* job = nullptr;
  if (sd().bus_message_read(reply.m, "o", &job) < 0)
    return make_error(fmt::format("systemd {}({}): bad reply", method, name));
  wait.job = job;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (wait.result.empty()) {
    r = sd().bus_process(bus_.get(), nullptr);
    if (r < 0) return make_error(fmt::format("systemd bus: {}", std::strerror(-r)));
    if (r > 0) continue;
    auto left =
        std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return make_error(
          fmt::format("the {} of {} did not finish within {}", what, name, format_duration(timeout)),
          fmt::format("`systemctl status {}` and `journalctl -u {}` tell why", name, name));
    r = sd().bus_wait(bus_.get(), static_cast<uint64_t>(left.count()));
    if (r < 0) return make_error(fmt::format("systemd bus: {}", std::strerror(-r)));
  }
  return wait.result;
}

}  // namespace csd::host
