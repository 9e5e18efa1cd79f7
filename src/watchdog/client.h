// The worker control interface's library side: what `restart`, `status` and `scale` do, so the
// command line only parses and prints.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "util/duration.h"
#include "util/error.h"
#include "watchdog/settings.h"

namespace csd::watchdog {

struct RestartRequest {
  std::string user;  // who asks; written as the flag's "user"
  std::string reason;
  bool manual_override = false;
  bool override_acknowledged = false;
  std::string override_reason;
  std::string source = "manual";
};

// Writes a flag in the dashboard's format with a fresh request_id and returns the id. Never
// replaces a pending flag: waits (up to `timeout`) for the watchdog to claim it, then writes.
Result<std::string> request_restart(const Settings& s, const RestartRequest& r, Millis timeout);

// Waits up to `timeout` for the decision on a request (and, for an executed one, its
// confirmation): through the control socket, or, when no watchdog answers there, by watching
// the state file. The record is the state entry (or the rejection).
Result<nlohmann::json> wait_for_decision(const Settings& s, const std::string& request_id, Millis timeout);

// True when the restart flag is still waiting to be claimed.
bool flag_pending(const Settings& s);

// Everything `status` shows: the state, the policy now, the verified master and its workers,
// whether the watchdog answers on its socket.
nlohmann::json collect_status(const Settings& s, bool ask_systemd);

// Who is asking, for the flag's "user": the sudo caller if any, else the login name.
std::string current_user();

}  // namespace csd::watchdog
