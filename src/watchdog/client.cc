#include "watchdog/client.h"

#include <fmt/format.h>
#include <poll.h>
#include <pwd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>

#include "control/client.h"
#include "host/bus.h"
#include "host/process.h"
#include "util/fd.h"
#include "util/file.h"
#include "util/json_text.h"
#include "watchdog/flag.h"
#include "watchdog/master.h"
#include "watchdog/policy.h"
#include "watchdog/record.h"
#include "watchdog/reload.h"
#include "watchdog/state_store.h"

namespace csd::watchdog {

using nlohmann::json;
using std::chrono::steady_clock;

namespace {

std::string new_request_id() {
  std::random_device rd;
  return fmt::format("cli-{:08x}{:08x}", rd(), rd());
}

Millis left_until(steady_clock::time_point deadline) {
  return std::max(Millis(0), std::chrono::duration_cast<Millis>(deadline - steady_clock::now()));
}

// Blocks until `done()` holds, re-checking whenever something happens in `dir` (inotify), at
// most until `deadline`. Without inotify (issue 10, defect 5: max_user_instances reached, and the
// wait gave up at once and blamed the watchdog) it polls instead, from 10 ms up to 500 ms
// apart, and says why in `degraded`.
bool wait_in_directory(const std::string& dir, uint32_t mask, const std::function<bool()>& done,
                       steady_clock::time_point deadline, std::string* degraded) {
  Fd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!in.valid() || ::inotify_add_watch(in.get(), dir.c_str(), mask) < 0) {
    if (degraded)
      *degraded = fmt::format("inotify is unavailable ({}{}); polled {} instead", std::strerror(errno),
                              errno == EMFILE ? ": fs.inotify.max_user_instances reached" : "", dir);
    auto pause = std::chrono::milliseconds(10);
    while (!done()) {
      Millis left = left_until(deadline);
      if (left.count() == 0) return false;
      std::this_thread::sleep_for(std::min<Millis>(left, pause));
      pause = std::min<std::chrono::milliseconds>(pause * 2, std::chrono::milliseconds(500));
    }
    return true;
  }
  alignas(struct inotify_event) char buf[4096];
  while (!done()) {
    Millis left = left_until(deadline);
    if (left.count() == 0) return false;
    struct pollfd p {
      in.get(), POLLIN, 0
    };
    if (::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000))) <= 0) continue;
    // Drain the events; done() decides whether what happened was what we wait for.
    while (::read(in.get(), buf, sizeof(buf)) > 0) {
    }
  }
  return true;
}

}  // namespace

std::string current_user() {
  if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo) return sudo;
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwuid_r(::getuid(), &pw, buf, sizeof(buf), &found) == 0 && found) return found->pw_name;
  return fmt::format("uid {}", ::getuid());
}

bool flag_pending(const Settings& s) {
  return path_exists(s.restart_flag);
}

Result<std::string> request_restart(const Settings& s, const RestartRequest& r, Millis timeout) {
  FlagFields f;
  f.user = r.user;
  f.source = r.source;
  f.manual_override = r.manual_override;
  f.override_acknowledged = r.override_acknowledged;
  f.override_reason = r.override_reason;
  f.reason = r.reason;
  f.request_id = new_request_id();
  f.runtime_contract_version = s.contract_version;
  auto deadline = steady_clock::now() + timeout;
  for (;;) {
    f.timestamp = now_utc();
    auto placed = place_flag(s.restart_flag, json_text(make_flag(f)));
    if (!placed) return placed.error();
    if (*placed) return f.request_id;
    // Someone else's request is pending: it is never overwritten. Wait for its claim.
    std::string degraded;
    bool gone = wait_in_directory(
        parent_dir(s.restart_flag), IN_MOVED_FROM | IN_DELETE | IN_MOVED_TO | IN_CLOSE_WRITE,
        [&] { return !flag_pending(s); }, deadline, &degraded);
    if (!gone)
      return file_error(s.restart_flag,
                        "another restart request is pending and no watchdog claimed it in time" +
                            (degraded.empty() ? std::string() : " (" + degraded + ")"),
                        "is the watchdog running? `conda-systemd status --contract ...`");
  }
}

Result<json> wait_for_decision(const Settings& s, const std::string& request_id, Millis timeout) {
  auto deadline = steady_clock::now() + timeout;
  auto answer =
      control::call(s.control_socket, {{"cmd", "restart-wait"}, {"request_id", request_id}}, timeout);
  if (answer) {
    if (answer->value("ok", false)) return (*answer)["record"];
    return make_error(fmt::format("the watchdog: {}", answer->value("error", std::string("error"))));
  }
  if (answer.error().is(ErrorKind::kTimeout))
    return make_error(
        fmt::format("no decision on request {} within {} s", request_id, timeout.count() / 1000));
  // No socket: the state file is the record of every decision.
  StateStore store(s.state_file, s.history_limit);
  std::optional<json> found;
  auto decided = [&] {
    auto state = store.load();
    if (!state) return false;
    auto rec = find_request(*state, request_id);
    if (rec && Record::from_json(*rec).confirmation != "pending") found = rec;
    return found.has_value();
  };
  std::string degraded;
  wait_in_directory(parent_dir(s.state_file), IN_MOVED_TO | IN_CLOSE_WRITE, decided, deadline, &degraded);
  if (found) return *found;
  std::string why = fmt::format("no decision on request {} within {} s ({})", request_id,
                                timeout.count() / 1000.0, answer.error().message);
  if (!degraded.empty()) why += "; " + degraded;
  return make_error(why, flag_pending(s)
                             ? "the flag was not even claimed: is the watchdog running?"
                             : "the watchdog claimed it; see `conda-systemd status` and the journal");
}

json collect_status(const Settings& s, bool ask_systemd) {
  json out = {
      {"contract", s.contract_path}, {"contract_version", s.contract_version}, {"paths", paths_json(s)}};
  TimePoint now = now_utc();
  StateStore store(s.state_file, s.history_limit);
  auto state = store.load();
  if (state) {
    out["state"] = *state;
    out["policy_state"] =
        evaluate_policy(s.policy, attempts_from_history((*state)["history"]), last_requested_at(*state), now)
            .to_json();
    if (auto recovered = recovered_at(*state); recovered && now < recovery_blocks_until(*recovered, s.policy))
      out["recovery_blocks_until"] = format_timestamp(recovery_blocks_until(*recovered, s.policy));
  } else {
    out["state"] = nullptr;
    out["state_error"] = state.error().to_string();
  }
  out["restart_pending"] = flag_pending(s);

  // zero_downtime: the active instance's master (settings.h).
  Settings live = follow_active(s);
  if (!s.active_file.empty()) out["active_instance"] = active_instance(s);
  MasterExpectation expect = live.master;
  if (ask_systemd)
    if (auto bus = host::Systemd::connect(Millis(2'000)); bus)
      if (auto pid = bus->main_pid(expect.app_unit); pid) expect.main_pid = *pid;
  out["systemd_main_pid"] = expect.main_pid ? json(*expect.main_pid) : json(nullptr);
  MasterCheck check = find_master(live.pid_file, expect);
  if (check.master) {
    pid_t pid = check.master->pidfd.pid();
    out["master"] = {{"verified", true},
                     {"pid", pid},
                     {"exe", check.master->info.exe},
                     {"workers", host::running_children(pid)},
                     {"expected_workers", s.workers}};
  } else {
    out["master"] = {
        {"verified", false}, {"reason", reason_name(check.refusal.reason)}, {"detail", check.refusal.detail}};
  }
  auto watchdog = control::call(s.control_socket, {{"cmd", "status"}}, Millis(2000));
  if (watchdog && watchdog->value("ok", false)) {
    out["watchdog"] = *watchdog;
    out["watchdog"]["alive"] = true;
  } else {
    out["watchdog"] = {
        {"alive", false},
        {"error", watchdog ? watchdog->value("error", std::string()) : watchdog.error().message}};
  }
  return out;
}

}  // namespace csd::watchdog
