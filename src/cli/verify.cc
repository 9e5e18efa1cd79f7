// `conda-systemd verify`: the running system against the contract, side by side.
#include "verify/verify.h"

#include <fmt/format.h>

#include "cli/command.h"
#include "contract/resolve.h"
#include "util/json_text.h"

namespace csd::cli {

void register_verify(CLI::App& parent, Commands& out) {
  CLI::App* app =
      add_subcommand(parent, "verify",
                     "Compare the running system with the contract, one row per fact; exit 0 only "
                     "when every row is ok");
  struct Options {
    std::string contract;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  app->add_option("--contract", o->contract, "the contract file (TOML)")->required();
  app->add_flag("--json", o->json, "print the rows as JSON");
  out.push_back({app, [o] {
                   auto c = load_resolved_contract(o->contract, Root(), home_dir());
                   if (!c) return print_error(c.error()), int(kUnusable);
                   auto rows = verify::compare(*c, verify::observe(*c));
                   if (o->json)
                     fmt::print("{}\n", json_text(verify::format_json(rows), 2));
                   else
                     fmt::print("{}", verify::format_text(rows));
                   return verify::all_ok(rows) ? int(kOk) : int(kFailed);
                 }});
}

}  // namespace csd::cli
