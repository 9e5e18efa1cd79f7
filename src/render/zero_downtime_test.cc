// The zero-downtime layout as render writes it and check reads it back (docs/deploy.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "check/check.h"
#include "contract/naming.h"
#include "render/render.h"
#include "systemd/unit_file.h"
#include "test_support/deployment.h"
#include "test_support/findings.h"

namespace csd::render {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string zero_downtime_text(const std::string& watchdog = "") {
  std::string text = test::kContract;
  text.insert(text.find("bind = "), "health_url = \"http://127.0.0.1:8080/health\"\nzero_downtime = true\n");
  text.insert(text.find("\n[[worker]]"), watchdog);
  return text;
}

Contract zero_downtime(const std::string& watchdog = "") {
  auto c = parse_contract(zero_downtime_text(watchdog), "runtime.toml");
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  Contract out = *c;
  out.conda.prefix = "/opt/miniconda3/envs/app";
  return out;
}

std::string unit(const std::vector<File>& files, const std::string& name) {
  for (const auto& f : files)
    if (f.path == "/etc/systemd/system/" + name) return f.content;
  return "(not rendered)";
}

std::string value(const std::string& text, const std::string& section, const std::string& key) {
  auto parsed = systemd::parse_unit_text(text, "x.service");
  EXPECT_TRUE(parsed.ok());
  std::string out;
  for (const auto& a : parsed->assignments())
    if (a.section == section && a.key == key) out += (out.empty() ? "" : "|") + a.value;
  return out;
}

TEST(ZeroDowntime, SocketHoldsTheBindAndTheListenerIsItsService) {
  auto files = render_units(zero_downtime());
  ASSERT_TRUE(files.ok()) << files.error().to_string();
  std::string socket = unit(*files, "app.socket");
  EXPECT_EQ(value(socket, "Socket", "ListenStream"), "127.0.0.1:8080");
  EXPECT_EQ(value(socket, "Socket", "Service"), "app-listener.service");
  EXPECT_EQ(value(socket, "Socket", "FreeBind"), "") << "loopback is always there";
  EXPECT_EQ(value(unit(*files, "app-listener.service"), "Service", "ExecStart"), "/bin/sleep infinity");
  EXPECT_EQ(unit(*files, "app.service"), "(not rendered)");
}

TEST(ZeroDowntime, AnAddressOfThisHostGetsFreeBind) {
  Contract c = zero_downtime();
  c.service.bind = "10.1.2.3:8080";
  auto files = render_units(c);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(value(unit(*files, "app.socket"), "Socket", "FreeBind"), "yes");
}

TEST(ZeroDowntime, InstancesInheritBothSocketsAndHaveTheirOwnPidFile) {
  auto files = render_units(zero_downtime());
  ASSERT_TRUE(files.ok());
  std::string tmpl = unit(*files, "app@.service");
  EXPECT_EQ(value(tmpl, "Service", "Sockets"), "app.socket app-health@%i.socket");
  EXPECT_THAT(value(tmpl, "Service", "ExecStart"), HasSubstr("--pid /run/app/gunicorn-%i.pid"));
  EXPECT_THAT(value(tmpl, "Service", "ExecStartPre"), HasSubstr("--unit app@%i.service"));
  EXPECT_EQ(value(tmpl, "Install", "WantedBy"), "app.target");
  EXPECT_EQ(value(unit(*files, "app-health@.socket"), "Socket", "ListenStream"),
            "/run/conda-systemd/app/health-%i.sock");
  EXPECT_THAT(value(unit(*files, "app.target"), "Unit", "Wants"),
              HasSubstr("app.socket app-health@blue.socket app-health@green.socket app-listener.service"));
}

TEST(ZeroDowntime, TheTrialYieldsTheCoresToTheServingInstance) {
  auto files = render_units(zero_downtime());
  ASSERT_TRUE(files.ok()) << files.error().to_string();
  EXPECT_EQ(value(unit(*files, "app-trial@.service"), "Service", "CPUWeight"), "10");
  EXPECT_EQ(value(unit(*files, "app-trial@.service"), "Service", "Slice"), "system-app.slice")
      << "the instances' slice: a weight weighs against siblings";
  EXPECT_EQ(value(unit(*files, "app-trial@.service"), "Service", "Nice"), "")
      << "nice weighs nothing across units";
  EXPECT_EQ(value(unit(*files, "app@.service"), "Service", "CPUWeight"), "")
      << "the instance's weight is the swap's to lower and raise, at runtime";
}

TEST(ZeroDowntime, TheInstancesSliceIsNamedAsSystemdEscapesIt) {
  Contract c;
  c.name = "mes-dashboard";
  EXPECT_EQ(instance_slice(c), "system-mes\\x2ddashboard.slice");
  c.name = ".odd_name.v2";
  EXPECT_EQ(instance_slice(c), "system-\\x2eodd_name.v2.slice");
}

TEST(ZeroDowntime, SwapUnitsOnlyInSwapMode) {
  auto hup = render_units(zero_downtime());
  ASSERT_TRUE(hup.ok());
  EXPECT_EQ(unit(*hup, "app-swap.path"), "(not rendered)");
  auto swap = render_units(zero_downtime("\n[watchdog]\nrestart_mode = \"swap\"\n"));
  ASSERT_TRUE(swap.ok()) << swap.error().to_string();
  EXPECT_EQ(value(unit(*swap, "app-swap.path"), "Path", "PathExists"), "/run/app/swap.request");
  EXPECT_THAT(value(unit(*swap, "app-swap.service"), "Service", "ExecStart"),
              HasSubstr("deploy --contract /etc/conda-systemd/app.toml --request /run/app/swap.request"));
}

TEST(ZeroDowntime, ContractNeedsBindAndHealthUrl) {
  std::string text = test::kContract;
  text.insert(text.find("bind = "), "zero_downtime = true\n");
  auto c = parse_contract(text, "runtime.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("needs service.bind"));
}

TEST(ZeroDowntime, SwapModeNeedsZeroDowntime) {
  std::string text = test::kContract;
  text.insert(text.find("\n[[worker]]"), "\n[watchdog]\nrestart_mode = \"swap\"\n");
  auto c = parse_contract(text, "runtime.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("needs service.zero_downtime = true"));
  text = test::kContract;
  text.insert(text.find("\n[[worker]]"), "\n[watchdog]\nrestart_mode = \"usr2\"\n");
  c = parse_contract(text, "runtime.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("expected \"hup\" or \"swap\""));
}

TEST(ZeroDowntime, InstancePidFile) {
  Contract c = zero_downtime();
  EXPECT_EQ(instance_pid_file(c, "blue"), "/run/app/gunicorn-blue.pid");
  c.paths.pid_file = "/run/app/pid";
  EXPECT_EQ(instance_pid_file(c, "green"), "/run/app/pid-green");
}

TEST(ZeroDowntime, CheckReadsTheLayoutBack) {
  test::Deployment d(zero_downtime_text("\n[watchdog]\nrestart_mode = \"swap\"\n"));
  check::Report r = check::run({.contract = d.contract(), .root = Root(d.root())});
  EXPECT_EQ(r.errors(), 0) << test::dump(r);
  check::Report one =
      check::run({.contract = d.contract(), .root = Root(d.root()), .only_unit = "app@.service"});
  EXPECT_EQ(one.errors(), 0) << test::dump(one);
}

TEST(ZeroDowntime, CheckFindsADriftedSocket) {
  test::Deployment d(zero_downtime_text());
  d.edit("/etc/systemd/system/app.socket", "ListenStream=127.0.0.1:8080", "ListenStream=127.0.0.1:9090");
  check::Report r = check::run({.contract = d.contract(), .root = Root(d.root())});
  auto found = test::with_code(r, "CSD132");
  ASSERT_EQ(found.size(), 1u) << "one drift, one finding\n" << test::dump(r);
  EXPECT_EQ(found[0].message, "app.socket listens on 127.0.0.1:9090, not on the contract's service.bind");
  // The preflight of an instance names it too: gunicorn would serve wherever the socket listens.
  check::Report one =
      check::run({.contract = d.contract(), .root = Root(d.root()), .only_unit = "app@.service"});
  found = test::with_code(one, "CSD132");
  ASSERT_EQ(found.size(), 1u) << test::dump(one);
  EXPECT_EQ(found[0].expected, "ListenStream=127.0.0.1:8080");
  EXPECT_EQ(found[0].found, "ListenStream=127.0.0.1:9090");
  EXPECT_THAT(found[0].fix, HasSubstr("systemctl restart app.socket"));
  EXPECT_GT(found[0].line, 0);
}

TEST(ZeroDowntime, CheckFindsASocketWithASecondOrNoAddress) {
  test::Deployment d(zero_downtime_text());
  d.write("/etc/systemd/system/app.socket.d/10-more.conf", "[Socket]\nListenStream=0.0.0.0:9090\n");
  auto found = test::with_code(
      check::run({.contract = d.contract(), .root = Root(d.root()), .only_unit = "app@.service"}), "CSD132");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].found, "ListenStream=127.0.0.1:8080, 0.0.0.0:9090");
  EXPECT_THAT(found[0].file, HasSubstr("10-more.conf"));
  d.write("/etc/systemd/system/app.socket.d/10-more.conf", "[Socket]\nListenStream=\n");
  found = test::with_code(
      check::run({.contract = d.contract(), .root = Root(d.root()), .only_unit = "app@.service"}), "CSD132");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].message, "app.socket listens on nothing, not on the contract's service.bind");
}

std::string unix_text() {
  std::string text = zero_downtime_text();
  text.replace(text.find("bind = \"127.0.0.1:8080\""), std::string("bind = \"127.0.0.1:8080\"").size(),
               "bind = \"unix:/run/app/web.sock\"");
  return text;
}

TEST(ZeroDowntime, AUnixBindIsTheSocketsPathForTheServiceGroup) {
  auto c = parse_contract(unix_text(), "runtime.toml");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  auto files = render_units(*c);
  ASSERT_TRUE(files.ok()) << files.error().to_string();
  std::string socket = unit(*files, "app.socket");
  EXPECT_EQ(value(socket, "Socket", "ListenStream"), "/run/app/web.sock");
  EXPECT_EQ(value(socket, "Socket", "SocketUser"), c->service.user);
  EXPECT_EQ(value(socket, "Socket", "SocketGroup"), c->service.group);
  EXPECT_EQ(value(socket, "Socket", "SocketMode"), "0660");
  EXPECT_EQ(value(socket, "Socket", "RemoveOnStop"), "yes");
  EXPECT_EQ(value(socket, "Socket", "FreeBind"), "");
  EXPECT_EQ(value(socket, "Socket", "Backlog"), "2048");
}

TEST(ZeroDowntime, CheckReadsAUnixLayoutBackAndFindsASocketLeftOnTcp) {
  test::Deployment d(unix_text());
  check::Report r = check::run({.contract = d.contract(), .root = Root(d.root())});
  EXPECT_EQ(r.errors(), 0) << test::dump(r);
  d.edit("/etc/systemd/system/app.socket", "ListenStream=/run/app/web.sock", "ListenStream=127.0.0.1:8080");
  auto found = test::with_code(
      check::run({.contract = d.contract(), .root = Root(d.root()), .only_unit = "app@.service"}), "CSD132");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].expected, "ListenStream=/run/app/web.sock");
}

}  // namespace
}  // namespace csd::render
