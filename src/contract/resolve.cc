#include "contract/resolve.h"

#include <cstdlib>

#include "conda/condarc.h"
#include "conda/locate.h"

namespace csd {

Result<Contract> load_resolved_contract(const std::string& path, const Root& root, const std::string& home) {
  auto contract = load_contract(path);
  if (!contract) return contract;
  return resolve_contract(std::move(contract).value(), root, home);
}

Result<Contract> resolve_contract(Contract c, const Root& root, const std::string& home) {
  // "~" in conda's configuration is the service user's: the units run as that user, whoever runs
  // this command. `home` is no longer consulted (kept for callers outside this module).
  (void)home;
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* condarc = std::getenv("CONDARC");
  conda::Query q{.prefix = c.conda.prefix,
                 .name = c.conda.env,
                 .conda_root = c.conda.root,
                 .home = c.conda.prefix.empty() ? conda::user_home(c.service.user, root) : "",
                 .xdg_config_home = xdg ? xdg : "",
                 .condarc = condarc ? condarc : ""};
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
