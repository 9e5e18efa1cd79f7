// Units that run conda-systemd from another path than the contract's `tool`. Kept apart from
// unit_checks.cc: the default path moved with the Debian package, and the old one gets its own fix
// (docs/install.md).
#include <fmt/format.h>

#include "check/context.h"
#include "contract/naming.h"
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

}  // namespace csd::check
