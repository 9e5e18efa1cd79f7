// The health probe: the contract's health URL must answer 2xx. Shared by `health`, `deploy`,
// `rollback`, `verify` and the watchdog's reload confirmation.
#pragma once

#include <functional>
#include <string>

#include "util/duration.h"
#include "util/error.h"

namespace csd::host {

struct HealthOptions {
  Millis timeout{5'000};  // for each attempt
  int retries = 1;        // attempts in all, at least one
  Millis pause{1'000};    // between attempts
  // Asked through this unix socket instead of the URL's host: service.bind's path when it is one
  // (contract/bind.h), since then nothing listens on TCP.
  std::string unix_socket;
};

struct HealthResult {
  bool healthy = false;
  long status = 0;     // the last HTTP status; 0 when nothing answered
  int attempts = 0;    // made
  std::string detail;  // "answered 200", "answered 503", "no answer: connection refused"
};

// One GET; the HTTP status code, or an error when nothing answered in time. Proxies are never
// used (the URL is the service's own), redirects never followed. libcurl is loaded (dlopen) the
// first time. With `unix_socket`, the request goes to that socket instead of the URL's host (the
// URL's host still names the Host: header): a zero-downtime instance's own health socket.
Result<long> http_get_status(const std::string& url, Millis timeout, const std::string& unix_socket = "");

// One attempt, as it ended.
struct HealthProbe {
  int attempt = 0;  // 1, 2, ...
  bool healthy = false;
  long status = 0;
  std::string detail;
  Millis took{0};
};
using OnProbe = std::function<void(const HealthProbe&)>;

// Stops at the first 2xx. An empty URL is unhealthy: a gate that cannot look must not pass.
HealthResult probe_health(const std::string& url, const HealthOptions& options, const OnProbe& on_probe = {});

}  // namespace csd::host
