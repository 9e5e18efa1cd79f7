#include "check/inherited_sockets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support/contracts.h"

namespace csd::check {
namespace {

using ::testing::HasSubstr;

Contract contract(const std::string& bind, bool zero_downtime = false) {
  std::string text = test::example_contract("app");
  const std::string example = "bind = \"127.0.0.1:8080\"";
  text.replace(text.find(example), example.size(), "bind = \"" + bind + "\"");
  if (zero_downtime)
    text.insert(text.find("bind = "),
                "health_url = \"http://127.0.0.1:8080/health\"\nzero_downtime = true\n");
  auto c = parse_contract(text, "/etc/conda-systemd/app.toml");
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  return *c;
}

host::InheritedSocket at(const std::string& address, bool listening = true) {
  return {.fd = 3, .address = address, .listening = listening};
}

TEST(InheritedSockets, TheBindAsASocketAddressWritesIt) {
  EXPECT_EQ(bind_address("127.0.0.1:8080"), "127.0.0.1:8080");
  EXPECT_EQ(bind_address("localhost:8080"), "127.0.0.1:8080") << "as the socket unit has it";
  EXPECT_EQ(bind_address("0.0.0.0:80"), "0.0.0.0:80");
  EXPECT_EQ(bind_address("[::]:8080"), "[::]:8080");
  EXPECT_EQ(bind_address("[0:0::1]:8080"), "[::1]:8080") << "as inet_ntop writes it";
  EXPECT_EQ(bind_address("unix:/run/app/app.sock"), "/run/app/app.sock");
  EXPECT_EQ(bind_address("app.example.com:8080"), "") << "a name: no socket shows it";
}

TEST(InheritedSockets, TheSocketOnTheBindPasses) {
  EXPECT_TRUE(check_inherited_sockets(contract("127.0.0.1:8080"), {at("127.0.0.1:8080")}, ""));
  EXPECT_TRUE(check_inherited_sockets(contract("[::1]:8080"), {at("[::1]:8080")}, ""));
  EXPECT_TRUE(check_inherited_sockets(contract("unix:/run/app/app.sock"), {at("/run/app/app.sock")}, ""));
  EXPECT_TRUE(check_inherited_sockets(contract("127.0.0.1:8080"), {}, "")) << "nothing inherited";
  EXPECT_TRUE(check_inherited_sockets(contract("app.example.com:8080"), {at("10.0.0.5:8080")}, ""))
      << "a name: the port alone";
}

TEST(InheritedSockets, TheInstancesOwnHealthSocketPassesInTheZeroDowntimeLayoutOnly) {
  const std::string health = "/run/conda-systemd/app/health-green.sock";
  EXPECT_TRUE(
      check_inherited_sockets(contract("127.0.0.1:8080", true), {at("127.0.0.1:8080"), at(health)}, ""));
  EXPECT_TRUE(
      check_inherited_sockets(contract("127.0.0.1:8080", true), {at(health)}, "app-trial@green.service"))
      << "the trial";
  auto plain = check_inherited_sockets(contract("127.0.0.1:8080"), {at("127.0.0.1:8080"), at(health)}, "");
  ASSERT_FALSE(plain);
  EXPECT_THAT(plain.error().message, HasSubstr("listens on " + health));
}

TEST(InheritedSockets, ASocketElsewhereIsRefusedWithWhereAndWhy) {
  auto r = check_inherited_sockets(contract("127.0.0.1:8080", true), {at("127.0.0.1:9090")}, "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, "/etc/conda-systemd/app.toml");
  EXPECT_THAT(r.error().message,
              HasSubstr("the inherited socket (descriptor 3, LISTEN_FDS) listens on 127.0.0.1:9090, not on "
                        "service.bind 127.0.0.1:8080: gunicorn serves every inherited socket"));
  EXPECT_THAT(r.error().hint, HasSubstr("systemctl restart app.target"));
  for (auto [bind, address] :
       {std::pair{"127.0.0.1:8080", "0.0.0.0:8080"}, std::pair{"0.0.0.0:8080", "[::]:8080"},
        std::pair{"127.0.0.1:8080", "127.0.0.1:8081"},
        std::pair{"unix:/run/app/app.sock", "/run/app/other.sock"},
        std::pair{"unix:/run/app/app.sock", "@/run/app/app.sock"},
        std::pair{"127.0.0.1:8080", "/run/app/app.sock"},
        std::pair{"app.example.com:8080", "10.0.0.5:18080"}})
    EXPECT_FALSE(check_inherited_sockets(contract(bind), {at(address)}, "")) << bind << " " << address;
}

TEST(InheritedSockets, AnInstanceMustInheritTheSocketOnTheBind) {
  const std::string health = "/run/conda-systemd/app/health-blue.sock";
  Contract c = contract("127.0.0.1:8080", true);
  auto r = check_inherited_sockets(c, {at(health)}, "app@blue.service");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message,
              HasSubstr("app@blue.service inherits no socket on service.bind 127.0.0.1:8080 "
                        "(LISTEN_FDS: " +
                        health + "): gunicorn would serve its health socket alone"));
  EXPECT_THAT(r.error().hint, HasSubstr("systemctl restart app.target"));
  EXPECT_THAT(check_inherited_sockets(c, {}, "app@green.service").error().message,
              HasSubstr("(LISTEN_FDS: none)"));
  EXPECT_TRUE(check_inherited_sockets(c, {at(health)}, "app-trial@blue.service"))
      << "the trial has none by design";
  EXPECT_TRUE(check_inherited_sockets(c, {at("127.0.0.1:8080"), at(health)}, "app@blue.service"));
  EXPECT_TRUE(check_inherited_sockets(contract("127.0.0.1:8080"), {}, "app.service"))
      << "the plain layout binds";
}

TEST(InheritedSockets, ASocketThatDoesNotListenIsRefused) {
  auto r = check_inherited_sockets(contract("127.0.0.1:8080"), {at("127.0.0.1:8080", false)}, "");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("on 127.0.0.1:8080 (descriptor 3, LISTEN_FDS) is not listening"));
}

}  // namespace
}  // namespace csd::check
