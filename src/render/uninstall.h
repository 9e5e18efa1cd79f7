// What `conda-systemd remove` deletes: exactly the files render writes for a contract (its units,
// environment file, installed contract copy and runbook), never the state or the secrets file.
#pragma once

#include <string>
#include <vector>

#include "contract/contract.h"
#include "util/error.h"
#include "util/root.h"

namespace csd::render {

// The paths render_all writes for `c`, in its order (render/units.cc; uninstall_test.cc keeps them equal).
std::vector<std::string> rendered_paths(const Contract& c);

// What remove leaves in place on purpose: the watchdog's state and the operator's secrets file.
std::vector<std::string> kept_paths(const Contract& c);

struct Removal {
  std::vector<std::string> removed;  // deployment paths deleted
  std::vector<std::string> absent;   // already gone
};

// Deletes each rendered file under `root`, and the units' drop-in directories render never writes
// into only when they are empty. Refuses to delete through a symlink's target: a link is removed itself.
Result<Removal> remove_rendered(const Contract& c, const Root& root);

}  // namespace csd::render
