// service.bind against this host before the start (docs/diagnostics.md, CSD137): a TCP port that
// another process already listens on, a unix socket path that cannot be made. Only for the live
// host: a deployment under --root does not listen on this host's ports.
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "check/context.h"
#include "contract/bind.h"
#include "contract/naming.h"
#include "host/listeners.h"
#include "host/process.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::check {

namespace {

// Whether the start of `unit` (--unit) is the start of what holds the bind.
bool concerns_bind(const Context& ctx) {
  const Contract& c = ctx.contract;
  const std::string& u = ctx.only_unit;
  return u.empty() || u == app_unit(c) || starts_with(u, c.name + "@") ||
         (c.service.zero_downtime && u == socket_unit(c));
}

// The units whose processes may hold the bind: the app (or its instances), and in the
// zero-downtime layout systemd itself, which holds NAME.socket, and the listener, which systemd
// hands the socket as its Service=.
bool is_ours(const Contract& c, pid_t pid, const std::string& unit) {
  if (c.service.zero_downtime)
    return pid == 1 || unit == app_instance(c, "blue") || unit == app_instance(c, "green") ||
           unit == holder_unit(c);
  return unit == app_unit(c);
}

std::string holder_text(pid_t pid) {
  auto p = host::read_process(pid);
  if (!p) return fmt::format("PID {}", pid);
  std::string name = p->argv.empty() ? p->exe : base_name(p->argv[0]);
  return fmt::format("PID {} ({}{})", pid, name, p->unit.empty() ? "" : ", in " + p->unit);
}

void add(const Context& ctx, Report& report, std::string message, std::string expected, std::string found,
         std::string fix) {
  report.add({.code = "CSD137",
              .file = ctx.contract.source,
              .message = std::move(message),
              .expected = std::move(expected),
              .found = std::move(found),
              .fix = std::move(fix)});
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string holder_of(const Contract& c) {
  return c.service.zero_downtime ? socket_unit(c) : app_unit(c) + " (gunicorn binds it)";
}

void check_tcp(const Context& ctx, Report& report) {
  const Contract& c = ctx.contract;
  // In the zero-downtime layout systemd holds the port from boot, and a check run as the service
  // user (every instance's start) cannot see PID 1's descriptors: only root can tell ours apart.
  if (c.service.zero_downtime && ::geteuid() != 0) return;
  auto colon = c.service.bind.rfind(':');
  if (colon == std::string::npos) return;
  std::string host = c.service.bind.substr(0, colon);
  int port = std::atoi(c.service.bind.c_str() + colon + 1);
  if (host::try_bind_tcp(host, port) != host::BindTry::kInUse) return;
  std::vector<std::string> others;
  bool any_seen = false;
  for (const auto& l : host::tcp_listeners(host, port)) {
    if (l.pids.empty()) {
      others.push_back(fmt::format("a socket on {}:{} of uid {}, whose process this user cannot see",
                                   l.address, l.port, l.uid));
      continue;
    }
    for (pid_t pid : l.pids) {
      any_seen = true;
      auto p = host::read_process(pid);
      if (!is_ours(c, pid, p ? p->unit : "")) others.push_back(holder_text(pid));
    }
  }
  if (others.empty() && any_seen) return;  // our own socket or instance: a restart, not a clash
  if (others.empty()) others.push_back("a socket /proc/net does not list (another network namespace?)");
  add(ctx, report,
      fmt::format("service.bind {} is already in use: {} cannot listen there", c.service.bind, holder_of(c)),
      fmt::format("{} free for {}", c.service.bind, holder_of(c)),
      fmt::format("{} listens on it", joined(others)),
      fmt::format("stop what holds the port, or change service.bind in {}", c.source));
}

void check_unix(const Context& ctx, Report& report) {
  const Contract& c = ctx.contract;
  // The contract refused a path too long, relative or not normal (contract/bind.h).
  std::string path = unix_bind_path(c.service.bind);
  std::string expected = fmt::format("a socket {} that {} can create", path, holder_of(c));
  auto fix = fmt::format("change service.bind in {}, or fix the directory", c.source);
  // The nearest directory that exists: systemd creates the ones below it for a socket unit.
  std::string dir = parent_dir(path);
  std::string existing = dir;
  struct stat st {};
  while (::stat(ctx.root.map(existing).c_str(), &st) != 0 && existing != "/") existing = parent_dir(existing);
  if (!S_ISDIR(st.st_mode)) {
    add(ctx, report, fmt::format("service.bind {} cannot be created: {} is not a directory", path, existing),
        expected, fmt::format("{} is a file", existing), fix);
    return;
  }
  struct statvfs fs {};
  if (::statvfs(ctx.root.map(existing).c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY)) {
    add(ctx, report,
        fmt::format("service.bind {} cannot be created: {} is on a read-only file system", path, existing),
        expected, fmt::format("{} is read-only", existing), fix);
    return;
  }
  // gunicorn binds the plain layout's socket itself, as the service user, and makes no directory;
  // the runtime directory is systemd's to create at the start.
  if (!c.service.zero_downtime && existing != dir && !path_is_under(dir, c.paths.runtime_dir) &&
      dir != c.paths.runtime_dir) {
    add(ctx, report, fmt::format("service.bind {}: its directory {} does not exist", path, dir), expected,
        fmt::format("{} missing; gunicorn does not create it", dir),
        fmt::format("create {}, or put the socket under paths.runtime_dir ({})", dir, c.paths.runtime_dir));
    return;
  }
  if (::lstat(ctx.root.map(path).c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    add(ctx, report, fmt::format("service.bind {} cannot be created: a directory is in the way", path),
        expected, fmt::format("{} is a directory", path),
        fmt::format("remove the directory {}, or {}", path, fix));
}

}  // namespace

void check_bind(const Context& ctx, Report& report) {
  const Contract& c = ctx.contract;
  if (c.service.bind.empty() || !concerns_bind(ctx)) return;
  if (!unix_bind_path(c.service.bind).empty()) return check_unix(ctx, report);
  if (!ctx.root.empty() && ctx.root.dir() != "/") return;  // not this host's ports
  check_tcp(ctx, report);
}

}  // namespace csd::check
