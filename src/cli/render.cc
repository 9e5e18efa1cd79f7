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
#include "util/json_text.h"
#include "util/timestamp.h"
#include "watchdog/client.h"

namespace csd::cli {

namespace {

// Active as systemd says over its bus when render runs on the live system; under --root, or
// without a bus, from systemd's runtime state (a control group or an invocation ID: conservative).
bool orphan_may_be_active(const Root& root, const std::string& unit) {
  // A template ("NAME@.service") runs as its instances: those of the zero-downtime layout are blue
  // and green (docs/deploy.md). Removing it under them would leave them unloaded: the way back's
  // `systemctl disable --now NAME@blue.service` could not stop them.
  if (auto at = unit.find("@."); at != std::string::npos) {
    for (const char* instance : {"blue", "green"})
      if (orphan_may_be_active(root, unit.substr(0, at + 1) + instance + unit.substr(at + 1))) return true;
    return false;
  }
  if (root.empty()) {
    if (auto bus = host::Systemd::connect()) {
      if (auto status = bus->unit(unit))
        return status->active_state != "inactive" && status->active_state != "failed";
    }
  }
  return systemd::may_be_active(root, unit);
}

struct RenderOptions {
  DeploymentOptions deployment;
  bool check = false;
  bool drop_deploy = false;
  bool json = false;
};

// `render --check`: each file that differs, as a unified diff (or one JSON entry).
int report_differences(const std::vector<render::File>& files, const std::vector<render::Orphan>& orphans,
                       const Root& root, bool json) {
  nlohmann::json list = nlohmann::json::array();
  std::string text;
  for (const auto& f : files) {
    std::string diff = render::compare({f}, root);
    if (diff.empty()) continue;
    text += diff;
    list.push_back(
        {{"path", f.path}, {"change", path_exists(root.map(f.path)) ? "changed" : "added"}, {"diff", diff}});
  }
  for (const auto& orphan : orphans) {
    std::string diff = render::compare_removed(orphan.path, root);
    if (diff.empty()) continue;
    text += diff;
    list.push_back({{"path", orphan.path}, {"change", "removed"}, {"diff", diff}});
  }
  if (json)
    fmt::print("{}\n", json_text(nlohmann::json{{"ok", list.empty()}, {"differences", list}}, 2));
  else
    fmt::print("{}", text);
  return list.empty() ? int(kOk) : int(kFailed);
}

int run_render(const RenderOptions& o) {
  Root root(o.deployment.root);
  auto c = load_resolved_contract(o.deployment.contract, root, home_dir());
  if (!c) return print_error(c.error(), o.json), int(kUnusable);
  auto text = read_file(o.deployment.contract);
  if (!text) return print_error(text.error(), o.json), int(kUnusable);
  // One render, deploy or rollback at a time (--check changes nothing).
  Fd lock;
  if (!o.check) {
    auto held = render::lock_deployment(*c, root, false);
    if (!held) return print_error(held.error(), o.json), int(kUnusable);
    lock = std::move(held).value();
  }
  std::string effective = *text;
  nlohmann::json result = nlohmann::json::object();
  if (!o.drop_deploy) {
    auto kept = render::effective_contract(*c, *text, root, home_dir());
    if (!kept) return print_error(kept.error(), o.json), int(kUnusable);
    if (!kept->note.empty()) {
      result["note"] = kept->note;
      if (!quiet()) fmt::print(stderr, "render: {}; --drop-deploy renders the contract's own\n", kept->note);
    }
    c = std::move(kept->contract);
    effective = std::move(kept->text);
  }
  auto files = render::render_all(*c, effective);
  if (!files) return print_error(files.error(), o.json), int(kUnusable);
  auto orphans = render::find_orphans(*c, root);
  if (o.check) return report_differences(*files, orphans, root, o.json);

  // Text lines unless --json; informational ones unless --quiet.
  auto say = [&o](bool informational, const std::string& line) {
    if (!o.json && !(informational && quiet())) fmt::print("{}\n", line);
  };
  // Units rendered before the Debian package ran /usr/local/bin (docs/install.md).
  result["migrated"] = nlohmann::json::array();
  for (const auto& path : render::tool_migrations(*files, root, kOldDefaultTool, c->tool)) {
    result["migrated"].push_back({{"path", path}, {"from", kOldDefaultTool}, {"to", c->tool}});
    say(true, fmt::format("migrated  {}: ran {}, now runs {}", path, kOldDefaultTool, c->tool));
  }
  auto written = render::install(*files, root);
  if (!written) return print_error(written.error(), o.json), int(kFailed);
  result["written"] = nlohmann::json::array();
  result["unchanged"] = nlohmann::json::array();
  for (const auto& f : *files) {
    bool changed = std::find(written->begin(), written->end(), f.path) != written->end();
    result[changed ? "written" : "unchanged"].push_back(f.path);
    say(true, fmt::format("{} {}", changed ? "wrote    " : "unchanged", f.path));
  }
  if (o.drop_deploy) {
    if (auto s = render::drop_deployed(*c, root, watchdog::current_user(), format_timestamp(now_utc())); !s)
      return print_error(s.error(), o.json), int(kFailed);
    result["recorded"] = render::written_target(*c).spec();
    say(true, fmt::format("recorded {} as the current environment in {}", render::written_target(*c).spec(),
                          deploy_record_path(*c)));
  }
  result["removed"] = nlohmann::json::array();
  result["kept"] = nlohmann::json::array();
  bool kept = false;
  for (const auto& orphan : orphans) {
    // render stops nothing itself: a running orphan stays until the operator stops it.
    if (orphan_may_be_active(root, orphan.unit)) {
      kept = true;
      result["kept"].push_back({{"path", orphan.path}, {"unit", orphan.unit}, {"reason", "may be running"}});
      say(false, fmt::format("kept      {}: {} is no longer in the contract but may be running\n"
                             "          stop it first: systemctl disable --now {}, then render again",
                             orphan.path, orphan.unit, orphan.unit));
      continue;
    }
    if (auto r = render::remove_orphan(*c, orphan, root); !r) {
      print_error(r.error());
      kept = true;
      result["kept"].push_back(
          {{"path", orphan.path}, {"unit", orphan.unit}, {"reason", r.error().to_string()}});
      continue;
    }
    result["removed"].push_back({{"path", orphan.path}, {"unit", orphan.unit}});
    say(true,
        fmt::format("removed   {}\n          next: systemctl disable --now {}", orphan.path, orphan.unit));
  }
  if (!written->empty() || orphans.size() > 0)
    say(true, "next: systemctl daemon-reload, then start or restart the changed units");
  if (o.json) fmt::print("{}\n", json_text(result, 2));
  return kept ? int(kFailed) : int(kOk);
}

}  // namespace

void register_render(CLI::App& parent, Commands& out) {
  CLI::App* app =
      add_subcommand(parent, "render", "Write the systemd units, environment file and installed contract");
  auto o = std::make_shared<RenderOptions>();
  add_deployment_options(app, o->deployment);
  app->add_flag("--check", o->check,
                "write nothing; print a unified diff against what is installed, exit 1 if any");
  app->add_flag("--drop-deploy", o->drop_deploy,
                "render the contract's own [conda] environment where a deploy switched to another (that one "
                "stays recorded as the previous environment, for rollback)");
  set_exit_codes(app, {{0, "written; with --check, nothing differs"},
                       {1, "with --check, what is installed differs; or a file could not be written"}});
  app->add_flag("--json", o->json,
                "print what was written, left unchanged and removed as JSON; with --check, the differences");
  out.push_back({app, [o] { return run_render(*o); }});
}

}  // namespace csd::cli
