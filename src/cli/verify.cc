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
  add_contract_option(app, o->contract);
  app->add_flag("--json", o->json, "print the rows as JSON");
  set_exit_codes(app,
                 {{0, "every fact agrees with the contract"}, {1, "a fact differs or cannot be observed"}});
  out.push_back({app, [o] {
                   auto c = load_resolved_contract(o->contract, Root(), home_dir());
                   if (!c) return print_error(c.error(), o->json), int(kUnusable);
                   auto rows = verify::compare(*c, verify::observe(*c));
                   if (o->json)
                     fmt::print("{}\n", json_text(verify::format_json(rows), 2));
                   else if (!quiet())
                     fmt::print("{}", verify::format_text(rows));
                   else if (!verify::all_ok(rows)) {
                     // --quiet: only the facts that differ.
                     std::vector<verify::Row> differing;
                     for (const auto& r : rows)
                       if (!r.ok) differing.push_back(r);
                     fmt::print("{}", verify::format_text(differing));
                   }
                   return verify::all_ok(rows) ? int(kOk) : int(kFailed);
                 }});
}

}  // namespace csd::cli
