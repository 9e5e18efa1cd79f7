// `conda-systemd check`: the preflight, run as ExecStartPre= of every rendered unit.
#include "check/check.h"

#include <fmt/format.h>
#include <unistd.h>

#include "check/format.h"
#include "cli/command.h"
#include "contract/resolve.h"
#include "render/deployed.h"
#include "render/orphans.h"
#include "util/file.h"
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
    bool verbose = false;
  };
  auto o = std::make_shared<Options>();
  add_deployment_options(app, o->deployment);
  app->add_option("--unit", o->unit, "check this unit (and what it shares with the others) only");
  app->add_flag("--json", o->json, "print the findings as JSON");
  app->add_flag("--strict", o->strict, "warnings fail too");
  app->add_flag("--verbose", o->verbose,
                "also list what check accepts (drop-ins adding settings render does not write)");
  set_exit_codes(app, {{0, "no error (warnings allowed unless --strict)"},
                       {1, "errors found (or warnings, with --strict)"}});
  out.push_back({app, [o] {
                   Root root(o->deployment.root);
                   auto c = load_resolved_contract(o->deployment.contract, root, home_dir());
                   if (!c) {
                     if (o->json)
                       fmt::print("{}\n", json_text(nlohmann::json{{"error", c.error().to_string()}}, 2));
                     print_error(c.error());
                     return int(kUnusable);
                   }
                   // After a deploy, a source contract is checked as render would install it now.
                   std::string expected_text;
                   if (auto text = read_file(o->deployment.contract); text) {
                     auto kept = render::effective_contract(*c, *text, root, home_dir());
                     if (!kept) return print_error(kept.error()), int(kUnusable);
                     if (!kept->note.empty() && !quiet()) fmt::print(stderr, "check: {}\n", kept->note);
                     c = std::move(kept->contract);
                     expected_text = std::move(kept->text);
                   }
                   std::string unit;
                   if (!o->unit.empty()) {
                     auto selected = check::select_unit(*c, o->unit);
                     if (selected) unit = *selected;
                     // An orphan's own start runs `check --unit ORPHAN`: it gets the finding, not a usage
                     // error.
                     for (const auto& orphan : render::find_orphans(*c, root))
                       if (!selected && (orphan.unit == o->unit || orphan.unit == o->unit + ".service"))
                         unit = orphan.unit;
                     if (unit.empty()) return print_error(selected.error()), int(kUnusable);
                   }
                   check::Report report = check::run(
                       {.contract = *c, .root = root, .only_unit = unit, .contract_text = expected_text});
                   bool failed = report.errors() > 0 || (o->strict && report.warnings() > 0);
                   if (o->json) {
                     fmt::print("{}\n", json_text(check::format_json(report, o->verbose), 2));
                   } else if (!quiet()) {
                     fmt::print("{}", check::format_text(report, use_colour(STDOUT_FILENO), o->verbose));
                   } else if (failed) {
                     // --quiet: only what fails (errors; warnings too with --strict).
                     check::Report failing;
                     for (const auto& f : report.findings())
                       if (f.severity == check::Severity::kError ||
                           (o->strict && f.severity == check::Severity::kWarning))
                         failing.add(f);
                     fmt::print("{}", check::format_text(failing, use_colour(STDOUT_FILENO)));
                   }
                   return failed ? int(kFailed) : int(kOk);
                 }});
}

}  // namespace csd::cli
