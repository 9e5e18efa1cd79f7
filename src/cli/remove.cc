// `conda-systemd remove NAME`: stops and disables the service's units, deletes what render wrote
// (units, environment file, installed contract copy, runbook), keeps the state and the secrets file.
#include <fmt/format.h>

#include "cli/command.h"
#include "contract/installed.h"
#include "contract/naming.h"
#include "host/bus.h"
#include "render/uninstall.h"
#include "util/file.h"

namespace csd::cli {

void register_remove(CLI::App& parent, Commands& out) {
  CLI::App* app = add_subcommand(parent, "remove",
                                 "Stop and disable a service's units and delete what render wrote; keep its "
                                 "state and secrets");
  struct Options {
    std::string name;
    std::string root;
    bool no_bus = false;
  };
  auto o = std::make_shared<Options>();
  app->add_option("name", o->name, "the installed contract (/etc/conda-systemd/NAME.toml)")->required();
  app->add_option("--root", o->root, "take every absolute path under DIR, as `systemctl --root` does")
      ->option_text("DIR");
  app->add_flag("--no-bus", o->no_bus,
                "delete the files only; do not ask systemd to stop, disable or reload");
  set_exit_codes(app, {{0, "stopped, disabled and deleted"},
                       {1, "a unit did not stop, or a file could not be deleted (the rest was done)"},
                       {2, "usage error, or no such installed contract"}});
  out.push_back({app, [o] {
                   Root root(o->root);
                   auto path = find_installed_contract(o->name, root);
                   if (!path) return print_error(path.error()), int(kUnusable);
                   auto c = load_contract(*path);
                   if (!c) return print_error(c.error()), int(kUnusable);
                   int rc = kOk;
                   std::optional<host::Systemd> bus;
                   if (!o->no_bus) {
                     auto b = host::Systemd::connect();
                     if (!b) return print_error(b.error()), int(kFailed);
                     bus.emplace(std::move(*b));
                     for (const auto& unit : all_units(*c)) {
                       auto stopped =
                           bus->stop_and_wait(unit, Millis(c->service.graceful_timeout + Millis(30'000)));
                       if (!stopped)
                         print_error(stopped.error()), rc = kFailed;
                       else
                         fmt::print("stopped   {} ({})\n", unit, *stopped);
                     }
                     if (auto d = bus->disable(all_units(*c)); !d) print_error(d.error()), rc = kFailed;
                   }
                   auto removal = render::remove_rendered(*c, root);
                   if (!removal) return print_error(removal.error()), int(kFailed);
                   for (const auto& p : removal->removed) fmt::print("removed   {}\n", p);
                   for (const auto& p : removal->absent) fmt::print("absent    {}\n", p);
                   for (const auto& p : render::kept_paths(*c))
                     if (path_exists(root.map(p))) fmt::print("kept      {}\n", p);
                   if (bus)
                     if (auto r = bus->daemon_reload(); !r) print_error(r.error()), rc = kFailed;
                   return rc;
                 }});
}

}  // namespace csd::cli
