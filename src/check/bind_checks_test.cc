// CSD137: service.bind against this host. A real listening socket held by a process that is not the
// service's, and real directories and files where a unix socket would go.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check/context.h"
#include "contract/bind.h"
#include "test_support/contracts.h"
#include "test_support/findings.h"
#include "test_support/temp_dir.h"
#include "util/fd.h"

namespace csd::check {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

// A listening socket of this process (which runs in no unit of the contract) on a port the
// kernel picks; `any` for the wildcard address.
struct Listening {
  Fd fd;
  int port = 0;
  explicit Listening(bool any = false) : fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(any ? INADDR_ANY : INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd.get(), 1), 0);
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
};

Contract contract(const std::string& bind, bool zero_downtime = false) {
  auto c = parse_contract(test::example_contract("app"), "/src/runtime.toml");
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_FALSE(bind_problem(bind)) << bind << ": the contract would refuse it";
  c->service.bind = bind;
  c->service.zero_downtime = zero_downtime;
  return *c;
}

std::vector<Finding> bind_findings(const Contract& c, const Root& root = Root(),
                                   const std::string& unit = "") {
  Report r;
  check_bind({.contract = c, .root = root, .only_unit = unit}, r);
  return test::with_code(r, "CSD137");
}

TEST(BindCheck, APortAnotherProcessListensOnIsNamedWithItsHolder) {
  Listening held;
  Contract c = contract("127.0.0.1:" + std::to_string(held.port));
  auto f = bind_findings(c);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].file, "/src/runtime.toml");
  EXPECT_THAT(f[0].message,
              HasSubstr("is already in use: app.service (gunicorn binds it) cannot listen there"));
  EXPECT_THAT(f[0].found, HasSubstr("PID " + std::to_string(::getpid()) + " (csd_tests"));
  EXPECT_THAT(f[0].expected, HasSubstr(c.service.bind + " free for app.service"));
  EXPECT_THAT(f[0].fix, HasSubstr("change service.bind in /src/runtime.toml"));
  // The start of a worker does not bind it.
  EXPECT_TRUE(bind_findings(c, Root(), "app-wip-worker.service").empty());
  EXPECT_EQ(bind_findings(c, Root(), "app.service").size(), 1u);
}

TEST(BindCheck, TheWildcardCollidesWithEveryAddressBothWays) {
  Listening any(true);
  EXPECT_EQ(bind_findings(contract("127.0.0.1:" + std::to_string(any.port))).size(), 1u);
  Listening loopback;
  auto f = bind_findings(contract("0.0.0.0:" + std::to_string(loopback.port)));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_THAT(f[0].found, HasSubstr("PID " + std::to_string(::getpid())));
}

TEST(BindCheck, AFreePortHasNoFinding) {
  int port;
  {
    Listening once;  // the kernel's free port, let go
    port = once.port;
  }
  EXPECT_TRUE(bind_findings(contract("127.0.0.1:" + std::to_string(port))).empty());
}

TEST(BindCheck, TheZeroDowntimeSocketNamesItsUnitAsTheOneThatCannotListen) {
  ASSERT_EQ(::geteuid(), 0u) << "the tests run as root";
  Listening held;
  auto f = bind_findings(contract("127.0.0.1:" + std::to_string(held.port), true));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_THAT(f[0].message, HasSubstr("app.socket cannot listen there"));
}

TEST(BindCheck, UnderARootThePortsOfThisHostAreNotAsked) {
  Listening held;
  test::TempDir root;
  EXPECT_TRUE(bind_findings(contract("127.0.0.1:" + std::to_string(held.port)), Root(root.path())).empty());
}

// The findings of a unix socket's path, with `root` standing for the host's files.
std::vector<Finding> under(const test::TempDir& root, const std::string& bind, bool zero_downtime = false) {
  return bind_findings(contract(bind, zero_downtime), Root(root.path()));
}

TEST(BindCheck, AUnixPathBelowAFileCannotBeCreated) {
  test::TempDir root;
  root.write("/srv/app", "a file where a directory would be\n");
  for (bool zd : {false, true})
    EXPECT_THAT(under(root, "unix:/srv/app/sockets/app.sock", zd),
                ElementsAre(::testing::AllOf(
                    Field(&Finding::message, HasSubstr("cannot be created: /srv/app is not a directory")),
                    Field(&Finding::found, "/srv/app is a file"))))
        << zd;
}

TEST(BindCheck, AMissingDirectoryIsSystemdsToCreateOnlyForTheSocketUnit) {
  test::TempDir root;
  root.mkdirs("/srv");
  // The plain layout: gunicorn binds it and makes no directory.
  EXPECT_THAT(
      under(root, "unix:/srv/app/app.sock"),
      ElementsAre(::testing::AllOf(
          Field(&Finding::message, HasSubstr("its directory /srv/app does not exist")),
          Field(&Finding::fix,
                HasSubstr("create /srv/app, or put the socket under paths.runtime_dir (/run/app)")))));
  // The runtime directory is made by systemd at the start.
  EXPECT_TRUE(under(root, "unix:/run/app/app.sock").empty());
  // The zero-downtime layout: systemd makes the directories of a socket unit's path.
  EXPECT_TRUE(under(root, "unix:/srv/app/app.sock", true).empty());
  root.mkdirs("/srv/app");
  EXPECT_TRUE(under(root, "unix:/srv/app/app.sock").empty());
}

TEST(BindCheck, ADirectoryInPlaceCannotBeASocket) {
  test::TempDir root;
  root.mkdirs("/run/app/app.sock");
  EXPECT_THAT(under(root, "unix:/run/app/app.sock"),
              ElementsAre(Field(&Finding::message, HasSubstr("a directory is in the way"))));
}

}  // namespace
}  // namespace csd::check
