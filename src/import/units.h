// The units of one service, found by name prefix in the unit directories and classified by name:
// NAME.service is the app, NAME-watchdog.service the watchdog, NAME-<worker>-worker.service a
// worker; anything else with the prefix is listed with the reason it is left alone.
#pragma once

#include <string>
#include <vector>

#include "util/error.h"
#include "util/root.h"

namespace csd::importer {

enum class Role { kApp, kWatchdog, kWorker, kOther };

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
// another shape are kOther. Fails when NAME.service is missing, naming the closest units found.
Result<std::vector<FoundUnit>> find_units(const Root& root, const std::string& name,
                                          const std::vector<std::string>& dirs);

}  // namespace csd::importer
