#include "host/process.h"

#include <dirent.h>
#include <fmt/format.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "util/file.h"
#include "util/strings.h"

namespace csd::host {

namespace {

constexpr std::size_t kMaxProcFile = 64 * 1024;

Result<std::string> proc_file(pid_t pid, const char* name, std::size_t max_bytes = kMaxProcFile) {
  // /proc files report size 0; read_file reads to EOF within the bound.
  return read_file(fmt::format("/proc/{}/{}", pid, name), ReadOptions{.max_bytes = max_bytes});
}

std::string user_name(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::string buf(16384, '\0');
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found) return pw.pw_name;
  return std::to_string(uid);
}

bool parse_pid(std::string_view s, pid_t& out) {
  if (s.empty() || s.size() > 10) return false;
  long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v <= 0 || v > 0x7fffffff) return false;
  out = static_cast<pid_t>(v);
  return true;
}

}  // namespace

std::vector<pid_t> all_pids() {
  std::vector<pid_t> out;
  if (DIR* d = ::opendir("/proc")) {
    while (struct dirent* e = ::readdir(d)) {
      pid_t p = 0;
      if (parse_pid(e->d_name, p)) out.push_back(p);
    }
    ::closedir(d);
  }
  return out;
}

void for_each_open_file(pid_t pid,
                        const std::function<bool(const std::string& link, std::string_view target)>& each,
                        int limit) {
  std::string dir = fmt::format("/proc/{}/fd", pid);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  int looked = 0;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (++looked > limit) break;
    std::string link = dir + "/" + e->d_name;
    char target[PATH_MAX];
    ssize_t n = ::readlink(link.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    if (!each(link, std::string_view(target, static_cast<std::size_t>(n)))) break;
  }
  ::closedir(d);
}

std::vector<ino_t> deleted_files_held(pid_t pid, std::string_view prefix) {
  std::vector<ino_t> out;
  constexpr std::string_view kDeleted = " (deleted)";
  for_each_open_file(pid, [&](const std::string& link, std::string_view t) {
    if (!ends_with(t, kDeleted)) return true;
    t.remove_suffix(kDeleted.size());
    auto slash = t.rfind('/');
    if (!starts_with(slash == std::string_view::npos ? t : t.substr(slash + 1), prefix)) return true;
    struct stat st {};
    if (::stat(link.c_str(), &st) == 0) out.push_back(st.st_ino);
    return true;
  });
  return out;
}

bool parse_stat(const std::string& text, ProcessInfo& out) {
  auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return false;
  std::vector<std::string> fields;
  for (auto& f : split(std::string_view(text).substr(close + 2), ' '))
    if (!f.empty()) fields.push_back(f);
  // After the name: state(3) ppid(4) ... starttime(22), so index 0 is field 3.
  if (fields.size() < 20 || fields[0].size() != 1) return false;
  out.state = fields[0][0];
  pid_t ppid = 0;
  out.ppid = parse_pid(fields[1], ppid) ? ppid : 0;
  try {
    out.start_time = std::stoull(fields[19]);
  } catch (...) {
    return false;
  }
  return true;
}

std::string unit_of_cgroup(const std::string& text) {
  std::string v2, v1;
  for (const auto& line : split(text, '\n')) {
    if (starts_with(line, "0::")) v2 = line.substr(3);
    auto pos = line.find(":name=systemd:");
    if (pos != std::string::npos) v1 = line.substr(pos + 14);
  }
  for (const std::string* path : {&v2, &v1}) {
    std::string unit;
    for (const auto& part : split(*path, '/'))
      if (ends_with(part, ".service")) unit = part;
    if (!unit.empty()) return unit;
  }
  return "";
}

namespace {

void read_exe_and_argv(pid_t pid, ProcessInfo& info) {
  char buf[4096];
  std::string link = fmt::format("/proc/{}/exe", pid);
  ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf) - 1);
  if (n >= 0) {
    info.exe.assign(buf, static_cast<std::size_t>(n));
    const std::string deleted = " (deleted)";
    info.exe_deleted = ends_with(info.exe, deleted);
    if (info.exe_deleted) info.exe.resize(info.exe.size() - deleted.size());
  } else {
    info.exe_error = std::strerror(errno);
  }
  if (auto cmdline = proc_file(pid, "cmdline"); cmdline) {
    std::string& c = *cmdline;
    if (!c.empty() && c.back() == '\0') c.pop_back();
    if (!c.empty()) info.argv = split(c, '\0');
  }
}

}  // namespace

Result<ProcessInfo> read_process_identity(pid_t pid) {
  ProcessInfo info;
  info.pid = pid;
  read_exe_and_argv(pid, info);
  if (info.exe.empty() && info.argv.empty()) return make_error(fmt::format("cannot read process {}", pid));
  return info;
}

Result<ProcessInfo> read_process(pid_t pid) {
  ProcessInfo info;
  info.pid = pid;
  auto stat = proc_file(pid, "stat");
  if (!stat)
    return make_error(fmt::format("no process with PID {} visible in /proc ({})", pid, stat.error().message));
  if (!parse_stat(*stat, info)) return make_error(fmt::format("cannot parse /proc/{}/stat", pid));
  if (auto status = proc_file(pid, "status"); status) {
    for (const auto& line : split(*status, '\n')) {
      if (!starts_with(line, "Uid:")) continue;
      unsigned long r = 0, e = 0;
      if (std::sscanf(line.c_str() + 4, "%lu %lu", &r, &e) == 2)
        info.uid = static_cast<uid_t>(r), info.euid = static_cast<uid_t>(e);
    }
  }
  read_exe_and_argv(pid, info);
  if (auto cgroup = proc_file(pid, "cgroup"); cgroup) info.unit = unit_of_cgroup(*cgroup);
  return info;
}

Result<ProcessInfo> read_process_context(pid_t pid) {
  if (pid <= 0) return make_error("no process");
  auto info = read_process(pid);
  if (!info) return info.error();
  if (!info->exe_error.empty())
    return make_error(fmt::format("cannot read /proc/{}/exe: {}", pid, info->exe_error));
  char buf[4096];
  std::string link = fmt::format("/proc/{}/cwd", pid);
  ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf));
  if (n < 0) return make_error(fmt::format("cannot read {}: {}", link, std::strerror(errno)));
  info->cwd.assign(buf, static_cast<std::size_t>(n));
  info->user = user_name(info->uid);
  auto env = proc_file(pid, "environ", std::size_t{1} << 20);
  if (!env) return env.error();
  for (const auto& entry : split(*env, '\0')) {
    auto eq = entry.find('=');
    if (eq != std::string::npos && eq > 0) info->environ[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return info;
}

std::vector<pid_t> list_children(pid_t parent) {
  std::vector<pid_t> out;
  std::string task_dir = fmt::format("/proc/{}/task", parent);
  bool have_children_files = false;
  if (DIR* d = ::opendir(task_dir.c_str())) {
    while (struct dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      auto text = read_file(fmt::format("{}/{}/children", task_dir, e->d_name),
                            ReadOptions{.max_bytes = kMaxProcFile});
      if (!text) continue;
      have_children_files = true;
      for (const auto& word : split(*text, ' ')) {
        pid_t p = 0;
        if (parse_pid(trim(word), p)) out.push_back(p);
      }
    }
    ::closedir(d);
  }
  if (!have_children_files) {
    // Kernels without CONFIG_PROC_CHILDREN: every process's stat names its parent.
    for (pid_t p : all_pids()) {
      auto stat = proc_file(p, "stat");
      ProcessInfo info;
      if (stat && parse_stat(*stat, info) && info.ppid == parent) out.push_back(p);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<pid_t> running_children(pid_t parent) {
  std::vector<pid_t> out;
  for (pid_t p : list_children(parent))
    if (process_running(p)) out.push_back(p);
  return out;
}

bool process_running(pid_t pid) {
  auto stat = proc_file(pid, "stat");
  ProcessInfo info;
  return stat && parse_stat(*stat, info) && info.state != 'Z' && info.state != 'X';
}

}  // namespace csd::host
