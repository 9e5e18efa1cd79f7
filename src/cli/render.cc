// `conda-systemd render`: the units, environment file and contract copy, from the contract alone.
#include <fmt/format.h>

#include "cli/command.h"
#include "contract/resolve.h"
#include "render/install.h"
#include "render/tool_path.h"
#include "util/file.h"

namespace csd::cli {

void register_render(CLI::App& parent, Commands& out) {
  CLI::App* app =
      add_subcommand(parent, "render", "Write the systemd units, environment file and installed contract");
  struct Options {
    DeploymentOptions deployment;
    bool check = false;
  };
  auto o = std::make_shared<Options>();
  add_deployment_options(app, o->deployment);
  app->add_flag("--check", o->check,
                "write nothing; print a unified diff against what is installed, exit 1 if any");
  set_exit_codes(app, {{0, "written; with --check, nothing differs"},
                       {1, "with --check, what is installed differs; or a file could not be written"}});
  out.push_back({app, [o] {
                   Root root(o->deployment.root);
                   auto c = load_resolved_contract(o->deployment.contract, root, home_dir());
                   if (!c) return print_error(c.error()), int(kUnusable);
                   auto text = read_file(o->deployment.contract);
                   if (!text) return print_error(text.error()), int(kUnusable);
                   auto files = render::render_all(*c, *text);
                   if (!files) return print_error(files.error()), int(kUnusable);
                   if (o->check) {
                     std::string diff = render::compare(*files, root);
                     fmt::print("{}", diff);
                     return diff.empty() ? int(kOk) : int(kFailed);
                   }
                   // Units rendered before the Debian package ran /usr/local/bin (docs/install.md).
                   for (const auto& path : render::tool_migrations(*files, root, kOldDefaultTool, c->tool))
                     fmt::print("migrated  {}: ran {}, now runs {}\n", path, kOldDefaultTool, c->tool);
                   auto written = render::install(*files, root);
                   if (!written) return print_error(written.error()), int(kFailed);
                   for (const auto& f : *files) {
                     bool changed = std::find(written->begin(), written->end(), f.path) != written->end();
                     fmt::print("{} {}\n", changed ? "wrote    " : "unchanged", f.path);
                   }
                   if (!written->empty())
                     fmt::print("next: systemctl daemon-reload, then start or restart the changed units\n");
                   return int(kOk);
                 }});
}

}  // namespace csd::cli
