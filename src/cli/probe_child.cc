#include "cli/probe_child.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <string_view>

#include "host/health.h"
#include "watchdog/probe.h"

namespace csd::cli {

namespace {

constexpr long long kMaxTimeoutMs = 600'000;

int answer(const Result<long>& status, int rc) {
  std::string line = watchdog::encode_probe_answer(status);
  for (std::size_t done = 0; done < line.size();) {
    ssize_t n = ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) return rc;
    done += static_cast<std::size_t>(n);
  }
  return rc;
}

}  // namespace

bool is_health_probe_child(int argc, char** argv) {
  return argc > 1 && std::strcmp(argv[1], watchdog::kHealthProbeArg) == 0;
}

int run_health_probe_child(int argc, char** argv) {
  // A probe must not outlive the daemon that waits for it.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (argc < 4 || argc > 5)
    return answer(make_error(std::string("usage: conda-systemd ") + watchdog::kHealthProbeArg +
                             " URL TIMEOUT_MS [UNIX_SOCKET]"),
                  2);
  std::string_view ms = argv[3];
  if (ms.empty() || ms.size() > 6 || ms.find_first_not_of("0123456789") != std::string_view::npos ||
      std::stoll(std::string(ms)) < 1 || std::stoll(std::string(ms)) > kMaxTimeoutMs)
    return answer(make_error("the probe's timeout must be 1 to 600000 milliseconds, not '" +
                             std::string(ms.substr(0, 20)) + "'"),
                  2);
  auto status = host::http_get_status(argv[2], Millis(std::stoll(std::string(ms))), argc == 5 ? argv[4] : "");
  return answer(status, status ? 0 : 1);
}

}  // namespace csd::cli
