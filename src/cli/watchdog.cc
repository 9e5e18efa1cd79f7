// `conda-systemd watchdog --contract FILE`: the restart watchdog daemon, for a Type=notify unit. Its
// options are parsed here, with every other command's conventions; then this process becomes the
// daemon, conda-systemd-watchdog (cli/watchdog_main.cc).
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "cli/command.h"
#include "contract/watchdog_program.h"

namespace csd::cli {

namespace {

// conda-systemd-watchdog where this program's watchdog unit finds it (contract/naming.h).
Result<std::string> watchdog_program() {
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return make_error(fmt::format("cannot read /proc/self/exe: {}", std::strerror(errno)));
  auto paths = watchdog_program_paths(std::string(self, static_cast<std::size_t>(n)));
  for (const auto& path : paths)
    if (::access(path.c_str(), X_OK) == 0) return path;
  return make_error(fmt::format("the watchdog program is missing: no {}", fmt::join(paths, ", no ")),
                    "reinstall conda-systemd");
}

}  // namespace

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
                   // The daemon is a program of its own (cli/watchdog_main.cc): it replaces this
                   // process, so the unit's main PID stays the same and maps only the daemon.
                   auto program = watchdog_program();
                   if (!program) return print_error(program.error()), int(kUnusable);
                   std::vector<std::string> args = {*program, "--contract", o->deployment.contract};
                   if (!o->deployment.root.empty()) args.insert(args.end(), {"--root", o->deployment.root});
                   if (o->no_bus) args.push_back("--no-bus");
                   if (quiet()) args.push_back("--quiet");
                   std::vector<char*> argv;
                   for (auto& a : args) argv.push_back(a.data());
                   argv.push_back(nullptr);
                   ::execv(argv[0], argv.data());
                   print_error(make_error(fmt::format("cannot run {}: {}", *program, std::strerror(errno)),
                                          "reinstall conda-systemd"));
                   return int(kUnusable);
                 }});
}

}  // namespace csd::cli
