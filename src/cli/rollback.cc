// `conda-systemd rollback`: back to the environment the last deploy replaced, with the same
// preflight and health gate.
#include "cli/command.h"

namespace csd::cli {

std::function<int()> switch_command(CLI::App* app, bool is_deploy);  // deploy.cc

void register_rollback(CLI::App& parent, Commands& out) {
  CLI::App* app = add_subcommand(
      parent, "rollback", "Go back to the environment the last deploy replaced, with the same health gate");
  set_exit_codes(app, {{0, "rolled back and the gate passed"}, {1, "the gate failed"}});
  out.push_back({app, switch_command(app, false)});
}

}  // namespace csd::cli
