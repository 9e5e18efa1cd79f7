// Real sockets at the descriptors systemd would pass them at (3, 4, ...), in a child process,
// since the test process's own descriptors 3 and up are not ours to take.
#include "host/inherited.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "test_support/temp_dir.h"
#include "util/fd.h"

namespace csd::host {
namespace {

Fd tcp_socket(bool listening, int* port = nullptr) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  if (listening) {
    EXPECT_EQ(::listen(fd.get(), 4), 0);
  }
  socklen_t n = sizeof a;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &n);
  if (port) *port = ntohs(a.sin_port);
  return fd;
}

Fd unix_socket(const std::string& path) {
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::listen(fd.get(), 4), 0);
  return fd;
}

// In a child with `fds` at 3, 4, ...: what inherited_sockets() says there, as one line a socket or
// "error: ...". `pid`: LISTEN_PID; "self" is the child's own PID, nullptr unset.
std::string in_child(const std::vector<int>& fds, const char* pid, const char* count) {
  int p[2];
  EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
  pid_t child = ::fork();
  if (child == 0) {
    int out = ::fcntl(p[1], F_DUPFD_CLOEXEC, 200);
    std::vector<int> high;
    for (int fd : fds) high.push_back(::fcntl(fd, F_DUPFD_CLOEXEC, 210));
    for (std::size_t i = 0; i < high.size(); ++i) ::dup2(high[i], kListenFdsStart + static_cast<int>(i));
    std::string own = std::to_string(::getpid());
    const char* listen_pid = pid && std::string(pid) == "self" ? own.c_str() : pid;
    auto r = inherited_sockets(listen_pid, count, ::getpid());
    std::string text;
    if (!r)
      text = "error: " + r.error().message;
    else
      for (const auto& s : *r)
        text +=
            std::to_string(s.fd) + " " + s.address + (s.listening ? " listening" : " not listening") + "\n";
    (void)!::write(out, text.data(), text.size());
    ::_exit(0);
  }
  ::close(p[1]);
  std::string text;
  char buf[512];
  for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(p[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  return text;
}

TEST(InheritedSockets, EachSocketWithWhereItListens) {
  test::TempDir dir;
  int port = 0, other = 0;
  Fd tcp = tcp_socket(true, &port);
  Fd unix_fd = unix_socket(dir.at("/health.sock"));
  Fd bound = tcp_socket(false, &other);
  EXPECT_EQ(in_child({tcp.get(), unix_fd.get(), bound.get()}, "self", "3"),
            "3 127.0.0.1:" + std::to_string(port) + " listening\n4 " + dir.at("/health.sock") +
                " listening\n5 127.0.0.1:" + std::to_string(other) + " not listening\n");
}

TEST(InheritedSockets, SocketsForAnotherProcessOrNoneAreNotLookedAt) {
  Fd tcp = tcp_socket(true);
  EXPECT_EQ(in_child({tcp.get()}, "1", "1"), "");
  EXPECT_EQ(in_child({tcp.get()}, nullptr, "1"), "");
  EXPECT_EQ(in_child({}, "self", "0"), "");
}

TEST(InheritedSockets, WhatSystemdWouldNeverSetIsRefused) {
  Fd tcp = tcp_socket(true);
  for (const char* pid : {"", "12x", "-", "99999999999999999999999"})
    EXPECT_NE(in_child({tcp.get()}, pid, "1").find("is not a process ID"), std::string::npos) << pid;
  for (const char* count : {"", "abc", "-1", "1 ", "99999999", "18446744073709551617"})
    EXPECT_NE(in_child({tcp.get()}, "self", count).find("is not a number of descriptors"), std::string::npos)
        << count;
  EXPECT_NE(in_child({tcp.get()}, "self", nullptr).find("is not a number of descriptors"), std::string::npos);
}

TEST(InheritedSockets, ADescriptorThatIsNotASocketIsRefused) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  Fd r(p[0]), w(p[1]);
  Fd tcp = tcp_socket(true);
  std::string said = in_child({tcp.get(), r.get()}, "self", "2");
  EXPECT_NE(said.find("error: descriptor 4 of LISTEN_FDS=2 is not an open socket"), std::string::npos)
      << said;
  // One more than passed: descriptor 4 is closed in the child.
  said = in_child({tcp.get()}, "self", "2");
  EXPECT_NE(said.find("descriptor 4 of LISTEN_FDS=2 is not an open socket"), std::string::npos) << said;
}

TEST(InheritedSockets, AddressesAreWrittenAsTheContractWritesThem) {
  sockaddr_in6 a6{};
  a6.sin6_family = AF_INET6;
  a6.sin6_port = htons(8080);
  a6.sin6_addr = in6addr_any;
  EXPECT_EQ(socket_address_text(&a6, sizeof a6), "[::]:8080");
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, "\0abstract", 9);
  EXPECT_EQ(socket_address_text(&un, offsetof(sockaddr_un, sun_path) + 9), "@abstract");
  EXPECT_EQ(socket_address_text(&un, sizeof(sa_family_t)), "(unnamed unix socket)");
  EXPECT_EQ(socket_address_text(&un, 1), "(no address)");
}

}  // namespace
}  // namespace csd::host
