#include "watchdog/master.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>

#include "test_support/temp_dir.h"
#include "watchdog/test_fixture.h"

namespace csd::watchdog {
namespace {

using testing::Child;
using testing::spawn;

// --- the PID file --------------------------------------------------------------------------

class MasterPidFile : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::string path = tmp.at("/gunicorn.pid");
};

// The first name is the dashboard's, kept as it was; the others are distinct and share its prefix.
TEST(MasterRefusal, ReasonNames) {
  EXPECT_STREQ(reason_name(RefusalReason::pid_unavailable), "gunicorn_pid_unavailable");
  EXPECT_STREQ(reason_name(RefusalReason::pid_not_main_pid), "gunicorn_pid_not_main_pid");
  std::set<std::string> names;
  for (int r = 0; r <= static_cast<int>(RefusalReason::pid_hidden); ++r)
    names.insert(reason_name(static_cast<RefusalReason>(r)));
  EXPECT_EQ(names.size(), 7u);
  for (const std::string& n : names) EXPECT_TRUE(n.starts_with("gunicorn_pid_")) << n;
}

TEST_F(MasterPidFile, ReadsGunicornsFormat) {
  tmp.write("/gunicorn.pid", "4242\n");
  auto pid = read_pid_file(path);
  ASSERT_TRUE(pid.ok()) << pid.error().to_string();
  EXPECT_EQ(*pid, 4242);
}

TEST_F(MasterPidFile, RejectsWhatIsNotAUsablePid) {
  // Defect 2: PID <= 0 was not rejected (kill(0) signals the caller's own process group).
  for (const char* bad : {"", "\n", "0", "-1", "1", "abc", "12 34", "4242x", "99999999999", "+5", "0x10"}) {
    tmp.write("/gunicorn.pid", bad);
    EXPECT_FALSE(read_pid_file(path).ok()) << "'" << bad << "'";
  }
}

TEST_F(MasterPidFile, RejectsOversizedSymlinkMissing) {
  EXPECT_FALSE(read_pid_file(path).ok());
  tmp.write("/gunicorn.pid", std::string(100, '1'));
  EXPECT_FALSE(read_pid_file(path).ok());
  tmp.write("/real.pid", "4242\n");
  ::unlink(path.c_str());
  ASSERT_EQ(::symlink(tmp.at("/real.pid").c_str(), path.c_str()), 0);
  EXPECT_FALSE(read_pid_file(path).ok());
}

// --- the command line ----------------------------------------------------------------------

TEST(MasterCmdline, GunicornForms) {
  using V = std::vector<std::string>;
  EXPECT_TRUE(is_gunicorn_master_cmdline(V{"/opt/env/bin/gunicorn", "--config", "g.py", "app:app"}));
  EXPECT_TRUE(is_gunicorn_master_cmdline(V{"gunicorn"}));
  EXPECT_TRUE(is_gunicorn_master_cmdline(V{"/opt/env/bin/python3.11", "/opt/env/bin/gunicorn", "app:app"}));
  EXPECT_TRUE(
      is_gunicorn_master_cmdline(V{"/opt/env/bin/python", "-u", "-X", "dev", "/opt/env/bin/gunicorn"}));
  EXPECT_TRUE(is_gunicorn_master_cmdline(V{"python3", "-m", "gunicorn", "app:app"}));
  EXPECT_TRUE(is_gunicorn_master_cmdline(V{"gunicorn: master [mes_dashboard:create_app()]"}));
}

TEST(MasterCmdline, OtherPrograms) {
  using V = std::vector<std::string>;
  EXPECT_FALSE(is_gunicorn_master_cmdline(V{}));
  EXPECT_FALSE(is_gunicorn_master_cmdline(V{"gunicorn: worker [app]"}));
  EXPECT_FALSE(is_gunicorn_master_cmdline(V{"/usr/bin/sleep", "300"}));
  EXPECT_FALSE(is_gunicorn_master_cmdline(V{"/opt/env/bin/python", "-c", "import gunicorn"}));
  EXPECT_FALSE(is_gunicorn_master_cmdline(V{"/opt/env/bin/python", "/opt/env/bin/flask", "run"}));
  EXPECT_FALSE(is_gunicorn_master_cmdline(V{"/opt/env/bin/python", "-m", "flask"}));
  EXPECT_FALSE(is_gunicorn_master_cmdline(V{"/opt/env/bin/python", "/srv/gunicorn-helper.py"}));
  EXPECT_FALSE(is_gunicorn_master_cmdline(V{"/usr/bin/rq", "worker", "gunicorn"}));
}

// --- the identity proof, against real processes ---------------------------------------------------

class MasterIdentity : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::string pid_file = tmp.at("/gunicorn.pid");

  MasterExpectation expect(const std::string& prefix) {
    MasterExpectation e;
    e.prefix = prefix;
    e.uid = ::getuid();
    e.app_unit = "mes-dashboard.service";
    return e;
  }
  void write_pid(pid_t pid) { tmp.write("/gunicorn.pid", std::to_string(pid) + "\n"); }
};

TEST_F(MasterIdentity, RealGunicornMasterIsVerifiedAndSignalledThroughItsPidfd) {
  CSD_REQUIRE_FIXTURE_ENV(env);
  auto g = testing::start_gunicorn(*env, tmp.path(), 2, pid_file);
  ASSERT_TRUE(g) << "gunicorn did not start; see its log in the test's temp dir";
  MasterCheck c = find_master(pid_file, expect(env->prefix));
  ASSERT_TRUE(c.master) << reason_name(c.refusal.reason) << ": " << c.refusal.detail;
  EXPECT_EQ(c.master->pidfd.pid(), g->pid());
  EXPECT_EQ(c.master->info.exe, env->prefix + "/bin/python3.11");
  // Signal 0 proves the path works without disturbing it.
  EXPECT_TRUE(c.master->pidfd.send_signal(0).ok());
  EXPECT_FALSE(c.master->pidfd.exited());
}

TEST_F(MasterIdentity, AWorkerIsNotTheMaster) {
  CSD_REQUIRE_FIXTURE_ENV(env);
  auto g = testing::start_gunicorn(*env, tmp.path(), 1, pid_file);
  ASSERT_TRUE(g);
  auto workers = host::list_children(g->pid());
  ASSERT_EQ(workers.size(), 1u);
  write_pid(workers[0]);
  MasterCheck c = find_master(pid_file, expect(env->prefix));
  ASSERT_FALSE(c.master);
  EXPECT_EQ(c.refusal.reason, RefusalReason::pid_not_gunicorn) << c.refusal.detail;
}

TEST_F(MasterIdentity, UnrelatedProcessOfTheSameUserIsRefused) {
  Child sleeper = spawn({"/bin/sleep", "300"});
  ASSERT_TRUE(testing::wait_until(
      [&] {
        return host::read_process(sleeper.pid()).ok() &&
               host::read_process(sleeper.pid())->exe == "/usr/bin/sleep";
      },
      std::chrono::seconds(10)));
  write_pid(sleeper.pid());
  MasterCheck c = find_master(pid_file, expect("/opt/miniconda3/envs/mes-dashboard"));
  ASSERT_FALSE(c.master);
  EXPECT_EQ(c.refusal.reason, RefusalReason::pid_outside_env);
  EXPECT_NE(c.refusal.detail.find("/sleep"), std::string::npos) << c.refusal.detail;
  EXPECT_TRUE(sleeper.running());
}

TEST_F(MasterIdentity, EnvironmentPythonThatIsNotGunicornIsRefused) {
  CSD_REQUIRE_FIXTURE_ENV(env);
  Child py = spawn({env->python, "-c", "import time; time.sleep(300)"});
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto p = host::read_process(py.pid());
        // Before its execve the child still shows the test binary's argv, which under ctest
        // also has three words; "-c" is python's.
        return p && p->argv.size() == 3 && p->argv[1] == "-c";
      },
      std::chrono::seconds(10)));
  write_pid(py.pid());
  MasterCheck c = find_master(pid_file, expect(env->prefix));
  ASSERT_FALSE(c.master);
  EXPECT_EQ(c.refusal.reason, RefusalReason::pid_not_gunicorn);
}

TEST_F(MasterIdentity, OtherUsersProcessIsRefused) {
  if (::getuid() != 0) GTEST_FAIL() << "needs root to start a process as another user";
  testing::SpawnOptions o;
  o.uid = 65534;
  Child other = spawn({"/bin/sleep", "300"}, o);
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto p = host::read_process(other.pid());
        return p && p->uid == 65534;
      },
      std::chrono::seconds(10)));
  write_pid(other.pid());
  MasterCheck c = find_master(pid_file, expect("/usr"));
  ASSERT_FALSE(c.master);
  EXPECT_EQ(c.refusal.reason, RefusalReason::pid_wrong_user);
  EXPECT_TRUE(other.running());
}

TEST_F(MasterIdentity, MainPidMismatchIsRefused) {
  CSD_REQUIRE_FIXTURE_ENV(env);
  auto g = testing::start_gunicorn(*env, tmp.path(), 1, pid_file);
  ASSERT_TRUE(g);
  MasterExpectation e = expect(env->prefix);
  e.main_pid = g->pid() + 100000;
  MasterCheck c = find_master(pid_file, e);
  ASSERT_FALSE(c.master);
  EXPECT_EQ(c.refusal.reason, RefusalReason::pid_not_main_pid);
  e.main_pid = 0;
  c = find_master(pid_file, e);
  EXPECT_EQ(c.refusal.reason, RefusalReason::pid_not_main_pid);
  // The MainPID itself, but outside the unit's cgroup (this test runs in none of systemd's
  // units): under systemd the cgroup must be the app unit's too (issue 10, defect 7).
  e.main_pid = g->pid();
  c = find_master(pid_file, e);
  ASSERT_FALSE(c.master);
  EXPECT_EQ(c.refusal.reason, RefusalReason::pid_wrong_unit) << c.refusal.detail;
}

TEST_F(MasterIdentity, DeadOrMissingProcessIsUnavailable) {
  Child gone = spawn({"/bin/true"});
  pid_t pid = gone.pid();
  gone.wait();
  write_pid(pid);
  MasterCheck c = find_master(pid_file, expect("/usr"));
  ASSERT_FALSE(c.master);
  EXPECT_EQ(c.refusal.reason, RefusalReason::pid_unavailable);
  ::unlink(pid_file.c_str());
  EXPECT_EQ(find_master(pid_file, expect("/usr")).refusal.reason, RefusalReason::pid_unavailable);
  EXPECT_EQ(verify_master(::getpid(), expect("/usr")).refusal.reason, RefusalReason::pid_unavailable);
  EXPECT_EQ(verify_master(1, expect("/usr")).refusal.reason, RefusalReason::pid_unavailable);
}

TEST_F(MasterIdentity, PidfdNeverHitsARecycledPid) {
  Child first = spawn({"/bin/sleep", "300"});
  auto fd = Pidfd::open(first.pid());
  ASSERT_TRUE(fd.ok());
  first.stop();  // killed and reaped: its PID is free for anyone now
  EXPECT_TRUE(fd->exited());
  Status s = fd->send_signal(SIGHUP);
  EXPECT_FALSE(s.ok()) << "a pidfd of an exited process must not signal anything";
}

// A python of the environment running a script named gunicorn that forks workers of the same
// executable: everything the command line, the owner and the executable can say matches a master.
Child fake_gunicorn(const testing::FixtureEnv& env, const std::string& dir) {
  std::ofstream(dir + "/gunicorn") << "import os, time\n"
                                      "for _ in range(2):\n"
                                      "    if os.fork() == 0:\n"
                                      "        time.sleep(300)\n"
                                      "        os._exit(0)\n"
                                      "time.sleep(300)\n";
  Child c = spawn({env.python, dir + "/gunicorn", "app:app"});
  testing::wait_until(
      [&] {
        auto p = host::read_process(c.pid());
        return p && p->argv.size() == 3 && p->argv[2] == "app:app" &&
               host::list_children(c.pid()).size() == 2;
      },
      std::chrono::seconds(10));
  return c;
}

TEST_F(MasterIdentity, APythonScriptNamedGunicornIsNotTheArbiter) {
  // Defect 7 of issue 10: any python of the environment whose script was named gunicorn passed.
  CSD_REQUIRE_FIXTURE_ENV(env);
  Child fake = fake_gunicorn(*env, tmp.path());
  ASSERT_EQ(host::list_children(fake.pid()).size(), 2u);
  ASSERT_TRUE(is_gunicorn_master_cmdline(host::read_process(fake.pid())->argv));
  write_pid(fake.pid());
  MasterCheck c = find_master(pid_file, expect(env->prefix));
  ASSERT_FALSE(c.master);
  EXPECT_EQ(c.refusal.reason, RefusalReason::pid_not_gunicorn);
  EXPECT_NE(c.refusal.detail.find("wgunicorn"), std::string::npos) << c.refusal.detail;
  EXPECT_TRUE(fake.running());
}

TEST_F(MasterIdentity, TheRealArbiterSharesAHeartbeatFileWithEachWorker) {
  CSD_REQUIRE_FIXTURE_ENV(env);
  auto g = testing::start_gunicorn(*env, tmp.path(), 2, pid_file);
  ASSERT_TRUE(g);
  auto master_files = host::deleted_files_held(g->pid(), "wgunicorn-");
  EXPECT_GE(master_files.size(), 2u) << "one per worker";
  for (pid_t w : host::list_children(g->pid())) {
    auto held = host::deleted_files_held(w, "wgunicorn-");
    bool shared = false;
    for (ino_t i : held)
      shared |= std::find(master_files.begin(), master_files.end(), i) != master_files.end();
    EXPECT_TRUE(shared) << "worker " << w;
  }
}

}  // namespace
}  // namespace csd::watchdog
