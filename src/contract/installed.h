// Contracts by name: render installs each contract at /etc/conda-systemd/NAME.toml, so `-n NAME`
// finds it, and a host with exactly one needs neither -n nor --contract.
#pragma once

#include <string>
#include <vector>

#include "util/error.h"
#include "util/root.h"

namespace csd {

inline constexpr const char* kContractDir = "/etc/conda-systemd";

// The names of the installed contracts, sorted. An error when the directory is missing or unreadable.
Result<std::vector<std::string>> installed_contracts(const Root& root);

// The file of the installed contract `name` (under `root`); with `name` empty, the only one installed.
// Errors say what is installed: an unknown name lists the names, none or several ask for -n NAME.
Result<std::string> find_installed_contract(const std::string& name, const Root& root);

}  // namespace csd
