#include "host/notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "test_support/temp_dir.h"
#include "util/fd.h"

namespace csd::host {
namespace {

// A real datagram socket where the service manager's would be: `name` as $NOTIFY_SOCKET gives it
// ("/path" or "@abstract").
Fd bind_manager_socket(const std::string& name) {
  Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, name.data(), name.size());
  if (name[0] == '@') addr.sun_path[0] = '\0';
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len), 0) << std::strerror(errno);
  return fd;
}

std::string received(const Fd& fd) {
  char buf[512];
  ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
  return n < 0 ? "" : std::string(buf, static_cast<std::size_t>(n));
}

struct EnvGuard {
  explicit EnvGuard(std::initializer_list<const char*> names) {
    for (const char* n : names) {
      const char* v = std::getenv(n);
      saved.emplace_back(n, v ? std::optional<std::string>(v) : std::nullopt);
    }
  }
  ~EnvGuard() {
    for (auto& [n, v] : saved) v ? ::setenv(n.c_str(), v->c_str(), 1) : ::unsetenv(n.c_str());
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved;
};

// `state` sent with a manager listening at `address` ($NOTIFY_SOCKET); what the manager received,
// or nullopt when notify() said it sent nothing.
std::optional<std::string> sent_to(const std::string& address, const std::string& state) {
  EnvGuard env{"NOTIFY_SOCKET"};
  Fd manager = bind_manager_socket(address);
  ::setenv("NOTIFY_SOCKET", address.c_str(), 1);
  if (!notify(state)) return std::nullopt;
  return received(manager);
}

TEST(Notify, SendsOneDatagramToAPathSocket) {
  test::TempDir tmp;
  EXPECT_EQ(sent_to(tmp.at("/notify"), "READY=1\nSTATUS=watching /run/x/restart.flag"),
            "READY=1\nSTATUS=watching /run/x/restart.flag");
}

TEST(Notify, SendsToAnAbstractSocket) {
  EXPECT_EQ(sent_to("@csd-notify-test-" + std::to_string(::getpid()), "WATCHDOG=1"), "WATCHDOG=1");
}

TEST(Notify, WithoutAManagerNothingIsSent) {
  EnvGuard env{"NOTIFY_SOCKET"};
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(notify("READY=1"));
  for (const char* bad : {"", "relative/path", "@", "vsock:2:1234"}) {
    ::setenv("NOTIFY_SOCKET", bad, 1);
    EXPECT_FALSE(notify("READY=1")) << bad;
  }
  std::string too_long = "/" + std::string(200, 'x');
  ::setenv("NOTIFY_SOCKET", too_long.c_str(), 1);
  EXPECT_FALSE(notify("READY=1"));
  test::TempDir tmp;
  ::setenv("NOTIFY_SOCKET", tmp.at("/nobody-listens").c_str(), 1);
  EXPECT_FALSE(notify("READY=1"));
}

TEST(Notify, WatchdogIntervalAsSdWatchdogEnabledReadsIt) {
  EnvGuard env{"WATCHDOG_USEC", "WATCHDOG_PID"};
  ::unsetenv("WATCHDOG_PID");
  ::unsetenv("WATCHDOG_USEC");
  EXPECT_FALSE(watchdog_interval());
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ASSERT_TRUE(watchdog_interval());
  EXPECT_EQ(watchdog_interval()->count(), 30'000'000);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_TRUE(watchdog_interval());
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  EXPECT_FALSE(watchdog_interval()) << "meant for another process";
  ::unsetenv("WATCHDOG_PID");
  for (const char* bad : {"0", "", "-5", "12x", "99999999999999999999999"}) {
    ::setenv("WATCHDOG_USEC", bad, 1);
    EXPECT_FALSE(watchdog_interval()) << bad;
  }
}

}  // namespace
}  // namespace csd::host
