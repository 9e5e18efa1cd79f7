#include "host/health.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace csd::host {

HealthResult probe_health(const std::string& url, const HealthOptions& options, const OnProbe& on_probe) {
  HealthResult r;
  if (url.empty()) {
    r.detail = "the contract has no service.health_url";
    return r;
  }
  int attempts = std::max(1, options.retries);
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) std::this_thread::sleep_for(options.pause);
    ++r.attempts;
    auto began = std::chrono::steady_clock::now();
    auto status = http_get_status(url, options.timeout, options.unix_socket);
    r.status = status ? *status : 0;
    r.detail = status ? fmt::format("answered {}", *status) : "no answer: " + status.error().message;
    r.healthy = status && *status >= 200 && *status < 300;
    if (on_probe)
      on_probe({.attempt = r.attempts,
                .healthy = r.healthy,
                .status = r.status,
                .detail = r.detail,
                .took = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - began)});
    if (r.healthy) break;
  }
  return r;
}

}  // namespace csd::host
