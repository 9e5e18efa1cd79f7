// `conda-systemd contract show`: the contract as conda-systemd understands it.
#include <fmt/format.h>

#include "cli/command.h"
#include "contract/contract_json.h"
#include "contract/resolve.h"
#include "util/json_text.h"

namespace csd::cli {

void register_contract(CLI::App& parent, Commands& out) {
  CLI::App* contract = add_subcommand(parent, "contract", "Inspect a contract");
  contract->require_subcommand(1);
  CLI::App* show = add_subcommand(
      *contract, "show", "Print the resolved contract: every default filled in, the conda prefix resolved");
  struct Options {
    DeploymentOptions deployment;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  add_deployment_options(show, options->deployment);
  show->add_flag("--json", options->json, "print JSON instead of TOML");
  set_exit_codes(show, {{0, "the contract was printed"}});
  out.push_back({show, [options] {
                   auto c = load_resolved_contract(options->deployment.contract,
                                                   Root(options->deployment.root), home_dir());
                   if (!c) {
                     print_error(c.error());
                     return int(kUnusable);
                   }
                   if (options->json)
                     fmt::print("{}\n", json_text(contract_to_json(*c), 2));
                   else
                     fmt::print("{}", contract_to_toml(*c));
                   return int(kOk);
                 }});
}

}  // namespace csd::cli
