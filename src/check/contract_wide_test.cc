// Checks beyond the units the contract renders: orphaned units, other installed contracts, --unit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "check/check.h"
#include "check/format.h"
#include "contract/resolve.h"
#include "test_support/contracts.h"
#include "test_support/deployment.h"
#include "test_support/findings.h"

namespace csd::check {
namespace {

using test::dump;
using test::with_code;
using ::testing::HasSubstr;

Contract reload(const test::Deployment& d, const std::string& text) {
  d.write("/src/runtime.toml", text);
  auto c = load_resolved_contract(d.dir().at("/src/runtime.toml"), Root(d.root()), "");
  if (!c) throw std::runtime_error(c.error().to_string());
  return *c;
}

TEST(Orphans, RemovedWorkerLeavesAnOrphanThatFails) {
  test::Deployment d(test::contract_with_worker("old"));
  Contract now = reload(d, test::kContract);
  Report r = run({.contract = now, .root = Root(d.root())});
  auto f = with_code(r, "CSD134");
  ASSERT_EQ(f.size(), 1u) << dump(r);
  EXPECT_EQ(f[0].file, "/etc/systemd/system/app-old-worker.service");
  EXPECT_THAT(f[0].fix, HasSubstr("systemctl disable --now app-old-worker.service"));
  // Its own start (check --unit ORPHAN) is refused; another unit's start is not.
  EXPECT_EQ(with_code(run({.contract = now, .root = Root(d.root()), .only_unit = "app-old-worker.service"}),
                      "CSD134")
                .size(),
            1u);
  EXPECT_EQ(
      with_code(run({.contract = now, .root = Root(d.root()), .only_unit = "app.service"}), "CSD134").size(),
      0u);
  // The installed contract still names the old worker: the units read it, so that differs too.
  auto copy = with_code(r, "CSD132");
  ASSERT_EQ(copy.size(), 1u) << dump(r);
  EXPECT_EQ(copy[0].file, "/etc/conda-systemd/app.toml");
}

TEST(Orphans, OnlyFilesWithThisContractsHeader) {
  test::Deployment d;
  d.write("/etc/systemd/system/app-handmade.service", "[Service]\nExecStart=/bin/true\n");
  std::string other = d.read("/etc/systemd/system/app-wip-worker.service");
  auto pos = other.find("from contract app ");
  other.replace(pos, 18, "from contract app2 ");
  d.write("/etc/systemd/system/app-other.service", other);
  Report r = run({.contract = d.contract(), .root = Root(d.root())});
  EXPECT_EQ(with_code(r, "CSD134").size(), 0u) << dump(r);
}

TEST(SelectUnit, FullShortAndInstanceForms) {
  test::Deployment d;
  EXPECT_EQ(*select_unit(d.contract(), "app.service"), "app.service");
  EXPECT_EQ(*select_unit(d.contract(), "app"), "app.service");
  EXPECT_EQ(*select_unit(d.contract(), "app-wip-worker"), "app-wip-worker.service");
  auto bad = select_unit(d.contract(), "nosuch.service");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().hint, HasSubstr("app.service, app-watchdog.service, app-wip-worker.service"));
  EXPECT_FALSE(select_unit(d.contract(), "app@blue.service")) << "the contract renders no template";
  EXPECT_FALSE(select_unit(d.contract(), "app.socket"));
}

const std::string kOther =
    test::contract_text({.name = "other",
                         .conda = "prefix = \"/opt/miniconda3/envs/app\"\n",
                         .workdir = "/opt/other",
                         .command = R"(["gunicorn", "other:app"])",
                         .service = "environment_file = \"/etc/app/runtime.env\"\nbind = \"0.0.0.0:8080\"\n",
                         .tail = R"toml(
[paths]
runtime_dir = "/run/app"
pid_file = "/run/app/gunicorn.pid"
restart_flag = "/run/app/app_restart.flag"
state_file = "/var/lib/app/app_restart_state.json"
control_socket = "/run/app/watchdog.sock"
)toml"});

TEST(Collisions, EveryClaimOfASecondContractNamingBoth) {
  test::Deployment d;
  d.write("/etc/conda-systemd/other.toml", kOther);
  Report r = run({.contract = d.contract(), .root = Root(d.root())});
  auto f = with_code(r, "CSD135");
  std::set<std::string> values;
  for (const auto& x : f) {
    EXPECT_EQ(x.file, "/etc/conda-systemd/other.toml");
    EXPECT_THAT(x.message, HasSubstr("contracts app and other"));
    values.insert(x.message.substr(x.message.rfind(' ') + 1));
  }
  EXPECT_EQ(values, (std::set<std::string>{"/run/app", "/run/app/gunicorn.pid", "/run/app/app_restart.flag",
                                           "/var/lib/app/app_restart_state.json", "/run/app/watchdog.sock",
                                           "/etc/app/runtime.env", "0.0.0.0:8080"}))
      << dump(r);
}

TEST(Collisions, SameUnitNamesFromAnotherFile) {
  test::Deployment d;
  d.write("/etc/conda-systemd/copy.toml", d.read("/src/runtime.toml"));
  auto f = with_code(run({.contract = d.contract(), .root = Root(d.root())}), "CSD135");
  bool unit = false;
  for (const auto& x : f) unit = unit || x.message.find("app.service") != std::string::npos;
  EXPECT_TRUE(unit);
}

TEST(Collisions, ABrokenContractIsAFindingAndTheOthersAreStillChecked) {
  test::Deployment d;
  d.write("/etc/conda-systemd/a-broken.toml", "[contract\nname = 'x'\n");
  d.write("/etc/conda-systemd/other.toml", kOther);
  Report r = run({.contract = d.contract(), .root = Root(d.root())});
  auto broken = with_code(r, "CSD136");
  ASSERT_EQ(broken.size(), 1u) << dump(r);
  EXPECT_EQ(broken[0].file, "/etc/conda-systemd/a-broken.toml");
  EXPECT_GT(broken[0].line, 0);
  EXPECT_FALSE(with_code(r, "CSD135").empty());
}

TEST(Collisions, NoneForDistinctContracts) {
  test::Deployment d;
  std::string other = kOther;
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{{"/run/app", "/run/other"},
                                                                          {"/var/lib/app", "/var/lib/other"},
                                                                          {"/etc/app/", "/etc/other/"},
                                                                          {"0.0.0.0:8080", "127.0.0.1:8081"}})
    for (auto pos = other.find(from); pos != std::string::npos; pos = other.find(from, pos + to.size()))
      other.replace(pos, from.size(), to);
  d.write("/etc/conda-systemd/other.toml", other);
  Report r = run({.contract = d.contract(), .root = Root(d.root())});
  EXPECT_EQ(r.errors(), 0) << dump(r);
}

}  // namespace
}  // namespace csd::check
