#include "contract/resolve.h"

#include "conda/locate.h"

namespace csd {

Result<Contract> load_resolved_contract(const std::string& path, const Root& root, const std::string& home) {
  auto contract = load_contract(path);
  if (!contract) return contract;
  Contract c = std::move(contract).value();
  conda::Query q{.prefix = c.conda.prefix, .name = c.conda.env, .conda_root = c.conda.root, .home = home};
  auto located = conda::locate(q, root);
  if (!located) {
    Error e = located.error();
    if (e.file.empty()) e.file = path;
    return e;
  }
  c.conda.prefix = located->prefix;
  return c;
}

}  // namespace csd
