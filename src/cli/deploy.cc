// `conda-systemd deploy`: switch the service to another conda environment behind a preflight and
// a health gate; roll back by itself when the gate fails.
#include "deploy/deploy.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/command.h"
#include "cli/progress.h"
#include "swap/request.h"
#include "util/json_text.h"
#include "watchdog/client.h"

namespace csd::cli {

namespace {

struct GateOptions {
  Millis timeout{5'000};
  int retries = 30;
  Millis restart_timeout{120'000};
};

void add_gate_options(CLI::App* app, GateOptions& g) {
  add_duration_option(app, "--timeout", g.timeout, "how long each health probe may take (default 5s)");
  app->add_option("--retries", g.retries, "health probes, a second apart, before the gate fails (default 30)")
      ->check(CLI::Range(1, 3600));
  add_duration_option(app, "--restart-timeout", g.restart_timeout,
                      "how long a unit may take to restart (default 2min)");
}

}  // namespace

namespace {

Progress::Mode progress_mode(bool json) {
  if (json) return Progress::Mode::kJson;
  if (quiet()) return Progress::Mode::kQuiet;
  return use_colour(STDOUT_FILENO) ? Progress::Mode::kLive : Progress::Mode::kLines;
}

int run_switch(const DeploymentOptions& d, const GateOptions& g, const deploy::Target* target, bool json,
               deploy::Options options = {}) {
  host::HealthOptions gate{.timeout = g.timeout, .retries = g.retries};
  auto services = deploy::system_services(gate, g.restart_timeout);
  if (!services) return print_error(services.error(), json), int(kUnusable);
  options.root = Root(d.root);
  options.home = home_dir();
  options.who = watchdog::current_user();
  // Each step as a line with its time; on a terminal a live line between them (docs/deploy.md).
  Progress progress(progress_mode(json));
  auto hear = [&progress](const deploy::Event& e) { progress.event(e); };
  auto outcome = target ? deploy::deploy(d.contract, *target, **services, options, hear)
                        : deploy::rollback(d.contract, **services, options, hear);
  if (!outcome) return print_error(outcome.error(), json), int(kUnusable);
  if (json)
    fmt::print("{}\n", json_text(nlohmann::json{{"operation", target ? "deploy" : "rollback"},
                                                {"ok", outcome->ok},
                                                {"result", outcome->result},
                                                {"rolled_back", outcome->rolled_back},
                                                {"prefix", outcome->prefix},
                                                {"events", progress.events()}},
                                 2));
  return outcome->ok ? int(kOk) : int(kFailed);
}

// A swap request that comes during another deploy waits this long for its lock: longer than a
// deploy with the default --restart-timeout and --retries takes.
constexpr Millis kRequestLockWait{15 * 60'000};

}  // namespace

// Shared with rollback.cc, which has the same options and the same gate.
std::function<int()> switch_command(CLI::App* app, bool is_deploy) {
  struct Options {
    DeploymentOptions deployment;
    GateOptions gate;
    deploy::Target target;
    bool json = false;
    std::string request;
  };
  auto o = std::make_shared<Options>();
  add_deployment_options(app, o->deployment);
  if (is_deploy) {
    auto* env =
        app->add_option("--env-name", o->target.env, "the new environment's name, looked up as conda does")
            ->option_text("ENV");
    auto* prefix =
        app->add_option("--prefix", o->target.prefix, "the new environment's prefix")->option_text("DIR");
    // The name before docs/cli.md's conventions, kept working but no longer shown.
    auto* old_env = app->add_option("--env", o->target.env, "old name of --env-name")->group("");
    env->excludes(prefix)->excludes(old_env);
    old_env->excludes(prefix);
    // What NAME-swap.service runs when the watchdog asks for a swap (docs/deploy.md).
    app->add_option("--request", o->request,
                    "a swap request the watchdog wrote: removed, then new code is deployed (zero_downtime)")
        ->option_text("FILE")
        ->excludes(env)
        ->excludes(prefix);
  }
  add_gate_options(app, o->gate);
  app->add_flag("--json", o->json,
                "print the result and every step, with its time, as JSON (no progress lines)");
  return [o, is_deploy] {
    if (!is_deploy) return run_switch(o->deployment, o->gate, nullptr, o->json);
    if (o->request.empty())
      // Neither: new code in the same environment, which the library refuses unless zero_downtime.
      return run_switch(o->deployment, o->gate, &o->target, o->json);
    // Root reads what the service user wrote: checked whole (a bad one is set aside at once), then
    // removed once the lock is held, so a request is carried out once, a bad one never swaps, and
    // one that comes during another deploy waits for it (docs/deploy.md, "Swaps the watchdog asks for").
    auto c = load_contract(o->deployment.contract);
    if (!c) return print_error(c.error(), o->json), int(kUnusable);
    if (auto checked = swap::check_request(o->request, *c); !checked)
      return print_error(checked.error(), o->json), int(kUnusable);
    deploy::Options options{.lock_wait = kRequestLockWait, .when_locked = [o, c = *c]() -> Status {
                              auto taken = swap::take_request(o->request, c);
                              if (!taken) return taken.error();
                              inform("request {} by {}: new code for {}", taken->request_id,
                                     taken->requested_by, taken->service);
                              return ok_status();
                            }};
    int rc = run_switch(o->deployment, o->gate, &o->target, o->json, std::move(options));
    // Not taken (no lock within the wait, no bus): set aside where it can be read, not left for the
    // .path unit to start this again at once, and not lost.
    struct stat st {};
    if (::lstat(o->request.c_str(), &st) == 0) {
      auto aside = swap::set_aside_request(o->request);
      if (aside)
        print_error(file_error(o->request, "the swap request was not carried out; set aside as " + *aside,
                               "ask again once the other operation ended"),
                    o->json);
      else
        print_error(aside.error(), o->json);
    }
    return rc;
  };
}

void register_deploy(CLI::App& parent, Commands& out) {
  CLI::App* app =
      add_subcommand(parent, "deploy",
                     "Switch the service to another conda environment: preflight, switch, restart, "
                     "health gate; roll back by itself when the gate fails");
  set_exit_codes(app, {{0, "switched and the gate passed"},
                       {1, "the gate failed and the previous environment is back"}});
  out.push_back({app, switch_command(app, true)});
}

}  // namespace csd::cli
