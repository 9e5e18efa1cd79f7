#include "watchdog/master.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>

#include "util/file.h"
#include "util/strings.h"

namespace csd::watchdog {

namespace {

std::string real_prefix(const std::string& prefix) {
  char buf[PATH_MAX];
  if (::realpath(prefix.c_str(), buf)) return buf;
  return prefix;
}

bool is_python(const std::string& arg0) {
  std::string name = base_name(arg0);
  return starts_with(name, "python");
}

constexpr const char* kSharedNamespaceHint =
    "the watchdog and the app must run in the same user namespace (PrivateUsers= off for both units)";

// Outside systemd nothing vouches for the process, and a command line is easy to share (any
// python of the environment running a script named gunicorn). gunicorn's arbiter leaves marks
// of its own: before it forks a worker it creates the worker's heartbeat file (a temporary file
// "wgunicorn-*", unlinked at once) and holds it open while the worker lives, and the worker holds
// it too. So a master holds deleted "wgunicorn-" files and a child of the same executable holds
// one of them. "" when the marks are there, else what is missing.
std::string missing_arbiter_marks(const host::ProcessInfo& p) {
  auto held = host::deleted_files_held(p.pid, "wgunicorn-");
  if (held.empty())
    return fmt::format("PID {} holds no worker heartbeat file (wgunicorn-*) as gunicorn's arbiter does",
                       p.pid);
  std::size_t children = 0;
  for (pid_t child : host::list_children(p.pid)) {
    auto c = host::read_process_identity(child);
    if (!c || c->exe != p.exe) continue;
    ++children;
    for (ino_t ino : host::deleted_files_held(child, "wgunicorn-"))
      if (std::find(held.begin(), held.end(), ino) != held.end()) return "";
  }
  return fmt::format(
      "PID {} holds heartbeat files but none of its {} worker(s) shares one with it, as gunicorn's "
      "workers do",
      p.pid, children);
}

MasterCheck refuse(RefusalReason reason, std::string detail) {
  MasterCheck c;
  c.refusal = {reason, std::move(detail)};
  return c;
}

}  // namespace

Result<pid_t> read_pid_file(const std::string& path) {
  auto text = read_file(path, ReadOptions{.max_bytes = 64, .follow_symlinks = false});
  if (!text) return text.error();
  std::string_view t = trim(*text);
  if (t.empty()) return file_error(path, "is empty");
  if (t.size() > 10 || t.find_first_not_of("0123456789") != std::string_view::npos)
    return file_error(path, fmt::format("does not hold a process id: '{}'", std::string(t.substr(0, 20))));
  long long v = std::stoll(std::string(t));
  // 0 and 1 are never a gunicorn master: kill(0) signals our own process group, 1 is init.
  if (v <= 1 || v > INT_MAX) return file_error(path, fmt::format("holds {}, not a usable process id", v));
  return static_cast<pid_t>(v);
}

bool is_gunicorn_master_cmdline(const std::vector<std::string>& argv) {
  if (argv.empty()) return false;
  if (starts_with(argv[0], "gunicorn: master")) return true;
  if (starts_with(argv[0], "gunicorn:")) return false;  // a worker, or another role
  if (base_name(argv[0]) == "gunicorn") return true;
  if (!is_python(argv[0])) return false;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-m") return i + 1 < argv.size() && argv[i + 1] == "gunicorn";
    if (a == "-c" || a == "-") return false;
    if (a == "-W" || a == "-X") {
      ++i;  // these take a value
      continue;
    }
    if (starts_with(a, "-")) continue;
    return base_name(a) == "gunicorn";
  }
  return false;
}

const char* reason_name(RefusalReason reason) {
  static constexpr std::array<const char*, 7> kNames = {
      "gunicorn_pid_unavailable",  "gunicorn_pid_wrong_user", "gunicorn_pid_outside_env",
      "gunicorn_pid_not_gunicorn", "gunicorn_pid_wrong_unit", "gunicorn_pid_not_main_pid",
      "gunicorn_pid_hidden"};
  return kNames[static_cast<std::size_t>(reason)];
}

MasterCheck verify_master(pid_t pid, const MasterExpectation& expect) {
  if (pid <= 1)
    return refuse(RefusalReason::pid_unavailable, fmt::format("{} is not a usable process id", pid));
  if (pid == ::getpid())
    return refuse(RefusalReason::pid_unavailable, "the PID file names the watchdog itself");
  auto pidfd = Pidfd::open(pid);
  if (!pidfd) return refuse(RefusalReason::pid_unavailable, pidfd.error().message);
  auto info = host::read_process(pid);
  if (!info) {
    if (pidfd->send_signal(0).ok())
      return refuse(RefusalReason::pid_hidden,
                    fmt::format("PID {} exists but /proc hides it from the watchdog ({}); {}", pid,
                                info.error().message, kSharedNamespaceHint));
    return refuse(RefusalReason::pid_unavailable, info.error().message);
  }
  const host::ProcessInfo& p = *info;
  if (p.state == 'Z' || p.state == 'X')
    return refuse(RefusalReason::pid_unavailable, fmt::format("PID {} is a zombie", pid));
  if (p.uid != expect.uid || p.euid != expect.uid)
    return refuse(RefusalReason::pid_wrong_user,
                  fmt::format("PID {} runs as uid {} (effective {}), the contract's user is uid {}", pid,
                              p.uid, p.euid, expect.uid));
  if (p.exe.empty())
    return refuse(RefusalReason::pid_hidden,
                  fmt::format("cannot read /proc/{}/exe: {}; {}", pid, p.exe_error, kSharedNamespaceHint));
  // The kernel reports the resolved path: compare with the resolved prefix only when needed.
  if (!path_is_under(p.exe, expect.prefix) && !path_is_under(p.exe, real_prefix(expect.prefix)))
    return refuse(
        RefusalReason::pid_outside_env,
        fmt::format("PID {} runs {}, which is not inside the environment {}", pid, p.exe, expect.prefix));
  if (!is_gunicorn_master_cmdline(p.argv))
    return refuse(RefusalReason::pid_not_gunicorn, fmt::format("PID {} runs '{}', not a gunicorn master", pid,
                                                               shell_join(p.argv).substr(0, 200)));
  // Without setproctitle a worker's command line is its master's: its parent tells them apart.
  if (auto parent = host::read_process_identity(p.ppid);
      parent && parent->exe == p.exe && is_gunicorn_master_cmdline(parent->argv) && parent->argv == p.argv)
    return refuse(RefusalReason::pid_not_gunicorn,
                  fmt::format("PID {} is a gunicorn worker of master {}, not a master", pid, p.ppid));
  if (expect.main_pid && *expect.main_pid != pid) {
    if (*expect.main_pid == 0)
      return refuse(
          RefusalReason::pid_not_main_pid,
          fmt::format("{} has no main process (not running); the PID file names {}", expect.app_unit, pid));
    return refuse(RefusalReason::pid_not_main_pid,
                  fmt::format("{}'s main process is {}, the PID file names {}", expect.app_unit,
                              *expect.main_pid, pid));
  }
  // Under systemd (it answered with the MainPID) the master must be in the app unit's cgroup;
  // outside it, a process in another unit is refused too.
  if ((expect.main_pid || !p.unit.empty()) && !expect.app_unit.empty() && p.unit != expect.app_unit)
    return refuse(RefusalReason::pid_wrong_unit,
                  fmt::format("PID {} belongs to {}, not to {}", pid,
                              p.unit.empty() ? std::string("no systemd unit") : p.unit, expect.app_unit));
  if (!expect.main_pid)
    if (std::string missing = missing_arbiter_marks(p); !missing.empty())
      return refuse(RefusalReason::pid_not_gunicorn, missing);
  // Signal 0 through the pidfd: still alive, so the /proc reads above were about this process.
  if (auto alive = pidfd->send_signal(0); !alive)
    return refuse(RefusalReason::pid_unavailable, alive.error().message);
  MasterCheck ok;
  ok.master = VerifiedMaster{std::move(pidfd).value(), p};
  return ok;
}

MasterCheck find_master(const std::string& pid_file, const MasterExpectation& expect) {
  auto pid = read_pid_file(pid_file);
  if (!pid) return refuse(RefusalReason::pid_unavailable, pid.error().to_string());
  return verify_master(*pid, expect);
}

}  // namespace csd::watchdog
