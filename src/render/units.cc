#include <fmt/format.h>

#include "contract/naming.h"
#include "render/render.h"
#include "systemd/words.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::render {

namespace {

// A unit file being written: sections in order, one "Key=Value" a line.
class UnitText {
 public:
  explicit UnitText(std::string header) : text_(std::move(header)) {}
  UnitText& section(const char* name) {
    text_ += fmt::format("\n[{}]\n", name);
    return *this;
  }
  UnitText& set(const std::string& key, const std::string& value) {
    text_ += key + "=" + value + "\n";
    return *this;
  }
  UnitText& comment(const std::string& why) {
    text_ += "# " + why + "\n";
    return *this;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

std::string exec_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& word : argv) {
    if (!out.empty()) out += ' ';
    // systemd would expand "$FOO" and "%n" in ExecStart=; the contract's words are literal.
    std::string escaped;
    for (char ch : word) {
      if (ch == '%') escaped += "%%";
      else if (ch == '$') escaped += "$$";
      else escaped += ch;
    }
    out += systemd::quote_word(escaped);
  }
  return out;
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
void writable_paths(UnitText& u, const Contract& c, bool writes_state) {
  std::string runtime = below(c.paths.runtime_dir, "/run");
  if (!runtime.empty()) {
    u.comment("Shared by the app and the watchdog: preserved on stop so neither unit deletes the other's");
    u.comment("PID file or a pending restart flag; /run is emptied at boot anyway.");
    u.set("RuntimeDirectory", runtime).set("RuntimeDirectoryMode", "0750").set("RuntimeDirectoryPreserve", "yes");
  } else {
    u.set("ReadWritePaths", "-" + c.paths.runtime_dir);
  }
  std::string state_dir = parent_dir(c.paths.state_file);
  if (writes_state) {
    std::string state = below(state_dir, "/var/lib");
    if (!state.empty()) u.set("StateDirectory", state).set("StateDirectoryMode", "0750");
    else if (!path_is_under(state_dir, c.paths.runtime_dir)) u.set("ReadWritePaths", "-" + state_dir);
  }
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || starts_with(host, "127.") || host == "[::1]" || host == "::1";
}

// True when no unit of the service needs to talk beyond this host.
bool loopback_only(const Contract& c) {
  if (!c.workers.empty()) return false;  // workers talk to Redis and databases wherever they are
  if (c.service.bind.empty() || !is_loopback_host(c.service.bind.substr(0, c.service.bind.rfind(':')))) return false;
  if (c.service.health_url.empty()) return true;
  std::string rest = c.service.health_url.substr(c.service.health_url.find("//") + 2);
  std::string host = rest.substr(0, rest.find_first_of("/"));
  if (host.rfind(':') != std::string::npos && host.back() != ']') host = host.substr(0, host.rfind(':'));
  return is_loopback_host(host);
}

void hardening(UnitText& u, const Contract& c) {
  u.comment("Hardening: `systemd-analyze security` rates this unit; see docs/hardening.md.");
  u.set("NoNewPrivileges", "yes");
  u.set("CapabilityBoundingSet", "");
  u.set("AmbientCapabilities", "");
  u.set("ProtectSystem", "strict");
  u.set("ProtectHome", "yes");
  // Units that share a path under /tmp must see the same /tmp.
  u.set("PrivateTmp", uses_tmp(c) ? "no" : "yes");
  u.set("PrivateDevices", "yes");
  u.set("PrivateUsers", "yes");
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
  u.comment("gunicorn's workers call setuid() on their own uid at boot; without capabilities that grants nothing.");
  u.set("SystemCallFilter", "setuid setgid");
  u.set("SystemCallErrorNumber", "EPERM");
}

UnitText common_head(const Contract& c, const std::string& what) {
  UnitText u(generated_header(c));
  u.section("Unit");
  u.set("Description", fmt::format("{} {} (contract {})", c.name, what, c.version));
  u.set("Documentation", "file:" + c.service.workdir + "/RUNBOOK.md");
  return u;
}

void service_identity(UnitText& u, const Contract& c, const std::string& unit) {
  u.set("User", c.service.user).set("Group", c.service.group);
  u.set("WorkingDirectory", c.service.workdir);
  u.set("EnvironmentFile", c.service.environment_file);
  // Operator-managed secrets: the app starts without them (its admin endpoints then refuse).
  if (!c.service.secrets_file.empty()) u.set("EnvironmentFile", "-" + c.service.secrets_file);
  u.comment("Refuses to start when anything drifted from the contract; the journal says what and where.");
  u.set("ExecStartPre", exec_line(tool(c, {"check", "--contract", c.installed_path(), "--unit", unit})));
}

std::string app_unit_text(const Contract& c, const std::vector<std::string>& argv) {
  UnitText u = common_head(c, "application");
  u.set("After", "network.target");
  u.set("Wants", watchdog_unit(c));
  u.section("Service");
  u.comment("gunicorn sends READY=1 itself once the arbiter has booted.");
  u.set("Type", "notify").set("NotifyAccess", "main");
  service_identity(u, c, app_unit(c));
  std::vector<std::string> exec = tool(c, {"exec", "--contract", c.installed_path(), "--"});
  exec.insert(exec.end(), argv.begin(), argv.end());
  u.comment("exec replaces itself with the command: gunicorn is the main process and gets systemd's signals.");
  u.set("ExecStart", exec_line(exec));
  u.set("ExecReload", "/bin/kill -HUP $MAINPID");
  u.set("KillMode", "mixed");
  u.set("TimeoutStopSec", std::to_string(c.service.graceful_timeout.count() / 1000 + 5));
  u.set("Restart", "on-failure").set("RestartSec", "2");
  writable_paths(u, c, false);
  hardening(u, c);
  u.section("Install");
  u.set("WantedBy", "multi-user.target");
  return u.text();
}

std::string watchdog_unit_text(const Contract& c) {
  UnitText u = common_head(c, "restart watchdog");
  u.set("After", app_unit(c));
  u.section("Service");
  u.set("Type", "notify").set("NotifyAccess", "main");
  service_identity(u, c, watchdog_unit(c));
  u.set("ExecStart", exec_line(tool(c, {"watchdog", "--contract", c.installed_path()})));
  u.set("ExecReload", "/bin/kill -HUP $MAINPID");
  if (c.watchdog.watchdog_sec.count() > 0) u.set("WatchdogSec", format_duration(c.watchdog.watchdog_sec));
  u.set("Restart", "on-failure").set("RestartSec", "2");
  writable_paths(u, c, true);
  hardening(u, c);
  u.section("Install");
  u.set("WantedBy", "multi-user.target");
  return u.text();
}

std::string worker_unit_text(const Contract& c, const WorkerSection& w) {
  UnitText u = common_head(c, "worker " + w.name);
  u.set("After", "network.target");
  u.section("Service");
  u.set("Type", "simple");
  service_identity(u, c, worker_unit(c, w));
  for (const auto& [k, v] : w.environment) u.set("Environment", systemd::quote_word(k + "=" + v));
  std::vector<std::string> exec = tool(c, {"exec", "--contract", c.installed_path(), "--"});
  exec.insert(exec.end(), w.command.begin(), w.command.end());
  u.set("ExecStart", exec_line(exec));
  u.set("Restart", "on-failure").set("RestartSec", "5");
  u.set("TimeoutStopSec", "30");
  hardening(u, c);
  u.section("Install");
  u.set("WantedBy", "multi-user.target");
  return u.text();
}

}  // namespace

std::string generated_header(const Contract& c, const char* comment) {
  return fmt::format(
      "{0} Generated by conda-systemd from contract {1} version {2} ({3}).\n"
      "{0} Do not edit: change the contract, then run `conda-systemd render --contract {3}`.\n",
      comment, c.name, c.version, c.installed_path());
}

Result<std::vector<File>> render_all(const Contract& c, const std::string& contract_text) {
  auto argv = service_argv(c);
  if (!argv) return argv.error();
  const std::string dir = "/etc/systemd/system/";
  std::vector<File> files;
  files.push_back({dir + app_unit(c), app_unit_text(c, *argv)});
  files.push_back({dir + watchdog_unit(c), watchdog_unit_text(c)});
  for (const auto& w : c.workers) files.push_back({dir + worker_unit(c, w), worker_unit_text(c, w)});
  files.push_back({c.service.environment_file, render_environment_file(c)});
  files.push_back({c.installed_path(), contract_text});
  return files;
}

}  // namespace csd::render
