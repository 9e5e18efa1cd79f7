// The health probe child: the shipped program (CSD_BINARY) run as `__health-probe`, against real
// listeners on loopback; hostile children stood in for by shell scripts.
#include "watchdog/probe.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "test_support/temp_dir.h"
#include "util/file.h"
#include "watchdog/test_fixture.h"

namespace csd::watchdog {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Waits for the child's exit as the daemon's loop does: its pidfd turns readable.
bool wait_exit(const ProbeChild& c, milliseconds max) {
  struct pollfd p {
    c.fd(), POLLIN, 0
  };
  return ::poll(&p, 1, static_cast<int>(max.count())) == 1;
}

// The child ran to its end and nothing of it is left: reaped, so its pidfd says it is gone.
void expect_gone(const Pidfd& watched) {
  EXPECT_TRUE(watched.exited());
  EXPECT_FALSE(watched.send_signal(0).ok()) << "PID " << watched.pid() << " is still there";
  EXPECT_NE(::waitpid(watched.pid(), nullptr, WNOHANG), watched.pid()) << "left to be reaped";
}

TEST(ProbeAnswer, RoundTrips) {
  EXPECT_EQ(encode_probe_answer(Result<long>(200)), "status 200\n");
  EXPECT_EQ(*decode_probe_answer("status 503\n"), 503);
  auto e = decode_probe_answer(encode_probe_answer(Result<long>(make_error("GET x: refused\nsecond line"))));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message, "GET x: refused second line") << "one line, whatever the message";
}

TEST(ProbeAnswer, WhatIsNotAnAnswerIsAnError) {
  for (const char* bad : {"", "status 200", "status\n", "status 20x\n", "status 2000\n", "status -1\n",
                          "status 200\nstatus 200\n", "200\n", "ok\n"}) {
    auto r = decode_probe_answer(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "'";
  }
  auto huge = decode_probe_answer("status 200" + std::string(10000, ' ') + "\n");
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("more than 4096 bytes"), std::string::npos) << huge.error().message;
}

TEST(ProbeChild, ARealAnswerComesBackFromTheShippedProgram) {
  testing::Listener server;
  ASSERT_TRUE(server.valid());
  std::thread answer([&] {
    Fd c = server.accept(seconds(30));
    const char reply[] = "HTTP/1.0 204 No Content\r\n\r\n";
    if (c.valid()) (void)!::write(c.get(), reply, sizeof(reply) - 1);
  });
  auto child = ProbeChild::start(CSD_BINARY, server.url(), Millis(20'000));
  ASSERT_TRUE(child.ok()) << child.error().to_string();
  auto watched = Pidfd::open(child->pid());
  ASSERT_TRUE(watched.ok());
  ASSERT_TRUE(wait_exit(*child, milliseconds(30'000)));
  auto status = child->finish();
  answer.join();
  ASSERT_TRUE(status.ok()) << status.error().to_string();
  EXPECT_EQ(*status, 204);
  expect_gone(*watched);
}

TEST(ProbeChild, NothingListeningIsNamed) {
  auto child = ProbeChild::start(
      CSD_BINARY, "http://127.0.0.1:" + std::to_string(testing::free_port()) + "/h", Millis(20'000));
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(wait_exit(*child, milliseconds(30'000)));
  auto status = child->finish();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("GET http://127.0.0.1:"), std::string::npos)
      << status.error().message;
}

TEST(ProbeChild, AListenerThatNeverAnswersTimesOutInTheChild) {
  testing::Listener silent;  // the kernel accepts; nobody ever answers
  ASSERT_TRUE(silent.valid());
  auto child = ProbeChild::start(CSD_BINARY, silent.url(), Millis(300));
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(wait_exit(*child, milliseconds(30'000)));
  auto status = child->finish();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("timed out"), std::string::npos) << status.error().message;
}

TEST(ProbeChild, AChildThatHangsIsKilledAtItsDeadline) {
  test::TempDir tmp;
  tmp.write("/hang", "#!/bin/sh\nexec sleep 3600\n", 0755);
  auto child = ProbeChild::start(tmp.at("/hang"), "http://127.0.0.1:1/", Millis(1));
  ASSERT_TRUE(child.ok()) << child.error().to_string();
  auto watched = Pidfd::open(child->pid());
  ASSERT_TRUE(watched.ok());
  EXPECT_FALSE(wait_exit(*child, milliseconds(0)));
  std::this_thread::sleep_until(child->kill_at());
  child->kill();
  ASSERT_TRUE(wait_exit(*child, milliseconds(30'000)));
  auto status = child->finish();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("was killed"), std::string::npos) << status.error().message;
  expect_gone(*watched);
}

TEST(ProbeChild, AChildStillRunningIsKilledAndReapedWithItsHandle) {
  test::TempDir tmp;
  tmp.write("/hang", "#!/bin/sh\nexec sleep 3600\n", 0755);
  Result<Pidfd> watched = make_error("not started");
  {
    auto child = ProbeChild::start(tmp.at("/hang"), "http://127.0.0.1:1/", Millis(60'000));
    ASSERT_TRUE(child.ok());
    watched = Pidfd::open(child->pid());
    ASSERT_TRUE(watched.ok());
    ProbeChild moved = std::move(child).value();  // the one handle that owns it
    EXPECT_FALSE(moved.exited());
  }
  expect_gone(*watched);
}

TEST(ProbeChild, HostileOutputIsNotTakenForAnAnswer) {
  test::TempDir tmp;
  tmp.write("/garbage", "#!/bin/sh\necho 'HTTP/1.1 200 OK'\n", 0755);
  tmp.write("/flood", "#!/bin/sh\nhead -c 60000 /dev/zero | tr '\\0' x\n", 0755);
  tmp.write("/silent", "#!/bin/sh\nexit 3\n", 0755);
  tmp.write("/bigstatus", "#!/bin/sh\necho 'status 99999'\n", 0755);
  for (const char* name : {"/garbage", "/flood", "/silent", "/bigstatus"}) {
    auto child = ProbeChild::start(tmp.at(name), "http://127.0.0.1:1/", Millis(20'000));
    ASSERT_TRUE(child.ok()) << name;
    ASSERT_TRUE(wait_exit(*child, milliseconds(30'000))) << name;
    auto status = child->finish();
    EXPECT_FALSE(status.ok()) << name << " gave " << (status ? *status : 0);
  }
}

TEST(ProbeChild, AProgramThatCannotRunIsAnErrorNotAChild) {
  auto child = ProbeChild::start("/nonexistent/conda-systemd", "http://127.0.0.1:1/", Millis(100));
  ASSERT_FALSE(child.ok());
  EXPECT_NE(child.error().message.find("cannot start the health probe"), std::string::npos)
      << child.error().message;
  auto none = ProbeChild::start("", "http://127.0.0.1:1/", Millis(100));
  ASSERT_FALSE(none.ok()) << "no program is never a guess";
  EXPECT_NE(none.error().message.find("no program"), std::string::npos) << none.error().message;
}

// The arguments of the hidden mode, through the built binary as a process: refused with exit 2
// and an answer line that says why.
TEST(ProbeChild, TheBinaryRefusesUnusableArguments) {
  test::TempDir tmp;
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"http://127.0.0.1:1/"},
      {"http://127.0.0.1:1/", "abc"},
      {"http://127.0.0.1:1/", "0"},
      {"http://127.0.0.1:1/", "9999999"},
      {"http://127.0.0.1:1/", "-5"},
      {"http://127.0.0.1:1/", "100", "/sock", "extra"},
  };
  for (const auto& extra : cases) {
    std::vector<std::string> argv = {CSD_BINARY, kHealthProbeArg};
    argv.insert(argv.end(), extra.begin(), extra.end());
    testing::SpawnOptions o;
    o.log = tmp.at("/out");
    ::unlink(o.log.c_str());
    int status = testing::spawn(argv, o).wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << extra.size() << " arguments: " << status;
    auto out = read_file(o.log);
    ASSERT_TRUE(out.ok());
    auto answer = decode_probe_answer(*out);
    EXPECT_FALSE(answer.ok()) << *out;
    EXPECT_TRUE(out->rfind("error ", 0) == 0) << *out;
  }
}

}  // namespace
}  // namespace csd::watchdog
