#include "contract/bind.h"

#include <fmt/format.h>

#include "util/strings.h"

namespace csd {

namespace {

constexpr std::string_view kUnix = "unix:";

// systemd reads the path with specifiers (%) and splits words on blanks, gunicorn and shells read
// quotes: a plain path is the only one every reader agrees on.
bool plain_path_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '/' ||
         ch == '.' || ch == '_' || ch == '-' || ch == '+' || ch == '@';
}

std::optional<BindProblem> unix_problem(const std::string& bind) {
  const std::string path = bind.substr(kUnix.size());
  const std::string hint = "write it as \"unix:/run/NAME/app.sock\": an absolute path after unix:";
  auto problem = [&](const std::string& what) {
    return BindProblem{fmt::format("service.bind '{}' is not a unix socket path: {}", bind, what), hint};
  };
  if (path.empty() || path[0] != '/') return problem("the path is not absolute");
  if (path.size() > kMaxUnixSocketPath)
    return problem(
        fmt::format("the path has {} bytes, a unix socket's at most {}", path.size(), kMaxUnixSocketPath));
  for (char ch : path)
    if (!plain_path_char(ch))
      return problem(
          fmt::format("'{}' in the path (letters, digits and / . _ - + @ only)",
                      ch < 0x20 || ch == 0x7f ? fmt::format("\\x{:02x}", ch) : std::string(1, ch)));
  if (path.back() == '/') return problem("the path names a directory");
  for (const auto& part : split(path.substr(1), '/'))
    if (part.empty() || part == "." || part == "..")
      return problem("the path is not normal (no //, /./ or /../)");
  return std::nullopt;
}

}  // namespace

std::optional<BindProblem> bind_problem(const std::string& bind) {
  if (starts_with(bind, kUnix)) return unix_problem(bind);
  auto colon = bind.rfind(':');
  std::string port = colon == std::string::npos ? "" : bind.substr(colon + 1);
  bool good = colon != std::string::npos && colon > 0 && !port.empty() && port.size() <= 5 &&
              port.find_first_not_of("0123456789") == std::string::npos && std::stoi(port) >= 1 &&
              std::stoi(port) <= 65535;
  if (good) return std::nullopt;
  return BindProblem{fmt::format("service.bind '{}' is not host:port or unix:PATH", bind),
                     "write it as \"127.0.0.1:8080\", \"0.0.0.0:8080\" or \"unix:/run/NAME/app.sock\""};
}

std::string unix_bind_path(const std::string& bind) {
  return starts_with(bind, kUnix) ? bind.substr(kUnix.size()) : "";
}

std::string bind_host(const std::string& bind) {
  if (starts_with(bind, kUnix)) return "";
  return bind.substr(0, bind.rfind(':'));
}

std::string listen_stream(const std::string& bind) {
  if (starts_with(bind, kUnix)) return unix_bind_path(bind);
  auto colon = bind.rfind(':');
  std::string host = bind.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  return host + bind.substr(colon);
}

}  // namespace csd
