#include "swap/swap.h"

#include <fmt/format.h>

#include <thread>
#include <utility>

#include "contract/naming.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::swap {

Result<std::string> read_active(const Contract& c, const Root& root) {
  std::string path = root.map(active_instance_path(c));
  if (!path_exists(path)) return std::string("blue");
  auto text = read_file(path, {.max_bytes = 64, .follow_symlinks = false});
  if (!text) return text.error();
  std::string name(trim(*text));
  if (!is_instance_name(name))
    return file_error(active_instance_path(c), fmt::format("names no instance: '{}'", name),
                      "write blue or green into it: the instance that serves now (systemctl status " +
                          target_unit(c) + ")");
  return name;
}

Status write_active(const Contract& c, const std::string& instance, const Root& root) {
  return write_file_atomic(root.map(active_instance_path(c)), instance + "\n", 0644);
}

namespace {

class Run {
 public:
  Run(const Contract& c, Units& units, const Options& o, const Log& log)
      : c_(c), units_(units), options_(o), log_(log) {}

  void say(const std::string& text, bool ok = true) {
    if (log_) log_(text, ok);
  }

  // The new instance failed at `step`: it is stopped, the old one serves on.
  Outcome fail(Outcome out, const std::string& step, const std::string& why, std::string unit = "") {
    if (unit.empty()) unit = app_instance(c_, out.to);
    out.failed_step = step;
    out.why = why;
    say(fmt::format("swap failed at {}: {}", step, why), false);
    if (auto s = units_.stop(unit); !s)
      say(fmt::format("stop of {} failed too: {}", unit, s.error().message), false);
    else
      say(fmt::format("stopped {}; {} serves on", unit, app_instance(c_, out.from)));
    // A later start by hand must not boot it starved.
    restore_weight();
    return out;
  }

  static std::string weight_text(std::uint64_t w) {
    return w == kNoCpuWeight ? std::string("the default") : std::to_string(w);
  }

  // The instance boots at kBootCpuWeight against the one that serves: its cgroup's weight, which
  // the scheduler weighs against the serving instance's cgroup (a nice value would not be).
  // A weight that cannot be set is a note, not a failure: the swap is right without it, only slower
  // to serve meanwhile.
  void lower_weight(const std::string& unit) {
    auto own = units_.cpu_weight(unit);
    if (!own) {
      say(fmt::format("{} boots at its own CPU weight: {}", unit, own.error().message), false);
      return;
    }
    // Already at the boot weight: an interrupted swap left it there, and it is not the unit's own.
    own_weight_ = *own == static_cast<std::uint64_t>(kBootCpuWeight) ? kNoCpuWeight : *own;
    if (auto s = units_.set_cpu_weight(unit, kBootCpuWeight); !s) {
      say(fmt::format("{} boots at its own CPU weight: {}", unit, s.error().message), false);
      return;
    }
    lowered_ = unit;
    say(fmt::format("{} boots at CPU weight {} (its own: {}) until its health check passed", unit,
                    kBootCpuWeight, weight_text(own_weight_)));
  }

  void restore_weight() {
    if (lowered_.empty()) return;
    std::string unit = std::exchange(lowered_, "");
    if (auto s = units_.set_cpu_weight(unit, own_weight_); !s)
      say(fmt::format("{} stays at CPU weight {}: {}", unit, kBootCpuWeight, s.error().message), false);
    else
      say(fmt::format("{} is back to CPU weight {}", unit, weight_text(own_weight_)));
  }

  // A 2xx from the instance's own socket, within the attempts.
  std::string healthy(const std::string& instance, const std::string& unit) {
    std::string socket = health_socket_path(c_, instance), last;
    for (int i = 0; i < std::max(1, options_.probe_attempts); ++i) {
      if (i > 0) std::this_thread::sleep_for(options_.probe_pause);
      auto status = units_.probe(c_.service.health_url, socket);
      if (status && *status >= 200 && *status < 300) {
        say(fmt::format("{} answered {} through {}", unit, *status, socket));
        return "";
      }
      last = status ? fmt::format("answered {}", *status) : status.error().message;
      // A crashed instance will not get better.
      auto active = units_.is_active(unit);
      if (active && !*active) return last + "; the instance is no longer active";
    }
    return fmt::format("{} (after {} attempt(s))", last, std::max(1, options_.probe_attempts));
  }

  const Contract& c_;
  Units& units_;
  const Options& options_;
  const Log& log_;
  std::string lowered_;  // the unit lower_weight() set, until restore_weight()
  std::uint64_t own_weight_ = kNoCpuWeight;
};

}  // namespace

Result<Outcome> swap(const Contract& c, Units& units, const Root& root, const Options& options,
                     const Log& log) {
  if (!c.service.zero_downtime)
    return make_error(fmt::format("{} is not zero_downtime: there is no other instance to swap to", c.name));
  auto from = read_active(c, root);
  if (!from) return from.error();
  Run run(c, units, options, log);
  Outcome out{.from = *from, .to = other_instance(*from)};
  const std::string old_unit = app_instance(c, out.from), new_unit = app_instance(c, out.to);

  // A leftover of an interrupted swap would make the start below a no-op on old code.
  if (auto active = units.is_active(new_unit); active && *active) {
    run.say(
        fmt::format("{} is running though {} is the active instance: stopping it first", new_unit, old_unit));
    if (auto s = units.stop(new_unit); !s) return run.fail(out, "stop of the leftover", s.error().message);
  }
  // First on its health socket alone: an instance that answers 5xx must never take traffic.
  const std::string trial = trial_unit(c, out.to);
  run.say(fmt::format("starting {}: {} on its health socket alone", trial, new_unit));
  if (auto s = units.start(trial); !s) return run.fail(out, "start", "trial: " + s.error().message, trial);
  if (auto why = run.healthy(out.to, trial); !why.empty())
    return run.fail(out, "health", "trial: " + why, trial);
  if (auto s = units.stop(trial); !s)
    return run.fail(out, "start", "stop of the trial: " + s.error().message, trial);
  run.lower_weight(new_unit);
  run.say(fmt::format("starting {} beside {}", new_unit, old_unit));
  if (auto s = units.start(new_unit); !s) return run.fail(out, "start", s.error().message);
  auto pid = units.main_pid(new_unit);
  run.say(
      fmt::format("{} is ready (READY=1), main PID {}", new_unit, pid ? std::to_string(*pid) : "unknown"));
  if (auto why = run.healthy(out.to, new_unit); !why.empty()) return run.fail(out, "health", why);
  // It serves from here on, and alone once the old one stops.
  run.restore_weight();
  // It must still be the process that answered: a crash between the probe and here would leave
  // no one on the socket once the old instance stops.
  auto again = units.main_pid(new_unit);
  if (!again || *again <= 0 || (pid && *again != *pid))
    return run.fail(out, "crashed", fmt::format("{} is no longer the process that answered", new_unit));
  if (auto s = write_active(c, out.to, root); !s) return run.fail(out, "record", s.error().message);
  if (auto s = units.set_boot_instance(new_unit, old_unit); !s)
    run.say(fmt::format("boot will still start {}: {}", old_unit, s.error().message), false);
  run.say(fmt::format("{} is the active instance (recorded in {})", out.to, active_instance_path(c)));
  if (auto s = units.stop(old_unit); !s)
    run.say(fmt::format("stop of {} failed: {}; {} serves beside it", old_unit, s.error().message, new_unit),
            false);
  else
    run.say(fmt::format("stopped {} gracefully", old_unit));
  out.ok = true;
  return out;
}

}  // namespace csd::swap
