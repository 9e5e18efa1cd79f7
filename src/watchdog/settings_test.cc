#include "watchdog/settings.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "contract/naming.h"
#include "test_support/temp_dir.h"

namespace csd::watchdog {
namespace {

Contract contract() {
  auto c = parse_contract(R"toml(
[contract]
name = "mes-dashboard"
version = "2026.11-1"
[conda]
prefix = "/opt/miniconda3/envs/mes-dashboard"
[service]
user = "root"
workdir = "/opt/mes-dashboard"
command = ["gunicorn", "app:app"]
[paths]
runtime_dir = "/run/mes-dashboard"
restart_flag = "/run/mes-dashboard/flag"
state_file = "/var/lib/mes-dashboard/state.json"
[watchdog]
cooldown = "1500ms"
window = "10m30s"
retry_budget = 4
churn_threshold = 2
)toml",
                          "runtime.toml");
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  return *c;
}

std::string env_value(const Contract& c, const std::string& name) {
  for (const auto& v : contract_environment(c))
    if (v.name == name) return v.value;
  return "(unset)";
}

TEST(WatchdogSettings, SamePathsAndPolicyAsTheAppsEnvironment) {
  // Defect 10: the app read one path set, the watchdog another. Both now come from the contract:
  // the app through the rendered environment file, the watchdog through these settings.
  Contract c = contract();
  auto s = settings_from_contract(c, Root());
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->restart_flag, env_value(c, kRestartFlagVar));
  EXPECT_EQ(s->pid_file, env_value(c, kPidFileVar));
  EXPECT_EQ(s->state_file, env_value(c, kStateFileVar));
  EXPECT_EQ(s->runtime_dir, env_value(c, kRuntimeDirVar));
  EXPECT_EQ(s->control_socket, env_value(c, "WATCHDOG_CONTROL_SOCKET"));
  EXPECT_EQ(s->contract_version, env_value(c, kContractVersionVar));
  PolicyState p = evaluate_policy(s->policy, {}, std::nullopt, now_utc());
  EXPECT_EQ(std::to_string(p.cooldown_seconds), env_value(c, "WORKER_RESTART_COOLDOWN"));
  EXPECT_EQ(std::to_string(p.window_seconds), env_value(c, "WORKER_RESTART_WINDOW_SECONDS"));
  EXPECT_EQ(std::to_string(p.retry_budget), env_value(c, "WORKER_RESTART_RETRY_BUDGET"));
  EXPECT_EQ(std::to_string(p.churn_threshold), env_value(c, "WORKER_RESTART_CHURN_THRESHOLD"));
  EXPECT_EQ(s->history_limit, std::stoi(env_value(c, "WATCHDOG_RESTART_HISTORY_MAX")));
}

TEST(WatchdogSettings, PathsJsonForVerify) {
  auto s = settings_from_contract(contract(), Root());
  ASSERT_TRUE(s.ok());
  nlohmann::json j = paths_json(*s);
  EXPECT_EQ(j["restart_flag"], "/run/mes-dashboard/flag");
  EXPECT_EQ(j["control_socket"], "/run/mes-dashboard/watchdog.sock");
  EXPECT_EQ(j.size(), 5u);
}

TEST(WatchdogSettings, RootMapsEveryPath) {
  auto s = settings_from_contract(contract(), Root("/srv/deploy"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->restart_flag, "/srv/deploy/run/mes-dashboard/flag");
  EXPECT_EQ(s->master.prefix, "/srv/deploy/opt/miniconda3/envs/mes-dashboard");
  EXPECT_EQ(s->master.app_unit, "mes-dashboard.service");
}

TEST(WatchdogSettings, AUnixBindIsWhereTheHealthProbeAsks) {
  Contract c = contract();
  auto tcp = settings_from_contract(c, Root("/srv/deploy"));
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->health_socket, "") << "a TCP bind: the probe goes to the URL's host";
  c.service.bind = "unix:/run/mes-dashboard/app.sock";
  auto unix_bind = settings_from_contract(c, Root("/srv/deploy"));
  ASSERT_TRUE(unix_bind.ok());
  EXPECT_EQ(unix_bind->health_socket, "/srv/deploy/run/mes-dashboard/app.sock");
}

TEST(WatchdogSettings, UnknownUserIsAnError) {
  Contract c = contract();
  c.service.user = "no-such-user-csd";
  EXPECT_FALSE(settings_from_contract(c, Root()).ok());
}

// The zero-downtime layout (docs/deploy.md): two instances, each with its own PID file and unit.
Contract zero_downtime_contract(const std::string& restart_mode = "hup") {
  Contract c = contract();
  c.service.zero_downtime = true;
  c.service.bind = "127.0.0.1:8080";
  c.service.health_url = "http://127.0.0.1:8080/health";
  c.watchdog.restart_mode = restart_mode;
  return c;
}

TEST(WatchdogFollowActive, WithoutARecordTheActiveInstanceIsBlue) {
  test::TempDir tmp;
  auto s = settings_from_contract(zero_downtime_contract(), Root(tmp.path()));
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->active_file, tmp.at("/var/lib/mes-dashboard/conda-systemd-active"));
  EXPECT_EQ(active_instance(*s), "blue");
  Settings live = follow_active(*s);
  EXPECT_EQ(live.pid_file, tmp.at("/run/mes-dashboard/gunicorn-blue.pid"));
  EXPECT_EQ(live.master.app_unit, "mes-dashboard@blue.service");
  EXPECT_EQ(paths_json(*s)["pid_file"], live.pid_file);
  EXPECT_TRUE(s->swap_request.empty()) << "restart_mode = \"hup\" asks for no swap";
}

TEST(WatchdogFollowActive, FollowsTheRecordWhenItChangesAfterTheStart) {
  test::TempDir tmp;
  tmp.mkdirs("/var/lib/mes-dashboard");
  tmp.write("/var/lib/mes-dashboard/conda-systemd-active", "blue\n");
  auto s = settings_from_contract(zero_downtime_contract(), Root(tmp.path()));
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(follow_active(*s).master.app_unit, "mes-dashboard@blue.service");
  // A swap records the other instance: the same settings now prove and signal its master.
  tmp.write("/var/lib/mes-dashboard/conda-systemd-active", "green\n");
  EXPECT_EQ(active_instance(*s), "green");
  EXPECT_EQ(follow_active(*s).pid_file, tmp.at("/run/mes-dashboard/gunicorn-green.pid"));
  EXPECT_EQ(follow_active(*s).master.app_unit, "mes-dashboard@green.service");
  EXPECT_EQ(paths_json(*s)["pid_file"], tmp.at("/run/mes-dashboard/gunicorn-green.pid"));
  tmp.write("/var/lib/mes-dashboard/conda-systemd-active", "blue");
  EXPECT_EQ(follow_active(*s).pid_file, tmp.at("/run/mes-dashboard/gunicorn-blue.pid"));
}

TEST(WatchdogFollowActive, AnUnreadableRecordFollowsNoInstance) {
  // Neither instance's master may be proven from a record that says nothing sure: the proof
  // fails on the layout's own PID file, which no instance writes.
  test::TempDir tmp;
  tmp.mkdirs("/var/lib/mes-dashboard");
  tmp.write("/var/lib/mes-dashboard/conda-systemd-active", "green\n");
  auto s = settings_from_contract(zero_downtime_contract(), Root(tmp.path()));
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  std::string record = tmp.at("/var/lib/mes-dashboard/conda-systemd-active");
  for (const std::string& bad :
       {std::string("purple\n"), std::string("green\ngreen\n"), std::string(100, 'g')}) {
    tmp.write("/var/lib/mes-dashboard/conda-systemd-active", bad);
    EXPECT_EQ(active_instance(*s), "") << bad;
    EXPECT_EQ(follow_active(*s).pid_file, tmp.at("/run/mes-dashboard/gunicorn.pid")) << bad;
    EXPECT_EQ(follow_active(*s).master.app_unit, "mes-dashboard@.service") << bad;
  }
  // A link, even to a good record, is not followed.
  tmp.write("/var/lib/mes-dashboard/elsewhere", "green\n");
  ASSERT_EQ(::unlink(record.c_str()), 0);
  ASSERT_EQ(::symlink(tmp.at("/var/lib/mes-dashboard/elsewhere").c_str(), record.c_str()), 0);
  EXPECT_EQ(active_instance(*s), "");
  EXPECT_EQ(follow_active(*s).pid_file, tmp.at("/run/mes-dashboard/gunicorn.pid"));
  ASSERT_EQ(::unlink(record.c_str()), 0);
  ASSERT_EQ(::mkfifo(record.c_str(), 0644), 0);
  EXPECT_EQ(active_instance(*s), "") << "a FIFO is refused, not waited on";
}

TEST(WatchdogFollowActive, SwapModeNamesTheRequestFile) {
  test::TempDir tmp;
  auto s = settings_from_contract(zero_downtime_contract("swap"), Root(tmp.path()));
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->swap_request, tmp.at("/run/mes-dashboard/swap.request"));
}

TEST(WatchdogFollowActive, ThePlainLayoutFollowsNothing) {
  test::TempDir tmp;
  auto s = settings_from_contract(contract(), Root(tmp.path()));
  ASSERT_TRUE(s.ok());
  tmp.mkdirs("/var/lib/mes-dashboard");
  tmp.write("/var/lib/mes-dashboard/conda-systemd-active", "green\n");
  EXPECT_EQ(active_instance(*s), "");
  EXPECT_EQ(follow_active(*s).pid_file, tmp.at("/run/mes-dashboard/gunicorn.pid"));
  EXPECT_EQ(follow_active(*s).master.app_unit, "mes-dashboard.service");
}

}  // namespace
}  // namespace csd::watchdog
