// The watchdog daemon that the watchdog unit's `TOOL watchdog` replaces itself with
// (docs/architecture.md, "The watchdog daemon, a program of its own"): so the program the unit's main
// process runs. One place, so the command that looks for it and verify agree.
#pragma once

#include <string>
#include <vector>

namespace csd {

extern const char* const kWatchdogProgram;  // conda-systemd-watchdog

// Where it is looked for, in this order: beside the program at `tool`, then in
// ../libexec/conda-systemd/ from there (the package: /usr/libexec/conda-systemd/).
std::vector<std::string> watchdog_program_paths(const std::string& tool);

}  // namespace csd
