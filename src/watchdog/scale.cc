#include "watchdog/scale.h"

#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "host/process.h"
#include "watchdog/master.h"
#include "watchdog/reload.h"

namespace csd::watchdog {

namespace {

// gunicorn starts or stops one worker per signal, in its own time: a short sleep between looks
// is enough here (a command waiting for a result, not the daemon).
constexpr std::chrono::milliseconds kLookInterval{20};
constexpr int kMaxWorkers = 256;

}  // namespace

std::optional<ScaleTarget> parse_scale(const std::string& text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  ScaleTarget t;
  std::string digits = text;
  int sign = 1;
  if (text[0] == '+' || text[0] == '-') {
    t.relative = true;
    sign = text[0] == '-' ? -1 : 1;
    digits = text.substr(1);
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  t.value = sign * std::stoi(digits);
  if (t.relative && t.value == 0) return std::nullopt;
  if (!t.relative && (t.value < 1 || t.value > kMaxWorkers)) return std::nullopt;
  return t;
}

nlohmann::json ScaleResult::to_json() const {
  return {{"master_pid", master}, {"workers_before", before}, {"workers_after", after},
          {"target", target},     {"confirmed", confirmed},   {"detail", detail}};
}

Result<ScaleResult> scale_workers(const Settings& s, ScaleTarget target, std::optional<pid_t> main_pid,
                                  Millis timeout) {
  Settings live = follow_active(s);
  MasterExpectation expect = live.master;
  expect.main_pid = main_pid;
  MasterCheck check = find_master(live.pid_file, expect);
  if (!check.master)
    return make_error(fmt::format("{}: {}", reason_name(check.refusal.reason), check.refusal.detail));
  const Pidfd& master = check.master->pidfd;
  ScaleResult r;
  r.master = master.pid();
  r.before = host::running_children(r.master);
  int have = static_cast<int>(r.before.size());
  r.target = target.relative ? have + target.value : target.value;
  if (r.target < 1 || r.target > kMaxWorkers)
    return make_error(fmt::format("{} worker(s) now; {} is outside 1..{}", have, r.target, kMaxWorkers));
  while (have != r.target) {
    int sig = r.target > have ? SIGTTIN : SIGTTOU;
    if (Status sent = master.send_signal(sig); !sent) return sent.error();
    int want = have + (sig == SIGTTIN ? 1 : -1);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      have = static_cast<int>(host::running_children(r.master).size());
      if (have == want) break;
      if (master.exited()) return make_error(fmt::format("the gunicorn master {} exited", r.master));
      if (std::chrono::steady_clock::now() > deadline) {
        r.after = host::running_children(r.master);
        r.detail = fmt::format("{} worker(s) after {} ms, expected {}", have, timeout.count(), want);
        return r;
      }
      std::this_thread::sleep_for(kLookInterval);
    }
  }
  r.after = host::running_children(r.master);
  r.confirmed = true;
  r.detail = fmt::format("{} -> {} worker(s)", r.before.size(), r.after.size());
  return r;
}

}  // namespace csd::watchdog
