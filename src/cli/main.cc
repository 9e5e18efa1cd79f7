// conda-systemd: the command line. Thin by design: parse arguments, call the library, print.
#include "cli/app.h"
#include "cli/probe_child.h"

int main(int argc, char** argv) {
  using namespace csd::cli;
  if (is_health_probe_child(argc, argv)) return run_health_probe_child(argc, argv);
  if (auto rc = run_rendered_exec(argc, argv)) return *rc;
  CLI::App app;
  Commands commands;
  if (!build_app_for(app, commands, argc, argv)) build_app(app, commands);

  // CLI11 would say "A subcommand is required" for a misspelt one: name it and the nearest instead.
  if (argc > 1 && argv[1][0] != '-' && !is_command(app, argv[1])) return report_unknown_command(app, argv[1]);
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
