#include "systemd/specifiers.h"

#include <gtest/gtest.h>

namespace csd::systemd {
namespace {

SpecifierTable table_for(const char* name, const std::string& fragment = {}) {
  auto n = parse_unit_name(name);
  EXPECT_TRUE(n) << name;
  return unit_specifiers(*n, fragment);
}

std::string expand(std::string_view text, const SpecifierTable& t) {
  auto r = expand_specifiers(text, t);
  return r ? *r : "ERROR: " + r.error().message;
}

TEST(UnitSpecifierTest, NameDerivedValues) {
  auto t = table_for("mes-web@var-lib-x.service", "/etc/systemd/system/mes-web@.service");
  EXPECT_EQ(expand("%n|%N|%p|%i|%I|%j|%f", t),
            "mes-web@var-lib-x.service|mes-web@var-lib-x|mes-web|var-lib-x|var/lib/x|web|/var/lib/x");
  EXPECT_EQ(expand("%P %J", t), "mes/web web");
  EXPECT_EQ(expand("%y %Y", t), "/etc/systemd/system/mes-web@.service /etc/systemd/system");
  auto plain = table_for("app.service");
  EXPECT_EQ(expand("[%i][%I][%j][%f]", plain), "[][][app][/app]");
}

TEST(UnitSpecifierTest, SystemManagerValues) {
  auto t = table_for("app.service");
  // %u and %h are the manager's user, never User=: a common trap in system units.
  EXPECT_EQ(expand("%t %S %C %L %E %T %V %u %U %g %G %h %d", t),
            "/run /var/lib /var/cache /var/log /etc /tmp /var/tmp root 0 root 0 /root "
            "/run/credentials/app.service");
}

TEST(UnitSpecifierTest, PercentHandlingMatchesSystemd252) {
  auto t = table_for("app.service");
  EXPECT_EQ(expand("100%%", t), "100%");
  EXPECT_EQ(expand("end%", t), "end%");  // verified: systemd keeps a trailing lone %
  EXPECT_EQ(expand("%%n", t), "%n");
  EXPECT_EQ(expand("no specifiers", t), "no specifiers");
  // Verified with systemd 252: "Failed to resolve unit specifiers ...: Invalid slot".
  EXPECT_EQ(expand("%k", t).substr(0, 26), "ERROR: unknown specifier \"");
  EXPECT_EQ(expand("%z", t).substr(0, 26), "ERROR: unknown specifier \"");
  // Known to systemd but a host fact we were not given.
  EXPECT_NE(expand("%H", t).find("has no value here"), std::string::npos);
  EXPECT_NE(expand("%y", t).find("has no value here"), std::string::npos);
}

TEST(UnitSpecifierTest, KnownLetters) {
  for (char c : std::string("aAbBcCdEfgGhHiIjJlLmMnNopPqrRsStTuUvVwWyY"))
    EXPECT_TRUE(is_known_specifier(c)) << c;
  for (char c : std::string("DeFkKOQxXzZ0%")) EXPECT_FALSE(is_known_specifier(c)) << c;
}

}  // namespace
}  // namespace csd::systemd
