// conda-systemd: the command line. Thin by design: parse arguments, call the library, print.
#include <cstdio>

#include "cli/command.h"

int main(int argc, char** argv) {
  using namespace csd::cli;
  CLI::App app{"Run conda-based Python services under systemd, from one versioned contract.", "conda-systemd"};
  app.set_version_flag("--version", std::string("conda-systemd ") + CSD_VERSION);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 ok, 1 problems found, 2 usage error or unusable contract. See docs/exit-codes.md.\n");

  Commands commands;
  register_contract(app, commands);
  register_render(app, commands);
  register_check(app, commands);
  register_exec(app, commands);
  register_watchdog(app, commands);
  register_restart(app, commands);
  register_status(app, commands);
  register_scale(app, commands);
  register_verify(app, commands);
  register_health(app, commands);
  register_deploy(app, commands);
  register_rollback(app, commands);
  register_runbook(app, commands);
  register_import(app, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUnusable;
  }
  for (const auto& command : commands)
    if (command.app->parsed()) return command.run();
  return kUnusable;
}
