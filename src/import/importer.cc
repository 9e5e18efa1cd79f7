// The import, step by step: each step is a free function over the unit views and the import state
// (steps.h), one file a concern.
#include "import/importer.h"

#include <fmt/format.h>

#include "import/steps.h"

namespace csd::importer {

Result<Imported> import_service(const ImportOptions& options) {
  ImportState s{.options = options,
                .dirs = options.unit_dirs.empty() ? systemd::default_unit_dirs() : options.unit_dirs};
  auto found = find_units(options.root, options.name, s.dirs);
  if (!found) return found.error();
  Contract& c = s.out.contract;
  c.name = options.name;
  c.source = "(imported)";
  if (!options.tool.empty()) s.set("contract.tool", c.tool, options.tool, "--tool");
  // Rendered by conda-systemd: its own contract comes back (rendered.cc).
  if (rendered_deployment(s, *found)) return std::move(s.out);

  // Reading each unit (read_unit.cc).
  for (const auto& f : *found) {
    UnitView v = read_unit(s, f);
    classify_rq_worker(s, v);
    s.views.push_back(std::move(v));
  }
  for (const auto& v : s.views) s.out.units.push_back({v.found, imported(v)});
  const UnitView* app = s.find(Role::kApp);
  const UnitView* watchdog = s.find(Role::kWatchdog);
  if (app && app->found.name == c.name + "@.service") {
    // The layout without render's header: its keys (the health URL above all) are not in the
    // units, so the steps below would guess; nothing is imported instead (docs/import.md).
    s.problem(file_error(app->found.path,
                         "the zero-downtime layout (NAME@.service beside NAME.socket), but not rendered by "
                         "conda-systemd: the import reads hand-written units of the plain layout only",
                         "write the contract by hand (zero_downtime = true, bind, health_url), or import the "
                         "plain layout the service had before"));
    return std::move(s.out);
  }
  if (!app || !app->usable) {
    s.problem(make_error(fmt::format("{}.service cannot be read, so there is no command to import", c.name)));
    return std::move(s.out);
  }
  if (!watchdog)
    s.note(fmt::format(
        "there is no {}-watchdog.service: the rendered deployment adds conda-systemd's watchdog", c.name));

  // Wrappers, identity and command (command.cc).
  for (const auto& v : s.views) wrappers(s, v);
  identity(s, *app);
  conda(s, *app);
  command(s, *app);
  version(s, *app, watchdog);
  // Paths and policy (paths.cc).
  paths(s, *app, watchdog);
  policy(s, *app, watchdog);
  // Environment and workers (environment.cc).
  environment(s, *app);
  workers(s, *app);
  // What changes (changes.cc), and the secrets left to the old environment file (environment.cc).
  shared_runtime_dirs(s);
  writable_paths(s, *app, watchdog);
  not_carried_over(s);
  secrets(s, *app);
  changes(s);
  return std::move(s.out);
}

}  // namespace csd::importer
