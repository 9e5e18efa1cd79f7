// Whether systemd may be running a unit, from the state it keeps on disk (for use without its bus,
// or under --root): conservative, so "may be active" can also mean "stopped but not yet collected".
#pragma once

#include <string>

#include "util/root.h"

namespace csd::systemd {

// True when the unit has a control group (cgroup v2 /sys/fs/cgroup/system.slice/UNIT, or v1's
// name=systemd hierarchy) or an invocation ID link /run/systemd/units/invocation:UNIT.
bool may_be_active(const Root& root, const std::string& unit);

}  // namespace csd::systemd
