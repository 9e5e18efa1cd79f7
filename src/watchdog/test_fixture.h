// Shared by the watchdog's tests: a real conda-layout environment with gunicorn (built once per
// test run by tests/fixtures/make-conda-env.sh), and processes started by a test and killed by
// PID when it ends. Header-only: only *_test.cc files include it.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "host/process.h"
#include "test_support/temp_dir.h"
#include "util/fd.h"
#include "util/file.h"
#include "watchdog/flag.h"
#include "watchdog/handler.h"
#include "watchdog/settings.h"

namespace csd::watchdog::testing {

struct FixtureEnv {
  std::string prefix;
  std::string python;
  std::string gunicorn;
};

// nullptr when it cannot be built here (the reason is in `why`); then tests fail: a missing Debian
// package is a broken machine, not a reason to skip.
inline const FixtureEnv* fixture_env(std::string* why = nullptr) {
  static std::unique_ptr<test::TempDir> dir;
  static std::optional<FixtureEnv> env;
  static std::string failure;
  static bool tried = false;
  if (!tried) {
    tried = true;
    dir = std::make_unique<test::TempDir>();
    std::string prefix = dir->path() + "/conda/envs/wd";
    std::string log = dir->path() + "/build.log";
    std::string cmd = std::string(CSD_SOURCE_DIR) + "/tests/fixtures/make-conda-env.sh --root / --prefix '" +
                      prefix + "' >'" + log + "' 2>&1";
    if (std::system(cmd.c_str()) == 0) {
      env = FixtureEnv{prefix, prefix + "/bin/python", prefix + "/bin/gunicorn"};
    } else {
      auto text = read_file(log);
      failure = "the fixture environment could not be built: " + (text ? *text : std::string("(no log)"));
    }
  }
  if (why) *why = failure;
  return env ? &*env : nullptr;
}

#define CSD_REQUIRE_FIXTURE_ENV(var)                                     \
  std::string fixture_why;                                               \
  const auto* var = ::csd::watchdog::testing::fixture_env(&fixture_why); \
  if (!var) GTEST_FAIL() << fixture_why

// A process this test started, in its own process group; killed (the group, by its id) and
// reaped when the object goes away.
class Child {
 public:
  Child() = default;
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(Child&& o) noexcept : pid_(std::exchange(o.pid_, 0)) {}
  Child& operator=(Child&& o) noexcept {
    if (this != &o) stop(), pid_ = std::exchange(o.pid_, 0);
    return *this;
  }
  ~Child() { stop(); }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && host::process_running(pid_); }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }
  // Reaps without killing; the exit status, or -1.
  int wait() {
    int status = 0;
    if (pid_ <= 0 || ::waitpid(pid_, &status, 0) != pid_) return -1;
    pid_ = 0;
    return status;
  }

 private:
  pid_t pid_ = 0;
};

struct SpawnOptions {
  std::optional<uid_t> uid;  // drop to this uid (the test runs as root)
  std::string log;           // stdout and stderr go here; /dev/null when empty
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"};
};

inline Child spawn(const std::vector<std::string>& argv, const SpawnOptions& o = {}) {
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : o.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::string log = o.log.empty() ? "/dev/null" : o.log;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    if (o.uid && (::setgid(*o.uid) != 0 || ::setuid(*o.uid) != 0)) ::_exit(126);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  return Child(pid);
}

// A child in a process group of its own that runs `take` (which must not return on failure: it
// calls _exit), then tells the parent it is ready and waits to be stopped. Returns once it is
// ready; a child that never got there is stopped and an empty Child returned.
inline Child spawn_holder(const std::function<void()>& take) {
  int ready[2];
  if (::pipe(ready) != 0) return Child();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::close(ready[0]);
    take();
    (void)!::write(ready[1], "x", 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char c;
  bool ok = ::read(ready[0], &c, 1) == 1;
  ::close(ready[0]);
  Child child(pid);
  if (!ok) child.stop();
  return child;
}

// A process that holds an exclusive flock(2) on `path` until it is stopped: another writer of
// the state, or a stuck one. Returns once the lock is held.
inline Child hold_flock(const std::string& path) {
  return spawn_holder([&path] {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || ::flock(fd, LOCK_EX) != 0) ::_exit(1);
  });
}

inline bool wait_until(const std::function<bool()>& ok, std::chrono::milliseconds max) {
  auto deadline = std::chrono::steady_clock::now() + max;
  while (!ok()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// A client connected to the unix socket `path`; -1 on failure. The caller closes it.
inline int connect_unix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return ::close(fd), -1;
  return fd;
}

inline int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

// A real TCP listener on loopback that answers nothing by itself: the kernel completes each
// connection, and the test decides when (and whether) to accept and answer it. A health URL that
// hangs, or answers when told.
class Listener {
 public:
  Listener() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || ::listen(fd_.get(), 16) != 0 ||
        ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
      fd_.reset();
    port_ = ntohs(a.sin_port);
  }
  bool valid() const { return fd_.valid(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/health"; }
  // The next connection, or an invalid Fd when none comes within `max`.
  Fd accept(std::chrono::milliseconds max) const {
    struct pollfd p {
      fd_.get(), POLLIN, 0
    };
    if (::poll(&p, 1, static_cast<int>(max.count())) != 1) return Fd();
    return Fd(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  }

 private:
  Fd fd_{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  int port_ = 0;
};

// Whether the peer of a connected socket still holds it open (it has not closed or shut down
// its side; data it sent may be waiting).
inline bool peer_still_open(int fd) {
  struct pollfd p {
    fd, POLLRDHUP, 0
  };
  return ::poll(&p, 1, 0) == 0;
}

// A real gunicorn master from the fixture environment, serving a minimal WSGI app.
struct Gunicorn {
  Child process;
  std::string pid_file;
  int port = 0;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/health"; }
  pid_t pid() const { return process.pid(); }
};

inline std::optional<Gunicorn> start_gunicorn(const FixtureEnv& env, const std::string& dir, int workers,
                                              const std::string& pid_file) {
  std::ofstream(dir + "/wsgi_app.py") << "def app(environ, start_response):\n"
                                         "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
                                         "    return [b'ok']\n";
  Gunicorn g;
  g.pid_file = pid_file;
  g.port = free_port();
  SpawnOptions o;
  o.log = dir + "/gunicorn.log";
  g.process = spawn(
      {env.python, env.gunicorn, "--chdir", dir, "--workers", std::to_string(workers), "--bind",
       "127.0.0.1:" + std::to_string(g.port), "--pid", pid_file, "--graceful-timeout", "5", "wsgi_app:app"},
      o);
  pid_t master = g.process.pid();
  bool up = wait_until(
      [&] {
        auto text = read_file(pid_file);
        return text && std::atoi(text->c_str()) == master &&
               static_cast<int>(host::list_children(master).size()) == workers;
      },
      std::chrono::seconds(30));
  if (!up) return std::nullopt;
  return g;
}

// A request handler under test: its files in `tmp` (/run and /state), the audit events it sent,
// and flags claimed as the loop claims them.
class HandlerTest : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::vector<nlohmann::json> audits;
  std::uint64_t seq = 0;  // flags claimed: a claim's name is unique, as in the loop

  void SetUp() override { tmp.mkdirs("/run"), tmp.mkdirs("/state"); }

  // Writes `content` as the restart flag and claims it at `at`; the claimed file.
  std::string claimed_flag(const std::string& content, TimePoint at) {
    tmp.write("/run/restart.flag", content);
    auto c = claim_flag(tmp.at("/run/restart.flag"), ++seq, at);
    EXPECT_TRUE(c.ok() && c->has_value());
    return c.ok() && c->has_value() ? **c : std::string();
  }

  // The watchdog's settings with its paths in `tmp`, the master expected in `prefix`, run by this
  // test's user as the main process of `app_unit`, with 2 workers.
  Settings settings_in(const std::string& prefix, const std::string& app_unit) const {
    Settings s;
    s.runtime_dir = tmp.at("/run");
    s.restart_flag = tmp.at("/run/restart.flag");
    s.pid_file = tmp.at("/run/gunicorn.pid");
    s.state_file = tmp.at("/state/state.json");
    s.control_socket = tmp.at("/run/watchdog.sock");
    s.workers = 2;
    s.master.prefix = prefix;
    s.master.uid = ::getuid();
    s.master.app_unit = app_unit;
    return s;
  }

  // Hooks that keep every audit event in `audits` and probe health through the shipped program.
  HandlerHooks recording_hooks() {
    HandlerHooks hooks;
    hooks.audit = [this](const nlohmann::json& e, int) { audits.push_back(e); };
    hooks.probe_program = CSD_BINARY;
    return hooks;
  }
};

}  // namespace csd::watchdog::testing
