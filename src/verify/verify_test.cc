#include "verify/verify.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "contract/naming.h"
#include "contract/watchdog_program.h"

namespace csd::verify {
namespace {

using host::ProcessInfo;
using host::UnitStatus;

const char* const kContract = R"toml(
[contract]
name = "mes-dashboard"
version = "2026.11-1"
tool = "/opt/conda-systemd/bin/conda-systemd"
[conda]
prefix = "/opt/miniconda3/envs/mes-dashboard"
[service]
user = "www-data"
workdir = "/opt/mes-dashboard"
command = ["gunicorn", "app:app"]
bind = "127.0.0.1:8080"
health_url = "http://127.0.0.1:8080/health"
)toml";

Contract contract() {
  auto c = parse_contract(kContract, "runtime.toml");
  EXPECT_TRUE(c) << c.error().to_string();
  return *c;
}

std::map<std::string, std::string> environ_of(const Contract& c) {
  std::map<std::string, std::string> env;
  for (const auto& v : contract_environment(c)) env[v.name] = v.value;
  return env;
}

// A healthy system, as observe() would see it.
Live healthy(const Contract& c) {
  Live live;
  auto env = environ_of(c);
  UnitLive app{.name = app_unit(c)};
  app.status = UnitStatus{.name = app.name,
                          .load_state = "loaded",
                          .active_state = "active",
                          .sub_state = "running",
                          .main_pid = 100,
                          .fragment_path = "/etc/systemd/system/" + app.name};
  ProcessInfo p{.pid = 100,
                .exe = c.conda.prefix + "/bin/python3.11",
                .cwd = c.service.workdir,
                .user = "www-data",
                .environ = env};
  p.environ["CONDA_PREFIX"] = c.conda.prefix;
  app.process = p;
  app.rendered_version = std::string("2026.11-1");
  app.children = {101, 102};
  UnitLive dog{.name = watchdog_unit(c)};
  dog.status = UnitStatus{.name = dog.name,
                          .load_state = "loaded",
                          .active_state = "active",
                          .sub_state = "running",
                          .main_pid = 90};
  dog.process = ProcessInfo{.pid = 90,
                            .exe = watchdog_program_paths(c.tool)[1],
                            .cwd = c.service.workdir,
                            .user = "www-data",
                            .environ = env};
  dog.rendered_version = std::string("2026.11-1");
  live.units = {app, dog};
  live.pid_file = std::string("100");
  live.watchdog = nlohmann::json{{"ok", true},
                                 {"contract", c.installed_path()},
                                 {"contract_version", c.version},
                                 {"pid", 90},
                                 {"paths",
                                  {{"runtime_dir", c.paths.runtime_dir},
                                   {"pid_file", c.paths.pid_file},
                                   {"restart_flag", c.paths.restart_flag},
                                   {"state_file", c.paths.state_file},
                                   {"control_socket", c.paths.control_socket}}}};
  live.environment_file = env;
  live.health = {.healthy = true, .status = 200, .attempts = 1, .detail = "answered 200"};
  return live;
}

std::vector<std::string> differing(const std::vector<Row>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows)
    if (!r.ok) out.push_back(r.fact + ": " + r.expected + " / " + r.found);
  return out;
}

TEST(Verify, AHealthySystemIsAllOk) {
  Contract c = contract();
  auto rows = compare(c, healthy(c));
  EXPECT_TRUE(all_ok(rows)) << ::testing::PrintToString(differing(rows));
  EXPECT_GT(rows.size(), 50u);
  std::string text = format_text(rows);
  EXPECT_NE(text.find(fmt::format("verify: all {} facts ok", rows.size())), std::string::npos) << text;
  EXPECT_EQ(format_json(rows)["ok"], true);
}

TEST(Verify, APidFileWithAnotherPidNamesTheRow) {
  Contract c = contract();
  Live live = healthy(c);
  live.pid_file = std::string("4242");
  auto rows = compare(c, live);
  EXPECT_EQ(differing(rows),
            std::vector<std::string>{"PID file /run/mes-dashboard/gunicorn.pid: 100 / 4242"});
  EXPECT_NE(format_text(rows).find("verify: 1 of"), std::string::npos);
}

TEST(Verify, ADropInThatChangedAVariableNamesTheRow) {
  Contract c = contract();
  Live live = healthy(c);
  live.units[0].status->environment = {"WATCHDOG_RESTART_FLAG=/tmp/mes_dashboard_restart.flag", "OTHER=1"};
  auto rows = compare(c, live);
  EXPECT_EQ(differing(rows),
            std::vector<std::string>{
                "mes-dashboard.service Environment= WATCHDOG_RESTART_FLAG: "
                "/run/mes-dashboard/mes_dashboard_restart.flag / /tmp/mes_dashboard_restart.flag"});
}

TEST(Verify, AUnitChangedOnDiskIsReported) {
  Contract c = contract();
  Live live = healthy(c);
  live.units[0].status->need_daemon_reload = true;
  auto d = differing(compare(c, live));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].find("mes-dashboard.service unit files loaded"), std::string::npos);
}

TEST(Verify, AWatchdogWithAnotherContractNamesTheRows) {
  Contract c = contract();
  Live live = healthy(c);
  (*live.watchdog)["contract"] = "/etc/conda-systemd/other.toml";
  (*live.watchdog)["contract_version"] = "2026.10-7";
  (*live.watchdog)["paths"]["state_file"] = "/tmp/state.json";
  auto d = differing(compare(c, live));
  EXPECT_EQ(
      d,
      (std::vector<std::string>{
          "watchdog contract: /etc/conda-systemd/mes-dashboard.toml / /etc/conda-systemd/other.toml",
          "watchdog contract version: 2026.11-1 / 2026.10-7",
          "watchdog state_file: /var/lib/mes-dashboard/mes_dashboard_restart_state.json / /tmp/state.json"}));
}

TEST(Verify, TheAppOutsideTheEnvironmentIsReported) {
  Contract c = contract();
  Live live = healthy(c);
  live.units[0].process->exe = "/usr/bin/python3.11";
  live.units[0].process->environ["CONDA_PREFIX"] = "/opt/miniconda3/envs/old";
  live.units[0].process->user = "root";
  live.units[0].children = {101};
  auto d = differing(compare(c, live));
  EXPECT_EQ(
      d,
      (std::vector<std::string>{
          "mes-dashboard.service executable: /opt/miniconda3/envs/mes-dashboard/bin/… / /usr/bin/python3.11",
          "mes-dashboard.service CONDA_PREFIX: /opt/miniconda3/envs/mes-dashboard / /opt/miniconda3/envs/old",
          "mes-dashboard.service user: www-data / root", "gunicorn workers: 2 / 1"}));
}

TEST(Verify, TheWatchdogRunsTheDaemonProgramNotTheToolItself) {
  Contract c = contract();
  Live live = healthy(c);
  ASSERT_EQ(live.units[1].name, watchdog_unit(c));
  EXPECT_EQ(differing(compare(c, live)), std::vector<std::string>{});
  live.units[1].process->exe = watchdog_program_paths(c.tool)[0];  // beside the tool: also the daemon
  EXPECT_EQ(differing(compare(c, live)), std::vector<std::string>{});
  live.units[1].process->exe = c.tool;  // a watchdog started before the daemon program, never restarted
  EXPECT_EQ(
      differing(compare(c, live)),
      std::vector<std::string>{"mes-dashboard-watchdog.service executable: conda-systemd-watchdog (from " +
                               c.tool + " watchdog) / " + c.tool});
}

TEST(Verify, NothingRunningIsNeverOk) {
  Contract c = contract();
  Live live;  // nothing could be asked
  for (const auto& u : all_units(c)) live.units.push_back({.name = u});
  live.health = {.detail = "no answer: connection refused"};
  auto rows = compare(c, live);
  EXPECT_FALSE(all_ok(rows));
  for (const auto& r : rows) EXPECT_FALSE(r.ok) << r.fact;
}

TEST(Verify, ReadsTheRenderedVersion) {
  auto v = rendered_version(
      "# Generated by conda-systemd from contract app version 2026.11-1 (/etc/x.toml).\n[Unit]\n");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "2026.11-1");
  EXPECT_FALSE(rendered_version("[Unit]\nDescription=x\n"));
}

}  // namespace
}  // namespace csd::verify
