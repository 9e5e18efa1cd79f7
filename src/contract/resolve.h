// Completing a parsed contract with what only the file system can tell: the conda prefix.
#pragma once

#include <string>

#include "contract/contract.h"
#include "util/root.h"

namespace csd {

// Loads, validates and resolves conda.prefix (through conda::locate). "~" in conda's configuration
// is the home of the contract's service user, whoever calls (docs/contract.md); `home` is ignored and
// stays only for callers outside this module. $XDG_CONFIG_HOME and $CONDARC are read as conda does.
Result<Contract> load_resolved_contract(const std::string& path, const Root& root, const std::string& home);
// The same for a contract already parsed (from `c.source`'s text, or a text derived from it).
Result<Contract> resolve_contract(Contract c, const Root& root, const std::string& home);

}  // namespace csd
