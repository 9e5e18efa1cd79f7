// One request, from the claimed flag to the recorded decision: read the flag, apply the policy
// under the state lock, prove the master, signal it, and then, separately and without blocking
// the caller, confirm the reload. Every request ends in exactly one audit event of
// restart_blocked, restart_failed, restart_executed or flag_rejected.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "watchdog/audit.h"
#include "watchdog/flag.h"
#include "watchdog/master.h"
#include "watchdog/probe.h"
#include "watchdog/record.h"
#include "watchdog/reload.h"
#include "watchdog/settings.h"
#include "watchdog/state_store.h"

namespace csd::watchdog {

// Decision reasons of our own, besides the dashboard's and the master refusals.
inline constexpr const char* kSignalSighup = "signal_sighup";
// restart_mode = "swap": the request was handed to NAME-swap.service (docs/deploy.md).
inline constexpr const char* kSwapRequested = "swap_requested";
inline constexpr const char* kSignalFailed = "signal_failed";
inline constexpr const char* kReloadUnconfirmed = "reload_unconfirmed";  // workers or health not back in time
inline constexpr const char* kStateUnreadable = "state_unreadable";      // damaged state: fail closed

// What the handler needs from the outside world, replaceable in tests.
struct HandlerHooks {
  std::function<TimePoint()> now = now_utc;
  // The app unit's MainPID; nullopt when systemd cannot be asked.
  std::function<std::optional<pid_t>(const std::string& unit)> main_pid = [](const std::string&) {
    return std::optional<pid_t>();
  };
  std::function<Status(const std::string& unit)> restart_unit = [](const std::string&) {
    return Status(make_error("no systemd connection"));
  };
  // An audit entry (see audit.h) at a syslog priority.
  std::function<void(const nlohmann::json& entry, int priority)> audit = [](const nlohmann::json&, int) {};
  // The program run as the health probe child (probe.h): the daemon passes its own binary
  // (kSelfProgram); tests, which run in another program, the built conda-systemd. Empty: no probe
  // can run (an error, never a guess at which program to start).
  std::string probe_program;
};

// A reload signalled and not yet confirmed.
struct PendingReload {
  std::string request_id;
  Record entry;  // as recorded, with confirmation "pending"
  VerifiedMaster master;
  std::unique_ptr<WorkerTracker> workers;
  std::chrono::steady_clock::time_point signalled;
  std::chrono::steady_clock::time_point deadline;
  bool workers_back = false;
  std::vector<pid_t> new_workers;
  int health_attempts = 0;
  std::string last_problem;  // why it is not confirmed yet
  // The health probe in flight, if any: a child process whose pidfd (probe->fd()) the caller
  // watches; advance() reads its answer once it has exited.
  std::unique_ptr<ProbeChild> probe;
  std::string probe_context;  // how its failure is worded: "the workers are back but"
  std::string mark;           // the signalling mark, while the state does not record the reload yet
  // A swap: confirmed once another instance is active and the health URL answers 2xx.
  std::string swapped_from;  // the active instance when the request was handed over; "" for a HUP
};

struct Outcome {
  std::string request_id;
  Record record;           // the state entry, or the rejection
  bool rejected = false;   // a flag that was never a valid request
  bool duplicate = false;  // a leftover claim already decided before a crash: nothing recorded
  // Not decided: the state could not be locked, read or written. Nothing was signalled, audited
  // or removed; the claim stays on disk and must be handled again later. Says why.
  std::string retry;
  bool lock_busy = false;                  // the reason is another process holding the state lock
  std::unique_ptr<PendingReload> pending;  // set when a reload awaits confirmation
};

class RequestHandler {
 public:
  RequestHandler(Settings settings, HandlerHooks hooks);

  const Settings& settings() const { return settings_; }
  const StateStore& store() const { return store_; }

  // Decides a claimed flag: the decision, with the claim's name, is saved before it is acted on
  // (audit, removal of the claim); a SIGHUP is preceded by the claim's signalling mark instead and
  // recorded right after it. So a crash at any point neither loses the request nor decides it
  // twice. Never waits for the state lock (see Outcome::retry).
  Outcome handle(const std::string& claimed_path);

  // Advances a pending reload: true when it is finished, with the final entry in `final_entry`
  // (saved and audited). Call on every wake-up while it is pending, and when the probe's pidfd
  // (pending.probe) turns readable. Never waits: a health probe runs in a child process, started
  // here and read here once it has exited (killed at its deadline if it hangs).
  bool advance(PendingReload& pending, Record& final_entry);

  // How long the caller may sleep before the next advance() at most (while a probe runs: until
  // its deadline; its exit wakes the caller sooner).
  std::chrono::milliseconds next_check(const PendingReload& pending) const;

  // At start-up: entries left "pending" by a watchdog that died mid-confirmation are closed as
  // failed, so nothing stays pending forever; claims marked as signalling that the state does not
  // record (killed between the SIGHUP and its record) are recorded as failed too, never signalled
  // again; and temporary files of the state left by a killed writer are removed.
  Status close_abandoned_reloads();

  // `count` requests were replaced by a flag moved over them before their claim (an app writing
  // with tmp+rename): each is recorded in rejected_flags as decision "superseded" (reason
  // flag_superseded), counted in the state's "superseded_flags" and audited as flag_superseded.
  Status record_superseded(long long count);

  // Final entries advance() could not save (the lock held elsewhere, a full disk): saved now.
  bool has_unsaved() const { return !unsaved_.empty(); }
  Status save_unsaved();

 private:
  Record base_entry(const FlagRead& read, const std::string& request_id, TimePoint now) const;
  void audit(Event event, const nlohmann::json& payload, int priority);
  // Starts a health probe of `timeout` for `pending`; false (with why in `problem`) when it
  // cannot be started.
  bool start_probe(PendingReload& pending, std::chrono::milliseconds timeout, std::string context,
                   std::string& problem) const;
  // The probe's answer: true on a 2xx (its status in `status`), else why not in `problem`.
  bool answered_healthy(const Result<long>& got, const std::string& context, std::string& problem,
                        long& status) const;
  Outcome reject(const FlagRead& read, const std::string& request_id, const std::string& claimed,
                 nlohmann::json& state, TimePoint now);
  Status save_final(const Record& entry, bool replace, TimePoint now);
  // The entry of a request found marked as signalling at start, never recorded: abandoned.
  Record abandoned_signal(const std::string& mark, TimePoint now);
  std::string new_request_id(TimePoint now);

  Settings settings_;
  HandlerHooks hooks_;
  StateStore store_;
  std::uint64_t seq_ = 0;
  struct Unsaved {
    Record entry;
    std::string mark;  // the signalling mark to remove once it is saved; "" when none
  };
  std::vector<Unsaved> unsaved_;
};

}  // namespace csd::watchdog
