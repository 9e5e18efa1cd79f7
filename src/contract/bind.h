// service.bind: gunicorn's "host:port", or "unix:/absolute/path" for a unix socket
// (docs/contract.md). One reading of it for the contract, render, check and the probes.
#pragma once

#include <optional>
#include <string>

namespace csd {

// The longest path a unix socket address holds (sun_path, 108 bytes with its NUL).
inline constexpr std::size_t kMaxUnixSocketPath = 107;

struct BindProblem {
  std::string message;  // "service.bind '...' is ..."
  std::string hint;
};
// What is wrong with a non-empty `bind`, or nothing.
std::optional<BindProblem> bind_problem(const std::string& bind);

// The socket's path for "unix:PATH"; "" for host:port.
std::string unix_bind_path(const std::string& bind);
// The host of host:port ("" for a unix path).
std::string bind_host(const std::string& bind);
// What systemd's ListenStream= takes for it: an IP literal and the port (systemd resolves no
// names, so "localhost" becomes 127.0.0.1), or the path.
std::string listen_stream(const std::string& bind);

}  // namespace csd
