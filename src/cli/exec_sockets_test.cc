// `exec --contract` as shipped, started the way systemd starts it with socket activation: the
// built binary in a child that holds a listening socket at descriptor 3, LISTEN_FDS=1 and
// LISTEN_PID its own PID (exec keeps the PID, so that is exec's). docs/exec.md, "Inherited sockets".
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "test_support/conda_env.h"
#include "test_support/contracts.h"
#include "test_support/temp_dir.h"
#include "util/fd.h"

namespace csd::cli {
namespace {

using ::testing::HasSubstr;

struct Ran {
  int status = -1;
  std::string out, err;
};

std::string drain(int fd) {
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  return text;
}

// The binary with `args`, `socket` at descriptor 3 and LISTEN_PID/LISTEN_FDS set for itself.
Ran run_with_socket(const std::vector<std::string>& args, int socket, const char* listen_fds = "1") {
  int out[2], err[2];
  EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
  EXPECT_EQ(::pipe2(err, O_CLOEXEC), 0);
  pid_t child = ::fork();
  if (child == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    int high = ::fcntl(socket, F_DUPFD, 10);
    ::dup2(high, 3);  // without FD_CLOEXEC: passed on, as systemd passes it
    std::string pid = "LISTEN_PID=" + std::to_string(::getpid()),
                fds = std::string("LISTEN_FDS=") + listen_fds;
    std::vector<std::string> env = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", pid, fds,
                                    "LISTEN_FDNAMES=app.socket"};
    std::vector<char*> argv, envp;
    argv.push_back(const_cast<char*>(CSD_BINARY));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    ::execve(CSD_BINARY, argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  Ran r;
  r.err = drain(err[0]);  // exec's messages are short: no pipe fills while the other is read
  r.out = drain(out[0]);
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

Fd listening_on(int* port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::listen(fd.get(), 4), 0);
  socklen_t n = sizeof a;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &n);
  *port = ntohs(a.sin_port);
  return fd;
}

struct ExecSockets : ::testing::Test {
  test::TempDir dir;
  int port = 0;
  Fd socket = listening_on(&port);
  // The contract, its environment at a real path (exec reads the real file system).
  std::string contract(int bind_port) {
    test::write_conda_env(dir, "/env", {"flask-2.2.2-py_0", "gunicorn-20.1.0-py_0"});
    std::string text = test::example_contract("app");
    const std::string conda = "root = \"/opt/miniconda3\"\nenv = \"app\"", bind = "127.0.0.1:8080";
    text.replace(text.find(conda), conda.size(), "prefix = \"" + dir.at("/env") + "\"");
    text.replace(text.find(bind), bind.size(), "127.0.0.1:" + std::to_string(bind_port));
    dir.write("/app.toml", text);
    return dir.at("/app.toml");
  }
};

TEST_F(ExecSockets, TheSocketOnTheBindPassesAndLISTENIsKept) {
  Ran r = run_with_socket({"exec", "--contract", contract(port), "--dry-run", "--json"}, socket.get());
  ASSERT_EQ(r.status, 0) << r.err;
  auto plan = nlohmann::json::parse(r.out);
  for (const auto& change : plan["changes"])
    EXPECT_NE(change["name"].get<std::string>().rfind("LISTEN_", 0), 0u) << change.dump();
}

TEST_F(ExecSockets, ASocketElsewhereIsRefusedBeforeTheCommandRuns) {
  Ran r = run_with_socket({"exec", "--contract", contract(port + 1), "--", "gunicorn"}, socket.get());
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_THAT(
      r.err, HasSubstr("the inherited socket (descriptor 3, LISTEN_FDS) listens on 127.0.0.1:" +
                       std::to_string(port) + ", not on service.bind 127.0.0.1:" + std::to_string(port + 1)));
  EXPECT_THAT(r.err, HasSubstr(dir.at("/app.toml")));
}

TEST_F(ExecSockets, LISTENVariablesSystemdWouldNeverSetAreRefused) {
  Ran r = run_with_socket({"exec", "--contract", contract(port), "--dry-run"}, socket.get(), "1x");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("LISTEN_FDS='1x' is not a number of descriptors"));
  r = run_with_socket({"exec", "--contract", contract(port), "--dry-run"}, socket.get(), "2");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("descriptor 4 of LISTEN_FDS=2 is not an open socket"));
}

}  // namespace
}  // namespace csd::cli
