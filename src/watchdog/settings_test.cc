#include "watchdog/settings.h"

#include <gtest/gtest.h>

#include "contract/naming.h"

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

TEST(WatchdogSettings, UnknownUserIsAnError) {
  Contract c = contract();
  c.service.user = "no-such-user-csd";
  EXPECT_FALSE(settings_from_contract(c, Root()).ok());
}

}  // namespace
}  // namespace csd::watchdog
