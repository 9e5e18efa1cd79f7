#include "watchdog/control.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <thread>

#include "test_support/temp_dir.h"
#include "util/file.h"

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
  std::thread client([&] { answer = control_call(path, {{"cmd", "echo"}, {"x", 1}}, Millis(5000)); });
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
  auto r = control_call(tmp.at("/none.sock"), {{"cmd", "ping"}}, Millis(1000));
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace csd::watchdog
