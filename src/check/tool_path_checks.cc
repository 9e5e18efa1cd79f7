// Units that run conda-systemd from another path than the contract's `tool`, and a tool without
// the watchdog daemon it hands over to. Kept apart from unit_checks.cc: the default path moved with
// the Debian package, and the old one gets its own fix (docs/install.md).
#include <fmt/format.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "check/context.h"
#include "contract/naming.h"
#include "contract/watchdog_program.h"
#include "systemd/exec_line.h"
#include "systemd/unit_loader.h"
#include "util/file.h"

namespace csd::check {

void check_tool_path(const Context& ctx, Report& report) {
  const Contract& c = ctx.contract;
  for (const auto& name : all_units(c)) {
    if (!ctx.only_unit.empty() && ctx.only_unit != name) continue;
    const auto& unit = check::unit(ctx, name);
    if (!unit) continue;  // unit_checks reports a unit that is missing or unreadable
    for (const char* key :
         {"ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost"})
      for (const auto& a : unit->values("Service", key)) {
        const auto& commands = exec_commands(ctx, *unit, a.value);
        if (!commands) continue;
        for (const auto& cmd : *commands) {
          if (base_name(cmd.path) != "conda-systemd" || cmd.path == c.tool) continue;
          bool old_default = cmd.path == kOldDefaultTool;
          report.add(
              {.code = "CSD119",
               .file = a.file,
               .line = a.line,
               .message = old_default
                              ? fmt::format("{}= of {} runs {}, the default before the Debian package", key,
                                            name, cmd.path)
                              : fmt::format(
                                    "{}= of {} runs conda-systemd from another path than the contract's tool",
                                    key, name),
               .expected = c.tool,
               .found = cmd.path,
               .fix = fmt::format("run `{} render --contract {}`: it rewrites the units to run {}", c.tool,
                                  c.source, c.tool)});
        }
      }
  }
}

// `TOOL watchdog` replaces itself with conda-systemd-watchdog, looked for from the program's real
// path (docs/architecture.md, "The watchdog daemon, a program of its own"): without it the
// watchdog unit fails at its start, so its preflight says so first. A tool that is not there at all
// is left to the start itself (systemd names the missing program).
void check_watchdog_program(const Context& ctx, Report& report) {
  const Contract& c = ctx.contract;
  if (!ctx.only_unit.empty() && ctx.only_unit != watchdog_unit(c)) return;
  char real[PATH_MAX];
  if (::realpath(ctx.root.map(c.tool).c_str(), real) == nullptr) return;
  auto paths = watchdog_program_paths(real);
  for (const auto& path : paths)
    if (::access(path.c_str(), X_OK) == 0) return;
  for (auto& path : paths) path = ctx.root.unmap(path);
  report.add({.code = "CSD138",
              .file = c.tool,
              .message = fmt::format("{} has no watchdog daemon: {} watchdog would fail at start", c.tool,
                                     base_name(c.tool)),
              .expected = fmt::format("{} or {}", paths[0], paths[1]),
              .found = "neither is an executable file",
              .fix = "install conda-systemd whole: the Debian package, or `cmake --install` (it puts "
                     "conda-systemd-watchdog in PREFIX/libexec/conda-systemd)",
              .unit = watchdog_unit(c)});
}

}  // namespace csd::check
