// A deployment conda-systemd rendered, imported back: the zero-downtime layout (NAME.socket,
// NAME@.service, the listener, NAME.target, the health sockets, the swap path) and the plain one,
// rendered for real into a folder by render and installed as render installs them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "contract/resolve.h"
#include "import/contract_writer.h"
#include "import/importer.h"
#include "render/install.h"
#include "test_support/deployment.h"
#include "test_support/process.h"
#include "util/file.h"

namespace csd::importer {
namespace {

using ::testing::HasSubstr;

std::string zero_downtime_contract(const std::string& restart_mode) {
  std::string text = test::kContract;
  text.insert(text.find("bind = "), "health_url = \"http://127.0.0.1:8080/health\"\nzero_downtime = true\n");
  text += "\n[watchdog]\nrestart_mode = \"" + restart_mode + "\"\n";
  return text;
}

Imported import(const test::Deployment& d) {
  auto r = import_service({.name = "app", .root = Root(d.root())});
  if (!r) throw std::runtime_error(r.error().to_string());
  return *r;
}

std::string problems(const Imported& im) {
  std::string s;
  for (const auto& p : im.problems) s += p.to_string() + "\n";
  return s;
}

std::map<std::string, Role> roles(const Imported& im) {
  std::map<std::string, Role> out;
  for (const auto& u : im.units) out[u.unit.name] = u.unit.role;
  return out;
}

TEST(ImportRendered, TheZeroDowntimeLayoutComesBackWithItsRestartMode) {
  for (const char* mode : {"hup", "swap"}) {
    test::Deployment d(zero_downtime_contract(mode));
    Imported im = import(d);
    EXPECT_TRUE(im.problems.empty()) << mode << "\n" << problems(im);
    EXPECT_TRUE(im.contract.service.zero_downtime) << mode;
    EXPECT_EQ(im.contract.watchdog.restart_mode, mode);
    EXPECT_EQ(im.contract.service.bind, "127.0.0.1:8080");
    EXPECT_EQ(im.contract.service.health_url, d.contract().service.health_url);
    auto r = roles(im);
    EXPECT_EQ(r["app@.service"], Role::kApp);
    EXPECT_EQ(r["app-watchdog.service"], Role::kWatchdog);
    for (const char* layout :
         {"app.socket", "app-health@.socket", "app-trial@.service", "app-listener.service", "app.target"})
      EXPECT_EQ(r[layout], Role::kLayout) << layout;
    EXPECT_EQ(r.count("app-swap.path"), std::string(mode) == "swap" ? 1u : 0u);
    std::string notes;
    for (const auto& n : im.notes) notes += n + "\n";
    EXPECT_THAT(notes, HasSubstr("the zero-downtime layout"));
    EXPECT_THAT(notes, HasSubstr("/etc/conda-systemd/app.toml"));
  }
}

TEST(ImportRendered, RoundTripRendersTheSameUnits) {
  test::Deployment d(zero_downtime_contract("swap"));
  Imported im = import(d);
  ASSERT_TRUE(im.problems.empty()) << problems(im);
  std::string text = write_contract(im, "conda-systemd import --name app");
  ASSERT_TRUE(validate_written(text, "imported.toml").ok()) << text;
  d.write("/src/imported.toml", text);
  auto again = load_resolved_contract(d.dir().at("/src/imported.toml"), Root(d.root()), "");
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  auto files = render::render_all(*again, text);
  ASSERT_TRUE(files.ok()) << files.error().to_string();
  int units = 0;
  for (const auto& f : *files) {
    if (f.path.find("/etc/systemd/system/") != 0) continue;
    ++units;
    EXPECT_EQ(f.content, d.read(f.path)) << f.path << ": the imported contract renders the unit installed";
  }
  EXPECT_GE(units, 9)
      << "socket, health socket, listener, target, template, trial, swap path and service, watchdog";
}

TEST(ImportRendered, ThePlainLayoutLeftFromTheSwitchIsNotTheApp) {
  // render keeps the running NAME.service while the zero-downtime units are written beside it.
  test::Deployment d(zero_downtime_contract("hup"));
  d.write("/etc/systemd/system/app.service",
          "[Unit]\nDescription=the old layout\n[Service]\nExecStart=/bin/true\n");
  Imported im = import(d);
  EXPECT_TRUE(im.problems.empty()) << problems(im);
  EXPECT_EQ(roles(im)["app.service"], Role::kOther);
  EXPECT_EQ(roles(im)["app@.service"], Role::kApp);
  for (const auto& u : im.units) {
    if (u.unit.name == "app.service") {
      EXPECT_THAT(u.unit.why, HasSubstr("left from the switch"));
    }
  }
}

TEST(ImportRendered, UnitsThatDoNotFollowTheirContractAreAProblem) {
  test::Deployment d(zero_downtime_contract("swap"));
  ASSERT_EQ(::unlink(d.dir().at("/etc/systemd/system/app-swap.path").c_str()), 0);
  Imported im = import(d);
  EXPECT_THAT(problems(im), HasSubstr("restart_mode = \"swap\", but app-swap.path is missing"));

  test::Deployment plain;
  plain.edit("/etc/conda-systemd/app.toml", "[service]\n",
             "[service]\nhealth_url = \"http://127.0.0.1:8080/health\"\nzero_downtime = true\n");
  EXPECT_THAT(problems(import(plain)),
              HasSubstr("says zero_downtime = true, but the units are the plain layout"));
}

TEST(ImportRendered, AMissingInstalledContractIsAProblemNotAGuess) {
  test::Deployment d(zero_downtime_contract("hup"));
  ASSERT_EQ(::unlink(d.dir().at("/etc/conda-systemd/app.toml").c_str()), 0);
  Imported im = import(d);
  ASSERT_FALSE(im.problems.empty());
  EXPECT_THAT(problems(im), HasSubstr("the contract app@.service was rendered from cannot be read"));
}

TEST(ImportRendered, TheLayoutWithoutRendersHeaderIsAProblemNotAGuess) {
  test::Deployment d(zero_downtime_contract("hup"));
  std::string unit = d.read("/etc/systemd/system/app@.service");
  d.write("/etc/systemd/system/app@.service", unit.substr(unit.find('\n') + 1));  // the header line
  Imported im = import(d);
  EXPECT_THAT(problems(im), HasSubstr("but not rendered by conda-systemd"));
  EXPECT_FALSE(im.contract.service.zero_downtime);
}

TEST(ImportRendered, TheProgramWritesTheContractBack) {
  test::Deployment d(zero_downtime_contract("swap"));
  test::Ran r = test::run(
      {CSD_BINARY, "import", "--name", "app", "--root", d.root(), "--output", d.dir().at("/src/back.toml")},
      {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}, 60);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  auto back = read_file(d.dir().at("/src/back.toml"));
  ASSERT_TRUE(back.ok()) << r.out << r.err;
  EXPECT_THAT(*back, HasSubstr("zero_downtime = true"));
  EXPECT_THAT(*back, HasSubstr("restart_mode = \"swap\""));
  EXPECT_THAT(r.out + r.err, HasSubstr("layout"));
}

}  // namespace
}  // namespace csd::importer
