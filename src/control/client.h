// The watchdog's control socket from the client's side: one JSON object a line each way
// (the requests and answers are in watchdog/control.h). Below the watchdog, so that verify, the
// command line and the tests can ask it without depending on the daemon.
#pragma once

#include <sys/un.h>

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "util/duration.h"
#include "util/error.h"

namespace csd::control {

inline constexpr std::size_t kMaxLine = 64 * 1024;

// The socket's address; an error naming `path` when it is too long for a Unix socket.
Result<sockaddr_un> address_of(const std::string& path);

// 0 when connected, else the errno.
int try_connect(int fd, const sockaddr_un& addr);

// One JSON object on one line, invalid UTF-8 replaced.
std::string encode_line(const nlohmann::json& j);

// One request, one answer, within `timeout`.
Result<nlohmann::json> call(const std::string& path, const nlohmann::json& request, Millis timeout);

}  // namespace csd::control
