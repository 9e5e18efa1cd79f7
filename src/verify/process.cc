#include "verify/process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/fd.h"
#include "util/strings.h"

namespace csd::verify {

namespace {

Result<std::string> link_target(const std::string& path) {
  std::string buf(4096, '\0');
  ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
  if (n < 0) return make_error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

// /proc files report a size of 0, so they are read to the end rather than by their size.
Result<std::string> read_proc(const std::string& path, std::size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return make_error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) return make_error(fmt::format("{} is larger than {} bytes", path, max_bytes));
  }
  return out;
}

std::string user_name(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::string buf(16384, '\0');
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found) return pw.pw_name;
  return std::to_string(uid);
}

}  // namespace

Result<ProcessInfo> read_process(pid_t pid) {
  if (pid <= 0) return make_error("no process");
  std::string dir = fmt::format("/proc/{}", pid);
  ProcessInfo p{.pid = pid};
  auto exe = link_target(dir + "/exe");
  if (!exe) return exe.error();
  p.exe = *exe;
  auto cwd = link_target(dir + "/cwd");
  if (!cwd) return cwd.error();
  p.cwd = *cwd;
  auto status = read_proc(dir + "/status", 1 << 16);
  if (!status) return status.error();
  for (const auto& line : split(*status, '\n'))
    if (starts_with(line, "Uid:")) p.uid = static_cast<uid_t>(std::stoul(std::string(trim(line.substr(4)))));
  p.user = user_name(p.uid);
  auto env = read_proc(dir + "/environ", 1 << 20);
  if (!env) return env.error();
  for (const auto& entry : split(*env, '\0')) {
    auto eq = entry.find('=');
    if (eq != std::string::npos && eq > 0) p.environ[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return p;
}

}  // namespace csd::verify
