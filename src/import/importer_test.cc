#include "import/importer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>

#include "check/check.h"
#include "contract/resolve.h"
#include "import/contract_writer.h"
#include "render/install.h"
#include "test_support/conda_env.h"
#include "test_support/process.h"
#include "test_support/temp_dir.h"
#include "util/file.h"

namespace csd::importer {
namespace {

namespace fs = std::filesystem;

// The fixture deployment copied into a folder, with a conda-layout environment of plain files.
class Fixture {
 public:
  Fixture() {
    fs::copy(std::string(CSD_SOURCE_DIR) + "/tests/fixtures/dashboard-units", dir_.path(),
             fs::copy_options::recursive);
    test::write_conda_env(dir_, "/opt/miniconda3/envs/mes-dashboard", {});
  }
  const std::string& root() const { return dir_.path(); }
  const test::TempDir& dir() const { return dir_; }
  Imported run(ImportOptions o = {}) const {
    o.name = o.name.empty() ? "mes-dashboard" : o.name;
    o.root = Root(root());
    auto r = import_service(o);
    if (!r) throw std::runtime_error(r.error().to_string());
    return *r;
  }
  std::string unit(const std::string& name) const { return "/etc/systemd/system/" + name; }

 private:
  test::TempDir dir_;
};

bool has(const Imported& im, const std::string& code, const std::string& file_part, int line = -1) {
  for (const auto& f : im.findings.findings())
    if (f.code == code && f.file.find(file_part) != std::string::npos && (line < 0 || f.line == line))
      return true;
  return false;
}

std::string problems(const Imported& im) {
  std::string s;
  for (const auto& p : im.problems) s += p.to_string() + "\n";
  return s;
}

TEST(ImportServiceTest, TheReportNamesEveryPlantedInconsistency) {
  Fixture fx;
  Imported im = fx.run();
  EXPECT_TRUE(im.problems.empty()) << problems(im);
  EXPECT_TRUE(has(im, "CSD104", "mes-dashboard.service", 14));    // PIDFile= against --pid
  EXPECT_TRUE(has(im, "CSD111", "/opt/mes-dashboard/.env", 7));   // inline comment
  EXPECT_TRUE(has(im, "CSD106", "mes-dashboard.service"));        // the state file the dashboard reads
  EXPECT_TRUE(has(im, "CSD116", "/opt/mes-dashboard/.env", 11));  // GUNICORN_BIND against --bind
  EXPECT_TRUE(has(im, "CSD109", "mes-dashboard-watchdog.service"));
  for (const char* u :
       {"mes-dashboard.service", "mes-dashboard-watchdog.service", "mes-dashboard-wip-worker.service",
        "mes-dashboard-report-worker.service", "mes-dashboard-alarm-worker.service"})
    EXPECT_TRUE(has(im, "CSD101", u)) << u;
  std::map<std::string, std::string> chosen;
  for (const auto& c : im.choices) chosen[c.key] = c.chosen;
  EXPECT_EQ(chosen["paths.pid_file"], "/run/mes-dashboard/gunicorn.pid");
  EXPECT_EQ(chosen["paths.state_file"], "/var/lib/mes-dashboard/mes_dashboard_restart_state.json");
  EXPECT_EQ(chosen["service.bind"], "127.0.0.1:8080");
  EXPECT_EQ(chosen["watchdog.cooldown"], "90");
}

TEST(ImportServiceTest, WhatEachUnitReallyRuns) {
  Fixture fx;
  const Contract& c = fx.run().contract;
  EXPECT_EQ(c.conda.root, "/opt/miniconda3");
  EXPECT_EQ(c.conda.env, "mes-dashboard");
  EXPECT_EQ(c.service.user, "www-data");
  EXPECT_EQ(c.service.workdir, "/opt/mes-dashboard");
  EXPECT_EQ(c.service.command, (std::vector<std::string>{"gunicorn", "--config", "gunicorn.conf.py",
                                                         "mes_dashboard:create_app()"}));
  EXPECT_EQ(c.service.environment.at("PYTHONUNBUFFERED"), "1");
  EXPECT_EQ(c.paths.runtime_dir, "/run/mes-dashboard");
  EXPECT_EQ(c.paths.restart_flag, "/run/mes-dashboard/mes_dashboard_restart.flag");
  EXPECT_EQ(c.watchdog.cooldown, Millis(90'000));
  EXPECT_EQ(c.watchdog.retry_budget, 4);
  EXPECT_EQ(c.watchdog.window, Millis(900'000));
  ASSERT_EQ(c.workers.size(), 3u);
  EXPECT_EQ(c.workers[1].name, "report");  // the nested quotes of its bash -lc string
  EXPECT_EQ(c.workers[1].command.back(), "report-export");
  EXPECT_EQ(c.workers[2].command, (std::vector<std::string>{"rq", "worker", "wip-detail-query", "--url",
                                                            "redis://localhost:6379/0"}));
}

TEST(ImportServiceTest, ImportThenRenderThenCheckPasses) {
  Fixture fx;
  Imported im = fx.run({.tool = "/opt/conda-systemd/bin/conda-systemd"});
  ASSERT_TRUE(im.problems.empty()) << problems(im);
  std::string text = write_contract(im, "conda-systemd import --name mes-dashboard");
  ASSERT_TRUE(validate_written(text, "imported.toml").ok())
      << validate_written(text, "imported.toml").error().to_string() << text;
  fx.dir().write("/src/imported.toml", text);
  auto c = load_resolved_contract(fx.dir().at("/src/imported.toml"), Root(fx.root()), "");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  auto files = render::render_all(*c, text);
  ASSERT_TRUE(files.ok()) << files.error().to_string();
  ASSERT_TRUE(render::install(*files, Root(fx.root())).ok());
  // The old .env still has its inline comment: check refuses it until the cleaned copy replaces it.
  check::Report before = check::run({.contract = *c, .root = Root(fx.root())});
  bool inline_comment = false;
  for (const auto& f : before.findings()) inline_comment |= f.code == "CSD111";
  EXPECT_TRUE(inline_comment);
  fx.dir().write("/opt/mes-dashboard/.env", im.secrets_text, 0640);
  check::Report after = check::run({.contract = *c, .root = Root(fx.root())});
  std::string errors;
  for (const auto& f : after.findings())
    if (f.severity == check::Severity::kError) errors += f.code + " " + f.file + ": " + f.message + "\n";
  EXPECT_EQ(after.errors(), 0) << errors;
  // The rendered app unit runs gunicorn through exec, with the contract's --pid.
  std::string app = *read_file(fx.dir().at("/etc/systemd/system/mes-dashboard.service"));
  EXPECT_NE(app.find("--pid /run/mes-dashboard/gunicorn.pid"), std::string::npos) << app;
  EXPECT_EQ(app.find("bash"), std::string::npos);
  EXPECT_NE(im.secrets_text.find("MES_ADMIN_TOKEN=fixture-token-not-a-secret\n"), std::string::npos);
  EXPECT_EQ(im.secrets_text.find("WATCHDOG_"), std::string::npos);
}

TEST(ImportServiceTest, UnitsOfOtherServicesAndOtherShapes) {
  Fixture fx;
  fx.dir().write(fx.unit("mes-dashboard2.service"), "[Service]\nExecStart=/bin/true\n");
  fx.dir().write(fx.unit("mes-dashboard-backup.service"), "[Service]\nExecStart=/usr/local/bin/backup.sh\n");
  fx.dir().write(fx.unit("mes-dashboard-backup.timer"), "[Timer]\nOnCalendar=daily\n");
  fx.dir().write(
      fx.unit("mes-dashboard-mail.service"),
      "[Service]\nUser=www-data\nExecStart=/opt/miniconda3/bin/conda run -n mes-dashboard rq worker mail\n");
  Imported im = fx.run();
  EXPECT_TRUE(im.problems.empty()) << problems(im);
  std::map<std::string, ClassifiedUnit> by;
  for (const auto& u : im.units) by[u.unit.name] = u;
  EXPECT_FALSE(by.count("mes-dashboard2.service"));
  EXPECT_FALSE(by["mes-dashboard-backup.service"].imported);
  EXPECT_FALSE(by["mes-dashboard-backup.timer"].imported);
  EXPECT_NE(by["mes-dashboard-backup.timer"].unit.why.find(".timer"), std::string::npos);
  EXPECT_TRUE(by["mes-dashboard-mail.service"].imported);
  EXPECT_EQ(by["mes-dashboard-mail.service"].unit.role, Role::kWorker);
  EXPECT_EQ(im.contract.workers.size(), 4u);
}

TEST(ImportServiceTest, SpecifiersAreExpandedOrRefused) {
  Fixture fx;
  std::string app = *read_file(fx.dir().at(fx.unit("mes-dashboard.service")));
  auto replace = [](std::string s, const std::string& from, const std::string& to) {
    return s.replace(s.find(from), from.size(), to);
  };
  fx.dir().write(fx.unit("mes-dashboard.service"),
                 replace(app, "--pid /run/mes-dashboard/gunicorn.pid", "--pid %t/%p/gunicorn.pid"));
  Imported im = fx.run();
  EXPECT_TRUE(im.problems.empty()) << problems(im);
  EXPECT_EQ(im.contract.paths.pid_file, "/run/mes-dashboard/gunicorn.pid");

  fx.dir().write(fx.unit("mes-dashboard.service"), replace(app, "User=www-data", "User=%Z"));
  im = fx.run();
  ASSERT_FALSE(im.problems.empty());
  EXPECT_NE(problems(im).find("User= of mes-dashboard.service"), std::string::npos) << problems(im);
}

TEST(ImportServiceTest, AMissingEnvironmentFile) {
  Fixture fx;
  fs::remove(fx.dir().at("/opt/mes-dashboard/.env"));
  Imported im = fx.run();
  EXPECT_TRUE(has(im, "CSD112", "/opt/mes-dashboard/.env"));
  // Without the .env the dashboard falls back to <root>/tmp, but gunicorn's --pid is under /run:
  // no runtime directory holds both, so no contract can say what the deployment does.
  ASSERT_FALSE(im.problems.empty());
  EXPECT_NE(problems(im).find("do not share a directory"), std::string::npos) << problems(im);

  std::string app = *read_file(fx.dir().at(fx.unit("mes-dashboard.service")));
  app.replace(app.find("EnvironmentFile=-"), 17, "EnvironmentFile=");
  fx.dir().write(fx.unit("mes-dashboard.service"), app);
  im = fx.run();
  EXPECT_NE(problems(im).find("/opt/mes-dashboard/.env"), std::string::npos) << problems(im);
}

TEST(ImportServiceTest, BinaryJunkIsAClearProblem) {
  Fixture fx;
  fx.dir().write(fx.unit("mes-dashboard-wip-worker.service"),
                 std::string("[Service]\nExecStart=\x00\xff\xfe junk", 26));
  Imported im = fx.run();
  EXPECT_TRUE(has(im, "CSD115", "mes-dashboard-wip-worker.service"));
  EXPECT_NE(problems(im).find("mes-dashboard-wip-worker.service cannot be read"), std::string::npos)
      << problems(im);

  Fixture fx2;
  fx2.dir().write("/opt/mes-dashboard/.env", std::string("A=1\nB=\x00\x01\n", 10));
  im = fx2.run();
  EXPECT_TRUE(has(im, "CSD112", "/opt/mes-dashboard/.env"));
  EXPECT_FALSE(im.problems.empty());
}

TEST(ImportServiceTest, AShellStringThatCannotBeReadIsNamed) {
  Fixture fx;
  fx.dir().write(
      fx.unit("mes-dashboard-wip-worker.service"),
      "[Service]\nExecStart=/bin/bash -lc 'exec conda run -n x rq worker $(hostname) | tee /tmp/log'\n");
  Imported im = fx.run();
  ASSERT_FALSE(im.problems.empty());
  EXPECT_NE(problems(im).find("mes-dashboard-wip-worker.service:2"), std::string::npos) << problems(im);
  EXPECT_NE(problems(im).find("bash -lc"), std::string::npos) << problems(im);
}

TEST(ImportServiceTest, NoSuchService) {
  Fixture fx;
  ImportOptions o{.name = "mes-dashbord", .root = Root(fx.root())};
  auto r = import_service(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().hint.find("mes-dashboard"), std::string::npos);
}

// `import --output /dev/null` once replaced the host's null device with a regular file. Through
// the program as shipped, on a private device node (never the host's).
TEST(ImportProgram, OutputIntoADeviceWritesIntoItAndKeepsIt) {
  Fixture fx;
  std::string dev = fx.dir().at("/null");
  ASSERT_EQ(::mknod(dev.c_str(), S_IFCHR | 0666, ::makedev(1, 3)), 0) << "mknod needs root";
  test::Ran r = test::run_tool(
      {"import", "--name", "mes-dashboard", "--root", fx.root(), "--output", dev, "--secrets-output", dev});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("wrote " + dev), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("mes-dashboard"), std::string::npos) << "the report goes to stdout";
  struct stat st {};
  ASSERT_EQ(::lstat(dev.c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "the device node was replaced";
  EXPECT_EQ(st.st_rdev, ::makedev(1, 3));
}

}  // namespace
}  // namespace csd::importer
