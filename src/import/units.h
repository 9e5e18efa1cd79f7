// The units of one service, found by name prefix in the unit directories and classified by name:
// NAME.service is the app, NAME-watchdog.service the watchdog, NAME-<worker>-worker.service a
// worker; anything else with the prefix is listed with the reason it is left alone. In the
// zero-downtime layout (NAME@.service beside NAME.socket, docs/deploy.md) the template is the app
// and the units render adds around it are the layout's.
#pragma once

#include <string>
#include <vector>

#include "util/error.h"
#include "util/root.h"

namespace csd::importer {

// kLayout: a unit of the zero-downtime layout besides the app template (NAME.socket, the health
// sockets, the trial, the listener, NAME.target, the swap path and service): render writes it from
// zero_downtime = true, so it is not imported on its own.
enum class Role { kApp, kWatchdog, kWorker, kLayout, kOther };

struct FoundUnit {
  std::string name;  // "mes-dashboard-wip-worker.service"
  std::string path;  // where it was found, as the deployment sees it
  Role role = Role::kOther;
  std::string worker;  // for kWorker: "wip"
  std::string why;     // how it was classified, for the report
};

const char* role_name(Role role);

// Every unit file named NAME.* or NAME-* in `dirs` (taken under `root`), the first directory that
// has a name winning as in systemd. Templates ("NAME-x@.service"), sockets, timers and services of
// another shape are kOther. Fails when the app (NAME.service, or NAME@.service with NAME.socket) is
// missing, naming the closest units found.
// The units of the zero-downtime layout render writes besides the app template, for `name`.
std::vector<std::string> layout_units(const std::string& name);

Result<std::vector<FoundUnit>> find_units(const Root& root, const std::string& name,
                                          const std::vector<std::string>& dirs);

}  // namespace csd::importer
