#include "check/check.h"

namespace csd::check {

Report run(const Context& ctx) {
  Report report;
  check_environment(ctx, report);
  check_units(ctx, report);
  check_installed_contract(ctx, report);
  check_env_files(ctx, report);
  check_scripts(ctx, report);
  check_runtime_dirs(ctx, report);
  check_orphans(ctx, report);
  check_collisions(ctx, report);
  check_tool_path(ctx, report);
  check_watchdog_program(ctx, report);
  check_bind(ctx, report);
  return report;
}

}  // namespace csd::check
