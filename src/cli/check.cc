// `conda-systemd check`: the preflight, run as ExecStartPre= of every rendered unit.
#include "check/check.h"

#include <fmt/format.h>
#include <unistd.h>

#include "check/format.h"
#include "cli/command.h"
#include "contract/resolve.h"
#include "util/json_text.h"

namespace csd::cli {

void register_check(CLI::App& parent, Commands& out) {
  CLI::App* app =
      add_subcommand(parent, "check",
                     "Check the installed units, environment files, scripts and conda environment "
                     "against the contract");
  struct Options {
    DeploymentOptions deployment;
    std::string unit;
    bool json = false;
    bool strict = false;
  };
  auto o = std::make_shared<Options>();
  add_deployment_options(app, o->deployment);
  app->add_option("--unit", o->unit, "check this unit (and what it shares with the others) only");
  app->add_flag("--json", o->json, "print the findings as JSON");
  app->add_flag("--strict", o->strict, "warnings fail too");
  out.push_back({app, [o] {
                   Root root(o->deployment.root);
                   auto c = load_resolved_contract(o->deployment.contract, root, home_dir());
                   if (!c) {
                     if (o->json)
                       fmt::print("{}\n", json_text(nlohmann::json{{"error", c.error().to_string()}}, 2));
                     print_error(c.error());
                     return int(kUnusable);
                   }
                   check::Report report = check::run({.contract = *c, .root = root, .only_unit = o->unit});
                   if (o->json)
                     fmt::print("{}\n", json_text(check::format_json(report), 2));
                   else
                     fmt::print("{}", check::format_text(report, ::isatty(STDOUT_FILENO) != 0));
                   bool failed = report.errors() > 0 || (o->strict && report.warnings() > 0);
                   return failed ? int(kFailed) : int(kOk);
                 }});
}

}  // namespace csd::cli
