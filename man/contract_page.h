// conda-systemd.contract(5), from docs/contract.md; and whether that document names exactly the keys
// the contract parser accepts.
#pragma once

#include <string>
#include <vector>

namespace csd::man {

std::string contract_page(const std::string& contract_md, const std::string& version);

// One line a difference between docs/contract.md's key tables and the parser's schema; none when
// they agree.
std::vector<std::string> contract_doc_drift(const std::string& contract_md);

}  // namespace csd::man
