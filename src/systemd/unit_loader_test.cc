#include "systemd/unit_loader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support/temp_dir.h"

namespace csd::systemd {
namespace {

constexpr const char* kEtc = "/etc/systemd/system";
constexpr const char* kRun = "/run/systemd/system";
constexpr const char* kUsr = "/usr/lib/systemd/system";

class UnitLoaderTest : public ::testing::Test {
 protected:
  void write(const std::string& dir, const std::string& name, const std::string& text) {
    dir_.write(dir + "/" + name, text);
  }
  void link(const std::string& target, const std::string& path) {
    dir_.mkdirs(path.substr(0, path.rfind('/')));
    ASSERT_EQ(::symlink(target.c_str(), dir_.at(path).c_str()), 0) << path;
  }
  Result<UnitConfig> load(const std::string& name) { return load_unit(Root(dir_.path()), name); }
  UnitConfig load_ok(const std::string& name) {
    auto r = load(name);
    EXPECT_TRUE(r.ok()) << (r ? "" : r.error().to_string());
    return r ? *r : UnitConfig{};
  }
  static std::vector<std::string> paths(const UnitConfig& c) {
    std::vector<std::string> out;
    for (const auto& f : c.files()) out.push_back(f.path + (f.masked ? " (masked)" : ""));
    return out;
  }
  static std::vector<std::string> env_values(const UnitConfig& c) {
    std::vector<std::string> out;
    for (const auto& a : c.values("Service", "Environment")) out.push_back(a.value);
    return out;
  }

  test::TempDir dir_;
};

using V = std::vector<std::string>;

TEST_F(UnitLoaderTest, FirstDirectoryWinsAndDropInsApplyInNameOrder) {
  write(kUsr, "app.service", "[Service]\nExecStart=/usr/bin/old\nUser=usr\n");
  write(kEtc, "app.service", "[Service]\nExecStart=/opt/env/bin/gunicorn\nUser=etc\nEnvironment=A=1\n");
  write(kUsr, "app.service.d/20-b.conf", "[Service]\nEnvironment=B=usr\n");
  write(kRun, "app.service.d/20-b.conf", "[Service]\nEnvironment=B=run\n");  // hides the /usr one
  write(kUsr, "app.service.d/10-a.conf", "[Service]\nUser=dropin\n");
  write(kEtc, "app.service.d/30-c.conf", "[Service]\nEnvironment=\nEnvironment=C=etc\n");
  write(kEtc, "app.service.d/notes.txt", "ignored");
  write(kEtc, "app.service.d/.hidden.conf", "[Service]\nUser=hidden\n");
  UnitConfig c = load_ok("app.service");
  EXPECT_EQ(c.name(), "app.service");
  EXPECT_FALSE(c.masked());
  EXPECT_EQ(c.fragment_path(), "/etc/systemd/system/app.service");
  EXPECT_EQ(paths(c), (V{"/etc/systemd/system/app.service", "/usr/lib/systemd/system/app.service.d/10-a.conf",
                         "/run/systemd/system/app.service.d/20-b.conf",
                         "/etc/systemd/system/app.service.d/30-c.conf"}));
  auto user = c.last("Service", "User");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->value, "dropin");
  EXPECT_EQ(user->file, "/usr/lib/systemd/system/app.service.d/10-a.conf");
  EXPECT_EQ(user->line, 2);
  // The empty Environment= in 30-c.conf resets the list.
  EXPECT_EQ(env_values(c), (V{"C=etc"}));
  auto exec = c.values("Service", "ExecStart");
  ASSERT_EQ(exec.size(), 1u);
  EXPECT_EQ(exec[0].value, "/opt/env/bin/gunicorn");
  EXPECT_FALSE(c.last("Service", "Nope"));
  EXPECT_TRUE(c.values("Unit", "ExecStart").empty());
}

TEST_F(UnitLoaderTest, ExecStartResetInDropIn) {
  write(kEtc, "app.service", "[Service]\nExecStartPre=/bin/a\nExecStart=/bin/old\n");
  write(kEtc, "app.service.d/override.conf",
        "[Service]\nExecStart=\nExecStart=/bin/new\nExecStartPre=/bin/b\n");
  UnitConfig c = load_ok("app.service");
  auto exec = c.values("Service", "ExecStart");
  ASSERT_EQ(exec.size(), 1u);
  EXPECT_EQ(exec[0].value, "/bin/new");
  EXPECT_EQ(exec[0].file, "/etc/systemd/system/app.service.d/override.conf");
  EXPECT_EQ(exec[0].line, 3);
  EXPECT_EQ(c.values("Service", "ExecStartPre").size(), 2u);
}

TEST_F(UnitLoaderTest, InstancesTemplatesDashPrefixesAndTypeDropIns) {
  // The same tree was loaded by systemd 252 (systemd --test); it listed exactly these drop-ins and
  // ended with FROM=usr-template DASH=1 R=etc-inst Z=etc-tmpl-dropin-masks TOP=1.
  write(kUsr, "my-app@.service", "[Service]\nExecStart=/bin/tmpl %i\nEnvironment=FROM=usr-template\n");
  write(kUsr, "my-app@.service.d/50-z.conf", "[Service]\nEnvironment=Z=usr-tmpl-dropin\n");
  write(kEtc, "my-app@.service.d/50-z.conf", "[Service]\nEnvironment=Z=etc-tmpl-dropin-masks\n");
  write(kRun, "my-app@bar.service.d/10-r.conf", "[Service]\nEnvironment=R=run-inst\n");
  write(kEtc, "my-app@bar.service.d/20-r.conf", "[Service]\nEnvironment=R=etc-inst\n");
  write(kUsr, "my-.service.d/05-dash.conf", "[Service]\nEnvironment=DASH=1\n");
  write(kUsr, "service.d/99-top.conf", "[Service]\nEnvironment=TOP=1\n");
  write(kUsr, "my-app@.service.d/60-m.conf", "[Service]\nEnvironment=MASKED=1\n");
  link("/dev/null", std::string(kRun) + "/my-app@.service.d/60-m.conf");
  write(kEtc, "my-app@bar.service.d/x.txt", "[Service]\nEnvironment=NOTCONF=1\n");
  write(kUsr, "my-@.service.d/01.conf", "[Service]\nEnvironment=D1=1\n");
  write(kUsr, "my-@bar.service.d/02.conf", "[Service]\nEnvironment=D2=1\n");
  UnitConfig c = load_ok("my-app@bar.service");
  EXPECT_EQ(c.name(), "my-app@bar.service");
  EXPECT_EQ(c.fragment_path(), "/usr/lib/systemd/system/my-app@.service");
  EXPECT_EQ(paths(c),
            (V{"/usr/lib/systemd/system/my-app@.service", "/usr/lib/systemd/system/my-@.service.d/01.conf",
               "/usr/lib/systemd/system/my-@bar.service.d/02.conf",
               "/usr/lib/systemd/system/my-.service.d/05-dash.conf",
               "/run/systemd/system/my-app@bar.service.d/10-r.conf",
               "/etc/systemd/system/my-app@bar.service.d/20-r.conf",
               "/etc/systemd/system/my-app@.service.d/50-z.conf",
               "/run/systemd/system/my-app@.service.d/60-m.conf (masked)",
               "/usr/lib/systemd/system/service.d/99-top.conf"}));
  EXPECT_EQ(env_values(c), (V{"FROM=usr-template", "D1=1", "D2=1", "DASH=1", "R=run-inst", "R=etc-inst",
                              "Z=etc-tmpl-dropin-masks", "TOP=1"}));
  auto specs = c.specifiers();
  EXPECT_EQ(specs.at('i'), "bar");
  EXPECT_EQ(specs.at('n'), "my-app@bar.service");
  EXPECT_EQ(specs.at('y'), "/usr/lib/systemd/system/my-app@.service");
}

TEST_F(UnitLoaderTest, DashPrefixesOfPlainUnits) {
  write(kUsr, "a-b-c.service", "[Service]\nExecStart=/bin/x\n");
  write(kUsr, "a-b-.service.d/2.conf", "[Service]\nEnvironment=X=a-b-\n");
  write(kUsr, "a-.service.d/1.conf", "[Service]\nEnvironment=X=a-\n");
  write(kUsr, "a-b-c-.service.d/3.conf", "[Service]\nEnvironment=X=never\n");
  UnitConfig c = load_ok("a-b-c.service");
  EXPECT_EQ(env_values(c), (V{"X=a-", "X=a-b-"}));
}

TEST_F(UnitLoaderTest, SameDropInNameEarlierDirectoryWinsAcrossNames) {
  // Verified with systemd 252: /etc's template drop-in beats /usr's instance drop-in of the same name.
  write(kUsr, "w@.service", "[Service]\nExecStart=/bin/t\n");
  write(kUsr, "w@i.service.d/same.conf", "[Service]\nEnvironment=S=usr-inst\n");
  write(kEtc, "w@.service.d/same.conf", "[Service]\nEnvironment=S=etc-tmpl\n");
  EXPECT_EQ(env_values(load_ok("w@i.service")), (V{"S=etc-tmpl"}));
}

TEST_F(UnitLoaderTest, InstanceFileBeatsTemplateInAnEarlierDirectory) {
  write(kUsr, "x@bar.service", "[Service]\nExecStart=/bin/inst\n");
  write(kEtc, "x@.service", "[Service]\nExecStart=/bin/tmpl\n");
  EXPECT_EQ(load_ok("x@bar.service").values("Service", "ExecStart").at(0).value, "/bin/inst");
  EXPECT_EQ(load_ok("x@other.service").values("Service", "ExecStart").at(0).value, "/bin/tmpl");
}

TEST_F(UnitLoaderTest, MaskedUnits) {
  write(kUsr, "null.service", "[Service]\nExecStart=/bin/true\n");
  link("/dev/null", std::string(kEtc) + "/null.service");
  write(kUsr, "empty.service", "[Service]\nExecStart=/bin/true\n");
  write(kEtc, "empty.service", "");  // systemd 252 reports an empty unit file as masked, too
  for (const char* name : {"null.service", "empty.service"}) {
    UnitConfig c = load_ok(name);
    EXPECT_TRUE(c.masked()) << name;
    EXPECT_TRUE(c.assignments().empty());
    ASSERT_EQ(c.files().size(), 1u);
    EXPECT_EQ(c.files()[0].path, std::string(kEtc) + "/" + name);
    EXPECT_TRUE(c.files()[0].masked);
  }
}

TEST_F(UnitLoaderTest, AliasesAndLinkedFiles) {
  write(kUsr, "real.service", "[Service]\nExecStart=/bin/real %n\n");
  link("../../../usr/lib/systemd/system/real.service", std::string(kEtc) + "/alias.service");
  write(kEtc, "alias.service.d/a.conf", "[Service]\nEnvironment=A=alias\n");
  write(kEtc, "real.service.d/r.conf", "[Service]\nEnvironment=R=real\n");
  // As systemd 252: the alias loads as real.service, with the drop-ins of both names.
  UnitConfig alias = load_ok("alias.service");
  EXPECT_EQ(alias.name(), "real.service");
  EXPECT_EQ(alias.aliases(), (V{"alias.service"}));
  EXPECT_EQ(alias.fragment_path(), "/usr/lib/systemd/system/real.service");
  EXPECT_EQ(env_values(alias), (V{"A=alias", "R=real"}));
  EXPECT_EQ(alias.specifiers().at('n'), "real.service");

  // A link to a file outside the search path keeps its own name ("systemctl link").
  write("/opt/deploy", "other-name.service", "[Service]\nExecStart=/bin/x %n\n");
  link("/opt/deploy/other-name.service", std::string(kEtc) + "/linked.service");
  write(kEtc, "other-name.service.d/o.conf", "[Service]\nEnvironment=O=1\n");
  write(kEtc, "linked.service.d/l.conf", "[Service]\nEnvironment=L=1\n");
  UnitConfig linked = load_ok("linked.service");
  EXPECT_EQ(linked.name(), "linked.service");
  EXPECT_TRUE(linked.aliases().empty());
  EXPECT_EQ(linked.fragment_path(), "/etc/systemd/system/linked.service");
  EXPECT_EQ(env_values(linked), (V{"L=1"}));
  EXPECT_EQ(linked.specifiers().at('y'), "/opt/deploy/other-name.service");
}

TEST_F(UnitLoaderTest, Errors) {
  auto missing = load("nope.service");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("not found in /etc/systemd/system"), std::string::npos);
  EXPECT_FALSE(load("bad name.service").ok());
  EXPECT_NE(load("tmpl@.service").error().message.find("template"), std::string::npos);

  link("loop2.service", std::string(kEtc) + "/loop1.service");
  link("loop1.service", std::string(kEtc) + "/loop2.service");
  auto loop = load("loop1.service");
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.error().message.find("loop"), std::string::npos);
  EXPECT_EQ(loop.error().file, "/etc/systemd/system/loop1.service");

  link("/nowhere/x.service", std::string(kEtc) + "/dangling.service");
  auto dangling = load("dangling.service");
  ASSERT_FALSE(dangling.ok());
  EXPECT_NE(dangling.error().message.find("dangling"), std::string::npos);

  dir_.mkdirs(std::string(kEtc) + "/dir.service");
  auto dir = load("dir.service");
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.error().message.find("directory"), std::string::npos);

  write(kEtc, "syntax.service", "[Service]\nExecStart=/bin/x\n");
  write(kEtc, "syntax.service.d/bad.conf", "[Service]\nthis line has no equals\n");
  auto syntax = load("syntax.service");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().file, "/etc/systemd/system/syntax.service.d/bad.conf");
  EXPECT_EQ(syntax.error().line, 2);

  write(kEtc, "dropdir.service", "[Service]\nExecStart=/bin/x\n");
  dir_.mkdirs(std::string(kEtc) + "/dropdir.service.d/sub.conf");
  auto dropdir = load("dropdir.service");
  ASSERT_FALSE(dropdir.ok());
  EXPECT_NE(dropdir.error().message.find("directory"), std::string::npos);

  write(kEtc, "droploop.service", "[Service]\nExecStart=/bin/x\n");
  link("b.conf", std::string(kEtc) + "/droploop.service.d/a.conf");
  link("a.conf", std::string(kEtc) + "/droploop.service.d/b.conf");
  EXPECT_NE(load("droploop.service").error().message.find("loop"), std::string::npos);
}

TEST_F(UnitLoaderTest, HostileUnitFiles) {
  ASSERT_EQ(::mkfifo(dir_.at("/x").c_str(), 0600), 0);
  dir_.mkdirs(kEtc);
  ASSERT_EQ(::mkfifo(dir_.at(std::string(kEtc) + "/fifo.service").c_str(), 0600), 0);
  auto fifo = load("fifo.service");  // must not block
  ASSERT_FALSE(fifo.ok());
  EXPECT_NE(fifo.error().message.find("FIFO"), std::string::npos);

  std::string junk;
  for (int i = 0; i < 8192; ++i) junk += static_cast<char>((i * 7919 + 1) % 256);
  write(kEtc, "junk.service", junk);
  EXPECT_FALSE(load("junk.service").ok());

  write(kEtc, "big.service", "[Service]\nExecStart=/bin/" + std::string(10 << 20, 'x') + "\n");
  auto big = load("big.service");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().file, "/etc/systemd/system/big.service");

  write(kEtc, "comments.service", "# nothing\n; here\n");
  UnitConfig comments = load_ok("comments.service");
  EXPECT_FALSE(comments.masked());
  EXPECT_TRUE(comments.assignments().empty());

  write(kEtc, "crlf.service", "[Service]\r\nExecStart=/bin/x\r\n");
  EXPECT_EQ(load_ok("crlf.service").values("Service", "ExecStart").at(0).value, "/bin/x");
}

TEST_F(UnitLoaderTest, CustomSearchDirs) {
  write("/srv/units", "app.service", "[Service]\nUser=srv\n");
  auto r = load_unit(Root(dir_.path()), "app.service", {"/srv/units"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->last("Service", "User")->value, "srv");
  EXPECT_EQ(default_unit_dirs(), (V{kEtc, kRun, kUsr}));
}

}  // namespace
}  // namespace csd::systemd
