// The pieces every rendered unit is made of (units.cc), shared with the zero-downtime layout
// (zero_downtime.cc). Internal to render/.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "contract/contract.h"
#include "systemd/unit_writer.h"
#include "util/error.h"

namespace csd::render::parts {

// Stands for the instance name in a rendered command until the line is written; then it becomes
// systemd's "%i" (the unit writer would double a "%" given directly).
inline constexpr const char* kInstanceWord = "@@csd-instance@@";

// The contract's words as the process must receive them ("$" not expanded).
systemd::ExecCommand literal(std::vector<std::string> argv);
// `c.tool` with `args`.
std::vector<std::string> tool(const Contract& c, std::initializer_list<std::string> args);
void hardening(systemd::UnitWriter& u, const Contract& c);
systemd::UnitWriter common_head(const Contract& c, const std::string& what);
void restart_and_sandbox(systemd::UnitWriter& u, const Contract& c, bool writes_state,
                         const systemd::UnitWriter& sandbox);
Result<std::string> finish(systemd::UnitWriter& u);
void writable_paths(systemd::UnitWriter& u, const Contract& c, bool writes_state);
void service_identity(systemd::UnitWriter& u, const Contract& c, const std::string& unit);
// The app's ExecStart= through exec, ExecReload= (SIGHUP), KillMode=mixed and TimeoutStopSec=.
void app_exec(systemd::UnitWriter& u, const Contract& c, const std::vector<std::string>& argv);
bool is_loopback_host(const std::string& host);

// zero_downtime: the socket, the health sockets' template, the listener, the target, the app
// template and, with restart_mode = "swap", the swap path and service; (unit, text) in that order.
std::vector<std::pair<std::string, Result<std::string>>> zero_downtime_units(
    const Contract& c, const std::vector<std::string>& argv, const systemd::UnitWriter& sandbox);

}  // namespace csd::render::parts
