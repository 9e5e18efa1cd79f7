#include "contract/resolve.h"

#include "conda/locate.h"

namespace csd {

Result<Contract> load_resolved_contract(const std::string& path, const Root& root, const std::string& home) {
  auto contract = load_contract(path);
  if (!contract) return contract;
  return resolve_contract(std::move(contract).value(), root, home);
}

Result<Contract> resolve_contract(Contract c, const Root& root, const std::string& home) {
  conda::Query q{.prefix = c.conda.prefix, .name = c.conda.env, .conda_root = c.conda.root, .home = home};
  auto located = conda::locate(q, root);
  if (!located) {
    Error e = located.error();
    if (e.file.empty()) e.file = c.source;
    return e;
  }
  c.conda.prefix = located->prefix;
  return c;
}

}  // namespace csd
