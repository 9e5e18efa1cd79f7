// `conda-systemd health`: GET the contract's health URL; exit 0 on 2xx.
#include "host/health.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "contract/bind.h"
#include "contract/contract.h"
#include "util/json_text.h"

namespace csd::cli {

void register_health(CLI::App& parent, Commands& out) {
  CLI::App* app = add_subcommand(parent, "health", "Probe the contract's health URL; exit 0 on a 2xx answer");
  struct Options {
    std::string contract;
    Millis timeout{5'000};
    int retries = 1;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  add_contract_option(app, o->contract);
  add_duration_option(app, "--timeout", o->timeout, "how long each attempt may take (default 5s)");
  app->add_option("--retries", o->retries, "attempts in all, a second apart (default 1)")
      ->check(CLI::Range(1, 3600));
  app->add_flag("--json", o->json, "print the result as JSON");
  set_exit_codes(app, {{0, "a 2xx answer"}, {1, "no 2xx answer within the attempts"}});
  out.push_back({app, [o] {
                   // The health URL needs no conda lookup: a health check must work while the
                   // environment itself is broken.
                   auto c = load_contract(o->contract);
                   if (!c) return print_error(c.error(), o->json), int(kUnusable);
                   host::HealthOptions h{.timeout = o->timeout, .retries = o->retries};
                   h.unix_socket = unix_bind_path(c->service.bind);
                   nlohmann::json probes = nlohmann::json::array();
                   auto r = host::probe_health(c->service.health_url, h, [&](const host::HealthProbe& p) {
                     probes.push_back({{"attempt", p.attempt},
                                       {"healthy", p.healthy},
                                       {"status", p.status},
                                       {"detail", p.detail},
                                       {"took_ms", p.took.count()}});
                     // Between attempts, so a wait of many retries is not silent.
                     if (!o->json && !p.healthy && p.attempt < o->retries)
                       inform("attempt {}: {} ({:.1f}s)", p.attempt, p.detail,
                              std::chrono::duration<double>(p.took).count());
                   });
                   if (o->json) {
                     fmt::print("{}\n", json_text(nlohmann::json{{"url", c->service.health_url},
                                                                 {"healthy", r.healthy},
                                                                 {"detail", r.detail},
                                                                 {"attempts", r.attempts},
                                                                 {"probes", probes}},
                                                  2));
                     return r.healthy ? int(kOk) : int(kFailed);
                   }
                   if (r.healthy) {
                     inform("healthy: {} {}", c->service.health_url, r.detail);
                     return int(kOk);
                   }
                   fmt::print("UNHEALTHY: {} {} (after {} attempt(s))\n",
                              c->service.health_url.empty() ? "-" : c->service.health_url, r.detail,
                              r.attempts);
                   return int(kFailed);
                 }});
}

}  // namespace csd::cli
