// `conda-systemd restart`: request a graceful reload the way the app does (a flag), then wait
// for the watchdog's decision and print it. Exit 0 executed and confirmed, 3 blocked by the
// policy, 1 failed or not confirmed, 4 no decision in time, 2 unusable contract.
#include <fmt/format.h>

#include "cli/command.h"
#include "util/duration.h"
#include "util/json_text.h"
#include "watchdog/client.h"
#include "watchdog/record.h"

namespace csd::cli {

namespace {

constexpr int kBlocked = 3;
constexpr int kNoDecision = 4;

std::string describe(const nlohmann::json& j) {
  auto r = watchdog::Record::from_json(j);
  std::string decision = r.decision.value_or("?");
  std::string reason = r.decision_reason.value_or("");
  std::string out = fmt::format("{} ({})", decision, reason);
  if (r.confirmed()) {
    out += fmt::format(": reload confirmed in {} ms; workers {} -> {}", r.reload_ms.value_or(0),
                       json_text(r.old_workers.value_or(nlohmann::json::array())),
                       json_text(r.new_workers.value_or(nlohmann::json::array())));
  } else if (decision == "blocked") {
    const auto p = r.policy_state.value_or(nlohmann::json::object());
    if (reason == "cooldown_override_required" || reason == "cooldown_active")
      out += fmt::format(": {} s of cooldown left", p.value("cooldown_remaining_seconds", 0));
    else if (reason == "manual_override_required" || reason == "guarded_mode_blocked")
      out += fmt::format(": guarded mode, {} restart(s) in the last {} s", p.value("attempts_in_window", 0),
                         p.value("window_seconds", 0));
    if (r.requires_acknowledgement.value_or(false))
      out += "\n  to restart anyway: repeat with --override --ack";
  } else if (r.detail) {
    out += ": " + *r.detail;
  }
  return out;
}

}  // namespace

void register_restart(CLI::App& parent, Commands& out) {
  CLI::App* app =
      add_subcommand(parent, "restart",
                     "Ask the watchdog for a graceful reload of the gunicorn workers and wait for its "
                     "decision");
  struct Options {
    DeploymentOptions deployment;
    std::string reason;
    bool override_ = false;
    bool ack = false;
    std::string override_reason;
    bool automatic = false;
    Millis timeout{-1};  // unset: reload_timeout + 15s
    bool no_wait = false;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  add_deployment_options(app, o->deployment);
  app->add_option("--reason", o->reason, "why, for the state and the audit log");
  auto* ov =
      app->add_flag("--override", o->override_, "restart despite cooldown or guarded mode (needs --ack)");
  app->add_flag("--ack", o->ack, "acknowledge the override")->needs(ov);
  ov->needs(app->get_option("--ack"));
  app->add_option("--override-reason", o->override_reason, "recorded as override_reason")->needs(ov);
  app->add_flag("--auto", o->automatic, "request as source \"auto\" (as a health monitor would)");
  add_duration_option(app, "--timeout", o->timeout,
                      "how long to wait for the decision (default: reload_timeout + 15s)");
  app->add_flag("--no-wait", o->no_wait, "write the request and exit; prints its id");
  app->add_flag("--json", o->json, "print the decision record as JSON");
  set_exit_codes(app, {{0, "executed and the reload confirmed (with --no-wait: the request was written)"},
                       {1, "failed, or the reload was not confirmed"},
                       {3, "the policy blocked the restart (cooldown or guarded mode)"},
                       {4, "no decision within the wait"}});
  out.push_back({app, [o] {
                   auto s =
                       watchdog::load_settings(o->deployment.contract, Root(o->deployment.root), home_dir());
                   if (!s) return print_error(s.error(), o->json), int(kUnusable);
                   Millis timeout = s->reload_timeout + Millis(15'000);
                   if (o->timeout.count() >= 0) timeout = o->timeout;
                   watchdog::RestartRequest r;
                   r.user = watchdog::current_user();
                   r.reason = o->reason;
                   r.manual_override = o->override_;
                   r.override_acknowledged = o->ack;
                   r.override_reason = o->override_reason;
                   r.source = o->automatic ? "auto" : "manual";
                   auto id = watchdog::request_restart(*s, r, timeout);
                   if (!id) return print_error(id.error(), o->json), int(kFailed);
                   if (o->no_wait) {
                     if (o->json)
                       fmt::print("{}\n", json_text(nlohmann::json{{"request_id", *id}}));
                     else
                       fmt::print("request {} written to {}\n", *id, s->restart_flag);
                     return int(kOk);
                   }
                   auto record = watchdog::wait_for_decision(*s, *id, timeout);
                   if (!record) return print_error(record.error(), o->json), kNoDecision;
                   if (o->json) fmt::print("{}\n", json_text(*record, 2));
                   auto decided = watchdog::Record::from_json(*record);
                   bool done = decided.confirmed();
                   if (!o->json && (!done || !quiet()))
                     fmt::print("request {}: {}\n", *id, describe(*record));
                   if (done) return int(kOk);
                   if (decided.decision == "blocked") return kBlocked;
                   return int(kFailed);
                 }});
}

}  // namespace csd::cli
