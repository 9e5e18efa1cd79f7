// The resolved contract as JSON, for `contract show --json` and for other programs.
#pragma once

#include <nlohmann/json.hpp>

#include "contract/contract.h"

namespace csd {

nlohmann::json contract_to_json(const Contract& c);
// The same, as TOML text with every default written out.
std::string contract_to_toml(const Contract& c);

}  // namespace csd
