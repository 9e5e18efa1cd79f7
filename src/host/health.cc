#include "host/health.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace csd::host {

HealthResult probe_health(const std::string& url, const HealthOptions& options) {
  HealthResult r;
  if (url.empty()) {
    r.detail = "the contract has no service.health_url";
    return r;
  }
  int attempts = std::max(1, options.retries);
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) std::this_thread::sleep_for(options.pause);
    ++r.attempts;
    auto status = http_get_status(url, options.timeout);
    if (!status) {
      r.status = 0;
      r.detail = "no answer: " + status.error().message;
      continue;
    }
    r.status = *status;
    r.detail = fmt::format("answered {}", *status);
    if (*status >= 200 && *status < 300) {
      r.healthy = true;
      break;
    }
  }
  return r;
}

}  // namespace csd::host
