#include "watchdog/handler.h"

#include <fmt/format.h>
#include <signal.h>
#include <syslog.h>

#include <algorithm>

#include "watchdog/audit.h"
#include "watchdog/flag.h"

namespace csd::watchdog {

using nlohmann::json;
using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

constexpr milliseconds kWorkerCheckInterval{20};
constexpr milliseconds kHealthRetryInterval{200};
constexpr milliseconds kHealthRequestTimeout{2000};

json payload_of(const json& entry) {
  return {{"request_id", entry.value("request_id", json())},
          {"source", entry.value("source", json())},
          {"actor", entry.value("requested_by", json())},
          {"ip", entry.value("requested_ip", json())},
          {"policy_state", entry.value("policy_state", json::object())}};
}

}  // namespace

RequestHandler::RequestHandler(Settings settings, HandlerHooks hooks)
    : settings_(std::move(settings)),
      hooks_(std::move(hooks)),
      store_(settings_.state_file, settings_.history_limit) {}

std::string RequestHandler::new_request_id(TimePoint now) {
  return fmt::format("wd-{:x}-{}", now.time_since_epoch().count(), ++seq_);
}

void RequestHandler::audit(const char* event, const json& payload, int priority) {
  hooks_.audit(audit_entry(event, payload, hooks_.now(), settings_.contract_version), priority);
}

json RequestHandler::base_entry(const FlagRead& read, const std::string& request_id, TimePoint now) const {
  const FlagRequest empty_request;
  const FlagRequest& r = read.request ? *read.request : empty_request;
  json entry = {
      {"requested_by", r.user},
      {"requested_at", format_timestamp(requested_at(read, now))},
      {"requested_ip", r.ip},
      {"completed_at", format_timestamp(now)},
      {"success", false},
      {"source", r.source},
      {"decision", nullptr},
      {"decision_reason", nullptr},
      {"manual_override", r.manual_override},
      {"policy_state", json::object()},
      // Ours, ignored by the dashboard:
      {"request_id", request_id},
      {"override_acknowledged", r.override_acknowledged},
      {"override_reason", r.override_reason},
      {"runtime_contract_version", settings_.contract_version},
      {"flag_runtime_contract_version", r.runtime_contract_version},
  };
  if (!r.reason.empty()) entry["reason"] = r.reason;
  if (r.empty) entry["empty_flag"] = true;
  return entry;
}

Outcome RequestHandler::reject(const FlagRead& read, const std::string& request_id,
                               const std::string& claimed, TimePoint now) {
  Outcome out;
  out.request_id = request_id;
  out.rejected = true;
  json record = {{"request_id", request_id}, {"rejected_at", format_timestamp(now)},
                 {"decision", "rejected"},   {"decision_reason", rejection_reason(*read.rejection)},
                 {"detail", read.detail},    {"success", false}};
  if (read.request) {
    record["requested_by"] = read.request->user;
    record["source"] = read.request->source;
  }
  if (read.request || read.mtime) record["requested_at"] = format_timestamp(requested_at(read, now));
  out.record = record;
  Status saved = store_.update(
      [&](json& state, const LoadInfo&) { append_rejection(state, record, settings_.history_limit); }, now);
  json payload = {{"request_id", request_id},
                  {"decision_reason", record["decision_reason"]},
                  {"detail", read.detail},
                  {"actor", record.value("requested_by", json())}};
  if (!saved) payload["state_error"] = saved.error().to_string();
  audit(kFlagRejected, payload, LOG_WARNING);
  // A rejected flag is removed whatever it is, so it can never loop (defect 5).
  (void)discard_claimed_flag(claimed);
  return out;
}

Outcome RequestHandler::handle(const std::string& claimed) {
  TimePoint now = hooks_.now();
  FlagRead read = read_claimed_flag(claimed);
  reject_if_stale(read, now, Micros(settings_.flag_max_age));
  std::string id =
      read.request && !read.request->request_id.empty() ? read.request->request_id : new_request_id(now);
  if (read.rejection) return reject(read, id, claimed, now);
  const FlagRequest& req = *read.request;

  Outcome out;
  out.request_id = id;
  json entry = base_entry(read, id, now);
  auto fail_without_state = [&](const Error& e) {
    // Without a state the policy cannot be applied: nothing is signalled (fail closed).
    entry["decision"] = "failed";
    entry["decision_reason"] = kStateUnreadable;
    entry["detail"] = e.to_string();
    out.record = entry;
    json payload = payload_of(entry);
    payload["decision_reason"] = kStateUnreadable;
    payload["detail"] = e.to_string();
    audit(kRestartFailed, payload, LOG_ERR);
    (void)discard_claimed_flag(claimed);
    return std::move(out);
  };

  auto lock = store_.lock();
  if (!lock) return fail_without_state(lock.error());
  LoadInfo info;
  auto state = store_.load_for_update(info, now);
  if (!state) return fail_without_state(state.error());
  if (!req.request_id.empty() && find_request(*state, req.request_id)) {
    // Claimed and decided by a run that died before removing the flag.
    out.duplicate = true;
    out.record = *find_request(*state, req.request_id);
    (void)discard_claimed_flag(claimed);
    return out;
  }

  PolicyState policy = evaluate_policy(settings_.policy, attempts_from_history((*state)["history"]),
                                       last_requested_at(*state), now);
  Decision d = decide(policy, req.source, req.manual_override, req.override_acknowledged);
  if (info.corrupt) {
    entry["state_problem"] = fmt::format("{}; moved aside to {}", info.problem, info.moved_to);
    // A lost history must not read as "no restarts yet" (defect 3): only an acknowledged
    // override goes ahead.
    if (d.decision != "manual_override") d = Decision{false, "blocked", kStateUnreadable, true};
  }
  entry["policy_state"] = policy.to_json();
  entry["policy_decision"] = d.decision;

  auto record = [&](const char* event, int priority, json payload) {
    append_entry(*state, entry, settings_.history_limit);
    Status saved = store_.save(*state);
    if (!saved) payload["state_error"] = saved.error().to_string();
    audit(event, payload, priority);
    (void)discard_claimed_flag(claimed);
    out.record = entry;
  };

  if (!d.allowed) {
    entry["decision"] = "blocked";
    entry["decision_reason"] = d.reason;
    entry["requires_acknowledgement"] = d.requires_acknowledgement;
    json payload = payload_of(entry);
    payload["decision"] = d.to_json();
    record(kRestartBlocked, LOG_WARNING, payload);
    return out;
  }

  MasterExpectation expect = settings_.master;
  expect.main_pid = hooks_.main_pid(expect.app_unit);
  // Evidence of what the proof could use: null when systemd could not be asked.
  entry["systemd_main_pid"] = expect.main_pid ? json(*expect.main_pid) : json(nullptr);
  MasterCheck check = find_master(settings_.pid_file, expect);
  if (!check.master) {
    entry["decision"] = "failed";
    entry["decision_reason"] = check.refusal.reason;
    entry["detail"] = check.refusal.detail;
    json payload = payload_of(entry);
    payload["decision_reason"] = check.refusal.reason;
    payload["detail"] = check.refusal.detail;
    record(kRestartFailed, LOG_ERR, payload);
    return out;
  }

  pid_t master_pid = check.master->pidfd.pid();
  auto workers = std::make_unique<WorkerTracker>(master_pid, settings_.workers);
  Status sent = check.master->pidfd.send_signal(SIGHUP);
  auto signalled = steady_clock::now();
  entry["master_pid"] = master_pid;
  entry["old_workers"] = workers->old_workers();
  if (!sent) {
    entry["decision"] = "failed";
    entry["decision_reason"] = kSignalFailed;
    entry["detail"] = sent.error().message;
    json payload = payload_of(entry);
    payload["decision_reason"] = kSignalFailed;
    payload["detail"] = sent.error().message;
    record(kRestartFailed, LOG_ERR, payload);
    return out;
  }
  entry["decision"] = "executed";
  entry["decision_reason"] = kSignalSighup;
  entry["signalled_at"] = format_timestamp(hooks_.now());
  // success stays false until the reload is confirmed (defect 7).
  entry["confirmation"] = "pending";
  json payload = payload_of(entry);
  payload["master_pid"] = master_pid;
  payload["old_workers"] = entry["old_workers"];
  payload["manual_override"] = req.manual_override;
  record(kReloadSignalled, LOG_INFO, payload);

  auto pending = std::make_unique<PendingReload>();
  pending->request_id = id;
  pending->entry = entry;
  pending->master = std::move(*check.master);
  pending->workers = std::move(workers);
  pending->signalled = signalled;
  pending->deadline = signalled + settings_.reload_timeout;
  out.pending = std::move(pending);
  return out;
}

bool RequestHandler::advance(PendingReload& p, json& final_entry) {
  auto now = steady_clock::now();
  bool confirmed = false;
  bool master_gone = p.master.pidfd.exited();
  std::string problem;
  long health_status = 0;
  if (master_gone) {
    problem = "the gunicorn master exited during the reload";
  } else {
    if (!p.workers_back) {
      auto progress = p.workers->check();
      if (progress.done) {
        p.workers_back = true;
        p.new_workers = progress.new_workers;
      } else {
        problem = fmt::format("{} old worker(s) still running, {} of {} new worker(s) up",
                              progress.old_left.size(), progress.new_workers.size(), p.workers->expected());
      }
    }
    if (p.workers_back) {
      if (settings_.health_url.empty()) {
        confirmed = true;
      } else {
        auto left = duration_cast<milliseconds>(p.deadline - now);
        auto timeout = std::clamp(left, milliseconds{100}, kHealthRequestTimeout);
        ++p.health_attempts;
        auto status = http_get_status(settings_.health_url, Millis(timeout.count()));
        if (status && *status >= 200 && *status < 300) {
          confirmed = true;
          health_status = *status;
        } else {
          problem =
              status ? fmt::format("the workers are back but {} answered {}", settings_.health_url, *status)
                     : fmt::format("the workers are back but {}", status.error().message);
        }
      }
    }
  }
  now = steady_clock::now();
  if (!confirmed && !master_gone && now < p.deadline) {
    p.last_problem = problem;
    return false;
  }

  TimePoint wall = hooks_.now();
  json entry = p.entry;
  auto took = duration_cast<milliseconds>(now - p.signalled).count();
  entry["completed_at"] = format_timestamp(wall);
  entry["reload_ms"] = took;
  json payload = payload_of(entry);
  payload["master_pid"] = entry["master_pid"];
  payload["old_workers"] = entry["old_workers"];
  payload["reload_ms"] = took;
  if (confirmed) {
    entry["success"] = true;
    entry["confirmation"] = "confirmed";
    entry["confirmed_at"] = format_timestamp(wall);
    entry["new_workers"] = p.new_workers;
    if (health_status) entry["health_status"] = health_status;
    payload["manual_override"] = entry["manual_override"];
    payload["new_workers"] = p.new_workers;
    payload["confirmed_at"] = entry["confirmed_at"];
  } else {
    entry["decision"] = "failed";
    entry["decision_reason"] = kReloadUnconfirmed;
    entry["confirmation"] = "unconfirmed";
    entry["detail"] = problem.empty() ? p.last_problem : problem;
    if (settings_.restart_on_unconfirmed) {
      Status restarted = hooks_.restart_unit(settings_.master.app_unit);
      entry["unit_restart"] = restarted ? std::string("requested") : restarted.error().message;
    }
    payload["decision_reason"] = kReloadUnconfirmed;
    payload["detail"] = entry["detail"];
    if (entry.contains("unit_restart")) payload["unit_restart"] = entry["unit_restart"];
  }
  Status saved = save_final(entry, true, wall);
  if (!saved) payload["state_error"] = saved.error().to_string();
  audit(confirmed ? kRestartExecuted : kRestartFailed, payload, confirmed ? LOG_NOTICE : LOG_ERR);
  final_entry = std::move(entry);
  return true;
}

std::chrono::milliseconds RequestHandler::next_check(const PendingReload& p) const {
  auto left = duration_cast<milliseconds>(p.deadline - steady_clock::now());
  auto interval = p.workers_back ? kHealthRetryInterval : kWorkerCheckInterval;
  return std::clamp(left, milliseconds{1}, interval);
}

Status RequestHandler::save_final(const json& entry, bool replace, TimePoint now) {
  return store_.update(
      [&](json& state, const LoadInfo&) {
        if (!replace || !replace_entry(state, entry.value("request_id", std::string()), entry))
          append_entry(state, entry, settings_.history_limit);
      },
      now);
}

Status RequestHandler::close_abandoned_reloads() {
  TimePoint now = hooks_.now();
  std::vector<json> closed;
  Status st = store_.update(
      [&](json& state, const LoadInfo&) {
        if (!state["history"].is_array()) return;
        for (auto& e : state["history"]) {
          if (!e.is_object() || e.value("confirmation", "") != "pending") continue;
          e["decision"] = "failed";
          e["decision_reason"] = kReloadUnconfirmed;
          e["confirmation"] = "abandoned";
          e["detail"] = "the watchdog stopped before the reload was confirmed";
          e["completed_at"] = format_timestamp(now);
          closed.push_back(e);
          if (state["last_restart"].is_object() &&
              state["last_restart"].value("request_id", "") == e.value("request_id", "x"))
            state["last_restart"] = e;
        }
      },
      now);
  for (const auto& e : closed) {
    json payload = payload_of(e);
    payload["decision_reason"] = kReloadUnconfirmed;
    payload["detail"] = e["detail"];
    audit(kRestartFailed, payload, LOG_ERR);
  }
  return st;
}

}  // namespace csd::watchdog
