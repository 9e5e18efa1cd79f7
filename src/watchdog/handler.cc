#include "watchdog/handler.h"

#include <fmt/format.h>
#include <signal.h>
#include <syslog.h>

#include <algorithm>

#include "swap/request.h"
#include "util/file.h"
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

// What every audit event of a request says: the dashboard's keys (docs/dashboard-compat.md).
json payload_of(const Record& r) {
  return {{"request_id", r.request_id.empty() ? json() : json(r.request_id)},
          {"source", r.source ? json(*r.source) : json()},
          {"actor", r.requested_by.value_or(json())},
          {"ip", r.requested_ip.value_or(json())},
          {"policy_state", r.policy_state.value_or(json::object())}};
}

}  // namespace

RequestHandler::RequestHandler(Settings settings, HandlerHooks hooks)
    : settings_(std::move(settings)),
      hooks_(std::move(hooks)),
      store_(settings_.state_file, settings_.history_limit) {}

std::string RequestHandler::new_request_id(TimePoint now) {
  return fmt::format("wd-{:x}-{}", now.time_since_epoch().count(), ++seq_);
}

void RequestHandler::audit(Event event, const json& payload, int priority) {
  hooks_.audit(audit_entry(event, payload, hooks_.now(), settings_.contract_version), priority);
}

Record RequestHandler::base_entry(const FlagRead& read, const std::string& request_id, TimePoint now) const {
  const FlagRequest empty_request;
  const FlagRequest& r = read.request ? *read.request : empty_request;
  Record entry;
  entry.requested_by = r.user;
  entry.requested_at = format_timestamp(requested_at(read, now));
  entry.requested_ip = r.ip;
  entry.completed_at = format_timestamp(now);
  entry.source = r.source;
  entry.manual_override = r.manual_override;
  entry.policy_state = json::object();
  entry.request_id = request_id;
  entry.override_acknowledged = r.override_acknowledged;
  entry.override_reason = r.override_reason;
  entry.runtime_contract_version = settings_.contract_version;
  entry.flag_runtime_contract_version = r.runtime_contract_version;
  if (!r.reason.empty()) entry.reason = r.reason;
  if (r.empty) entry.empty_flag = true;
  return entry;
}

Outcome RequestHandler::reject(const FlagRead& read, const std::string& request_id,
                               const std::string& claimed, json& state, TimePoint now) {
  Outcome out;
  out.request_id = request_id;
  out.rejected = true;
  Record record;
  record.request_id = request_id;
  record.rejected_at = format_timestamp(now);
  record.decision = "rejected";
  record.decision_reason = rejection_reason(*read.rejection);
  record.detail = read.detail;
  record.claim = base_name(claimed);
  if (read.request) {
    record.requested_by = read.request->user;
    record.source = read.request->source;
  }
  if (read.request || read.mtime) record.requested_at = format_timestamp(requested_at(read, now));
  append_rejection(state, record.to_json(), settings_.history_limit);
  if (Status saved = store_.save(state); !saved) {
    out.retry = "cannot record the rejection: " + saved.error().to_string();
    return out;
  }
  out.record = record;
  audit(Event::flag_rejected,
        {{"request_id", request_id},
         {"decision_reason", *record.decision_reason},
         {"detail", read.detail},
         {"actor", record.requested_by.value_or(json())}},
        LOG_WARNING);
  // A rejected flag is removed whatever it is, so it can never loop (defect 5).
  (void)discard_claimed_flag(claimed);
  return out;
}

Outcome RequestHandler::handle(const std::string& claimed) {
  TimePoint now = hooks_.now();
  Outcome out;
  // Nothing is decided, let alone signalled, without the state: on any problem with it the claim
  // stays on disk and in the queue, and the loop tries again (issue 10, defect 3).
  auto lock = store_.try_lock();
  if (!lock) {
    out.retry = lock.error().to_string();
    return out;
  }
  if (!lock->has_value()) {
    out.retry = fmt::format("the state lock {} is held by {}", store_.lock_path(), store_.lock_holder());
    out.lock_busy = true;
    return out;
  }
  LoadInfo info;
  auto state = store_.load_for_update(info, now);
  if (!state) {
    out.retry = state.error().to_string();
    return out;
  }
  // A claim's identity is its unique name, recorded with its decision before the decision is
  // acted on: a claim left on disk by a watchdog killed after the save is never decided again
  // (issue 10, defect 6), whatever it holds.
  std::string claim = base_name(claimed);
  if (auto done = find_claim(*state, claim)) {
    out.duplicate = true;
    out.record = Record::from_json(*done);
    out.request_id = out.record.request_id;
    (void)discard_claimed_flag(claimed);
    return out;
  }
  FlagRead read = read_claimed_flag(claimed);
  reject_if_stale(read, now, Micros(settings_.flag_max_age));
  std::string id =
      read.request && !read.request->request_id.empty() ? read.request->request_id : new_request_id(now);
  out.request_id = id;
  if (read.rejection) return reject(read, id, claimed, *state, now);
  const FlagRequest& req = *read.request;
  if (!req.request_id.empty())
    if (auto legacy = find_request(*state, req.request_id); legacy && !legacy->contains("claim")) {
      // Decided by a version that did not record claims, before it could remove the flag.
      out.duplicate = true;
      out.record = Record::from_json(*legacy);
      (void)discard_claimed_flag(claimed);
      return out;
    }

  Record entry = base_entry(read, id, now);
  entry.claim = claim;
  PolicyState policy = evaluate_policy(settings_.policy, attempts_from_history((*state)["history"]),
                                       last_requested_at(*state), now);
  Decision d = decide(policy, req.source, req.manual_override, req.override_acknowledged);
  // A lost history must not read as "no restarts yet" (defect 3), neither for the request that
  // found it damaged nor for the next ones, across restarts: until the recovery is a window old
  // only an acknowledged override goes ahead.
  if (auto recovered = recovered_at(*state)) {
    d = after_recovery(d, req.source, *recovered, now, settings_.policy);
    if (d.reason == kStateUnreadable)
      entry.state_problem = fmt::format(
          "the state was damaged ({}) and recovered at {}, moved aside to {}; until {} only an acknowledged "
          "override restarts",
          info.corrupt ? info.problem : (*state)["recovered_from"].value("problem", std::string("?")),
          format_timestamp(*recovered), (*state)["recovered_from"].value("file", std::string("?")),
          format_timestamp(recovery_blocks_until(*recovered, settings_.policy)));
  }
  entry.policy_state = policy.to_json();
  entry.policy_decision = d.decision;

  // The decision is saved before anything is done about it (audit, signal, removal of the
  // claim); when it cannot be saved nothing is done and the claim is retried.
  auto save = [&](bool durable = true) -> bool {
    append_entry(*state, entry.to_json(), settings_.history_limit);
    if (Status saved = store_.save(*state, durable); !saved) {
      out.retry = "cannot save the decision: " + saved.error().to_string();
      return false;
    }
    return true;
  };
  auto finish = [&](Event event, int priority, json payload) {
    audit(event, payload, priority);
    (void)discard_claimed_flag(claimed);
    out.record = entry;
  };
  auto fail = [&](const std::string& reason, const std::string& detail) {
    entry.decision = "failed";
    entry.decision_reason = reason;
    entry.detail = detail;
    if (!save()) return;
    json payload = payload_of(entry);
    payload["decision_reason"] = reason;
    payload["detail"] = detail;
    finish(Event::restart_failed, LOG_ERR, payload);
  };

  if (!d.allowed) {
    entry.decision = "blocked";
    entry.decision_reason = d.reason;
    entry.requires_acknowledgement = d.requires_acknowledgement;
    if (!save()) return out;
    json payload = payload_of(entry);
    payload["decision"] = d.to_json();
    finish(Event::restart_blocked, LOG_WARNING, payload);
    return out;
  }

  // zero_downtime: the active instance's master (settings.h).
  Settings live = follow_active(settings_);
  MasterExpectation expect = live.master;
  expect.main_pid = hooks_.main_pid(expect.app_unit);
  // Evidence of what the proof could use: null when systemd could not be asked.
  entry.systemd_main_pid = expect.main_pid ? json(*expect.main_pid) : json(nullptr);
  MasterCheck check = find_master(live.pid_file, expect);
  if (!check.master) {
    fail(reason_name(check.refusal.reason), check.refusal.detail);
    return out;
  }

  pid_t master_pid = check.master->pidfd.pid();
  auto workers = std::make_unique<WorkerTracker>(master_pid, settings_.workers);
  entry.master_pid = master_pid;
  entry.old_workers = workers->old_workers();
  entry.decision = "executed";
  entry.decision_reason = kSignalSighup;
  entry.signalled_at = format_timestamp(hooks_.now());
  // success stays false until the reload is confirmed (defect 7).
  entry.confirmation = "pending";
  std::string swapped_from;
  if (!settings_.swap_request.empty()) {
    // restart_mode = "swap": new code in the other instance, started by root through the path
    // unit; the watchdog only asks (docs/deploy.md). Confirmed when the other instance is active.
    swapped_from = active_instance(settings_);
    entry.decision_reason = kSwapRequested;
  }
  // What must be durable before the signal is only that this claim is being signalled, so that a
  // watchdog killed right after it never signals it again: one rename of the claim, which the page
  // cache keeps for the next start like any write. The state itself is written after the signal
  // (writing it first cost 2.5-4.2 ms of every SIGHUP's latency; docs/performance.md). When the
  // rename fails nothing was signalled and the claim is retried.
  auto marked = mark_signalling(claimed);
  if (!marked) {
    out.retry = "cannot mark the claim before the signal: " + marked.error().to_string();
    return out;
  }
  auto signalled = steady_clock::now();
  Status sent =
      swapped_from.empty()
          ? check.master->pidfd.send_signal(SIGHUP)
          : write_file_atomic(settings_.swap_request,
                              swap::request_text({settings_.contract_name, id,
                                                  req.user.is_string() ? req.user.get<std::string>() : ""}),
                              swap::kRequestMode, false);
  if (!sent) {
    entry.decision = "failed";
    entry.decision_reason = kSignalFailed;
    entry.detail = sent.error().message;
    entry.confirmation.reset();
  }
  // Recorded now; not flushed while the reload is pending (the final entry is): this record guards
  // against the watchdog being killed, which the page cache survives. When it cannot be written the
  // mark stays until the final entry is, and the next start reads the mark if that never happens.
  append_entry(*state, entry.to_json(), settings_.history_limit);
  Status recorded = store_.save(*state, !sent.ok());
  json payload = payload_of(entry);
  if (recorded) (void)discard_claimed_flag(*marked);
  if (!recorded) payload["state_error"] = recorded.error().to_string();
  out.record = entry;
  if (!sent) {
    payload["decision_reason"] = kSignalFailed;
    payload["detail"] = sent.error().message;
    if (!recorded) unsaved_.push_back({entry, *marked});
    audit(Event::restart_failed, payload, LOG_ERR);
    return out;
  }
  payload["master_pid"] = master_pid;
  payload["old_workers"] = *entry.old_workers;
  payload["manual_override"] = req.manual_override;
  audit(Event::reload_signalled, payload, LOG_INFO);

  auto pending = std::make_unique<PendingReload>();
  pending->request_id = id;
  pending->entry = entry;
  pending->master = std::move(*check.master);
  pending->workers = std::move(workers);
  pending->signalled = signalled;
  pending->deadline = signalled + settings_.reload_timeout;
  if (!recorded) pending->mark = *marked;
  pending->swapped_from = swapped_from;
  out.pending = std::move(pending);
  return out;
}

bool RequestHandler::start_probe(PendingReload& p, milliseconds timeout, std::string context,
                                 std::string& problem) const {
  auto started = ProbeChild::start(hooks_.probe_program, settings_.health_url, Millis(timeout.count()),
                                   settings_.health_socket);
  if (!started) {
    problem = fmt::format("{} {}", context, started.error().message);
    return false;
  }
  p.probe = std::make_unique<ProbeChild>(std::move(started).value());
  p.last_problem = fmt::format("{} {} has not answered yet", context, settings_.health_url);
  p.probe_context = std::move(context);
  return true;
}

bool RequestHandler::answered_healthy(const Result<long>& got, const std::string& context,
                                      std::string& problem, long& status) const {
  if (got && *got >= 200 && *got < 300) {
    status = *got;
    return true;
  }
  problem = got ? fmt::format("{} {} answered {}", context, settings_.health_url, *got)
                : fmt::format("{} {}", context, got.error().message);
  return false;
}

bool RequestHandler::advance(PendingReload& p, Record& final_entry) {
  auto now = steady_clock::now();
  bool confirmed = false;
  bool master_gone = p.master.pidfd.exited();
  std::string problem;
  long health_status = 0;
  if (p.probe) {
    // Nothing is decided while a probe runs; one that outlives its deadline is killed, and its
    // exit (the pidfd) brings the caller back.
    if (!p.probe->exited()) {
      if (now >= p.probe->kill_at()) p.probe->kill();
      return false;
    }
    confirmed = answered_healthy(p.probe->finish(), p.probe_context, problem, health_status);
    p.probe.reset();
    // A swap stops the old master: its exit is expected, not a failure.
    if (!p.swapped_from.empty())
      master_gone = false;
    else if (master_gone && !confirmed)
      problem = "the gunicorn master exited during the reload";
  } else if (!p.swapped_from.empty()) {
    std::string now_active = active_instance(settings_);
    master_gone = false;
    if (now_active == p.swapped_from || now_active.empty()) {
      problem = fmt::format("{} is still the active instance", p.swapped_from);
    } else {
      p.workers_back = true;
      if (start_probe(p, kHealthRequestTimeout, now_active + " is active but", problem)) return false;
    }
  } else if (master_gone) {
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
        if (start_probe(p, timeout, "the workers are back but", problem)) return false;
      }
    }
  }
  now = steady_clock::now();
  if (!confirmed && !master_gone && now < p.deadline) {
    p.last_problem = problem;
    return false;
  }

  TimePoint wall = hooks_.now();
  Record entry = p.entry;
  auto took = duration_cast<milliseconds>(now - p.signalled).count();
  entry.completed_at = format_timestamp(wall);
  entry.reload_ms = took;
  json payload = payload_of(entry);
  payload["master_pid"] = entry.master_pid.value_or(0);
  payload["old_workers"] = entry.old_workers.value_or(json::array());
  payload["reload_ms"] = took;
  if (confirmed) {
    entry.success = true;
    entry.confirmation = "confirmed";
    entry.confirmed_at = format_timestamp(wall);
    entry.new_workers = p.new_workers;
    if (health_status) entry.health_status = health_status;
    payload["manual_override"] = entry.manual_override.value_or(false);
    payload["new_workers"] = p.new_workers;
    payload["confirmed_at"] = *entry.confirmed_at;
  } else {
    entry.decision = "failed";
    entry.decision_reason = kReloadUnconfirmed;
    entry.confirmation = "unconfirmed";
    entry.detail = problem.empty() ? p.last_problem : problem;
    if (settings_.restart_on_unconfirmed) {
      Status restarted = hooks_.restart_unit(settings_.master.app_unit);
      entry.unit_restart = restarted ? std::string("requested") : restarted.error().message;
    }
    payload["decision_reason"] = kReloadUnconfirmed;
    payload["detail"] = *entry.detail;
    if (entry.unit_restart) payload["unit_restart"] = *entry.unit_restart;
  }
  Status saved = save_final(entry, true, wall);
  if (!saved) {
    payload["state_error"] = saved.error().to_string();
    unsaved_.push_back({entry, p.mark});  // saved later by save_unsaved(), so the state ends up right
  } else if (!p.mark.empty()) {
    (void)discard_claimed_flag(p.mark);
  }
  audit(confirmed ? Event::restart_executed : Event::restart_failed, payload,
        confirmed ? LOG_NOTICE : LOG_ERR);
  final_entry = std::move(entry);
  return true;
}

std::chrono::milliseconds RequestHandler::next_check(const PendingReload& p) const {
  if (p.probe)
    return std::max(duration_cast<milliseconds>(p.probe->kill_at() - steady_clock::now()), milliseconds{1});
  auto left = duration_cast<milliseconds>(p.deadline - steady_clock::now());
  auto interval = p.workers_back ? kHealthRetryInterval : kWorkerCheckInterval;
  return std::clamp(left, milliseconds{1}, interval);
}

Status RequestHandler::save_final(const Record& entry, bool replace, TimePoint now) {
  json j = entry.to_json();
  return store_.update(
      [&](json& state, const LoadInfo&) {
        if (!replace || !replace_entry(state, entry.request_id, j))
          append_entry(state, j, settings_.history_limit);
      },
      now);
}

Status RequestHandler::record_superseded(long long count) {
  TimePoint now = hooks_.now();
  std::vector<Record> records;
  for (long long i = 0; i < count; ++i) {
    Record r;
    r.request_id = new_request_id(now);
    r.decision = "superseded";
    r.decision_reason = "flag_superseded";
    r.detail =
        "another flag was renamed over this one before the watchdog claimed it; what it asked for is lost "
        "(write flags without replacing: docs/watchdog.md)";
    r.superseded_at = format_timestamp(now);
    records.push_back(std::move(r));
  }
  Status saved = store_.update(
      [&](json& state, const LoadInfo&) {
        for (const auto& r : records) append_rejection(state, r.to_json(), settings_.history_limit);
        auto before = state.find("superseded_flags");
        long long total = before != state.end() && before->is_number_integer() ? before->get<long long>() : 0;
        state["superseded_flags"] = total + count;
      },
      now, Millis(200));
  if (!saved) return saved;
  for (const auto& r : records)
    audit(Event::flag_superseded,
          {{"request_id", r.request_id}, {"decision_reason", "flag_superseded"}, {"detail", *r.detail}},
          LOG_WARNING);
  return ok_status();
}

Status RequestHandler::save_unsaved() {
  while (!unsaved_.empty()) {
    if (Status saved = save_final(unsaved_.front().entry, true, hooks_.now()); !saved) return saved;
    if (!unsaved_.front().mark.empty()) (void)discard_claimed_flag(unsaved_.front().mark);
    unsaved_.erase(unsaved_.begin());
  }
  return ok_status();
}

Record RequestHandler::abandoned_signal(const std::string& mark, TimePoint now) {
  FlagRead read = read_claimed_flag(mark);
  std::string id =
      read.request && !read.request->request_id.empty() ? read.request->request_id : new_request_id(now);
  Record entry = base_entry(read, id, now);
  entry.claim = claim_name_of_signalling(mark);
  entry.decision = "failed";
  entry.decision_reason = kReloadUnconfirmed;
  entry.confirmation = "abandoned";
  entry.detail =
      "the watchdog stopped between the SIGHUP and its record: the request is not signalled again, and "
      "whether the reload happened is not known";
  return entry;
}

Status RequestHandler::close_abandoned_reloads() {
  TimePoint now = hooks_.now();
  std::vector<Record> closed;
  std::vector<std::string> marks = list_signalling_flags(settings_.restart_flag);
  Status st = store_.update(
      [&](json& state, const LoadInfo&) {
        store_.remove_stale_temp_files();
        // A mark whose claim the state does not record: killed after the rename, before the record.
        for (const auto& mark : marks)
          if (!find_claim(state, claim_name_of_signalling(mark))) {
            Record e = abandoned_signal(mark, now);
            append_entry(state, e.to_json(), settings_.history_limit);
            closed.push_back(e);
          }
        if (!state["history"].is_array()) return;
        for (auto& e : state["history"]) {
          Record r = Record::from_json(e);
          if (r.confirmation != "pending") continue;
          r.decision = "failed";
          r.decision_reason = kReloadUnconfirmed;
          r.confirmation = "abandoned";
          r.detail = "the watchdog stopped before the reload was confirmed";
          r.completed_at = format_timestamp(now);
          e = r.to_json();
          if (state["last_restart"].is_object() && !r.request_id.empty() &&
              state["last_restart"].value("request_id", "") == r.request_id)
            state["last_restart"] = e;
          closed.push_back(std::move(r));
        }
      },
      now);
  if (st)
    for (const auto& mark : marks) (void)discard_claimed_flag(mark);
  for (const auto& e : closed) {
    json payload = payload_of(e);
    payload["decision_reason"] = kReloadUnconfirmed;
    payload["detail"] = *e.detail;
    audit(Event::restart_failed, payload, LOG_ERR);
  }
  return st;
}

}  // namespace csd::watchdog
