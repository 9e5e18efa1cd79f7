// The journal's native protocol, against a real datagram socket standing where journald's is (the
// e2e scenarios read the entries back from a real journald: tests/e2e/watchdog_restart_test.sh).
#include "host/journal.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <string>

#include "test_support/temp_dir.h"
#include "util/fd.h"

namespace csd::host {
namespace {

struct FakeJournald {
  test::TempDir tmp;
  std::string path = tmp.at("/socket");
  Fd fd{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  FakeJournald() {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  }
  std::string next() {
    std::string buf(1 << 20, '\0');
    ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
    return n < 0 ? "" : buf.substr(0, static_cast<std::size_t>(n));
  }
};

TEST(Journal, OneDatagramOfFields) {
  FakeJournald journald;
  ASSERT_TRUE(journal_send({"MESSAGE=worker_watchdog_audit {}", "PRIORITY=6", "CSD_EVENT=restart_executed"},
                           journald.path)
                  .ok());
  EXPECT_EQ(journald.next(), "MESSAGE=worker_watchdog_audit {}\nPRIORITY=6\nCSD_EVENT=restart_executed\n");
}

TEST(Journal, AValueWithANewlineIsFramedByItsLength) {
  FakeJournald journald;
  ASSERT_TRUE(journal_send({"CSD_ACTOR=a\nb", "PRIORITY=4"}, journald.path).ok());
  std::string expected =
      std::string("CSD_ACTOR\n") + std::string("\x03\0\0\0\0\0\0\0", 8) + "a\nb\nPRIORITY=4\n";
  EXPECT_EQ(journald.next(), expected);
}

TEST(Journal, NoJournalIsAnError) {
  test::TempDir tmp;
  auto sent = journal_send({"MESSAGE=x"}, tmp.at("/none"));
  ASSERT_FALSE(sent.ok());
  EXPECT_NE(sent.error().message.find("cannot write to the journal"), std::string::npos)
      << sent.error().message;
}

TEST(Journal, ALargeEntryGoesWholeOrFails) {
  FakeJournald journald;
  std::string big = "MESSAGE=" + std::string(100'000, 'x');
  ASSERT_TRUE(journal_send({big}, journald.path).ok()) << "far below the socket's send buffer";
  EXPECT_EQ(journald.next(), big + "\n");
  std::string huge = "MESSAGE=" + std::string(64 << 20, 'x');
  EXPECT_FALSE(journal_send({huge}, journald.path).ok()) << "a datagram that large cannot be sent";
}

}  // namespace
}  // namespace csd::host
