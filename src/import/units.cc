#include "import/units.h"

#include <dirent.h>
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <set>

#include "util/file.h"
#include "util/strings.h"

namespace csd::importer {

const char* role_name(Role role) {
  switch (role) {
    case Role::kApp:
      return "app";
    case Role::kWatchdog:
      return "watchdog";
    case Role::kWorker:
      return "worker";
    case Role::kLayout:
      return "layout";
    case Role::kOther:
      return "other";
  }
  return "other";
}

namespace {

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return out;
  while (const dirent* e = ::readdir(d.get())) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

FoundUnit classify(const std::string& service, const std::string& unit, const std::string& path,
                   bool zero_downtime) {
  FoundUnit u{.name = unit, .path = path};
  const std::string dash = service + "-";
  auto layout = layout_units(service);
  if (zero_downtime && unit == service + "@.service") {
    u.role = Role::kApp;
    u.why =
        "NAME@.service beside NAME.socket: the application's template, instances blue and green "
        "(zero_downtime)";
  } else if (zero_downtime && std::find(layout.begin(), layout.end(), unit) != layout.end()) {
    u.role = Role::kLayout;
    u.why = "part of the zero-downtime layout: render writes it from zero_downtime = true";
  } else if (zero_downtime && unit == service + ".service") {
    u.why =
        "the plain layout's app unit, left from the switch to zero_downtime: `systemctl disable --now` "
        "it, then render removes it (docs/deploy.md, \"Switching layouts\")";
  } else if (unit == service + ".service") {
    u.role = Role::kApp;
    u.why = "NAME.service: the application";
  } else if (unit == dash + "watchdog.service") {
    u.role = Role::kWatchdog;
    u.why = "NAME-watchdog.service: the restart watchdog, replaced by `conda-systemd watchdog`";
  } else if (unit.find('@') != std::string::npos) {
    u.why = "a template: its instances are not known from the files; write them as [[worker]] by hand";
  } else if (!ends_with(unit, ".service")) {
    u.why = fmt::format("a .{} unit: the contract renders services only; keep it by hand",
                        unit.substr(unit.rfind('.') + 1));
  } else if (starts_with(unit, dash) && ends_with(unit, "-worker.service") &&
             unit.size() > dash.size() + std::string("-worker.service").size()) {
    u.role = Role::kWorker;
    u.worker = unit.substr(dash.size(), unit.size() - dash.size() - std::string("-worker.service").size());
    u.why = "NAME-<worker>-worker.service: a worker";
  } else {
    u.why = "a service of another shape: a worker when it runs `rq worker`, else left alone";
  }
  return u;
}

}  // namespace

std::vector<std::string> layout_units(const std::string& name) {
  return {name + ".socket", name + "-health@.socket", name + "-trial@.service", name + "-listener.service",
          name + ".target", name + "-swap.path",      name + "-swap.service"};
}

Result<std::vector<FoundUnit>> find_units(const Root& root, const std::string& name,
                                          const std::vector<std::string>& dirs) {
  std::vector<std::pair<std::string, std::string>> mine;  // unit, path
  std::set<std::string> seen;
  std::vector<std::string> all_services;
  for (const auto& dir : dirs) {
    for (const auto& entry : list_dir(root.map(dir))) {
      // Drop-in folders and .wants/.requires links are read with their unit, not as units.
      if (ends_with(entry, ".d") || ends_with(entry, ".wants") || ends_with(entry, ".requires") ||
          ends_with(entry, ".upholds"))
        continue;
      if (ends_with(entry, ".service")) all_services.push_back(entry);
      if (!starts_with(entry, name + ".") && !starts_with(entry, name + "-") && entry != name + "@.service")
        continue;
      if (!seen.insert(entry).second) continue;
      mine.push_back({entry, join_path(dir, entry)});
    }
  }
  bool zero_downtime = seen.count(name + "@.service") && seen.count(name + ".socket");
  std::vector<FoundUnit> out;
  for (const auto& [unit, path] : mine) out.push_back(classify(name, unit, path, zero_downtime));
  bool has_app = std::any_of(out.begin(), out.end(), [](const FoundUnit& u) { return u.role == Role::kApp; });
  if (!has_app) {
    std::vector<std::string> names;
    for (const auto& s : all_services) names.push_back(s.substr(0, s.size() - 8));
    std::string near = closest_match(name, names);
    std::string searched;
    for (const auto& d : dirs) searched += (searched.empty() ? "" : ", ") + d;
    return make_error(fmt::format("no unit {}.service in {}", name, searched),
                      near.empty() ? "give the service's name with --name, or its folder with --unit-dir"
                                   : fmt::format("did you mean --name {}?", near));
  }
  return out;
}

}  // namespace csd::importer
