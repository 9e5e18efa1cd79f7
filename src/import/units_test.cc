#include "import/units.h"

#include <gtest/gtest.h>

#include "test_support/temp_dir.h"

namespace csd::importer {
namespace {

TEST(ImportUnitsTest, FindsAndClassifiesByPrefix) {
  test::TempDir dir;
  const std::string d = "/etc/systemd/system/";
  for (const char* f :
       {"mes.service", "mes-watchdog.service", "mes-wip-worker.service", "mes-backup.timer", "mes-q@.service",
        "mes-cron.service", "mesx.service", "other.service", "mes-worker.service"})
    dir.write(d + f, "[Service]\n");
  dir.write(d + "mes.service.d/x.conf", "[Service]\n");
  dir.write("/usr/lib/systemd/system/mes.service", "[Service]\n");  // hidden by /etc
  auto r = find_units(Root(dir.path()), "mes", {"/etc/systemd/system", "/usr/lib/systemd/system"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::map<std::string, FoundUnit> by;
  for (const auto& u : *r) by[u.name] = u;
  EXPECT_EQ(by.size(), 7u);
  EXPECT_EQ(by["mes.service"].role, Role::kApp);
  EXPECT_EQ(by["mes.service"].path, "/etc/systemd/system/mes.service");
  EXPECT_EQ(by["mes-watchdog.service"].role, Role::kWatchdog);
  EXPECT_EQ(by["mes-wip-worker.service"].role, Role::kWorker);
  EXPECT_EQ(by["mes-wip-worker.service"].worker, "wip");
  EXPECT_EQ(by["mes-backup.timer"].role, Role::kOther);
  EXPECT_NE(by["mes-q@.service"].why.find("template"), std::string::npos);
  EXPECT_EQ(by["mes-cron.service"].role, Role::kOther);
  EXPECT_EQ(by["mes-worker.service"].role, Role::kOther);
  EXPECT_FALSE(by.count("mesx.service"));
  EXPECT_FALSE(by.count("other.service"));
}

TEST(ImportUnitsTest, TheZeroDowntimeLayoutNeedsTheTemplateAndTheSocket) {
  test::TempDir dir;
  const std::string d = "/etc/systemd/system/";
  for (const char* f : {"mes@.service", "mes-listener.service", "mes.target"}) dir.write(d + f, "[Unit]\n");
  // Without mes.socket the template is a template like any other: there is no app.
  auto none = find_units(Root(dir.path()), "mes", {"/etc/systemd/system"});
  ASSERT_FALSE(none.ok());
  dir.write(d + "mes.socket", "[Socket]\n");
  dir.write(d + "mes.service", "[Service]\n");
  auto r = find_units(Root(dir.path()), "mes", {"/etc/systemd/system"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::map<std::string, FoundUnit> by;
  for (const auto& u : *r) by[u.name] = u;
  EXPECT_EQ(by["mes@.service"].role, Role::kApp);
  EXPECT_EQ(by["mes.socket"].role, Role::kLayout);
  EXPECT_EQ(by["mes-listener.service"].role, Role::kLayout);
  EXPECT_EQ(by["mes.target"].role, Role::kLayout);
  EXPECT_EQ(by["mes.service"].role, Role::kOther) << "the plain layout's unit, left from the switch";
}

TEST(ImportUnitsTest, MissingAppNamesTheClosest) {
  test::TempDir dir;
  dir.write("/etc/systemd/system/mes-dashbaord.service", "[Service]\n");
  auto r = find_units(Root(dir.path()), "mes-dashboard", {"/etc/systemd/system"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no unit mes-dashboard.service in /etc/systemd/system"),
            std::string::npos);
  EXPECT_NE(r.error().hint.find("mes-dashbaord"), std::string::npos);
}

}  // namespace
}  // namespace csd::importer
