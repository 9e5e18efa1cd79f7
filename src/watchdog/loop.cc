#include "watchdog/loop.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include "host/bus.h"
#include "host/notify.h"
#include "util/fd.h"
#include "util/file.h"
#include "watchdog/audit.h"
#include "watchdog/control.h"
#include "watchdog/flag.h"
#include "watchdog/handler.h"

namespace csd::watchdog {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using SteadyTime = steady_clock::time_point;

namespace {

// A regular file created but not yet closed may still be being written; if no close or move
// follows (a hard link, say), it is claimed after this long.
constexpr milliseconds kSettle{1000};
// While the flag's directory does not exist, look for it this often.
constexpr milliseconds kDirectoryRetry{1000};
constexpr std::size_t kRecentRecords = 256;
constexpr int kMaxClaimsAtOnce = 64;
// A request that could not be decided (the state locked elsewhere, unreadable, or not writable)
// is tried again after these, doubling; past kRetryPatience it is reported as an error.
constexpr milliseconds kRetryFirst{50};
constexpr milliseconds kRetryMax{2000};
constexpr milliseconds kRetryPatience{3000};
// IN_MOVED_FROM and IN_DELETE tell when the flag's name becomes free again, so that a rename
// onto a name still taken is known to have replaced a request (supersession, below).
constexpr uint32_t kDirMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB |
                              IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

// A wedged manager must not wedge the watchdog.
constexpr Millis kBusCallTimeout{2'000};

Status errno_error(const char* what) {
  return make_error(fmt::format("{}: {}", what, std::strerror(errno)));
}

}  // namespace

struct Daemon::Impl {
  DaemonOptions options;
  Settings settings;
  std::optional<Settings> deferred_settings;  // a SIGHUP during a reload applies after it
  std::unique_ptr<RequestHandler> handler;
  std::optional<host::Systemd> bus;

  Fd epoll, sigfd, inotify, timer, ping;
  int wd = -1;
  std::string watched_dir;
  ControlServer control;
  bool listening = false;

  std::deque<std::string> queue;  // claimed flags, oldest first
  // Issue 10, defect 8: an app writing its flag with tmp+rename replaces a pending request that
  // was not claimed yet. The directory's events say when: a rename onto the flag's name while it
  // is still taken (no IN_MOVED_FROM or IN_DELETE of it since it arrived) replaced a request.
  bool flag_taken = false;
  long long superseded_unrecorded = 0;
  std::uint64_t seq = 0;
  std::unique_ptr<PendingReload> pending;
  std::set<int> pending_fds;
  std::optional<SteadyTime> settle_at, dir_retry_at, reload_check_at, retry_at;
  // Why the request at the head of the queue could not be decided, since when, next wait.
  std::string retry_reason;
  std::optional<SteadyTime> retry_since;
  milliseconds retry_backoff{0};
  bool retry_reported = false;
  bool stopping = false;

  std::deque<std::pair<std::string, json>> recent;
  json last_record;
  std::string last_action = "started";
  TimePoint started = now_utc();
  std::map<std::string, long long> counters;

  // --- small helpers ------------------------------------------------------------------------

  void log(int priority, const std::string& line) { options.log(priority, line); }

  void status(const std::string& text) {
    last_action = text;
    host::notify("STATUS=" + text);
  }

  void watch_fd(int fd, bool add) {
    if (add) {
      struct epoll_event ev {};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev);
    } else {
      ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
    }
  }

  ControlServer::Watch watcher() {
    return [this](int fd, bool add) { watch_fd(fd, add); };
  }

  void emit_audit(const json& entry, int priority) {
    bool journaled = send_audit_to_journal(entry, priority).ok();
    // Under systemd, stderr is the journal too: print only when the line would not get there.
    if (!journaled || !stderr_is_journal()) log(priority, audit_line(entry));
  }

  std::optional<pid_t> main_pid(const std::string& unit) {
    if (!options.use_systemd_bus) return std::nullopt;
    if (!bus) {
      auto connected = host::Systemd::connect(kBusCallTimeout);
      if (!connected) return std::nullopt;
      bus = std::move(connected).value();
    }
    auto pid = bus->main_pid(unit);
    if (!pid) {
      log(LOG_WARNING, fmt::format("cannot ask systemd for {}'s main PID: {}", unit, pid.error().message));
      bus.reset();
      return std::nullopt;
    }
    return *pid;
  }

  Status restart_unit(const std::string& unit) {
    if (!options.use_systemd_bus) return make_error("systemd is not used (--no-bus)");
    if (!bus) {
      auto connected = host::Systemd::connect(kBusCallTimeout);
      if (!connected) return connected.error();
      bus = std::move(connected).value();
    }
    return bus->restart(unit);
  }

  void make_handler() {
    HandlerHooks hooks;
    hooks.main_pid = [this](const std::string& unit) { return main_pid(unit); };
    hooks.restart_unit = [this](const std::string& unit) { return restart_unit(unit); };
    hooks.audit = [this](const json& e, int p) { emit_audit(e, p); };
    hooks.probe_program = kSelfProgram;
    handler = std::make_unique<RequestHandler>(settings, hooks);
  }

  // --- the flag's directory -----------------------------------------------------------------

  bool try_watch_directory() {
    std::string dir = parent_dir(settings.restart_flag);
    if (wd >= 0 && dir == watched_dir) return true;
    if (wd >= 0) ::inotify_rm_watch(inotify.get(), wd), wd = -1;
    // Looked at before the watch exists: a flag arriving in between can only be undercounted.
    struct stat st {};
    flag_taken = ::lstat(settings.restart_flag.c_str(), &st) == 0;
    wd = ::inotify_add_watch(inotify.get(), dir.c_str(), kDirMask);
    if (wd < 0) {
      if (!dir_retry_at)
        log(LOG_WARNING, fmt::format("cannot watch {}: {}; retrying every {} ms", dir, std::strerror(errno),
                                     kDirectoryRetry.count()));
      dir_retry_at = steady_clock::now() + kDirectoryRetry;
      return false;
    }
    watched_dir = dir;
    dir_retry_at.reset();
    if (!listening)
      if (Status s = try_listen(); !s) log(LOG_ERR, s.error().to_string());
    // A flag that arrived while nobody watched is handled like any other.
    claim_now();
    return true;
  }

  Status try_listen() {
    auto server = ControlServer::listen(settings.control_socket);
    if (!server) {
      if (server.error().is(ErrorKind::kConflict)) return server.error();
      log(LOG_WARNING, fmt::format("no control socket: {}", server.error().to_string()));
      return ok_status();
    }
    if (listening) watch_fd(control.listen_fd(), false);
    control = std::move(server).value();
    listening = true;
    watch_fd(control.listen_fd(), true);
    return ok_status();
  }

  void claim_now() {
    if (stopping) return;
    settle_at.reset();
    // Bounded, so a writer flooding the flag cannot starve signals and the socket: every flag
    // written later raises its own inotify event.
    for (int i = 0; i < kMaxClaimsAtOnce; ++i) {
      auto claimed = claim_flag(settings.restart_flag, ++seq, now_utc());
      if (!claimed) {
        log(LOG_ERR, claimed.error().to_string());
        status("cannot claim the restart flag: " + claimed.error().message);
        return;
      }
      if (!claimed->has_value()) return;
      queue.push_back(**claimed);
      // A writer may already have put the next flag in place: claim until there is none.
    }
  }

  void on_inotify() {
    alignas(struct inotify_event) char buf[8192];
    for (;;) {
      ssize_t n = ::read(inotify.get(), buf, sizeof(buf));
      if (n <= 0) break;
      for (char* p = buf; p < buf + n;) {
        auto* ev = reinterpret_cast<struct inotify_event*>(p);
        p += sizeof(struct inotify_event) + ev->len;
        if (ev->mask & IN_Q_OVERFLOW) {
          log(LOG_WARNING,
              "inotify queue overflowed: flags replaced before their claim meanwhile are not counted");
          struct stat st {};
          flag_taken = ::lstat(settings.restart_flag.c_str(), &st) == 0;
          claim_now();
          continue;
        }
        if (ev->wd != wd) continue;
        if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
          log(LOG_WARNING, fmt::format("{} was removed or moved; waiting for it to come back", watched_dir));
          if (!(ev->mask & IN_IGNORED)) ::inotify_rm_watch(inotify.get(), wd);
          wd = -1;
          dir_retry_at = steady_clock::now() + kDirectoryRetry;
          continue;
        }
        if (ev->len == 0 || base_name(settings.restart_flag) != ev->name) continue;
        if (ev->mask & (IN_MOVED_FROM | IN_DELETE)) {
          flag_taken = false;
          continue;
        }
        if (ev->mask & IN_MOVED_TO) {
          if (flag_taken) ++superseded_unrecorded;
          flag_taken = true;
        } else if (ev->mask & IN_CREATE) {
          flag_taken = true;
        }
        if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
          claim_now();
        } else if (ev->mask & IN_CREATE) {
          struct stat st {};
          bool regular = ::lstat(settings.restart_flag.c_str(), &st) == 0 && S_ISREG(st.st_mode);
          // Links, FIFOs and directories are never "being written": refuse them at once. A regular
          // file nobody has open for writing is complete (link(2) of a whole temporary file, the
          // no-replace recipe of docs/watchdog.md): claimed at once too.
          if (!regular || open_for_writing(settings.restart_flag) == std::optional<bool>(false))
            claim_now();
          else if (!settle_at)
            settle_at = steady_clock::now() + kSettle;
        } else if ((ev->mask & IN_ATTRIB) && !settle_at) {
          claim_now();  // touched
        }
      }
    }
  }

  // --- requests -----------------------------------------------------------------------------

  void remember(const std::string& id, const json& record) {
    recent.emplace_back(id, record);
    if (recent.size() > kRecentRecords) recent.pop_front();
    last_record = record;
    for (int c : control.take_waiters(id))
      control.respond(c, {{"ok", true}, {"request_id", id}, {"record", record}}, watcher());
  }

  void count(const Record& record, bool rejected) {
    ++counters["decided"];
    if (rejected)
      ++counters["rejected"];
    else
      ++counters[record.decision.value_or("unknown")];
  }

  // Fail closed, lose nothing: the claim stays queued and on disk, nothing was signalled, and
  // the loop keeps serving signals and the socket while it waits to try again.
  void schedule_retry(const std::string& claimed, const std::string& why) {
    auto now = steady_clock::now();
    if (!retry_since) {
      retry_since = now;
      retry_backoff = kRetryFirst;
      retry_reported = false;
      log(LOG_WARNING, fmt::format("{} not decided yet, nothing signalled: {}; trying again", claimed, why));
    } else {
      retry_backoff = std::min(retry_backoff * 2, kRetryMax);
    }
    if (!retry_reported && now - *retry_since >= kRetryPatience) {
      retry_reported = true;
      log(LOG_ERR, fmt::format("{} still not decided after {} ms, nothing signalled: {}; trying every {} ms",
                               claimed, kRetryPatience.count(), why, kRetryMax.count()));
    }
    retry_reason = why;
    retry_at = now + retry_backoff;
    status("request waiting: " + why);
  }

  void retry_succeeded() {
    if (!retry_since) return;
    log(LOG_INFO,
        fmt::format("the state is usable again after {} ms",
                    std::chrono::duration_cast<milliseconds>(steady_clock::now() - *retry_since).count()));
    retry_since.reset();
    retry_reason.clear();
    retry_at.reset();
  }

  // Each replaced request gets its entry and its audit event: none vanishes silently.
  void record_superseded() {
    if (superseded_unrecorded == 0) return;
    Status saved = handler->record_superseded(superseded_unrecorded);
    if (!saved)
      return schedule_retry(fmt::format("{} superseded request(s)", superseded_unrecorded),
                            saved.error().to_string());
    counters["superseded"] += superseded_unrecorded;
    counters["decided"] += superseded_unrecorded;
    superseded_unrecorded = 0;
  }

  void process_one() {
    if (handler->has_unsaved()) {
      if (Status saved = handler->save_unsaved(); !saved)
        return schedule_retry("a final entry", saved.error().to_string());
    }
    std::string claimed = queue.front();
    queue.pop_front();
    Outcome o = handler->handle(claimed);
    if (!o.retry.empty()) {
      queue.push_front(claimed);
      return schedule_retry(base_name(claimed), o.retry);
    }
    retry_succeeded();
    ++counters["claimed"];
    if (o.duplicate) {
      log(LOG_INFO,
          fmt::format("request {} was already decided before a restart of the watchdog", o.request_id));
      return;
    }
    if (o.pending) {
      pending = std::move(o.pending);
      status(fmt::format("request {}: SIGHUP sent to gunicorn master {}, confirming the reload", o.request_id,
                         pending->master.pidfd.pid()));
      add_pending_fd(pending->master.pidfd.fd());
      for (int fd : pending->workers->old_worker_fds()) add_pending_fd(fd);
      reload_check_at = steady_clock::now() + handler->next_check(*pending);
      return;
    }
    count(o.record, o.rejected);
    status(fmt::format("request {}: {} ({})", o.request_id, o.record.decision.value_or("?"),
                       o.record.decision_reason.value_or("?")));
    remember(o.request_id, o.record.to_json());
    if (handler->has_unsaved()) schedule_retry("request " + o.request_id, "its entry could not be saved");
  }

  void add_pending_fd(int fd) {
    pending_fds.insert(fd);
    watch_fd(fd, true);
  }

  // The health probe child's pidfd, while one runs (handler.h): its exit wakes the loop.
  int probe_fd = -1;

  void watch_probe(bool add) {
    if (!add && probe_fd >= 0) {
      // It may already be closed (the handler read the probe) or unwatched (it fired).
      ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, probe_fd, nullptr);
      pending_fds.erase(probe_fd);
      probe_fd = -1;
    } else if (add && pending && pending->probe) {
      probe_fd = pending->probe->fd();
      add_pending_fd(probe_fd);
    }
  }

  void advance_pending() {
    if (!pending) return;
    // The probe may end in advance() and another start: its descriptor is watched afresh after.
    watch_probe(false);
    Record final_entry;
    if (!handler->advance(*pending, final_entry)) {
      watch_probe(true);
      reload_check_at = steady_clock::now() + handler->next_check(*pending);
      return;
    }
    for (int fd : pending_fds) ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
    pending_fds.clear();
    reload_check_at.reset();
    std::string id = pending->request_id;
    pending.reset();
    count(final_entry, false);
    if (final_entry.success)
      status(fmt::format("request {}: reload confirmed in {} ms, workers {}", id,
                         final_entry.reload_ms.value_or(0),
                         final_entry.new_workers.value_or(json::array()).dump()));
    else
      status(fmt::format("request {}: reload NOT confirmed: {}", id, final_entry.detail.value_or("")));
    remember(id, final_entry.to_json());
    if (handler->has_unsaved()) schedule_retry("request " + id, "its final entry could not be saved");
    if (deferred_settings) apply_settings(std::move(*deferred_settings)), deferred_settings.reset();
  }

  // --- the control socket ---------------------------------------------------------------------

  json status_json() {
    json c = json::object();
    for (const auto& [k, v] : counters) c[k] = v;
    return {{"ok", true},
            {"pid", ::getpid()},
            {"started_at", format_timestamp(started)},
            {"contract", settings.contract_path},
            {"contract_version", settings.contract_version},
            {"phase", pending       ? "confirming"
                      : stopping    ? "stopping"
                      : retry_since ? "retrying"
                                    : "idle"},
            {"retry_reason", retry_since ? json(retry_reason) : json(nullptr)},
            {"pending_request", pending ? json(pending->request_id) : json(nullptr)},
            {"pending_detail", pending ? json(pending->last_problem) : json(nullptr)},
            {"queued", queue.size()},
            {"watching", wd >= 0},
            {"counters", c},
            {"last_action", last_action},
            {"clients", control.client_count()},
            {"waiting_ids", control.waiting_ids()},
            {"last_record", last_record},
            {"paths", paths_json(settings)}};
  }

  std::optional<json> on_request(int client, const json& req) {
    std::string cmd = req["cmd"].get<std::string>();
    if (cmd == "ping") return json{{"ok", true}, {"pid", ::getpid()}};
    if (cmd == "status") return status_json();
    if (cmd == "paths")
      return json{{"ok", true},
                  {"paths", paths_json(settings)},
                  {"contract", settings.contract_path},
                  {"contract_version", settings.contract_version},
                  {"pid", ::getpid()}};
    if (cmd == "restart-wait") {
      if (!req.contains("request_id") || !req["request_id"].is_string())
        return json{{"ok", false}, {"error", "restart-wait needs a string request_id"}};
      std::string id = req["request_id"].get<std::string>();
      for (auto it = recent.rbegin(); it != recent.rend(); ++it)
        if (it->first == id) return json{{"ok", true}, {"request_id", id}, {"record", it->second}};
      bool in_progress = pending && pending->request_id == id;
      if (!in_progress)
        if (auto state = handler->store().load(); state)
          if (auto rec = find_request(*state, id); rec && rec->value("confirmation", "") != "pending")
            return json{{"ok", true}, {"request_id", id}, {"record", *rec}};
      // Not decided yet (or not even claimed): answered when it is; the client bounds the wait.
      if (!control.add_wait(client, id))
        return json{
            {"ok", false},
            {"error", fmt::format("at most {} requests waited for on one connection", kMaxWaitsPerClient)}};
      return std::nullopt;
    }
    return json{{"ok", false}, {"error", fmt::format("unknown command '{}'", cmd)}};
  }

  // --- signals and settings -------------------------------------------------------------------

  void apply_settings(Settings next) {
    bool new_socket = next.control_socket != settings.control_socket;
    settings = std::move(next);
    make_handler();
    try_watch_directory();
    if (new_socket) {
      if (listening) watch_fd(control.listen_fd(), false);
      control = ControlServer();
      listening = false;
      if (Status s = try_listen(); !s) log(LOG_ERR, s.error().to_string());
    }
    log(LOG_INFO,
        fmt::format("contract {} version {} loaded", settings.contract_path, settings.contract_version));
    status(fmt::format("contract reloaded (version {}); watching {}", settings.contract_version,
                       settings.restart_flag));
  }

  void on_signal() {
    struct signalfd_siginfo si {};
    while (::read(sigfd.get(), &si, sizeof(si)) == static_cast<ssize_t>(sizeof(si))) {
      if (si.ssi_signo == SIGHUP) {
        auto next = options.load_settings();
        if (!next) {
          log(LOG_ERR,
              "SIGHUP: the contract cannot be used, keeping the current one: " + next.error().to_string());
          continue;
        }
        if (pending)
          deferred_settings = std::move(next).value();
        else
          apply_settings(std::move(next).value());
      } else {
        if (!stopping)
          log(LOG_INFO, pending ? "stopping once the reload in progress is confirmed" : "stopping");
        stopping = true;
        host::notify("STOPPING=1");
      }
    }
  }

  // --- the loop -------------------------------------------------------------------------------

  void arm_timer() {
    std::optional<SteadyTime> next;
    for (const auto& t : {settle_at, dir_retry_at, reload_check_at, retry_at, control.next_deadline()})
      if (t && (!next || *t < *next)) next = t;
    struct itimerspec spec {};
    if (next) {
      auto left = std::max(std::chrono::duration_cast<std::chrono::nanoseconds>(*next - steady_clock::now()),
                           std::chrono::nanoseconds(1000));
      spec.it_value.tv_sec = static_cast<time_t>(left.count() / 1'000'000'000);
      spec.it_value.tv_nsec = static_cast<long>(left.count() % 1'000'000'000);
    }
    // All zero disarms it: no timer at all while idle.
    ::timerfd_settime(timer.get(), 0, &spec, nullptr);
  }

  void on_timer() {
    uint64_t expirations = 0;
    (void)::read(timer.get(), &expirations, sizeof(expirations));
    auto now = steady_clock::now();
    control.expire(now, watcher());
    if (settle_at && *settle_at <= now) claim_now();
    if (dir_retry_at && *dir_retry_at <= now) try_watch_directory();
    if (reload_check_at && *reload_check_at <= now) advance_pending();
    if (retry_at && *retry_at <= now) {
      retry_at.reset();
      if (handler->has_unsaved() && !pending) {
        if (Status saved = handler->save_unsaved(); !saved)
          schedule_retry("a final entry", saved.error().to_string());
        else
          retry_succeeded();
      }
    }
  }

  Status setup() {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) return errno_error("sigprocmask");
    // A writer opening a flag while open_for_writing() holds its lease for a moment would end
    // the process with SIGIO (the lease break); the lease is given back at once anyway.
    ::signal(SIGIO, SIG_IGN);
    sigfd = Fd(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    epoll = Fd(::epoll_create1(EPOLL_CLOEXEC));
    inotify = Fd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    timer = Fd(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!sigfd.valid() || !epoll.valid() || !inotify.valid() || !timer.valid())
      return errno_error("cannot create the event loop's descriptors");
    for (int fd : {sigfd.get(), inotify.get(), timer.get()}) watch_fd(fd, true);
    if (auto interval = host::watchdog_interval()) {
      auto usec = static_cast<uint64_t>(interval->count());
      ping = Fd(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
      // Half the WatchdogSec=, as sd_watchdog_enabled(3) recommends.
      uint64_t half = usec / 2;
      struct itimerspec spec {};
      spec.it_value.tv_sec = spec.it_interval.tv_sec = static_cast<time_t>(half / 1'000'000);
      spec.it_value.tv_nsec = spec.it_interval.tv_nsec = static_cast<long>(half % 1'000'000 * 1000);
      ::timerfd_settime(ping.get(), 0, &spec, nullptr);
      watch_fd(ping.get(), true);
    }
    make_handler();
    if (Status s = try_listen(); !s) return s;
    try_watch_directory();
    if (Status closed = handler->close_abandoned_reloads(); !closed)
      log(LOG_WARNING, "cannot check the state for abandoned reloads: " + closed.error().to_string());
    return ok_status();
  }

  int loop() {
    // Everything claimed so far, by a run that stopped before deciding it or by setup() just
    // now, in claim order: the names sort by claim time.
    claim_now();
    auto claimed = list_claimed_flags(settings.restart_flag);
    queue.assign(claimed.begin(), claimed.end());
    log(LOG_INFO, fmt::format("watching {} (PID file {}, state {}, socket {})", settings.restart_flag,
                              settings.pid_file, settings.state_file, settings.control_socket));
    host::notify("READY=1\nSTATUS=watching " + settings.restart_flag);
    last_action = "watching " + settings.restart_flag;

    struct epoll_event events[32];
    for (;;) {
      if (stopping && !pending) break;
      bool work = !pending && !queue.empty() && !stopping && !retry_at;
      arm_timer();
      int n = ::epoll_wait(epoll.get(), events, 32, work ? 0 : -1);
      if (n < 0 && errno != EINTR) {
        log(LOG_ERR, fmt::format("epoll_wait: {}", std::strerror(errno)));
        break;
      }
      bool pid_event = false;
      for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        if (fd == sigfd.get())
          on_signal();
        else if (fd == inotify.get())
          on_inotify();
        else if (fd == timer.get())
          on_timer();
        else if (ping.valid() && fd == ping.get()) {
          uint64_t x = 0;
          (void)::read(ping.get(), &x, sizeof(x));
          host::notify("WATCHDOG=1");
        } else if (listening && fd == control.listen_fd()) {
          control.on_acceptable(watcher());
        } else if (control.is_client(fd)) {
          control.on_readable(
              fd, [this](int c, const json& r) { return on_request(c, r); }, watcher());
        } else if (pending_fds.count(fd)) {
          // A pidfd polls readable for good once its process exited: stop watching it.
          ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
          pending_fds.erase(fd);
          pid_event = true;
        }
      }
      if (pid_event) advance_pending();
      if (superseded_unrecorded > 0 && !retry_at) record_superseded();
      if (!pending && !queue.empty() && !stopping && !retry_at) process_one();
    }
    if (!queue.empty())
      log(LOG_INFO, fmt::format("{} claimed request(s) left for the next start", queue.size()));
    for (const auto& [c, id] : control.all_waits())
      control.respond(c, {{"ok", false}, {"request_id", id}, {"error", "the watchdog is stopping"}},
                      watcher());
    return 0;
  }
};

Daemon::Daemon(DaemonOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}
Daemon::~Daemon() = default;

Result<int> Daemon::run() {
  auto settings = impl_->options.load_settings();
  if (!settings) return settings.error();
  impl_->settings = std::move(settings).value();
  if (Status s = impl_->setup(); !s) return s.error();
  return impl_->loop();
}

}  // namespace csd::watchdog
