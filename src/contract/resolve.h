// Completing a parsed contract with what only the file system can tell: the conda prefix.
#pragma once

#include <string>

#include "contract/contract.h"
#include "util/root.h"

namespace csd {

// Loads, validates and resolves conda.prefix (through conda::locate). `home` is the home
// directory whose .condarc and .conda/environments.txt take part in the lookup ("" to skip).
Result<Contract> load_resolved_contract(const std::string& path, const Root& root, const std::string& home);
// The same for a contract already parsed (from `c.source`'s text, or a text derived from it).
Result<Contract> resolve_contract(Contract c, const Root& root, const std::string& home);

}  // namespace csd
