#include "deploy/deploy.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "check/context.h"
#include "conda/locate.h"
#include "contract/bind.h"
#include "contract/contract.h"
#include "contract/naming.h"
#include "contract/toml_string.h"
#include "render/deployed.h"
#include "render/install.h"
#include "render/render.h"
#include "util/fd.h"
#include "util/file.h"
#include "util/strings.h"
#include "util/timestamp.h"

namespace csd::deploy {

using nlohmann::json;

namespace {

// Which environment a contract names, as written in it and as resolved.
struct EnvRef {
  std::string key;  // "env" or "prefix"
  std::string value;
  std::string prefix;
  json to_json() const { return {{"key", key}, {"value", value}, {"prefix", prefix}}; }
  std::string spec() const { return fmt::format("{} = {}", key, toml_string(value)); }
};

EnvRef ref_of(const Contract& c, const std::string& written_env) {
  if (!written_env.empty()) return {"env", written_env, c.conda.prefix};
  return {"prefix", c.conda.prefix, c.conda.prefix};
}

// The deployment as installed: the contract copy's text, parsed and resolved.
struct Installed {
  std::string text;
  Contract contract;
  EnvRef env;
};

Result<Installed> load_installed(const std::string& path, const std::string& text, const Options& o) {
  auto parsed = parse_contract(text, path);
  if (!parsed) return parsed.error();
  Contract c = std::move(parsed).value();
  std::string written_env = c.conda.env;
  auto located = conda::locate(
      {.prefix = c.conda.prefix, .name = c.conda.env, .conda_root = c.conda.root, .home = o.home}, o.root);
  if (!located) {
    Error e = located.error();
    if (e.file.empty()) e.file = path;
    return e;
  }
  c.conda.prefix = located->prefix;
  return Installed{text, c, ref_of(c, written_env)};
}

class Operation {
 public:
  Operation(std::string name, const Options& o, const Log& log, std::string record_path)
      : name_(std::move(name)), options_(o), log_(log), record_path_(std::move(record_path)) {}

  void emit(const Event& e) {
    // The record keeps what happened, not when each step began or every probe.
    if (e.kind == Event::Kind::kNote || e.kind == Event::Kind::kEnd) {
      outcome.events.push_back(e);
      steps_.push_back({{"at", format_timestamp(now_utc())}, {"text", e.text}, {"ok", e.ok}});
    }
    if (log_) log_(e);
  }
  void say(const std::string& text, bool ok = true) { emit({.text = text, .ok = ok}); }
  void step(const std::string& text, bool ok = true) { say(name_ + ": " + text, ok); }
  void begin(const std::string& step, const std::string& text) {
    emit({.kind = Event::Kind::kStart, .text = name_ + ": " + text, .step = step});
  }
  void end(const std::string& step, const std::string& text, bool ok = true) {
    emit({.kind = Event::Kind::kEnd, .text = name_ + ": " + text, .ok = ok, .step = step});
  }

  Result<json> load_record() { return render::read_deploy_record(record_path_, options_.root); }

  Status save_record(json record, const json& current, const json& previous, const EnvRef& from,
                     const EnvRef& to, const std::string& result) {
    record["current"] = current;
    record["previous"] = previous;
    render::append_operation(record, {{"operation", name_},
                                      {"by", options_.who},
                                      {"from", from.to_json()},
                                      {"to", to.to_json()},
                                      {"result", result},
                                      {"steps", steps_}});
    return render::write_deploy_record(record_path_, record, options_.root);
  }

  // Writes what `to` renders to; "" or why not.
  std::string install(const Installed& to, Services& services) {
    const Contract& c = to.contract;
    begin("render", "rendering for " + to.env.prefix);
    auto files = render::render_all(c, to.text);
    auto written =
        files ? render::install(*files, options_.root) : Result<std::vector<std::string>>(files.error());
    if (!written) {
      end("render", "render failed: " + written.error().message, false);
      return written.error().message;
    }
    bool units_changed = false;
    for (const auto& f : *written)
      if (starts_with(f, "/etc/systemd/system/")) units_changed = true;
    end("render", fmt::format("rendered: {} file(s) written", written->size()));
    if (units_changed) {
      begin("daemon-reload", "asking systemd to reload the changed units");
      if (auto r = services.daemon_reload(); !r) {
        end("daemon-reload", "daemon-reload failed: " + r.error().message, false);
        return "daemon-reload: " + r.error().message;
      }
      end("daemon-reload", "systemd reloaded the changed units");
    }
    return "";
  }

  // Installs what `text` renders to, restarts every unit (zero_downtime: swaps instances), and
  // holds the health gate. Returns "" when the service runs healthy from the contract's
  // environment, else why not; `swapped` tells whether the old instance was stopped.
  std::string apply(const Installed& to, Services& services, bool* swapped = nullptr,
                    bool restart_watchdog = true) {
    const Contract& c = to.contract;
    if (auto why = install(to, services); !why.empty()) return why;
    std::vector<std::string> units;
    std::string app = app_unit(c);
    if (c.service.zero_downtime) {
      swap::Units* bus = services.swap_units();
      if (!bus) return "no unit operations for a swap";
      auto swapped_to = swap::swap(c, *bus, options_.root, services.swap_options(),
                                   [this](const std::string& text, bool ok) { step(text, ok); });
      if (!swapped_to) return swapped_to.error().message;
      if (!swapped_to->ok)
        return fmt::format("the swap failed at {}: {}", swapped_to->failed_step, swapped_to->why);
      if (swapped) *swapped = true;
      app = app_instance(c, swapped_to->to);
    } else {
      units.push_back(app);
    }
    // The app first, the watchdog last: it proves the new master when it starts.
    for (const auto& w : c.workers) units.push_back(worker_unit(c, w));
    // zero_downtime new code: the watchdog follows the active instance by itself, and may be
    // waiting for this very swap to confirm a restart request.
    if (restart_watchdog) units.push_back(watchdog_unit(c));
    for (const auto& u : units) {
      begin("restart " + u, "restarting " + u);
      if (auto r = services.restart(u); !r) {
        end("restart " + u, fmt::format("restart of {} failed: {}", u, r.error().message), false);
        return fmt::format("{} did not restart", u);
      }
      end("restart " + u, "restarted " + u);
    }
    if (c.service.zero_downtime) units.insert(units.begin(), app);
    for (const auto& u : units) {
      if (u == watchdog_unit(c)) continue;
      auto prefix = services.running_prefix(u);
      if (!prefix || *prefix != c.conda.prefix) {
        std::string found = prefix ? *prefix : prefix.error().message;
        step(fmt::format("{} does not run from {}: CONDA_PREFIX {}", u, c.conda.prefix, found), false);
        return fmt::format("{} runs from {}", u, found);
      }
      step(fmt::format("{} runs from {}", u, c.conda.prefix));
    }
    const std::string gate = "health gate";
    begin(gate, "health gate: probing " + (c.service.health_url.empty() ? "-" : c.service.health_url));
    HealthResult h = services.health(
        c.service.health_url, unix_bind_path(c.service.bind), [this, &gate](const HealthProbe& p) {
          emit({.kind = Event::Kind::kProbe,
                .text = fmt::format("{}: health probe {}: {}", name_, p.attempt, p.detail),
                .ok = p.healthy,
                .step = gate,
                .probe = p});
        });
    if (!h.healthy) {
      end(gate,
          fmt::format("health gate failed: {} {} (after {} attempt(s))", c.service.health_url, h.detail,
                      h.attempts),
          false);
      return "the health gate failed: " + h.detail;
    }
    end(gate, fmt::format("health gate passed: {} {}", c.service.health_url, h.detail));
    return "";
  }

  Outcome outcome;

 private:
  std::string name_;
  const Options& options_;
  const Log& log_;
  std::string record_path_;
  json steps_ = json::array();
};

// The environment checked as `check` checks it, before anything changes.
bool preflight(Operation& op, const Installed& to, const Root& root) {
  op.begin("preflight", "preflight of " + to.env.prefix);
  check::Report report;
  check::check_environment({.contract = to.contract, .root = root}, report);
  for (const auto& f : report.sorted())
    if (f.severity == check::Severity::kError)
      op.step(fmt::format("[{}] {}{}", f.code, f.message, f.found.empty() ? "" : " (found: " + f.found + ")"),
              false);
  if (report.errors() > 0) {
    op.end("preflight",
           fmt::format("preflight of {} failed: {} error(s); nothing was changed", to.env.prefix,
                       report.errors()),
           false);
    return false;
  }
  op.end("preflight", fmt::format("preflight of {} passed", to.env.prefix));
  return true;
}

struct Prepared {
  Installed current;
  std::string record_path;
};

Result<Prepared> prepare(const std::string& contract_path, const Options& o) {
  auto given = load_contract(contract_path);
  if (!given) return given.error();
  std::string installed_path = given->installed_path();
  std::string host_path = o.root.map(installed_path);
  if (!path_exists(host_path))
    return file_error(installed_path, "no installed deployment: the contract copy is missing",
                      fmt::format("render first: conda-systemd render --contract {}", contract_path));
  auto text = read_file(host_path);
  if (!text) return text.error();
  auto given_text = read_file(contract_path);
  if (!given_text) return given_text.error();
  if (*given_text != *text)
    return file_error(contract_path, fmt::format("differs from the installed contract {}", installed_path),
                      fmt::format("render it first, or pass --contract {}: deploy switches what is installed",
                                  installed_path));
  auto current = load_installed(installed_path, *text, o);
  if (!current) return current.error();
  std::string record = deploy_record_path(current->contract);
  return Prepared{std::move(current).value(), record};
}

json env_json(const EnvRef& e, const Options& o, const char* operation) {
  json j = e.to_json();
  j["since"] = format_timestamp(now_utc());
  j["by"] = o.who;
  j["operation"] = operation;
  return j;
}

enum class Kind { kDeploy, kRollback };

// zero_downtime, no new environment: the idle instance starts on the code as it is now.
Result<Outcome> deploy_code(Operation& op, const Installed& cur, const json& record, const json& current,
                            const json& previous, Services& services) {
  const Contract& c = cur.contract;
  if (!c.service.zero_downtime)
    return make_error("give exactly one of --env-name NAME and --prefix PATH",
                      "without one, deploy swaps in new code, which needs [service] zero_downtime = true");
  op.step(fmt::format("{} runs from {}; new code in the same environment", c.name, cur.env.prefix));
  bool swapped = false;
  std::string failure = op.apply(cur, services, &swapped, false);
  op.outcome.prefix = cur.env.prefix;
  op.outcome.ok = failure.empty();
  if (failure.empty())
    op.say(fmt::format("deployed: {} runs new code from {}", c.name, cur.env.prefix));
  else if (swapped)
    // The gate after the swap failed: the old instance is already stopped, saying it serves would lie.
    op.say(fmt::format("FAILED: {}; the swap was made: the new instance runs and the old one is stopped",
                       failure),
           false);
  else
    op.say(fmt::format("FAILED: {}; the previous instance serves on", failure), false);
  if (auto s = op.save_record(record, current, previous, cur.env, cur.env,
                              failure.empty() ? "deployed" : "failed");
      !s)
    return s.error();
  return op.outcome;
}

Result<Outcome> run(Kind kind, const std::string& contract_path, const Target* target, Services& services,
                    const Options& o, const Log& log) {
  auto prepared = prepare(contract_path, o);
  if (!prepared) return prepared.error();
  const Installed& cur = prepared->current;
  const Contract& c = cur.contract;
  auto held = render::lock_deployment(c, o.root, true, o.lock_wait);
  if (!held) return held.error();
  if (o.when_locked)
    if (auto s = o.when_locked(); !s) return s.error();

  const char* name = kind == Kind::kDeploy ? "deploy" : "rollback";
  Operation op(name, o, log, prepared->record_path);
  auto record = op.load_record();
  if (!record) return record.error();
  json current = record->contains("current") ? (*record)["current"] : env_json(cur.env, o, "render");
  json previous = record->contains("previous") ? (*record)["previous"] : json(nullptr);

  // zero_downtime without a target: new code in the same environment, swapped in.
  if (kind == Kind::kDeploy && target->env.empty() && target->prefix.empty())
    return deploy_code(op, cur, *record, current, previous, services);
  Target wanted;
  if (kind == Kind::kDeploy) {
    wanted = *target;
  } else {
    if (!previous.is_object() || !previous.contains("key") || !previous.contains("value"))
      return file_error(prepared->record_path, "no previous environment is recorded",
                        "rollback goes back to what the last deploy replaced; there was none");
    std::string key = previous["key"].get<std::string>(), value = previous["value"].get<std::string>();
    (key == "env" ? wanted.env : wanted.prefix) = value;
  }
  auto new_text = set_conda_target(cur.text, wanted, c.installed_path());
  if (!new_text) return new_text.error();
  auto to = load_installed(c.installed_path(), *new_text, o);
  if (!to) return to.error();

  op.step(
      fmt::format("{} runs from {}; target {} ({})", c.name, cur.env.prefix, to->env.prefix, to->env.spec()));
  if (to->env.prefix == cur.env.prefix) {
    op.step(fmt::format("{} already runs from {}; nothing to do", c.name, cur.env.prefix), false);
    op.outcome.prefix = cur.env.prefix;
    return op.outcome;
  }
  if (!preflight(op, *to, o.root)) {
    op.outcome.prefix = cur.env.prefix;
    op.outcome.result = "refused";
    if (auto s = op.save_record(*record, current, previous, cur.env, to->env, "refused"); !s)
      return s.error();
    return op.outcome;
  }
  op.step(fmt::format("switching {}: [conda] {} (was {}); the previous environment is recorded in {}",
                      c.installed_path(), to->env.spec(), cur.env.spec(), prepared->record_path));
  bool swapped = false;
  std::string failure = op.apply(*to, services, &swapped);
  if (failure.empty()) {
    op.outcome.ok = true;
    op.outcome.prefix = to->env.prefix;
    op.outcome.result = kind == Kind::kDeploy ? "deployed" : "rolled back";
    if (kind == Kind::kDeploy)
      op.say(fmt::format("deployed: {} runs from {}; the previous environment {} is kept for rollback",
                         c.name, to->env.prefix, cur.env.prefix));
    else
      op.say(fmt::format("rolled back: {} runs from {}; {} is kept as the previous environment", c.name,
                         to->env.prefix, cur.env.prefix));
    if (auto s = op.save_record(*record, env_json(to->env, o, name), env_json(cur.env, o, name), cur.env,
                                to->env, kind == Kind::kDeploy ? "deployed" : "rolled back");
        !s)
      return s.error();
    return op.outcome;
  }

  // The new environment failed: back to the one that ran, through the same render and gate.
  op.step(fmt::format("{}; going back to {}", failure, cur.env.prefix), false);
  // zero_downtime before the old instance stopped: it serves on from its environment, only the
  // files go back.
  std::string again =
      c.service.zero_downtime && !swapped ? op.install(cur, services) : op.apply(cur, services);
  op.outcome.prefix = cur.env.prefix;
  std::string result;
  if (again.empty()) {
    op.outcome.rolled_back = true;
    result = "rolled back";
    op.say(fmt::format("rolled back: {} runs from {} again; {} failed: {}", c.name, cur.env.prefix,
                       to->env.prefix, failure),
           false);
  } else {
    result = "failed";
    op.say(fmt::format("FAILED: {} failed ({}) and going back to {} failed too ({}); see journalctl -u {}",
                       to->env.prefix, failure, cur.env.prefix, again, app_unit(c)),
           false);
  }
  op.outcome.result = result;
  if (auto s = op.save_record(*record, current, previous, cur.env, to->env, result); !s) return s.error();
  return op.outcome;
}

}  // namespace

Result<Outcome> deploy(const std::string& contract_path, const Target& target, Services& services,
                       const Options& options, const Log& log) {
  if (!target.env.empty() && !target.prefix.empty())
    return make_error("give exactly one of --env-name NAME and --prefix PATH");
  return run(Kind::kDeploy, contract_path, &target, services, options, log);
}

Result<Outcome> rollback(const std::string& contract_path, Services& services, const Options& options,
                         const Log& log) {
  return run(Kind::kRollback, contract_path, nullptr, services, options, log);
}

}  // namespace csd::deploy
