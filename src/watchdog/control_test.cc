#include "watchdog/control.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <set>
#include <thread>

#include "test_support/temp_dir.h"
#include "util/file.h"
#include "watchdog/test_fixture.h"

namespace csd::watchdog {
namespace {

using nlohmann::json;

TEST(ControlSocket, ModeIs0660AndRemovedOnClose) {
  test::TempDir tmp;
  std::string path = tmp.at("/w.sock");
  {
    auto s = ControlServer::listen(path);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    struct stat st {};
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0660u);
  }
  EXPECT_FALSE(path_exists(path));
}

TEST(ControlSocket, StaleSocketIsReplacedLiveOneAndFilesAreNot) {
  test::TempDir tmp;
  std::string path = tmp.at("/w.sock");
  {
    // A socket file nobody listens on, as a killed watchdog leaves it.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", path.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    ::close(fd);
  }
  auto first = ControlServer::listen(path);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  auto second = ControlServer::listen(path);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("another watchdog"), std::string::npos);

  tmp.write("/file.sock", "not a socket");
  auto third = ControlServer::listen(tmp.at("/file.sock"));
  ASSERT_FALSE(third.ok());
  EXPECT_TRUE(path_exists(tmp.at("/file.sock"))) << "a file that is not a socket is never removed";
}

TEST(ControlSocket, TooLongPathIsAnError) {
  EXPECT_FALSE(ControlServer::listen("/tmp/" + std::string(200, 'x')).ok());
}

TEST(ControlSocket, RequestAndAnswer) {
  test::TempDir tmp;
  std::string path = tmp.at("/w.sock");
  auto server = ControlServer::listen(path);
  ASSERT_TRUE(server.ok());
  std::vector<int> fds;
  auto watch = [&](int fd, bool add) {
    if (add)
      fds.push_back(fd);
    else
      fds.erase(std::remove(fds.begin(), fds.end(), fd), fds.end());
  };
  Result<json> answer = make_error("not yet");
  std::thread client([&] { answer = control::call(path, {{"cmd", "echo"}, {"x", 1}}, Millis(5000)); });
  // Serve by hand, as the loop would on its epoll events.
  auto serve = [&] {
    for (int i = 0; i < 500 && fds.empty(); ++i) {
      server->on_acceptable(watch);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_FALSE(fds.empty());
    int c = fds.back();
    for (int i = 0; i < 500 && !fds.empty(); ++i) {
      server->on_readable(
          c,
          [](int, const json& r) -> std::optional<json> {
            return json{{"ok", true}, {"got", r}};
          },
          watch);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  serve();
  client.join();
  ASSERT_TRUE(answer.ok()) << answer.error().to_string();
  EXPECT_EQ((*answer)["got"]["x"], 1);
}

TEST(ControlSocket, NoWatchdogIsAnErrorNotAHang) {
  test::TempDir tmp;
  auto r = control::call(tmp.at("/none.sock"), {{"cmd", "ping"}}, Millis(1000));
  EXPECT_FALSE(r.ok());
}

bool closed_by_server(int fd) {
  char c;
  return ::recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

TEST(ControlSocket, AtCapacityTheLeastRecentlyActiveClientMakesRoom) {
  // Defect 4 of issue 10: 64 idle clients and the 65th (status, verify) was refused for good.
  test::TempDir tmp;
  auto server = ControlServer::listen(tmp.at("/w.sock"));
  ASSERT_TRUE(server.ok());
  std::set<int> watched;
  auto watch = [&](int fd, bool add) { add ? (void)watched.insert(fd) : (void)watched.erase(fd); };
  std::vector<int> clients;
  for (std::size_t i = 0; i <= kMaxControlClients; ++i) {
    clients.push_back(testing::connect_unix(tmp.at("/w.sock")));
    ASSERT_GE(clients.back(), 0);
    server->on_acceptable(watch);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // distinct activity times
  }
  EXPECT_EQ(server->client_count(), kMaxControlClients);
  EXPECT_EQ(watched.size(), kMaxControlClients);
  EXPECT_TRUE(closed_by_server(clients.front())) << "the oldest went";
  EXPECT_FALSE(closed_by_server(clients.back())) << "the newest is served";
  // Idle past the bound: all closed, and no deadline (no timer) is left.
  ASSERT_TRUE(server->next_deadline());
  server->expire(*server->next_deadline() + kClientIdle, watch);
  EXPECT_EQ(server->client_count(), 0u);
  EXPECT_FALSE(server->next_deadline());
  EXPECT_TRUE(closed_by_server(clients.back()));
  for (int fd : clients) ::close(fd);
}

TEST(ControlSocket, WaitsAreBoundedPerClientAndFreedWithIt) {
  // Defect 4: 200,000 ids waited on by clients that hung up were kept for good (7.6 -> 80 MB).
  test::TempDir tmp;
  auto server = ControlServer::listen(tmp.at("/w.sock"));
  ASSERT_TRUE(server.ok());
  auto watch = [](int, bool) {};
  int a = testing::connect_unix(tmp.at("/w.sock")), b = testing::connect_unix(tmp.at("/w.sock"));
  server->on_acceptable(watch);
  ASSERT_EQ(server->client_count(), 2u);
  int sa = -1, sb = -1;
  for (int fd = 0; fd < 1024; ++fd)
    if (server->is_client(fd)) (sa < 0 ? sa : sb) = fd;
  for (std::size_t i = 0; i < kMaxWaitsPerClient; ++i)
    EXPECT_TRUE(server->add_wait(sa, "id-" + std::to_string(i)));
  EXPECT_FALSE(server->add_wait(sa, "one-too-many"));
  EXPECT_TRUE(server->add_wait(sa, "id-0")) << "the same id again is no new wait";
  EXPECT_TRUE(server->add_wait(sb, "id-0"));
  EXPECT_EQ(server->waiting_ids(), kMaxWaitsPerClient);
  // A waiting client is not idle for kClientIdle: it waits for kWaitingIdle.
  server->expire(std::chrono::steady_clock::now() + kClientIdle + std::chrono::seconds(1), watch);
  EXPECT_EQ(server->client_count(), 2u);
  server->close_client(sa, watch);
  EXPECT_EQ(server->waiting_ids(), 1u) << "only b's id-0 is left";
  EXPECT_EQ(server->take_waiters("id-0"), std::vector<int>{sb});
  EXPECT_EQ(server->waiting_ids(), 0u);
  ::close(a), ::close(b);
}

}  // namespace
}  // namespace csd::watchdog
