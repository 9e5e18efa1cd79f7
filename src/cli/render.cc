// `conda-systemd render`: the units, environment file and contract copy, from the contract alone
// (and the environment a deploy switched to, which render keeps: docs/deploy.md).
#include <fmt/format.h>

#include "cli/command.h"
#include "contract/naming.h"
#include "contract/resolve.h"
#include "host/bus.h"
#include "render/deployed.h"
#include "render/install.h"
#include "render/orphans.h"
#include "render/tool_path.h"
#include "systemd/runtime_state.h"
#include "util/file.h"
#include "util/timestamp.h"
#include "watchdog/client.h"

namespace csd::cli {

namespace {

// Active as systemd says over its bus when render runs on the live system; under --root, or
// without a bus, from systemd's runtime state (a control group or an invocation ID: conservative).
bool orphan_may_be_active(const Root& root, const std::string& unit) {
  if (root.empty()) {
    if (auto bus = host::Systemd::connect()) {
      if (auto status = bus->unit(unit))
        return status->active_state != "inactive" && status->active_state != "failed";
    }
  }
  return systemd::may_be_active(root, unit);
}

}  // namespace

void register_render(CLI::App& parent, Commands& out) {
  CLI::App* app =
      add_subcommand(parent, "render", "Write the systemd units, environment file and installed contract");
  struct Options {
    DeploymentOptions deployment;
    bool check = false;
    bool drop_deploy = false;
  };
  auto o = std::make_shared<Options>();
  add_deployment_options(app, o->deployment);
  app->add_flag("--check", o->check,
                "write nothing; print a unified diff against what is installed, exit 1 if any");
  app->add_flag("--drop-deploy", o->drop_deploy,
                "render the contract's own [conda] environment where a deploy switched to another (that one "
                "stays recorded as the previous environment, for rollback)");
  set_exit_codes(app, {{0, "written; with --check, nothing differs"},
                       {1, "with --check, what is installed differs; or a file could not be written"}});
  out.push_back(
      {app, [o] {
         Root root(o->deployment.root);
         auto c = load_resolved_contract(o->deployment.contract, root, home_dir());
         if (!c) return print_error(c.error()), int(kUnusable);
         auto text = read_file(o->deployment.contract);
         if (!text) return print_error(text.error()), int(kUnusable);
         // One render, deploy or rollback at a time (--check changes nothing).
         Fd lock;
         if (!o->check) {
           auto held = render::lock_deployment(*c, root, false);
           if (!held) return print_error(held.error()), int(kUnusable);
           lock = std::move(held).value();
         }
         std::string effective = *text;
         if (!o->drop_deploy) {
           auto kept = render::effective_contract(*c, *text, root, home_dir());
           if (!kept) return print_error(kept.error()), int(kUnusable);
           if (!kept->note.empty())
             fmt::print(stderr, "render: {}; --drop-deploy renders the contract's own\n", kept->note);
           c = std::move(kept->contract);
           effective = std::move(kept->text);
         }
         auto files = render::render_all(*c, effective);
         if (!files) return print_error(files.error()), int(kUnusable);
         auto orphans = render::find_orphans(*c, root);
         if (o->check) {
           std::string diff = render::compare(*files, root);
           for (const auto& orphan : orphans) diff += render::compare_removed(orphan.path, root);
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
         if (o->drop_deploy) {
           if (auto s =
                   render::drop_deployed(*c, root, watchdog::current_user(), format_timestamp(now_utc()));
               !s)
             return print_error(s.error()), int(kFailed);
           fmt::print("recorded {} as the current environment in {}\n", render::written_target(*c).spec(),
                      deploy_record_path(*c));
         }
         bool kept = false;
         for (const auto& orphan : orphans) {
           // render stops nothing itself: a running orphan stays until the operator stops it.
           if (orphan_may_be_active(root, orphan.unit)) {
             kept = true;
             fmt::print(
                 "kept      {}: {} is no longer in the contract but may be running\n"
                 "          stop it first: systemctl disable --now {}, then render again\n",
                 orphan.path, orphan.unit, orphan.unit);
             continue;
           }
           if (auto r = render::remove_orphan(*c, orphan, root); !r) {
             print_error(r.error());
             kept = true;
             continue;
           }
           fmt::print("removed   {}\n          next: systemctl disable --now {}\n", orphan.path, orphan.unit);
         }
         if (!written->empty() || orphans.size() > 0)
           fmt::print("next: systemctl daemon-reload, then start or restart the changed units\n");
         return kept ? int(kFailed) : int(kOk);
       }});
}

}  // namespace csd::cli
