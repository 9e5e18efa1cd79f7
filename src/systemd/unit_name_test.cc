#include "systemd/unit_name.h"

#include <gtest/gtest.h>

namespace csd::systemd {
namespace {

TEST(UnitNameTest, PlainTemplateAndInstance) {
  auto plain = parse_unit_name("mes-dashboard.service");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->prefix, "mes-dashboard");
  EXPECT_EQ(plain->type, "service");
  EXPECT_FALSE(plain->has_at);
  EXPECT_EQ(plain->full(), "mes-dashboard.service");

  auto tmpl = parse_unit_name("worker@.service");
  ASSERT_TRUE(tmpl);
  EXPECT_TRUE(tmpl->is_template());
  EXPECT_EQ(tmpl->full(), "worker@.service");

  auto inst = parse_unit_name("worker@wip-detail.service");
  ASSERT_TRUE(inst);
  EXPECT_TRUE(inst->is_instance());
  EXPECT_EQ(inst->instance, "wip-detail");
  EXPECT_EQ(inst->template_name(), "worker@.service");
  EXPECT_EQ(inst->without_type(), "worker@wip-detail");
}

TEST(UnitNameTest, RejectsWhatSystemdRejects) {
  for (const char* bad : {"", "noext", ".service", "foo.unknown", "foo bar.service", "@x.service",
                          "a/b.service", "foo@.", "caf\xC3\xA9.service"})
    EXPECT_FALSE(parse_unit_name(bad)) << bad;
  EXPECT_FALSE(parse_unit_name(std::string(300, 'a') + ".service"));
  EXPECT_TRUE(parse_unit_name("a:b_c.d\\x2d.socket"));
  EXPECT_TRUE(parse_unit_name("getty@tty1@x.service"));  // "@" is fine inside an instance
}

TEST(UnitNameTest, UnescapesSystemdEscape) {
  EXPECT_EQ(unescape_unit_name_part("var-lib-app"), "var/lib/app");
  EXPECT_EQ(unescape_unit_name_part("a\\x2db"), "a-b");
  EXPECT_FALSE(unescape_unit_name_part("a\\x2"));
  EXPECT_FALSE(unescape_unit_name_part("a\\y20"));
  EXPECT_FALSE(unescape_unit_name_part("a\\xzz"));
}

}  // namespace
}  // namespace csd::systemd
