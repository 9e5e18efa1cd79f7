// The watchdog's health probe, in a short-lived child process: the daemon's event loop never waits
// for an HTTP answer, and libcurl (with its TLS stack, about 5 MiB of mappings) is loaded by the
// child only, never by the daemon (docs/watchdog.md, "Confirming the reload"). The child is the
// program itself run as `conda-systemd __health-probe URL TIMEOUT_MS [UNIX_SOCKET]`: one GET
// (host::http_get_status), its answer one line on stdout, a pipe to the daemon.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>

#include "util/duration.h"
#include "util/error.h"
#include "util/fd.h"
#include "watchdog/pidfd.h"

namespace csd::watchdog {

// argv[1] of the child. Not a command: main() looks for it before the command line is built.
inline constexpr const char* kHealthProbeArg = "__health-probe";
// The daemon's own binary, the very file it runs even after an upgrade replaced it on disk.
inline constexpr const char* kSelfProgram = "/proc/self/exe";

// The child's answer on its stdout: "status 200\n", or "error MESSAGE\n" when nothing answered.
std::string encode_probe_answer(const Result<long>& status);
// What the daemon reads back. Anything else than one such line (empty, cut, too long, not a
// status) is an error that says what came.
Result<long> decode_probe_answer(std::string_view text);

// One probe in flight: the child, its pidfd (readable once it has exited: an event loop watches
// it) and the read end of its stdout. Killed (SIGKILL through the pidfd) and reaped when the
// object goes away, so a hung probe never outlives it.
class ProbeChild {
 public:
  // Starts `program` (the daemon passes /proc/self/exe: the very binary it runs, even when the
  // package was upgraded since) for one GET of `url` within `timeout`. It may run for
  // `timeout` plus a grace for its start; after kill_at() the caller kills it.
  static Result<ProbeChild> start(const std::string& program, const std::string& url, Millis timeout,
                                  const std::string& unix_socket = "");

  ProbeChild() = default;
  ProbeChild(ProbeChild&&) noexcept = default;
  ProbeChild& operator=(ProbeChild&& other) noexcept;
  ~ProbeChild();

  int fd() const { return pidfd_.fd(); }  // the pidfd: polls readable once the child has exited
  pid_t pid() const { return pidfd_.pid(); }
  std::chrono::steady_clock::time_point kill_at() const { return kill_at_; }
  bool exited() const { return pidfd_.exited(); }

  // SIGKILL; its exit follows (the pidfd turns readable), and finish() then says it was killed.
  void kill();

  // Once exited(): reaps the child and returns the HTTP status it got, or why there is none.
  Result<long> finish();

 private:
  void reap(bool wait);

  Pidfd pidfd_;
  Fd out_;  // the read end of the child's stdout, non-blocking
  std::string url_;
  Millis timeout_{0};
  std::chrono::steady_clock::time_point kill_at_{};
  bool killed_ = false;
  bool reaped_ = true;
  int status_ = 0;  // from waitpid, once reaped
};

}  // namespace csd::watchdog
