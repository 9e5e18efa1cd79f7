#include <fmt/format.h>

#include <algorithm>

#include "contract/bind.h"
#include "contract/naming.h"
#include "render/render.h"
#include "render/unit_parts.h"
#include "runbook/runbook.h"
#include "systemd/unit_writer.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::render {

namespace parts {

using systemd::UnitWriter;

// The contract's words reach the process as written: "$" would otherwise expand at start.
systemd::ExecCommand literal(std::vector<std::string> argv) {
  for (auto& word : argv) {
    std::string escaped;
    for (char ch : word) escaped += ch == '$' ? std::string("$$") : std::string(1, ch);
    word = escaped;
  }
  systemd::ExecCommand cmd;
  cmd.path = argv.front();
  cmd.argv = std::move(argv);
  return cmd;
}

std::vector<std::string> tool(const Contract& c, std::initializer_list<std::string> args) {
  std::vector<std::string> argv = {c.tool};
  argv.insert(argv.end(), args);
  return argv;
}

// "/run/mes-dashboard" -> "mes-dashboard" when systemd can manage it as RuntimeDirectory=.
std::string below(const std::string& path, const std::string& base) {
  return path_is_under(path, base) && path.size() > base.size() + 1 ? path.substr(base.size() + 1) : "";
}

bool uses_tmp(const Contract& c) {
  for (const auto* p : {&c.paths.runtime_dir, &c.paths.pid_file, &c.paths.restart_flag, &c.paths.state_file,
                        &c.paths.control_socket})
    if (path_is_under(*p, "/tmp") || path_is_under(*p, "/var/tmp")) return true;
  return false;
}

// The directories a unit may write under ProtectSystem=strict: systemd-managed ones where the
// contract's paths allow, ReadWritePaths= ("-" so a missing one is no 226/NAMESPACE) for the rest.
void writable_paths(UnitWriter& u, const Contract& c, bool writes_state) {
  std::string runtime = below(c.paths.runtime_dir, "/run");
  if (!runtime.empty()) {
    u.comment("Shared by the app and the watchdog: preserved on stop so neither unit deletes the other's");
    u.comment("PID file or a pending restart flag; /run is emptied at boot anyway.");
    u.set_words("RuntimeDirectory", {runtime})
        .set("RuntimeDirectoryMode", "0750")
        .set("RuntimeDirectoryPreserve", "yes");
  } else {
    u.set_words("ReadWritePaths", {"-" + c.paths.runtime_dir});
  }
  std::string state_dir = parent_dir(c.paths.state_file);
  if (writes_state) {
    std::string state = below(state_dir, "/var/lib");
    if (!state.empty())
      u.set_words("StateDirectory", {state}).set("StateDirectoryMode", "0750");
    else if (!path_is_under(state_dir, c.paths.runtime_dir))
      u.set_words("ReadWritePaths", {"-" + state_dir});
  }
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || starts_with(host, "127.") || host == "[::1]" || host == "::1";
}

// True when no unit of the service needs to talk beyond this host.
bool loopback_only(const Contract& c) {
  if (!c.workers.empty()) return false;  // workers talk to Redis and databases wherever they are
  // A unix socket needs no IP at all.
  if (c.service.bind.empty() ||
      (unix_bind_path(c.service.bind).empty() && !is_loopback_host(bind_host(c.service.bind))))
    return false;
  if (c.service.health_url.empty()) return true;
  std::string rest = c.service.health_url.substr(c.service.health_url.find("//") + 2);
  std::string host = rest.substr(0, rest.find_first_of("/"));
  if (host.rfind(':') != std::string::npos && host.back() != ']') host = host.substr(0, host.rfind(':'));
  return is_loopback_host(host);
}

}  // namespace parts

using namespace parts;

// Every key hardening() and writable_paths() may write: check calls a change to one of them
// "hardening weakened" rather than "differs".
bool is_hardening_key(std::string_view key) {
  static const char* const keys[] = {"NoNewPrivileges",
                                     "CapabilityBoundingSet",
                                     "AmbientCapabilities",
                                     "ProtectSystem",
                                     "ProtectHome",
                                     "PrivateTmp",
                                     "PrivateDevices",
                                     "ProtectKernelTunables",
                                     "ProtectKernelModules",
                                     "ProtectKernelLogs",
                                     "ProtectControlGroups",
                                     "ProtectClock",
                                     "ProtectHostname",
                                     "ProtectProc",
                                     "ProcSubset",
                                     "RestrictNamespaces",
                                     "RestrictRealtime",
                                     "RestrictSUIDSGID",
                                     "LockPersonality",
                                     "RemoveIPC",
                                     "UMask",
                                     "PrivateMounts",
                                     "KeyringMode",
                                     "DevicePolicy",
                                     "MemoryDenyWriteExecute",
                                     "RestrictAddressFamilies",
                                     "IPAddressDeny",
                                     "IPAddressAllow",
                                     "SystemCallArchitectures",
                                     "SystemCallFilter",
                                     "SystemCallErrorNumber",
                                     "RuntimeDirectoryMode",
                                     "StateDirectoryMode",
                                     "ReadWritePaths"};
  for (const char* k : keys)
    if (key == k) return true;
  return false;
}

namespace parts {

void hardening(UnitWriter& u, const Contract& c) {
  u.comment("Hardening: `systemd-analyze security` rates this unit; see docs/hardening.md.");
  u.set("NoNewPrivileges", "yes");
  u.set("CapabilityBoundingSet", "");
  u.set("AmbientCapabilities", "");
  u.set("ProtectSystem", "strict");
  u.set("ProtectHome", "yes");
  // Units that share a path under /tmp must see the same /tmp.
  u.set("PrivateTmp", uses_tmp(c) ? "no" : "yes");
  u.set("PrivateDevices", "yes");
  // No PrivateUsers=: each unit would get its own user namespace, and the kernel then hides the
  // app's gunicorn master from the watchdog (/proc/PID/exe is denied across namespaces).
  u.set("ProtectKernelTunables", "yes");
  u.set("ProtectKernelModules", "yes");
  u.set("ProtectKernelLogs", "yes");
  u.set("ProtectControlGroups", "yes");
  u.set("ProtectClock", "yes");
  u.set("ProtectHostname", "yes");
  u.set("ProtectProc", "invisible");
  u.set("ProcSubset", "pid");
  u.set("RestrictNamespaces", "yes");
  u.set("RestrictRealtime", "yes");
  u.set("RestrictSUIDSGID", "yes");
  u.set("LockPersonality", "yes");
  u.set("RemoveIPC", "yes");
  u.set("UMask", "0077");
  u.set("PrivateMounts", "yes");
  u.set("KeyringMode", "private");
  u.set("DevicePolicy", "closed");
  if (c.service.memory_deny_write_execute) u.set("MemoryDenyWriteExecute", "yes");
  u.set("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6");
  if (loopback_only(c)) {
    u.comment("The app binds and the health URL answers on loopback only.");
    u.set("IPAddressDeny", "any").set("IPAddressAllow", "localhost");
  }
  u.set("SystemCallArchitectures", "native");
  u.set("SystemCallFilter", "@system-service");
  u.set("SystemCallFilter", "~@privileged @resources");
  u.comment(
      "gunicorn's workers call setuid() on their own uid at boot; without capabilities that grants nothing.");
  u.set("SystemCallFilter", "setuid setgid");
  u.set("SystemCallErrorNumber", "EPERM");
}

UnitWriter common_head(const Contract& c, const std::string& what) {
  UnitWriter u;
  u.comment(generated_notice(c));
  u.section("Unit");
  u.set_text("Description", fmt::format("{} {} (contract {})", c.name, what, c.version));
  u.set_text("Documentation", "file:" + c.service.workdir + "/RUNBOOK.md");
  return u;
}

// The app and the watchdog restart alike and share the runtime directory.
void restart_and_sandbox(UnitWriter& u, const Contract& c, bool writes_state, const UnitWriter& sandbox) {
  u.set("Restart", "on-failure").set("RestartSec", "2");
  writable_paths(u, c, writes_state);
  u.append(sandbox);
}

Result<std::string> finish(UnitWriter& u) {
  u.section("Install");
  u.set("WantedBy", "multi-user.target");
  return u.render();
}

// The activate.d scripts may take [conda] activate_timeout, then the app needs its own start-up
// time; systemd's default of 90 s stays the floor (docs/contract.md).
std::string start_timeout(const Contract& c) {
  constexpr long long kStartAllowance = 60, kFloor = 90;
  return std::to_string(std::max(kFloor, (c.conda.activate_timeout.count() + 999) / 1000 + kStartAllowance));
}

void service_identity(UnitWriter& u, const Contract& c, const std::string& unit) {
  u.set("TimeoutStartSec", start_timeout(c));
  u.set_text("User", c.service.user).set_text("Group", c.service.group);
  u.set_text("WorkingDirectory", c.service.workdir);
  u.set_text("EnvironmentFile", c.service.environment_file);
  // Operator-managed secrets: the app starts without them (its admin endpoints then refuse).
  if (!c.service.secrets_file.empty()) u.set_text("EnvironmentFile", "-" + c.service.secrets_file);
  u.comment("Refuses to start when anything drifted from the contract; the journal says what and where.");
  u.set_exec("ExecStartPre", literal(tool(c, {"check", "--contract", c.installed_path(), "--unit", unit})));
}

void app_exec(UnitWriter& u, const Contract& c, const std::vector<std::string>& argv) {
  std::vector<std::string> exec = tool(c, {"exec", "--contract", c.installed_path(), "--"});
  exec.insert(exec.end(), argv.begin(), argv.end());
  u.comment(
      "exec replaces itself with the command: gunicorn is the main process and gets systemd's signals.");
  u.set_exec("ExecStart", literal(exec));
  u.set("ExecReload", "/bin/kill -HUP $MAINPID");
  u.comment("mixed: SIGTERM to the master alone, which lets in-flight requests finish (graceful_timeout).");
  u.set("KillMode", "mixed");
  u.set("TimeoutStopSec", std::to_string(c.service.graceful_timeout.count() / 1000 + 5));
}

Result<std::string> app_unit_text(const Contract& c, const std::vector<std::string>& argv,
                                  const UnitWriter& sandbox) {
  UnitWriter u = common_head(c, "application");
  u.set("After", "network.target");
  u.set("Wants", watchdog_unit(c));
  u.section("Service");
  u.comment("gunicorn sends READY=1 itself once the arbiter has booted.");
  u.set("Type", "notify").set("NotifyAccess", "main");
  service_identity(u, c, app_unit(c));
  app_exec(u, c, argv);
  restart_and_sandbox(u, c, false, sandbox);
  return finish(u);
}

Result<std::string> watchdog_unit_text(const Contract& c, const UnitWriter& sandbox) {
  UnitWriter u = common_head(c, "restart watchdog");
  // zero_downtime: no one app unit to follow; the socket is there before either instance.
  u.set("After", c.service.zero_downtime ? socket_unit(c) : app_unit(c));
  if (c.service.zero_downtime) u.set("PartOf", target_unit(c));
  u.section("Service");
  u.set("Type", "notify").set("NotifyAccess", "main");
  service_identity(u, c, watchdog_unit(c));
  u.set_exec("ExecStart", literal(tool(c, {"watchdog", "--contract", c.installed_path()})));
  u.set("ExecReload", "/bin/kill -HUP $MAINPID");
  if (c.watchdog.watchdog_sec.count() > 0) u.set("WatchdogSec", format_duration(c.watchdog.watchdog_sec));
  restart_and_sandbox(u, c, true, sandbox);
  return finish(u);
}

Result<std::string> worker_unit_text(const Contract& c, const WorkerSection& w, const UnitWriter& sandbox) {
  UnitWriter u = common_head(c, "worker " + w.name);
  u.set("After", "network.target");
  u.section("Service");
  u.set("Type", "simple");
  service_identity(u, c, worker_unit(c, w));
  u.comment("--worker: exec sets the worker's environment after the service's, so the worker's value wins.");
  std::vector<std::string> exec =
      tool(c, {"exec", "--contract", c.installed_path(), "--worker", w.name, "--"});
  exec.insert(exec.end(), w.command.begin(), w.command.end());
  u.set_exec("ExecStart", literal(exec));
  u.set("Restart", "on-failure").set("RestartSec", "5");
  u.set("TimeoutStopSec", "30");
  u.append(sandbox);
  return finish(u);
}

}  // namespace parts

Result<std::vector<File>> render_units(const Contract& c) {
  auto argv = service_argv(c);
  if (!argv) return argv.error();
  const std::string dir = "/etc/systemd/system/";
  std::vector<File> files;
  auto add = [&](const std::string& unit, Result<std::string> text) -> Status {
    if (!text) return file_error(c.source, fmt::format("cannot render {}: {}", unit, text.error().message));
    files.push_back({dir + unit, std::move(text).value()});
    return ok_status();
  };
  // The same sandbox in every unit: written once (check renders all units at every start).
  UnitWriter sandbox = UnitWriter::block();
  hardening(sandbox, c);
  if (c.service.zero_downtime) {
    for (auto& [unit, text] : zero_downtime_units(c, *argv, sandbox))
      if (auto s = add(unit, std::move(text)); !s) return s.error();
  } else if (auto s = add(app_unit(c), app_unit_text(c, *argv, sandbox)); !s) {
    return s.error();
  }
  if (auto s = add(watchdog_unit(c), watchdog_unit_text(c, sandbox)); !s) return s.error();
  for (const auto& w : c.workers)
    if (auto s = add(worker_unit(c, w), worker_unit_text(c, w, sandbox)); !s) return s.error();
  files.push_back({c.service.environment_file, render_environment_file(c)});
  return files;
}

Result<std::vector<File>> render_all(const Contract& c, const std::string& contract_text) {
  auto files = render_units(c);
  if (!files) return files;
  files->push_back({c.installed_path(), contract_text});
  // The operations runbook, where every unit's Documentation= points.
  files->push_back({runbook::runbook_path(c), runbook::render_runbook(c)});
  return files;
}

}  // namespace csd::render
