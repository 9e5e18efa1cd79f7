// `conda-systemd watchdog --contract FILE`: the restart watchdog daemon, for a Type=notify unit.
#include <fmt/format.h>
#include <unistd.h>

#include "cli/command.h"
#include "watchdog/audit.h"
#include "watchdog/loop.h"

namespace csd::cli {

void register_watchdog(CLI::App& parent, Commands& out) {
  CLI::App* app =
      add_subcommand(parent, "watchdog",
                     "Run the restart watchdog: claim restart flags, apply the policy, reload gunicorn, "
                     "confirm (a daemon for a Type=notify unit)");
  struct Options {
    DeploymentOptions deployment;
    bool no_bus = false;
  };
  auto o = std::make_shared<Options>();
  add_deployment_options(app, o->deployment);
  app->add_flag("--no-bus", o->no_bus, "never ask systemd over D-Bus (MainPID check, unit restart)");
  set_exit_codes(app, {{0, "stopped by SIGTERM or SIGINT"}, {1, "the loop failed"}});
  out.push_back({app, [o] {
                   // Under systemd, "<N>" tells the journal the priority (sd-daemon(3)).
                   bool journal = watchdog::stderr_is_journal();
                   watchdog::DaemonOptions d;
                   d.use_systemd_bus = !o->no_bus;
                   d.log = [journal](int priority, const std::string& line) {
                     // --quiet: warnings and errors only (LOG_WARNING is 4, LOG_INFO 6).
                     if (quiet() && priority > 4) return;
                     if (journal)
                       fmt::print(stderr, "<{}>{}\n", priority, line);
                     else
                       fmt::print(stderr, "conda-systemd watchdog: {}\n", line);
                     std::fflush(stderr);
                   };
                   d.load_settings = [o] {
                     return watchdog::load_settings(o->deployment.contract, Root(o->deployment.root),
                                                    home_dir());
                   };
                   watchdog::Daemon daemon(d);
                   auto rc = daemon.run();
                   if (!rc) return print_error(rc.error()), int(kUnusable);
                   return *rc;
                 }});
}

}  // namespace csd::cli
