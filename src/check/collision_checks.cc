// Every contract installed in /etc/conda-systemd/ against this one: two services must not share a
// runtime path, an environment file, a unit name or a listening address. docs/diagnostics.md,
// CSD135/CSD136.
#include <dirent.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "check/context.h"
#include "contract/bind.h"
#include "contract/naming.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::check {

namespace {

constexpr const char* kContractDir = "/etc/conda-systemd";

struct Claim {
  std::string what;  // "PID file (paths.pid_file)"
  std::string value;
};

std::vector<Claim> claims(const Contract& c) {
  std::vector<Claim> out;
  for (const auto& p : kPathKeys)
    out.push_back({fmt::format("{} (paths.{})", p.what, p.key), c.paths.*p.member});
  out.push_back({"environment file (service.environment_file)", c.service.environment_file});
  for (const auto& u : all_units(c)) out.push_back({"unit", u});
  return out;
}

bool is_wildcard(std::string_view host) {
  return host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::";
}

// host:port pairs that cannot both listen: the same port on the same host, or on any host when one
// of them binds every address; unix sockets (contract/bind.h) when they are the same path.
bool binds_collide(const std::string& a, const std::string& b) {
  if (!unix_bind_path(a).empty() || !unix_bind_path(b).empty()) return !a.empty() && a == b;
  auto ca = a.rfind(':'), cb = b.rfind(':');
  if (a.empty() || b.empty() || ca == std::string::npos || cb == std::string::npos) return false;
  if (a.substr(ca + 1) != b.substr(cb + 1)) return false;
  std::string ha = a.substr(0, ca), hb = b.substr(0, cb);
  return ha == hb || is_wildcard(ha) || is_wildcard(hb);
}

}  // namespace

void check_collisions(const Context& ctx, Report& report) {
  const Contract& c = ctx.contract;
  DIR* d = ::opendir(ctx.root.map(kContractDir).c_str());
  if (!d) return;  // no contract installed yet: nothing to collide with
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n[0] != '.' && ends_with(n, ".toml")) names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  auto mine = claims(c);
  for (const auto& n : names) {
    std::string path = join_path(kContractDir, n);
    if (path == c.installed_path() || ctx.root.map(path) == c.source) continue;
    // check runs as the service user: a contract that user may not read is not broken, only unseen.
    if (::access(ctx.root.map(path).c_str(), R_OK) != 0 && errno == EACCES) {
      report.add(
          {.code = "CSD136",
           .severity = Severity::kWarning,
           .file = path,
           .message = fmt::format("cannot read this installed contract as this user, so cannot tell whether "
                                  "it collides with {}",
                                  c.name),
           .fix = "make it readable (render installs contracts with mode 0644)"});
      continue;
    }
    auto text = read_file(ctx.root.map(path), ReadOptions{.max_bytes = 1 << 20});
    auto other = text ? parse_contract(*text, path) : Result<Contract>(text.error());
    if (!other) {
      const Error& e = other.error();
      report.add(
          {.code = "CSD136",
           .file = path,
           .line = e.line,
           .message = fmt::format("cannot read this installed contract, so cannot tell whether it collides "
                                  "with {}: {}",
                                  c.name, e.message),
           .fix = "fix the contract, or remove it if its service is gone"});
      continue;
    }
    for (const auto& theirs : claims(*other))
      for (const auto& ours : mine) {
        if (ours.value.empty() || ours.value != theirs.value) continue;
        report.add(
            {.code = "CSD135",
             .file = path,
             .message = fmt::format("contracts {} and {} both claim {}", c.name, other->name, ours.value),
             .expected = fmt::format("{}'s {} to itself", c.name, ours.what),
             .found = fmt::format("{} of {} ({})", theirs.what, other->name, path),
             .fix = fmt::format("give one of them another value ({} or {})", c.source, path)});
      }
    if (binds_collide(c.service.bind, other->service.bind))
      report.add({.code = "CSD135",
                  .file = path,
                  .message = fmt::format("contracts {} and {} both listen on {}", c.name, other->name,
                                         c.service.bind == other->service.bind
                                             ? c.service.bind
                                             : c.service.bind + " and " + other->service.bind),
                  .expected = fmt::format("a port of its own for {} (service.bind)", c.name),
                  .found = fmt::format("service.bind = \"{}\" in {}", other->service.bind, path),
                  .fix = fmt::format("change service.bind in {} or in {}", c.source, path)});
  }
}

}  // namespace csd::check
