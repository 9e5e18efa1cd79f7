#include "watchdog/reload.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "host/health.h"
#include "test_support/temp_dir.h"
#include "watchdog/master.h"
#include "watchdog/test_fixture.h"

namespace csd::watchdog {
namespace {

TEST(ReloadConfirm, RealGunicornReplacesItsWorkersAfterSighup) {
  CSD_REQUIRE_FIXTURE_ENV(env);
  test::TempDir tmp;
  auto g = testing::start_gunicorn(*env, tmp.path(), 2, tmp.at("/gunicorn.pid"));
  ASSERT_TRUE(g);
  auto master = Pidfd::open(g->pid());
  ASSERT_TRUE(master.ok());

  WorkerTracker tracker(g->pid(), 2);
  ASSERT_EQ(tracker.old_workers().size(), 2u);
  EXPECT_EQ(tracker.old_worker_fds().size(), 2u);
  EXPECT_FALSE(tracker.check().done) << "nothing happened yet: the old workers still run";

  ASSERT_TRUE(master->send_signal(SIGHUP).ok());
  WorkerTracker::Progress last;
  ASSERT_TRUE(testing::wait_until([&] { return (last = tracker.check()).done; }, std::chrono::seconds(30)))
      << last.old_left.size() << " old left, " << last.new_workers.size() << " new";
  EXPECT_EQ(last.new_workers.size(), 2u);
  for (pid_t p : last.new_workers)
    EXPECT_EQ(std::find(tracker.old_workers().begin(), tracker.old_workers().end(), p),
              tracker.old_workers().end());

  auto status = host::http_get_status(g->url(), Millis(5000));
  ASSERT_TRUE(status.ok()) << status.error().to_string();
  EXPECT_EQ(*status, 200);
}

TEST(ReloadConfirm, WrongCountIsNotDone) {
  CSD_REQUIRE_FIXTURE_ENV(env);
  test::TempDir tmp;
  auto g = testing::start_gunicorn(*env, tmp.path(), 1, tmp.at("/gunicorn.pid"));
  ASSERT_TRUE(g);
  WorkerTracker expects_three(g->pid(), 3);
  ASSERT_TRUE(Pidfd::open(g->pid())->send_signal(SIGHUP).ok());
  WorkerTracker::Progress p;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        p = expects_three.check();
        return p.old_left.empty() && p.new_workers.size() == 1;
      },
      std::chrono::seconds(30)));
  EXPECT_FALSE(p.done);
}

TEST(ReloadHealth, NothingListening) {
  auto status = host::http_get_status("http://127.0.0.1:" + std::to_string(testing::free_port()) + "/health",
                                      Millis(2000));
  EXPECT_FALSE(status.ok());
}

}  // namespace
}  // namespace csd::watchdog
