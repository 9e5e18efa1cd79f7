// `conda-systemd runbook`: print the runbook the contract gives, or (--check) tell how an
// existing one differs from it.
#include "runbook/runbook.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/app.h"
#include "cli/command.h"
#include "contract/resolve.h"
#include "util/file.h"
#include "util/json_text.h"

namespace csd::cli {

namespace {

// The command line as it is now, the authority on which commands a runbook may name.
void collect(const CLI::App* app, const std::string& prefix, runbook::CommandSet& out) {
  for (const CLI::App* sub : app->get_subcommands({})) {
    std::string name = prefix.empty() ? sub->get_name() : prefix + " " + sub->get_name();
    auto& options = out[name];
    for (const CLI::Option* opt : sub->get_options()) {
      for (const auto& l : opt->get_lnames()) options.insert("--" + l);
      for (const auto& s : opt->get_snames()) options.insert("-" + s);
    }
    collect(sub, name, out);
  }
}

}  // namespace

void register_runbook(CLI::App& parent, Commands& out) {
  CLI::App* app =
      add_subcommand(parent, "runbook",
                     "Print the operations runbook of a contract, or check an existing runbook against it");
  struct Options {
    DeploymentOptions deployment;
    bool check = false;
    std::string file;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  add_deployment_options(app, o->deployment);
  app->add_flag("--check", o->check, "compare RUNBOOK.md with the contract; exit 1 with each difference");
  app->add_option("runbook", o->file, "the runbook to check (with --check)");
  app->add_flag("--json", o->json, "with --check: the differences as JSON");
  set_exit_codes(
      app, {{0, "printed; with --check, the runbook matches"}, {1, "with --check, the runbook differs"}});
  out.push_back(
      {app, [o] {
         auto c = load_resolved_contract(o->deployment.contract, Root(o->deployment.root), home_dir());
         if (!c) return print_error(c.error(), o->json), int(kUnusable);
         if (o->json && !o->check)
           return print_error(make_error("--json is for --check; the runbook itself is Markdown")),
                  int(kUnusable);
         if (!o->check) {
           if (!o->file.empty())
             return print_error(make_error("a runbook file is read only with --check")), int(kUnusable);
           fmt::print("{}", runbook::render_runbook(*c));
           return int(kOk);
         }
         if (o->file.empty())
           return print_error(make_error(
                      "--check needs the runbook to check: runbook --check --contract FILE RUNBOOK.md")),
                  int(kUnusable);
         auto text = read_file(o->file);
         if (!text) return print_error(text.error()), int(kUnusable);
         auto rb = runbook::parse_markdown(*text, o->file);
         if (!rb) return print_error(rb.error()), int(kUnusable);
         // The whole command line, whichever part of it main() built to run this command.
         CLI::App whole;
         Commands registered;
         build_app(whole, registered);
         runbook::CommandSet commands;
         collect(&whole, "", commands);
         auto diffs = runbook::check(*rb, *c, commands);
         if (o->json) {
           nlohmann::json list = nlohmann::json::array();
           for (const auto& d : diffs)
             list.push_back(
                 {{"line", d.line}, {"message", d.message}, {"expected", d.expected}, {"found", d.found}});
           fmt::print(
               "{}\n",
               json_text(nlohmann::json{{"runbook", o->file}, {"ok", diffs.empty()}, {"differences", list}},
                         2));
           return diffs.empty() ? int(kOk) : int(kFailed);
         }
         for (const auto& d : diffs) {
           fmt::print("{}:{} {}\n", o->file, d.line > 0 ? std::to_string(d.line) + ":" : "", d.message);
           if (!d.expected.empty()) fmt::print("    contract: {}\n", d.expected);
           if (!d.found.empty()) fmt::print("    runbook:  {}\n", d.found);
         }
         if (diffs.empty()) {
           inform("{}: matches contract {} version {}", o->file, c->name, c->version);
           return int(kOk);
         }
         fmt::print("{} difference(s)\n", diffs.size());
         return int(kFailed);
       }});
}

}  // namespace csd::cli
