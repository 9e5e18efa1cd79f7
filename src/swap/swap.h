// The zero-downtime swap ([service] zero_downtime, docs/deploy.md "Zero-downtime layout"): start
// the idle instance beside the active one, wait for its READY=1 and a 2xx from its own health
// socket, record it as active, then stop the old one gracefully. Any failure before the record
// stops the new instance; the old one never stopped serving. Used by deploy (new code or a new
// environment) and by the watchdog's swap requests; neither the deploy nor the watchdog module is
// included here: the caller passes the unit operations in.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

#include "contract/contract.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/root.h"

namespace csd::swap {

// What a swap asks of systemd and of the instance; the real one is sd-bus and libcurl.
class Units {
 public:
  virtual ~Units() = default;
  // Starts the unit and waits for systemd's job: an error unless it ended "done" (active).
  virtual Status start(const std::string& unit) = 0;
  // Stops it and waits for the job (KillMode=mixed: in-flight requests finish).
  virtual Status stop(const std::string& unit) = 0;
  virtual Result<bool> is_active(const std::string& unit) = 0;
  // 0 when it has none.
  virtual Result<pid_t> main_pid(const std::string& unit) = 0;
  // One GET of `url`'s path through the unix socket: the HTTP status, or an error when nothing
  // answered in time.
  virtual Result<long> probe(const std::string& url, const std::string& unix_socket) = 0;
  // Boot starts `enable` and not `disable` (their [Install] links into the target).
  virtual Status set_boot_instance(const std::string& enable, const std::string& disable) = 0;
  // The unit's CPUWeight=, kNoCpuWeight when nothing sets it; and setting it until the next reboot
  // (a runtime property, applied to a running unit at once; kNoCpuWeight resets it).
  virtual Result<std::uint64_t> cpu_weight(const std::string& unit) = 0;
  virtual Status set_cpu_weight(const std::string& unit, std::uint64_t weight) = 0;
};

inline constexpr std::uint64_t kNoCpuWeight = UINT64_MAX;

struct Options {
  int probe_attempts = 30;  // a second apart
  Millis probe_pause{1'000};
};

// Each step as it happens: text and whether it went well.
using Log = std::function<void(const std::string& text, bool ok)>;

struct Outcome {
  bool ok = false;
  std::string from, to;     // instance names
  std::string failed_step;  // "start", "health", "crashed", "record", "" when ok
  std::string why;
};

// The active instance as recorded in the state directory ("blue" when nothing is recorded yet).
Result<std::string> read_active(const Contract& c, const Root& root);
Status write_active(const Contract& c, const std::string& instance, const Root& root);

// Swaps from the recorded active instance to the other one. The new instance boots at
// kBootCpuWeight and gets its own weight back once its health check passed, before the old one
// stops (docs/deploy.md, "CPU while an instance boots"). Outcome.ok false when the new one
// failed (it is stopped then, the old one serves); an error only when nothing could be tried.
Result<Outcome> swap(const Contract& c, Units& units, const Root& root, const Options& options,
                     const Log& log);

}  // namespace csd::swap
