// What changes: the old units held to check's rules, the settings the rendered units drop, and what
// every migration brings.
#include <fmt/format.h>

#include <set>

#include "check/rules.h"
#include "import/steps.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::importer {

// A RuntimeDirectory= that several units declare is deleted when any one of them stops.
void shared_runtime_dirs(ImportState& s) {
  std::vector<const systemd::UnitConfig*> configs;
  for (const auto& v : s.views)
    if (v.usable) configs.push_back(&v.config);
  for (auto& f : check::rule_shared_runtime_dirs(configs)) {
    f.fix = "the rendered units keep it with RuntimeDirectoryPreserve=yes";
    s.finding(std::move(f));
  }
}

// Under ProtectSystem=strict a unit writes only where it is told it may.
void writable_paths(ImportState& s, const UnitView& app, const UnitView* watchdog) {
  const Contract& c = s.out.contract;
  auto check_unit = [&](const UnitView& v, check::Role role) {
    for (auto& f : check::rule_writable_paths(v.config, check::written_paths(c, role))) {
      f.fix = "the rendered units make the contract's paths writable";
      s.finding(std::move(f));
    }
  };
  if (app.usable) check_unit(app, check::Role::kApp);
  if (watchdog && watchdog->usable) check_unit(*watchdog, check::Role::kWatchdog);
}

// Settings of the old units that the rendered ones do not have.
void not_carried_over(ImportState& s) {
  static const std::set<std::string> handled = {"Description",
                                                "Documentation",
                                                "After",
                                                "Wants",
                                                "Requires",
                                                "Type",
                                                "User",
                                                "Group",
                                                "WorkingDirectory",
                                                "EnvironmentFile",
                                                "Environment",
                                                "PIDFile",
                                                "ExecStart",
                                                "ExecReload",
                                                "Restart",
                                                "RestartSec",
                                                "RuntimeDirectory",
                                                "RuntimeDirectoryPreserve",
                                                "RuntimeDirectoryMode",
                                                "StateDirectory",
                                                "StateDirectoryMode",
                                                "ProtectSystem",
                                                "WantedBy",
                                                "KillMode",
                                                "TimeoutStopSec",
                                                "PrivateTmp",
                                                "NoNewPrivileges",
                                                "ProtectHome",
                                                "StartLimitIntervalSec",
                                                "StartLimitBurst"};
  for (const auto& v : s.views) {
    if (!v.usable || v.found.role == Role::kOther) continue;
    for (const auto& a : v.config.assignments()) {
      if (a.value.empty()) continue;
      if (a.key == "After" || a.key == "Wants" || a.key == "Requires") {
        for (const auto& u : split(a.value, ' ')) {
          if (u.empty() || u == "network.target" || starts_with(u, s.options.name + ".") ||
              starts_with(u, s.options.name + "-"))
            continue;
          s.out.changes.push_back(
              fmt::format("{}={} of {} ({}) is not carried over: the rendered units order only "
                          "after network.target; add a drop-in if the service needs it",
                          a.key, u, v.found.name, at(a.file, a.line)));
        }
        continue;
      }
      if (a.key == "Restart" && a.value != "on-failure") {
        s.out.changes.push_back(
            fmt::format("Restart={} of {} becomes Restart=on-failure", a.value, v.found.name));
        continue;
      }
      if (handled.count(a.key)) continue;
      s.out.changes.push_back(
          fmt::format("{}={} of {} ({}) is not carried over: the contract has no key for it; "
                      "keep it in a drop-in",
                      a.key, a.value, v.found.name, at(a.file, a.line)));
    }
  }
}

void changes(ImportState& s) {
  const Contract& c = s.out.contract;
  std::vector<std::string> head = {
      "wrapper removed: every unit runs its command through `conda-systemd exec`, which replaces itself "
      "with it, "
      "so gunicorn is the main process and gets systemd's signals",
      fmt::format(
          "paths unified: the app, the watchdog, the environment file and gunicorn's --pid all take the "
          "runtime paths from the contract ({})",
          c.paths.runtime_dir),
      "hardening added: NoNewPrivileges, PrivateTmp, ProtectSystem=strict, a system call filter and more "
      "(docs/hardening.md)",
      "every unit runs `conda-systemd check` as ExecStartPre=, so drift refuses the start",
      fmt::format("the environment file is rendered at {}", c.service.environment_file.empty()
                                                                ? "/etc/conda-systemd/" + c.name + ".env"
                                                                : c.service.environment_file)};
  if (path_is_under(c.paths.runtime_dir, "/run"))
    head.push_back(
        fmt::format("RuntimeDirectory preserved: {} is kept when a unit stops "
                    "(RuntimeDirectoryPreserve=yes), so the PID file and a pending flag survive",
                    c.paths.runtime_dir));
  if (s.find(Role::kWatchdog))
    head.push_back(s.options.name +
                   "-watchdog.service runs `conda-systemd watchdog` instead of the Python watchdog: same "
                   "flag, state and decisions, with the PID's identity proven before SIGHUP");
  s.out.changes.insert(s.out.changes.begin(), head.begin(), head.end());
}

}  // namespace csd::importer
