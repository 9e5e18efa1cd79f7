// A deployment conda-systemd rendered itself (its app unit carries render's header): its contract is
// the installed copy the header names, which every unit reads. Deriving the contract again from the
// units would lose what they do not show (the health URL, the policy), so the copy is given back as
// it is, and the layout the units show (plain or zero-downtime, the swap path unit) is checked
// against it (docs/import.md, "A deployment conda-systemd rendered").
#include <fmt/format.h>

#include "import/steps.h"
#include "render/render.h"
#include "util/file.h"

namespace csd::importer {

namespace {

bool has_unit(const std::vector<FoundUnit>& units, const std::string& name) {
  for (const auto& u : units)
    if (u.name == name) return true;
  return false;
}

}  // namespace

bool rendered_deployment(ImportState& s, const std::vector<FoundUnit>& units) {
  const std::string& name = s.options.name;
  const FoundUnit* app = nullptr;
  for (const auto& u : units)
    if (u.role == Role::kApp) app = &u;
  if (!app) return false;
  auto text = read_file(s.options.root.map(app->path), {.max_bytes = 1 << 20});
  if (!text) return false;  // read_unit reports it
  auto header = render::parse_header(*text);
  if (!header || header->contract_path.empty()) return false;

  for (const auto& u : units) s.out.units.push_back({u, u.role != Role::kOther});
  s.note(
      fmt::format("{} was rendered by conda-systemd {} from {} (contract version {}): that contract is "
                  "given back as it is; `conda-systemd check` compares the units with it",
                  app->name, header->tool_version.empty() ? "(version not recorded)" : header->tool_version,
                  header->contract_path, header->version));
  auto copy = read_file(s.options.root.map(header->contract_path), {.max_bytes = 1 << 20});
  if (!copy) {
    s.problem(file_error(
        header->contract_path,
        fmt::format("the contract {} was rendered from cannot be read: {}", app->name, copy.error().message),
        "restore the installed contract (it is the deployment's contract), or render again"));
    return true;
  }
  auto contract = parse_contract(*copy, header->contract_path);
  if (!contract) {
    s.problem(contract.error());
    return true;
  }
  s.out.contract = *contract;
  s.out.contract_text = *copy;
  if (contract->name != name)
    s.problem(file_error(header->contract_path,
                         fmt::format("names the service '{}', not '{}'", contract->name, name)));

  // What the units show of the layout, against the copy: the units are what runs.
  bool zero_downtime = app->name == name + "@.service";
  bool swap_path = has_unit(units, name + "-swap.path");
  s.note(zero_downtime
             ? fmt::format("the zero-downtime layout: {}@.service and {}.socket{}", name, name,
                           swap_path ? fmt::format(", and {}-swap.path (restart_mode = \"swap\")", name)
                                     : std::string())
             : std::string("the plain layout: one app unit"));
  if (zero_downtime != contract->service.zero_downtime)
    s.problem(
        file_error(header->contract_path,
                   fmt::format("says zero_downtime = {}, but the units are the {} layout",
                               contract->service.zero_downtime, zero_downtime ? "zero-downtime" : "plain"),
                   "render the installed contract again, so the units follow it"));
  if (zero_downtime && swap_path != (contract->watchdog.restart_mode == "swap"))
    s.problem(file_error(header->contract_path,
                         fmt::format("says restart_mode = \"{}\", but {}-swap.path is {}",
                                     contract->watchdog.restart_mode, name, swap_path ? "there" : "missing"),
                         "render the installed contract again, so the units follow it"));
  return true;
}

}  // namespace csd::importer
