// The service manager's notification protocol without libsystemd (sd_notify(3)): each state is
// one datagram on the AF_UNIX socket named by $NOTIFY_SOCKET, a name starting with "@" being in
// the abstract namespace. The watchdog's READY=1, STATUS=, STOPPING=1 and WATCHDOG=1.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace csd::host {

// Sends `state` ("READY=1\nSTATUS=watching ..."). False when there is no manager to tell
// ($NOTIFY_SOCKET unset or not a Unix socket name) or the send failed; nothing else to do then.
bool notify(std::string_view state);

// How often the manager wants WATCHDOG=1 (WatchdogSec=, passed as $WATCHDOG_USEC) when it is
// meant for this process ($WATCHDOG_PID unset or ours), as sd_watchdog_enabled(3) decides.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace csd::host
