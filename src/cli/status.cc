// `conda-systemd status`: the restart state, the policy now, the verified master and its workers,
// and whether the watchdog is alive. Exit 0 when the watchdog answers and the master is
// verified, 1 otherwise.
#include <fmt/format.h>

#include "cli/command.h"
#include "util/json_text.h"
#include "watchdog/client.h"

namespace csd::cli {

namespace {

using nlohmann::json;

std::string str(const json& j, const char* key, const std::string& fallback = "-") {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->is_string() ? it->get<std::string>() : it->dump();
}

void print_human(const json& st) {
  fmt::print("contract:     {} (version {})\n", str(st, "contract"), str(st, "contract_version"));
  const json& w = st["watchdog"];
  if (w.value("alive", false)) {
    const json& c = w.value("counters", json::object());
    fmt::print("watchdog:     alive, PID {}, {}; {} request(s) decided since {}\n", str(w, "pid"),
               str(w, "phase"), c.value("decided", 0), str(w, "started_at"));
    fmt::print("              last: {}\n", str(w, "last_action"));
  } else {
    fmt::print("watchdog:     NOT answering on {} ({})\n", str(st["paths"], "control_socket"),
               str(w, "error"));
  }
  if (st.contains("active_instance"))
    fmt::print("instance:     {} is active (zero_downtime)\n", str(st, "active_instance"));
  const json& m = st["master"];
  if (m.value("verified", false)) {
    std::vector<std::string> pids;
    for (const auto& p : m["workers"]) pids.push_back(json_text(p));
    fmt::print("master:       PID {} verified ({}); {} worker(s): {} (contract: {})\n", str(m, "pid"),
               str(m, "exe"), pids.size(), fmt::join(pids, " "), str(m, "expected_workers"));
  } else {
    fmt::print("master:       NOT verified: {} ({})\n", str(m, "reason"), str(m, "detail"));
  }
  if (st.contains("policy_state")) {
    const json& p = st["policy_state"];
    std::string state = str(p, "state");
    if (state == "cooldown") state += fmt::format(" ({} s left)", str(p, "cooldown_remaining_seconds"));
    if (state == "blocked")
      state += fmt::format(" (guarded mode: {} restart(s) in {} s; budget {}, churn threshold {})",
                           str(p, "attempts_in_window"), str(p, "window_seconds"), str(p, "retry_budget"),
                           str(p, "churn_threshold"));
    fmt::print("policy:       {}\n", state);
  }
  if (st.contains("recovery_blocks_until"))
    fmt::print(
        "              the state was recovered from a damaged file: until {} only --override --ack "
        "restarts\n",
        str(st, "recovery_blocks_until"));
  if (st["state"].is_object() && st["state"]["last_restart"].is_object()) {
    const json& l = st["state"]["last_restart"];
    std::string extra =
        l.value("success", false) ? fmt::format(", confirmed in {} ms", str(l, "reload_ms")) : "";
    fmt::print("last restart: {} by {}: {} ({}){}\n", str(l, "requested_at"), str(l, "requested_by"),
               str(l, "decision"), str(l, "decision_reason"), extra);
    fmt::print("history:      {} entr(ies), limit {}\n", st["state"]["history"].size(),
               str(st["state"], "history_limit"));
  } else if (st.contains("state_error")) {
    fmt::print("state:        UNREADABLE: {}\n", str(st, "state_error"));
  } else {
    fmt::print("last restart: none recorded\n");
  }
  fmt::print("pending flag: {}\n", st.value("restart_pending", false) ? "yes (not yet claimed)" : "none");
  const json& paths = st["paths"];
  fmt::print(
      "paths:        flag {}\n              PID file {}\n              state {}\n              socket {}\n",
      str(paths, "restart_flag"), str(paths, "pid_file"), str(paths, "state_file"),
      str(paths, "control_socket"));
}

}  // namespace

void register_status(CLI::App& parent, Commands& out) {
  CLI::App* app =
      add_subcommand(parent, "status",
                     "Show the restart state, the policy, the verified gunicorn master and its workers, "
                     "and whether the watchdog is alive");
  struct Options {
    DeploymentOptions deployment;
    bool json = false;
    bool no_bus = false;
  };
  auto o = std::make_shared<Options>();
  add_deployment_options(app, o->deployment);
  app->add_flag("--json", o->json, "print JSON");
  app->add_flag("--no-bus", o->no_bus, "do not ask systemd for the app unit's MainPID");
  set_exit_codes(app, {{0, "the watchdog answered and is healthy"},
                       {1, "the watchdog did not answer, or reports a problem"}});
  out.push_back({app, [o] {
                   auto s =
                       watchdog::load_settings(o->deployment.contract, Root(o->deployment.root), home_dir());
                   if (!s) return print_error(s.error()), int(kUnusable);
                   json st = watchdog::collect_status(*s, !o->no_bus);
                   if (o->json)
                     fmt::print("{}\n", json_text(st, 2));
                   else
                     print_human(st);
                   bool healthy =
                       st["watchdog"].value("alive", false) && st["master"].value("verified", false);
                   return healthy ? int(kOk) : int(kFailed);
                 }});
}

}  // namespace csd::cli
