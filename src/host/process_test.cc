#include "host/process.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace csd::host {
namespace {

TEST(Process, ReadsItsContext) {
  auto p = read_process_context(::getpid());
  ASSERT_TRUE(p) << p.error().to_string();
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  EXPECT_EQ(p->cwd, cwd);
  EXPECT_EQ(p->uid, ::getuid());
  EXPECT_FALSE(p->exe.empty());
  EXPECT_FALSE(p->exe_deleted);
  EXPECT_TRUE(p->environ.count("PATH") || p->environ.empty());
  EXPECT_FALSE(read_process_context(0));
}

TEST(Process, UnitOfCgroup) {
  EXPECT_EQ(unit_of_cgroup("0::/system.slice/mes-dashboard.service\n"), "mes-dashboard.service");
  EXPECT_EQ(unit_of_cgroup("1:name=systemd:/system.slice/a.service\n0::/\n"), "a.service");
  EXPECT_EQ(unit_of_cgroup("0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.service\n"),
            "x.service");
  EXPECT_EQ(unit_of_cgroup("0::/\n"), "");
  EXPECT_EQ(unit_of_cgroup("0::/system.slice/session-3.scope\n"), "");
}

TEST(Process, ParseStatWithHostileName) {
  ProcessInfo p;
  ASSERT_TRUE(parse_stat("42 (a) b (c) ) S 7 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 12345 1 2 3", p));
  EXPECT_EQ(p.state, 'S');
  EXPECT_EQ(p.ppid, 7);
  EXPECT_EQ(p.start_time, 12345u);
}

}  // namespace
}  // namespace csd::host
