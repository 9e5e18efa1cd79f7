#include "check/rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "util/file.h"
#include "util/strings.h"

namespace csd::check {

namespace {

std::vector<std::string> words(const std::string& value) {
  std::vector<std::string> out;
  for (const auto& w : split(value, ' '))
    if (!trim(w).empty()) out.emplace_back(trim(w));
  return out;
}

}  // namespace

bool is_yes(const std::optional<systemd::Assignment>& a) {
  if (!a) return false;
  return a->value == "yes" || a->value == "true" || a->value == "1" || a->value == "on";
}

std::vector<std::pair<std::string, std::string>> written_paths(const Contract& c, Role role) {
  if (role == Role::kApp)
    return {{c.paths.pid_file, "paths.pid_file"}, {c.paths.restart_flag, "paths.restart_flag"}};
  if (role == Role::kWatchdog)
    return {{c.paths.restart_flag, "paths.restart_flag"},
            {c.paths.state_file, "paths.state_file"},
            {c.paths.control_socket, "paths.control_socket"}};
  return {};
}

std::vector<std::string> writable_dirs(const systemd::UnitConfig& unit) {
  std::vector<std::string> dirs;
  for (const auto& a : unit.values("Service", "ReadWritePaths"))
    for (auto p : words(a.value)) {
      while (!p.empty() && (p[0] == '-' || p[0] == '+')) p.erase(0, 1);
      if (!p.empty()) dirs.push_back(p);
    }
  const std::pair<const char*, const char*> managed[] = {{"RuntimeDirectory", "/run/"},
                                                         {"StateDirectory", "/var/lib/"},
                                                         {"CacheDirectory", "/var/cache/"},
                                                         {"LogsDirectory", "/var/log/"}};
  for (const auto& [key, base] : managed)
    for (const auto& a : unit.values("Service", key))
      for (const auto& w : words(a.value)) dirs.push_back(base + w.substr(0, w.find(':')));
  if (is_yes(unit.last("Service", "PrivateTmp"))) dirs.insert(dirs.end(), {"/tmp", "/var/tmp"});
  dirs.push_back("/dev/shm");
  return dirs;
}

std::vector<Finding> rule_writable_paths(const systemd::UnitConfig& unit,
                                         const std::vector<std::pair<std::string, std::string>>& writes) {
  auto protect = unit.last("Service", "ProtectSystem");
  if (!protect || protect->value != "strict") return {};
  auto dirs = writable_dirs(unit);
  std::vector<std::string> uncovered;
  for (const auto& write : writes) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    const std::string& path = write.first;
    if (std::none_of(dirs.begin(), dirs.end(), [&](const std::string& d) { return path_is_under(path, d); }))
      uncovered.push_back(fmt::format("{} ({})", path, write.second));
  }
  if (uncovered.empty()) return {};
  const systemd::Assignment* at = &*protect;
  for (const auto& a : unit.assignments())
    if (a.file != unit.fragment_path() && (a.key == "ProtectSystem" || a.key == "ReadWritePaths" ||
                                           a.key == "PrivateTmp" || ends_with(a.key, "Directory")))
      at = &a;
  // One finding for all the paths: one dropped directory is one drift.
  return {{.code = "CSD108",
           .file = at->file,
           .line = at->line,
           .message = fmt::format("{} writes {} but ProtectSystem=strict makes it read-only", unit.name(),
                                  fmt::join(uncovered, ", ")),
           .expected = "ReadWritePaths= or a RuntimeDirectory=/StateDirectory= covering it",
           .found = fmt::format("writable: {}", fmt::join(dirs, " ")),
           .unit = unit.name(),
           .keys = {"Service.ProtectSystem", "Service.ReadWritePaths", "Service.RuntimeDirectory",
                    "Service.StateDirectory", "Service.CacheDirectory", "Service.LogsDirectory",
                    "Service.PrivateTmp"}}};
}

std::vector<Finding> rule_shared_runtime_dirs(const std::vector<const systemd::UnitConfig*>& units) {
  std::map<std::string, std::vector<const systemd::UnitConfig*>> by_dir;
  for (const auto* u : units)
    for (const auto& a : u->values("Service", "RuntimeDirectory"))
      for (const auto& w : words(a.value)) by_dir[w].push_back(u);
  std::vector<Finding> out;
  for (const auto& [dir, users] : by_dir) {
    if (users.size() < 2) continue;
    for (const auto* u : users) {
      auto preserve = u->last("Service", "RuntimeDirectoryPreserve");
      if (is_yes(preserve)) continue;
      auto a = u->values("Service", "RuntimeDirectory").back();
      const systemd::Assignment& at = preserve ? *preserve : a;
      out.push_back(
          {.code = "CSD109",
           .file = at.file,
           .line = at.line,
           .message = fmt::format("{} shares RuntimeDirectory={} with {} other unit(s) and deletes it when "
                                  "it stops, with the PID file and any pending restart flag",
                                  u->name(), dir, users.size() - 1),
           .expected = "RuntimeDirectoryPreserve=yes",
           .found = preserve ? "RuntimeDirectoryPreserve=" + preserve->value : "(not set: no)",
           .unit = u->name(),
           .keys = {"Service.RuntimeDirectoryPreserve", "Service.RuntimeDirectory"}});
    }
  }
  return out;
}

Finding rule_env_issue(const systemd::EnvIssue& issue, const std::string& file, int line) {
  return {.code = "CSD111",
          .severity = issue.severity == systemd::Severity::kError ? Severity::kError : Severity::kWarning,
          .file = file.empty() ? issue.where.file : file,
          .line = line ? line : issue.where.line,
          .message = issue.where.message,
          .fix = issue.where.hint};
}

Finding rule_wrapper(const systemd::Assignment& exec_start, const std::string& unit,
                     const std::string& wrapper, const std::string& found) {
  return {
      .code = "CSD101",
      .file = exec_start.file,
      .line = exec_start.line,
      .message = fmt::format("ExecStart= of {} runs through '{}': the service would not be systemd's main "
                             "process and would not get its signals",
                             unit, wrapper),
      .found = found};
}

std::vector<Finding> rule_identity(const systemd::UnitConfig& unit, const std::string& fallback_file,
                                   const std::vector<Expected>& expected) {
  std::vector<Finding> out;
  for (const auto& e : expected) {
    auto a = unit.last("Service", e.key);
    std::string found = a ? a->value : "";
    while (found.size() > 1 && found.back() == '/') found.pop_back();
    if (e.value.empty() || found == e.value || (e.unset_ok && found.empty())) continue;
    out.push_back({.code = "CSD110",
                   .file = a ? a->file : fallback_file,
                   .line = a ? a->line : 0,
                   .message = fmt::format("{}= of {} is not {}", e.key, unit.name(), e.against),
                   .expected = e.value,
                   .found = found.empty() ? "(not set)" : found,
                   .keys = {"Service." + e.key}});
  }
  return out;
}

Finding rule_unreadable_unit(const Error& e, const std::string& file) {
  return {.code = "CSD115",
          .file = e.file.empty() ? file : e.file,
          .line = e.line,
          .message = e.message,
          .fix = e.hint};
}

Finding rule_unreadable_env_file(const Error& e, const std::string& path) {
  return {.code = "CSD112", .file = path, .line = e.line, .message = e.message, .fix = e.hint};
}

}  // namespace csd::check
