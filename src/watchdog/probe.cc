#include "watchdog/probe.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "util/strings.h"

extern char** environ;

namespace csd::watchdog {

namespace {

// Starting the program and loading libcurl, on a loaded machine: beyond the GET's own timeout.
constexpr std::chrono::milliseconds kStartGrace{1000};
// An answer is one short line; a longer one is not an answer.
constexpr std::size_t kMaxAnswer = 4096;

constexpr std::string_view kStatus = "status ";
constexpr std::string_view kError = "error ";

}  // namespace

std::string encode_probe_answer(const Result<long>& status) {
  if (status) return fmt::format("{}{}\n", kStatus, *status);
  // One line: the message's own line breaks would end it early.
  std::string message = status.error().message;
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  return fmt::format("{}{}\n", kError, message);
}

Result<long> decode_probe_answer(std::string_view text) {
  auto shown = [&] { return fmt::format("'{}'", text.substr(0, 80)); };
  if (text.size() > kMaxAnswer)
    return make_error(fmt::format("the health probe said more than {} bytes", kMaxAnswer));
  if (text.empty() || text.back() != '\n' || text.find('\n') != text.size() - 1)
    return make_error(fmt::format("the health probe gave no answer line: {}", shown()));
  text.remove_suffix(1);
  if (starts_with(text, kError)) return make_error(std::string(text.substr(kError.size())));
  if (starts_with(text, kStatus)) {
    std::string_view digits = text.substr(kStatus.size());
    if (!digits.empty() && digits.size() <= 3 &&
        digits.find_first_not_of("0123456789") == std::string_view::npos)
      return std::stol(std::string(digits));
  }
  return make_error(fmt::format("the health probe gave an answer that is not one: {}", shown()));
}

Result<ProbeChild> ProbeChild::start(const std::string& program, const std::string& url, Millis timeout,
                                     const std::string& unix_socket) {
  if (program.empty()) return make_error("cannot start the health probe: no program to run it with");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    return make_error(fmt::format("cannot start the health probe: pipe: {}", std::strerror(errno)));
  Fd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);

  std::vector<std::string> args = {program, kHealthProbeArg, url, std::to_string(timeout.count())};
  if (!unix_socket.empty()) args.push_back(unix_socket);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  // stdout is the pipe; stdin nothing; stderr stays the daemon's (the journal).
  ::posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  // The daemon blocks TERM, INT and HUP (they arrive through its signalfd) and ignores SIGIO;
  // the child starts with neither.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGIO);
  sigaddset(&defaults, SIGPIPE);
  ::posix_spawnattr_setsigmask(&attr, &none);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return make_error(fmt::format("cannot start the health probe {}: {}", program, std::strerror(rc)));

  ProbeChild child;
  child.reaped_ = false;
  // Our own child, not reaped yet: its PID cannot have been reused.
  auto pidfd = Pidfd::open(pid);
  if (!pidfd) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return make_error("cannot watch the health probe: " + pidfd.error().message);
  }
  child.pidfd_ = std::move(pidfd).value();
  child.out_ = std::move(read_end);
  child.url_ = url;
  child.timeout_ = timeout;
  child.kill_at_ = std::chrono::steady_clock::now() + timeout + kStartGrace;
  return child;
}

ProbeChild& ProbeChild::operator=(ProbeChild&& other) noexcept {
  if (this != &other) {
    reap(true);
    pidfd_ = std::move(other.pidfd_);
    out_ = std::move(other.out_);
    url_ = std::move(other.url_);
    timeout_ = other.timeout_;
    kill_at_ = other.kill_at_;
    killed_ = other.killed_;
    reaped_ = std::exchange(other.reaped_, true);
    status_ = other.status_;
  }
  return *this;
}

ProbeChild::~ProbeChild() {
  reap(true);
}

void ProbeChild::kill() {
  if (reaped_ || !pidfd_.valid()) return;
  killed_ = pidfd_.send_signal(SIGKILL).ok() || killed_;
}

void ProbeChild::reap(bool wait) {
  if (reaped_ || !pidfd_.valid()) return;
  if (wait && !exited()) (void)pidfd_.send_signal(SIGKILL);
  int status = 0;
  pid_t r;
  do r = ::waitpid(pidfd_.pid(), &status, wait ? 0 : WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == pidfd_.pid() || (r < 0 && errno == ECHILD)) {
    reaped_ = true;
    status_ = status;
  }
}

Result<long> ProbeChild::finish() {
  // The answer was written before the exit, and is far smaller than a pipe's buffer.
  std::string text;
  char buf[1024];
  for (ssize_t n; text.size() <= kMaxAnswer && (n = ::read(out_.get(), buf, sizeof(buf))) > 0;)
    text.append(buf, static_cast<std::size_t>(n));
  reap(true);
  if (!text.empty()) return decode_probe_answer(text);
  if (killed_)
    return make_error(fmt::format("GET {}: the health probe did not end within {} ms and was killed", url_,
                                  (timeout_ + kStartGrace).count()));
  {
    std::string how = WIFSIGNALED(status_) ? fmt::format("killed by signal {}", WTERMSIG(status_))
                                           : fmt::format("exit status {}", WEXITSTATUS(status_));
    return make_error(fmt::format("GET {}: the health probe ended without an answer ({})", url_, how));
  }
}

}  // namespace csd::watchdog
