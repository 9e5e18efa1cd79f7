// check and render as shipped: the built binary, run as a process over deployments under --root,
// for each case of issue 11 and each kind of bad input: an exit status, the finding, no crash.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support/conda_env.h"
#include "test_support/contracts.h"
#include "test_support/deployment.h"
#include "test_support/process.h"
#include "test_support/temp_dir.h"
#include "util/fd.h"
#include "util/file.h"

namespace csd::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kDir = "/etc/systemd/system/";

test::Ran tool(const test::Deployment& d, std::vector<std::string> args) {
  args.insert(args.begin(), CSD_BINARY);
  args.insert(args.end(), {"--contract", d.dir().at("/src/runtime.toml"), "--root", d.root()});
  return test::run(args, {"PATH=/usr/bin:/bin", "HOME=" + d.root() + "/home", "LANG=C.UTF-8"}, 60);
}

TEST(CheckBinary, CleanDeploymentPasses) {
  test::Deployment d;
  auto r = tool(d, {"check"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("0 error(s), 0 warning(s)"));
}

TEST(CheckBinary, AToolWithoutItsWatchdogDaemonRefusesTheWatchdogsStartOnly) {
  test::Deployment d;
  d.write("/usr/bin/conda-systemd", "#!/bin/sh\n", 0755);
  auto r = tool(d, {"check"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("/usr/bin/conda-systemd: error: [CSD138]"));
  EXPECT_EQ(tool(d, {"check", "--unit", "app.service"}).status, 0);
  d.write("/usr/libexec/conda-systemd/conda-systemd-watchdog", "#!/bin/sh\n", 0755);
  EXPECT_EQ(tool(d, {"check"}).status, 0);
}

TEST(CheckBinary, EachCaseOfTheIssueExitsOneNamingTheFile) {
  struct Case {
    const char* what;
    std::function<void(const test::Deployment&)> make;
    std::string file;
    const char* code;
  };
  std::vector<Case> cases = {
      {"NoNewPrivileges=no",
       [](auto& d) { d.edit(kDir + "app.service", "NoNewPrivileges=yes", "NoNewPrivileges=no"); },
       kDir + "app.service", "CSD133"},
      {"deleted ProtectClock=", [](auto& d) { d.edit(kDir + "app.service", "ProtectClock=yes\n", ""); },
       kDir + "app.service", "CSD133"},
      {"deleted ProtectSystem=", [](auto& d) { d.edit(kDir + "app.service", "ProtectSystem=strict\n", ""); },
       kDir + "app.service", "CSD133"},
      {"@debug", [](auto& d) { d.edit(kDir + "app.service", "@system-service", "@system-service @debug"); },
       kDir + "app.service", "CSD133"},
      {"workers and bind",
       [](auto& d) {
         d.edit(kDir + "app.service", "app:create_app()", "--workers 8 --bind 0.0.0.0:8080 app:create_app()");
       },
       kDir + "app.service", "CSD132"},
      {"debug drop-in",
       [](auto& d) {
         d.write(kDir + "app.service.d/50-debug.conf",
                 "[Service]\nProtectSystem=no\nCapabilityBoundingSet=CAP_SYS_ADMIN\n");
       },
       kDir + "app.service.d/50-debug.conf", "CSD133"},
      {"PIDFile= drop-in",
       [](auto& d) { d.write(kDir + "app.service.d/pid.conf", "[Service]\nPIDFile=/run/x.pid\n"); },
       kDir + "app.service.d/pid.conf", "CSD104"},
      {"second contract",
       [](auto& d) {
         std::string other = d.read("/src/runtime.toml");
         other.replace(other.find("name = \"app\""), 12, "name = \"other\"");
         d.write("/etc/conda-systemd/other.toml", other);
       },
       "/etc/conda-systemd/other.toml", "CSD135"},
      {"broken contract beside", [](auto& d) { d.write("/etc/conda-systemd/zz.toml", "[contract\n"); },
       "/etc/conda-systemd/zz.toml", "CSD136"},
      {"masked unit",
       [](auto& d) {
         ::unlink(d.dir().at(kDir + "app-watchdog.service").c_str());
         ::symlink("/dev/null", d.dir().at(kDir + "app-watchdog.service").c_str());
       },
       kDir + "app-watchdog.service", "CSD114"},
  };
  for (const auto& c : cases) {
    test::Deployment d;
    c.make(d);
    auto r = tool(d, {"check"});
    EXPECT_EQ(r.status, 1) << c.what << "\n" << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr(c.file)) << c.what;
    EXPECT_THAT(r.out, HasSubstr(std::string("[") + c.code + "]")) << c.what << "\n" << r.out;
    EXPECT_THAT(r.err, Not(HasSubstr("terminate"))) << c.what;
  }
}

TEST(CheckBinary, DropInFixNeverSaysRender) {
  test::Deployment d;
  d.write(kDir + "app.service.d/pid.conf", "[Service]\nPIDFile=/run/x.pid\n");
  auto r = tool(d, {"check", "--json"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("remove the drop-in /etc/systemd/system/app.service.d/pid.conf"));
  EXPECT_THAT(r.out, Not(HasSubstr("conda-systemd render")));
}

TEST(CheckBinary, VerboseListsAcceptedDropIns) {
  test::Deployment d;
  d.write(kDir + "app.service.d/limits.conf", "[Service]\nMemoryMax=2G\n");
  auto quiet = tool(d, {"check"});
  auto verbose = tool(d, {"check", "--verbose"});
  EXPECT_EQ(quiet.status, 0) << quiet.out;
  EXPECT_EQ(verbose.status, 0) << verbose.out;
  EXPECT_THAT(quiet.out, Not(HasSubstr("MemoryMax")));
  EXPECT_THAT(verbose.out, HasSubstr("limits.conf:2: note: [CSD140]"));
}

TEST(CheckBinary, UnitNames) {
  test::Deployment d;
  for (const char* name : {"app.service", "app", "app-wip-worker", "app-watchdog.service"}) {
    auto r = tool(d, {"check", "--unit", name});
    EXPECT_EQ(r.status, 0) << name << "\n" << r.out << r.err;
  }
  for (const char* name : {"nosuch.service", "app@blue.service", "mes-dashboard"}) {
    auto r = tool(d, {"check", "--unit", name});
    EXPECT_EQ(r.status, 2) << name << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("app.service, app-watchdog.service, app-wip-worker.service")) << name;
  }
  d.write(kDir + "app.service.d/x.conf", "[Service]\nUser=root\n");
  EXPECT_EQ(tool(d, {"check", "--unit", "app"}).status, 1) << "the short form checks the unit";
}

TEST(CheckBinary, OrphanRefusesItsOwnStartAndRenderRemovesIt) {
  test::Deployment d(test::contract_with_worker("old"));
  d.write("/src/runtime.toml", test::kContract);
  const std::string orphan = kDir + "app-old-worker.service";
  auto own = tool(d, {"check", "--unit", "app-old-worker.service"});
  EXPECT_EQ(own.status, 1) << own.out << own.err;
  EXPECT_THAT(own.out, HasSubstr(orphan + ":1: error: [CSD134]"));
  auto diff = tool(d, {"render", "--check"});
  EXPECT_EQ(diff.status, 1);
  EXPECT_THAT(diff.out, HasSubstr("--- " + orphan + " (installed)\n+++ /dev/null\n"));

  // Still running (systemd's runtime state under the root says so): kept, with the command to stop it.
  d.dir().mkdirs("/sys/fs/cgroup/system.slice/app-old-worker.service");
  auto kept = tool(d, {"render"});
  EXPECT_EQ(kept.status, 1) << kept.out << kept.err;
  EXPECT_THAT(kept.out, HasSubstr("kept      " + orphan));
  EXPECT_THAT(kept.out, HasSubstr("systemctl disable --now app-old-worker.service"));
  EXPECT_TRUE(path_exists(d.dir().at(orphan)));

  ::rmdir(d.dir().at("/sys/fs/cgroup/system.slice/app-old-worker.service").c_str());
  d.write(kDir + "app-handmade.service", "[Service]\nExecStart=/bin/true\n");
  auto removed = tool(d, {"render"});
  EXPECT_EQ(removed.status, 0) << removed.out << removed.err;
  EXPECT_THAT(removed.out, HasSubstr("removed   " + orphan));
  EXPECT_THAT(removed.out, HasSubstr("next: systemctl disable --now app-old-worker.service"));
  EXPECT_FALSE(path_exists(d.dir().at(orphan)));
  EXPECT_TRUE(path_exists(d.dir().at(kDir + "app-handmade.service"))) << "only files with render's header";
  auto clean = tool(d, {"check"});
  EXPECT_EQ(clean.status, 0) << clean.out;
}

TEST(CheckBinary, BadInputNeverCrashes) {
  // A drop-in linked to /dev/null (systemd's masking), a drop-in directory that is a file, binary junk.
  test::Deployment d;
  d.dir().mkdirs(kDir + "app.service.d");
  ::symlink("/dev/null", d.dir().at(kDir + "app.service.d/masked.conf").c_str());
  d.write(kDir + "app-watchdog.service.d", "not a directory");
  auto r = tool(d, {"check"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  d.write(kDir + "app.service.d/junk.conf", std::string("\0\xff[Service\n", 11));
  r = tool(d, {"check"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("[CSD115]"));
}

TEST(CheckBinary, UnreadableDropInDirectoryIsAFinding) {
  // As an unprivileged user (root reads everything): setpriv from util-linux drops to nobody.
  test::Deployment d;
  ::chmod(d.root().c_str(), 0755);
  d.write(kDir + "app.service.d/x.conf", "[Service]\nNice=1\n");
  ::chmod(d.dir().at(kDir + "app.service.d").c_str(), 0700);
  std::vector<std::string> args = {
      "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
      CSD_BINARY,         "check",         "--contract",    d.dir().at("/src/runtime.toml"),
      "--root",           d.root()};
  auto r = test::run(args, {"PATH=/usr/bin:/bin", "HOME=/nonexistent", "LANG=C.UTF-8"}, 60);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(kDir + "app.service.d: error: [CSD115] cannot read the drop-in directory"));
}

TEST(CheckBinary, AContractTheServiceUserCannotReadIsAWarning) {
  test::Deployment d;
  ::chmod(d.root().c_str(), 0755);
  d.write("/etc/conda-systemd/private.toml", "[contract]\nname = \"private\"\n", 0600);
  std::vector<std::string> args = {
      "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
      CSD_BINARY,         "check",         "--contract",    d.dir().at("/src/runtime.toml"),
      "--root",           d.root()};
  auto r = test::run(args, {"PATH=/usr/bin:/bin", "HOME=/nonexistent", "LANG=C.UTF-8"}, 60);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("/etc/conda-systemd/private.toml: warning: [CSD136]"));
}

TEST(CheckBinary, RenderCheckShowsAMissingFinalNewline) {
  test::Deployment d;
  std::string env = d.read("/etc/app/runtime.env");
  d.write("/etc/app/runtime.env", env.substr(0, env.size() - 1));
  auto r = tool(d, {"render", "--check"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("@@ "));
  EXPECT_THAT(r.out, HasSubstr("\n\\ No newline at end of file\n"));
}

TEST(CheckBinary, CondarcTildeIsTheServiceUsersHome) {
  test::Deployment d;
  d.write("/etc/passwd", "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n");
  d.write("/var/www/.condarc", "envs_dirs:\n  - ~/envs  # the service user's\n");
  d.dir().mkdirs("/var/www/envs/app");
  // HOME (the caller's) points elsewhere; the contract shows the prefix the service user's ~ gives.
  auto r = test::run(
      {CSD_BINARY, "contract", "show", "--contract", d.dir().at("/src/runtime.toml"), "--root", d.root()},
      {"PATH=/usr/bin:/bin", "HOME=/root", "LANG=C.UTF-8"}, 60);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("/var/www/envs/app"));
}

TEST(CheckBinary, BrokenYamlCondarcIsAUsageErrorAtItsLine) {
  test::Deployment d;
  d.write("/etc/conda/.condarc", "channels:\n  - defaults\nenvs_dirs: [/srv/a\nssl_verify: true\n");
  auto r = tool(d, {"check"});
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("/etc/conda/.condarc:"));
  EXPECT_THAT(r.err, HasSubstr("not valid YAML"));
}

TEST(CheckBinary, ABindAnotherProcessHoldsIsNamedBeforeTheStart) {
  // This test's own process listens: not the service's gunicorn, so the start would fail. Without
  // --root, as the preflight runs: the other findings (no environment here) are not this test's.
  Fd held(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(held.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(held.get(), 1), 0);
  ::getsockname(held.get(), reinterpret_cast<sockaddr*>(&a), &len);
  std::string bind = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  test::TempDir dir;
  std::string text = test::example_contract("app");
  text.replace(text.find("127.0.0.1:8080"), 14, bind);
  // An environment check can resolve, so it goes on past the contract to the bind.
  test::write_conda_env(dir, "/env", {});
  text.replace(text.find("env = \"app\""), 11, "prefix = \"" + dir.at("/env") + "\"");
  dir.write("/runtime.toml", text);
  auto check = [&] {
    return test::run({CSD_BINARY, "check", "--contract", dir.at("/runtime.toml")},
                     {"PATH=/usr/bin:/bin", "HOME=" + dir.path(), "LANG=C.UTF-8"}, 60);
  };
  test::Ran busy = check();
  EXPECT_EQ(busy.status, 1) << busy.out << busy.err;
  EXPECT_THAT(busy.out, HasSubstr("[CSD137] service.bind " + bind + " is already in use")) << busy.out;
  EXPECT_THAT(busy.out, HasSubstr("PID " + std::to_string(::getpid()) + " (csd_tests")) << busy.out;
  held = Fd();
  test::Ran free = check();
  EXPECT_THAT(free.out, Not(HasSubstr("CSD137"))) << free.out;
}

}  // namespace
}  // namespace csd::cli
