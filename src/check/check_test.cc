#include "check/check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <optional>

#include "check/format.h"
#include "test_support/deployment.h"
#include "test_support/findings.h"

namespace csd::check {
namespace {

using test::dump;
using test::with_code;
using ::testing::HasSubstr;

const std::string kApp = "/etc/systemd/system/app.service";
const std::string kWatchdog = "/etc/systemd/system/app-watchdog.service";
const std::string kDropIn = "/etc/systemd/system/app.service.d/override.conf";

Report check(const test::Deployment& d, const std::string& unit = "") {
  return run({.contract = d.contract(), .root = Root(d.root()), .only_unit = unit});
}

TEST(Check, RenderedDeploymentIsClean) {
  test::Deployment d;
  Report r = check(d);
  EXPECT_EQ(r.findings().size(), 0u) << dump(r);
}

TEST(Check, CondaRunWrapper) {
  test::Deployment d;
  d.write(
      kDropIn,
      "[Service]\nExecStart=\nExecStart=/usr/bin/env bash -lc 'exec conda run -n app gunicorn app:app'\n");
  auto f = with_code(check(d), "CSD101");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].file, kDropIn);
  EXPECT_EQ(f[0].line, 3);
  EXPECT_THAT(f[0].message, HasSubstr("runs through 'conda run'"));
  EXPECT_THAT(f[0].fix, HasSubstr("remove the drop-in " + kDropIn)) << "render never writes drop-ins";
}

// One file written into a rendered deployment, and the one finding it gives, about that file: a
// case a test.
struct OneFinding {
  std::string name;
  std::string path;
  std::string text;
  std::string code;
  std::string message;               // part of the finding's message; checked when set
  std::optional<Severity> severity;  // checked when set
  std::string found;                 // checked when set
};

class CheckOneFinding : public ::testing::TestWithParam<OneFinding> {};

TEST_P(CheckOneFinding, FromOneFile) {
  const OneFinding& c = GetParam();
  test::Deployment d;
  d.write(c.path, c.text);
  Report r = check(d);
  auto f = with_code(r, c.code);
  ASSERT_EQ(f.size(), 1u) << dump(r);
  EXPECT_EQ(f[0].file, c.path);
  if (!c.message.empty()) {
    EXPECT_THAT(f[0].message, HasSubstr(c.message));
  }
  if (c.severity) {
    EXPECT_EQ(f[0].severity, *c.severity);
  }
  if (!c.found.empty()) {
    EXPECT_EQ(f[0].found, c.found);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Check, CheckOneFinding,
    ::testing::Values(
        OneFinding{
            .name = "ShellWrapperAndSourceActivate",
            .path = kDropIn,
            .text = "[Service]\nExecStart=\nExecStart=/bin/sh -c 'source activate app && gunicorn app:app'\n",
            .code = "CSD101",
            .message = "'source activate'"},
        OneFinding{.name = "BinaryOutsideTheEnvironment",
                   .path = kDropIn,
                   .text = "[Service]\nExecStart=\nExecStart=/usr/bin/python3 -m gunicorn app:app\n",
                   .code = "CSD102",
                   .severity = Severity::kError,
                   .found = "/usr/bin/python3"},
        OneFinding{
            .name = "BinaryOfAnotherEnvironment",
            .path = kDropIn,
            .text = "[Service]\nExecStart=\nExecStart=/opt/miniconda3/envs/other/bin/gunicorn app:app\n",
            .code = "CSD102",
            .found = "/opt/miniconda3/envs/other/bin/gunicorn"},
        OneFinding{.name = "EnvironmentBinaryWithoutExecIsAWarning",
                   .path = kDropIn,
                   .text = "[Service]\nExecStart=\nExecStart=/opt/miniconda3/envs/app/bin/gunicorn --pid "
                           "/run/app/gunicorn.pid app:app\n",
                   .code = "CSD102",
                   .message = "without activating the environment",
                   .severity = Severity::kWarning},
        // The drop-in that took it away is named.
        OneFinding{.name = "ReadWritePathsDoNotCoverTheStateFile",
                   .path = "/etc/systemd/system/app-watchdog.service.d/state.conf",
                   .text = "[Service]\nStateDirectory=\n",
                   .code = "CSD108",
                   .message = "/var/lib/app/app_restart_state.json"},
        OneFinding{.name = "MissingReadWritePathWithoutDashWarns",
                   .path = kDropIn,
                   .text = "[Service]\nReadWritePaths=/srv/nowhere\n",
                   .code = "CSD108",
                   .message = "226/NAMESPACE",
                   .severity = Severity::kWarning},
        OneFinding{.name = "SharedRuntimeDirectoryDeletedOnStop",
                   .path = kDropIn,
                   .text = "[Service]\nRuntimeDirectoryPreserve=no\n",
                   .code = "CSD109",
                   .message = "app.service shares RuntimeDirectory=app",
                   .found = "RuntimeDirectoryPreserve=no"},
        OneFinding{
            .name = "HandWrittenUnitIsNotRendered",
            .path = kApp,
            .text = "[Service]\nUser=www-data\nGroup=www-data\nWorkingDirectory=/opt/app\nEnvironmentFile=/"
                    "etc/app/"
                    "runtime.env\n"
                    "ExecStart=/usr/local/bin/conda-systemd exec --contract /etc/conda-systemd/app.toml -- "
                    "gunicorn app:app\n",
            .code = "CSD113",
            .message = "not rendered by conda-systemd"},
        OneFinding{.name = "EnvironmentIsAVenv",
                   .path = "/opt/miniconda3/envs/app/pyvenv.cfg",
                   .text = "home = /usr/bin\n",
                   .code = "CSD120",
                   .message = "venv"}),
    [](const ::testing::TestParamInfo<OneFinding>& info) { return info.param.name; });

TEST(Check, VenvAssumptionsInUnitEnvFileAndScript) {
  test::Deployment d;
  d.write(kDropIn, "[Service]\nExecStart=\nExecStart=/opt/app/venv/bin/gunicorn app:app\n");
  d.write("/etc/app/runtime.env", d.read("/etc/app/runtime.env") + "VIRTUAL_ENV=/opt/app/.venv\n");
  d.write("/opt/app/scripts/start.sh", "#!/bin/sh\n. /opt/app/venv/bin/activate\n");
  auto f = with_code(check(d), "CSD103");
  ASSERT_EQ(f.size(), 3u) << dump(check(d));
  std::set<std::string> files;
  for (const auto& x : f) files.insert(x.file);
  EXPECT_EQ(files, (std::set<std::string>{kDropIn, "/etc/app/runtime.env", "/opt/app/scripts/start.sh"}));
}

TEST(Check, PidFileDiffersEverywhere) {
  test::Deployment d;
  d.write(kDropIn, "[Service]\nPIDFile=/run/app/other.pid\nEnvironment=WATCHDOG_PID_FILE=/tmp/g.pid\n");
  d.edit(kApp, "--pid /run/app/gunicorn.pid", "--pid /run/app/gunicorn2.pid");
  d.edit("/etc/app/runtime.env", "WATCHDOG_PID_FILE=/run/app/gunicorn.pid",
         "WATCHDOG_PID_FILE=/var/run/g.pid");
  d.write("/opt/app/scripts/start.sh",
          "#!/bin/sh\nPIDFILE=x\nWATCHDOG_PID_FILE=\"${WATCHDOG_PID_FILE:-/tmp/gunicorn.pid}\"\n");
  auto f = with_code(check(d), "CSD104");
  std::vector<std::string> found;
  for (const auto& x : f) found.push_back(x.file + " " + x.found);
  EXPECT_THAT(found, ::testing::UnorderedElementsAre(
                         kApp + " /run/app/gunicorn2.pid", kDropIn + " /run/app/other.pid",
                         kDropIn + " WATCHDOG_PID_FILE=/tmp/g.pid", "/etc/app/runtime.env /var/run/g.pid",
                         "/opt/app/scripts/start.sh /tmp/gunicorn.pid"));
}

TEST(Check, RestartFlagStateFileAndRuntimeDirDiffer) {
  test::Deployment d;
  d.write("/etc/systemd/system/app-watchdog.service.d/flag.conf",
          "[Service]\nEnvironment=\"WATCHDOG_RESTART_FLAG=/tmp/x.flag\" WATCHDOG_STATE_FILE=/tmp/s.json\n"
          "Environment=WATCHDOG_RUNTIME_DIR=/opt/app/tmp\n");
  Report r = check(d);
  EXPECT_EQ(with_code(r, "CSD105").size(), 1u) << dump(r);
  EXPECT_EQ(with_code(r, "CSD106").size(), 1u);
  EXPECT_EQ(with_code(r, "CSD107").size(), 1u);
  EXPECT_EQ(with_code(r, "CSD105")[0].line, 2);
}

TEST(Check, UserGroupWorkdirDiffer) {
  test::Deployment d;
  d.write(kDropIn, "[Service]\nUser=root\nWorkingDirectory=/srv/app\n");
  auto f = with_code(check(d), "CSD110");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].found, "root");
  EXPECT_EQ(f[1].expected, "/opt/app");
}

TEST(Check, EnvFileInlineCommentAndUnbalancedQuote) {
  test::Deployment d;
  d.write(kDropIn, "[Service]\nEnvironmentFile=/opt/app/.env\n");
  d.write("/opt/app/.env", "GUNICORN_BIND=0.0.0.0:8080  # all interfaces\nREDIS_URL=\"redis://x\n");
  auto f = with_code(check(d), "CSD111");
  ASSERT_GE(f.size(), 2u) << dump(check(d));
  EXPECT_EQ(f[0].file, "/opt/app/.env");
  EXPECT_EQ(f[0].line, 1);
  EXPECT_THAT(dump(check(d)), HasSubstr("/opt/app/.env:2:"));
}

TEST(Check, EnvFileUnreadable) {
  test::Deployment d;
  ::unlink(d.dir().at("/etc/app/runtime.env").c_str());
  auto f = with_code(check(d), "CSD112");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].file, "/etc/app/runtime.env");
}

TEST(Check, UnitFromAnotherContractVersion) {
  test::Deployment d;
  d.edit(kApp, "version 2026.11-1", "version 2026.02-p2");
  auto f = with_code(check(d), "CSD113");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].found, "version 2026.02-p2");
  EXPECT_EQ(f[0].line, 1);
}

TEST(Check, UnitNotInstalled) {
  test::Deployment d;
  ::unlink(d.dir().at("/etc/systemd/system/app-wip-worker.service").c_str());
  auto f = with_code(check(d), "CSD114");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_THAT(f[0].message, HasSubstr("app-wip-worker.service"));
}

TEST(Check, OnlyTheSelectedUnit) {
  test::Deployment d;
  d.write("/etc/systemd/system/app-wip-worker.service.d/x.conf", "[Service]\nUser=root\n");
  EXPECT_EQ(with_code(check(d, "app.service"), "CSD110").size(), 0u);
  EXPECT_EQ(with_code(check(d, "app-wip-worker.service"), "CSD110").size(), 1u);
}

TEST(Check, AWorkersMissingProgramDoesNotStopTheApp) {
  test::Deployment d;
  ::unlink(d.dir().at("/opt/miniconda3/envs/app/bin/rq").c_str());
  EXPECT_EQ(with_code(check(d, "app.service"), "CSD124").size(), 0u);
  EXPECT_EQ(with_code(check(d, "app-wip-worker.service"), "CSD124").size(), 1u);
}

TEST(Check, EnvironmentMissing) {
  test::Deployment d;
  d.dir().mkdirs("/trash");
  ::rename(d.dir().at("/opt/miniconda3/envs/app/conda-meta").c_str(),
           d.dir().at("/trash/conda-meta").c_str());
  auto f = with_code(check(d), "CSD120");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_THAT(f[0].message, HasSubstr("not a conda environment"));
}

TEST(Check, WrongPythonMissingPackageForeignShebangMissingCommand) {
  test::Deployment d;
  ::rename(d.dir().at("/opt/miniconda3/envs/app/conda-meta/python-3.11.2-h_fixture_0.json").c_str(),
           d.dir().at("/opt/miniconda3/envs/app/conda-meta/python-3.10.4-h_fixture_0.json").c_str());
  ::unlink(d.dir().at("/opt/miniconda3/envs/app/conda-meta/flask-2.2.2-py_0.json").c_str());
  d.write("/opt/miniconda3/envs/app/bin/gunicorn", "#!/opt/miniconda3/envs/old/bin/python\n", 0755);
  ::unlink(d.dir().at("/opt/miniconda3/envs/app/bin/rq").c_str());
  Report r = check(d);
  ASSERT_EQ(with_code(r, "CSD121").size(), 1u) << dump(r);
  EXPECT_EQ(with_code(r, "CSD121")[0].found, "python 3.10.4");
  ASSERT_EQ(with_code(r, "CSD122").size(), 1u);
  EXPECT_THAT(with_code(r, "CSD122")[0].message, HasSubstr("'flask'"));
  ASSERT_EQ(with_code(r, "CSD123").size(), 1u);
  EXPECT_EQ(with_code(r, "CSD123")[0].file, "/opt/miniconda3/envs/app/bin/gunicorn");
  ASSERT_EQ(with_code(r, "CSD124").size(), 1u);
  EXPECT_THAT(with_code(r, "CSD124")[0].message, HasSubstr("worker wip runs 'rq'"));
}

TEST(Check, FlagDirectoryWritableByOthers) {
  test::Deployment d;
  d.dir().mkdirs("/run/app");
  ::chmod(d.dir().at("/run/app").c_str(), 0777);
  auto f = with_code(check(d), "CSD130");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].found, "mode 0777");
}

TEST(Check, FlagUnderTmpWithPrivateTmp) {
  std::string contract = test::kContract;
  contract += "\n[paths]\nruntime_dir = \"/tmp/app\"\n";
  // [[script]] must stay last in TOML order for the arrays to parse; put [paths] before it.
  contract = std::string(test::kContract);
  contract.insert(contract.find("[[worker]]"), "[paths]\nruntime_dir = \"/tmp/app\"\n\n");
  test::Deployment d(contract);
  EXPECT_EQ(with_code(check(d), "CSD131").size(), 0u) << "render must not separate /tmp";
  d.write(kDropIn, "[Service]\nPrivateTmp=yes\n");
  auto f = with_code(check(d), "CSD131");
  ASSERT_EQ(f.size(), 2u) << dump(check(d));  // the PID file and the flag
  EXPECT_EQ(f[0].file, kDropIn);
}

TEST(Check, JsonCarriesCodesAndTitles) {
  test::Deployment d;
  d.write(kDropIn, "[Service]\nUser=root\n");
  auto j = format_json(check(d));
  EXPECT_EQ(j["errors"], 1);
  EXPECT_EQ(j["findings"][0]["code"], "CSD110");
  EXPECT_EQ(j["findings"][0]["line"], 2);
  EXPECT_THAT(j["findings"][0]["title"].get<std::string>(), HasSubstr("User="));
}

TEST(Check, HostileUnitFileIsAFindingNotACrash) {
  test::Deployment d;
  d.write(kDropIn, std::string("[Service]\nUser=\0\xff\xfe junk\n", 22));
  auto f = with_code(check(d), "CSD115");
  ASSERT_EQ(f.size(), 1u) << dump(check(d));
}

}  // namespace
}  // namespace csd::check
