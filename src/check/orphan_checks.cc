// Units render wrote from this contract that it no longer renders (a removed [[worker]]): still
// installed, they would still run the old command. docs/diagnostics.md, CSD134.
#include <fmt/format.h>

#include "check/context.h"
#include "contract/naming.h"
#include "render/orphans.h"

namespace csd::check {

void check_orphans(const Context& ctx, Report& report) {
  const Contract& c = ctx.contract;
  for (const auto& o : render::find_orphans(c, ctx.root)) {
    // Another unit's start is not refused for a leftover: only the orphan's own, and a full check.
    if (!ctx.only_unit.empty() && ctx.only_unit != o.unit) continue;
    report.add({.code = "CSD134",
                .file = o.path,
                .line = 1,
                .message = fmt::format("{} was rendered from contract {}, which no longer renders it", o.unit,
                                       c.name),
                .expected = fmt::format("only the contract's units: {}", fmt::join(all_units(c), ", ")),
                .found = o.unit,
                .fix = fmt::format("systemctl disable --now {}, then {} (it removes the file)", o.unit,
                                   render_hint(c)),
                .unit = o.unit});
  }
}

}  // namespace csd::check
