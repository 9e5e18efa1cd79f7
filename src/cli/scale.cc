// `conda-systemd scale --contract FILE (+N | -N | N)`: add or remove gunicorn workers (TTIN/TTOU
// to the verified master) and confirm the new count. Exit 0 confirmed, 1 not confirmed.
#include "watchdog/scale.h"

#include <fmt/format.h>

#include "cli/command.h"
#include "contract/naming.h"
#include "host/bus.h"
#include "util/json_text.h"
#include "watchdog/audit.h"

namespace csd::cli {

void register_scale(CLI::App& parent, Commands& out) {
  CLI::App* app = add_subcommand(parent, "scale", "Add or remove gunicorn workers and confirm the new count");
  struct Options {
    DeploymentOptions deployment;
    std::string count;
    bool json = false;
    bool no_bus = false;
  };
  auto o = std::make_shared<Options>();
  add_deployment_options(app, o->deployment);
  app->add_option("count", o->count, "+N adds N workers, -N removes N, N sets the count")->required();
  app->add_flag("--json", o->json, "print JSON");
  app->add_flag("--no-bus", o->no_bus, "do not ask systemd for the app unit's MainPID");
  set_exit_codes(
      app, {{0, "the new worker count is confirmed"}, {1, "the watchdog refused or did not confirm it"}});
  out.push_back(
      {app, [o] {
         auto target = watchdog::parse_scale(o->count);
         if (!target)
           return print_error(make_error(fmt::format("'{}' is not +N, -N or N (1..256)", o->count))),
                  int(kUnusable);
         auto s = watchdog::load_settings(o->deployment.contract, Root(o->deployment.root), home_dir());
         if (!s) return print_error(s.error(), o->json), int(kUnusable);
         std::optional<pid_t> main_pid;
         if (!o->no_bus)
           if (auto bus = host::Systemd::connect(Millis(2'000)); bus)
             if (auto pid = bus->main_pid(s->master.app_unit); pid) main_pid = *pid;
         auto r = watchdog::scale_workers(*s, *target, main_pid, s->reload_timeout);
         if (!r) return print_error(r.error(), o->json), int(kFailed);
         nlohmann::json j = r->to_json();
         (void)watchdog::send_audit_to_journal(
             watchdog::audit_entry(watchdog::Event::workers_scaled, j, now_utc(), s->contract_version), 5);
         if (o->json)
           fmt::print("{}\n", json_text(j, 2));
         else if (!r->confirmed || !quiet())
           fmt::print("{}: master {}, {}\n", r->confirmed ? "confirmed" : "NOT confirmed", r->master,
                      r->detail);
         return r->confirmed ? int(kOk) : int(kFailed);
       }});
}

}  // namespace csd::cli
