// `conda-systemd remove NAME`: stops and disables the service's units, deletes what render wrote
// (units, environment file, installed contract copy, runbook), keeps the state and the secrets file.
#include <fmt/format.h>

#include "cli/command.h"
#include "contract/installed.h"
#include "contract/naming.h"
#include "host/bus.h"
#include "render/uninstall.h"
#include "util/file.h"
#include "util/json_text.h"

namespace csd::cli {

namespace {

struct RemoveOptions {
  std::string name;
  std::string root;
  bool no_bus = false;
  bool json = false;
};

int run_remove(const RemoveOptions& o) {
  Root root(o.root);
  auto path = find_installed_contract(o.name, root);
  if (!path) return print_error(path.error(), o.json), int(kUnusable);
  auto c = load_contract(*path);
  if (!c) return print_error(c.error(), o.json), int(kUnusable);
  nlohmann::json result = {{"name", o.name},
                           {"stopped", nlohmann::json::array()},
                           {"removed", nlohmann::json::array()},
                           {"absent", nlohmann::json::array()},
                           {"kept", nlohmann::json::array()},
                           {"errors", nlohmann::json::array()}};
  // An error goes to stderr, and into the JSON result; the rest of the removal goes on.
  auto failed = [&result](const Error& e) {
    print_error(e);
    result["errors"].push_back(e.to_string());
  };
  auto say = [&o](const std::string& what, const std::string& path) {
    if (!o.json) inform("{:<9} {}", what, path);
  };
  std::optional<host::Systemd> bus;
  if (!o.no_bus) {
    auto b = host::Systemd::connect();
    if (!b) return print_error(b.error(), o.json), int(kFailed);
    bus.emplace(std::move(*b));
    for (const auto& unit : all_units(*c)) {
      auto stopped = bus->stop_and_wait(unit, Millis(c->service.graceful_timeout + Millis(30'000)));
      if (!stopped) {
        failed(stopped.error());
        continue;
      }
      result["stopped"].push_back({{"unit", unit}, {"result", *stopped}});
      say("stopped", fmt::format("{} ({})", unit, *stopped));
    }
    if (auto d = bus->disable(all_units(*c)); !d) failed(d.error());
  }
  auto removal = render::remove_rendered(*c, root);
  if (!removal) return print_error(removal.error(), o.json), int(kFailed);
  for (const auto& p : removal->removed) result["removed"].push_back(p), say("removed", p);
  for (const auto& p : removal->absent) result["absent"].push_back(p), say("absent", p);
  for (const auto& p : render::kept_paths(*c))
    if (path_exists(root.map(p))) result["kept"].push_back(p), say("kept", p);
  if (bus)
    if (auto r = bus->daemon_reload(); !r) failed(r.error());
  if (o.json) fmt::print("{}\n", json_text(result, 2));
  return result["errors"].empty() ? int(kOk) : int(kFailed);
}

}  // namespace

void register_remove(CLI::App& parent, Commands& out) {
  CLI::App* app = add_subcommand(parent, "remove",
                                 "Stop and disable a service's units and delete what render wrote; keep its "
                                 "state and secrets");
  auto o = std::make_shared<RemoveOptions>();
  app->add_option("name", o->name, "the installed contract (/etc/conda-systemd/NAME.toml)")->required();
  app->add_option("--root", o->root, "take every absolute path under DIR, as `systemctl --root` does")
      ->option_text("DIR");
  app->add_flag("--no-bus", o->no_bus,
                "delete the files only; do not ask systemd to stop, disable or reload");
  set_exit_codes(app, {{0, "stopped, disabled and deleted"},
                       {1, "a unit did not stop, or a file could not be deleted (the rest was done)"},
                       {2, "usage error, or no such installed contract"}});
  app->add_flag("--json", o->json, "print what was stopped, removed and kept as JSON");
  out.push_back({app, [o] { return run_remove(*o); }});
}

}  // namespace csd::cli
