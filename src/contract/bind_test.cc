#include "contract/bind.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "contract/contract.h"
#include "contract/toml_string.h"
#include "test_support/contracts.h"
#include "test_support/process.h"
#include "test_support/temp_dir.h"

namespace csd {
namespace {

using ::testing::HasSubstr;

// The shared test contract with another bind.
std::string with_bind(const std::string& bind) {
  std::string text = test::example_contract("app");
  const std::string tcp = "bind = \"127.0.0.1:8080\"";
  return text.replace(text.find(tcp), tcp.size(), "bind = " + toml_string(bind));
}

// The line of the bind in that text.
int bind_line() {
  std::string text = test::example_contract("app");
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + text.find("bind = "), '\n'));
}

// Paths every reader of the bind (systemd's ListenStream=, gunicorn, the kernel) must agree on.
const std::vector<std::pair<std::string, std::string>> kBadUnixBinds = {
    {"unix:run/app.sock", "not absolute"},
    {"unix:", "not absolute"},
    {"unix:///run/app.sock", "not normal"},
    {"unix:/run//app.sock", "not normal"},
    {"unix:/run/../etc/app.sock", "not normal"},
    {"unix:/run/./app.sock", "not normal"},
    {"unix:/run/app/", "names a directory"},
    {"unix:/run/my app.sock", "' ' in the path"},
    {"unix:/run/%i.sock", "'%' in the path"},
    {"unix:/run/a\\x.sock", "'\\' in the path"},
    {"unix:/run/app\x01.sock", "'\\x01' in the path"},
    {"unix:/" + std::string(107, 'a'), "the path has 108 bytes, a unix socket's at most 107"},
};

TEST(Bind, HostPortAndUnixPathAreRead) {
  EXPECT_EQ(unix_bind_path("unix:/run/mes-dashboard/app.sock"), "/run/mes-dashboard/app.sock");
  EXPECT_EQ(unix_bind_path("127.0.0.1:8080"), "");
  EXPECT_EQ(bind_host("[::1]:8080"), "[::1]");
  EXPECT_EQ(bind_host("unix:/run/app.sock"), "");
  EXPECT_EQ(listen_stream("localhost:8080"), "127.0.0.1:8080");
  EXPECT_EQ(listen_stream("0.0.0.0:8080"), "0.0.0.0:8080");
  EXPECT_EQ(listen_stream("unix:/run/mes-dashboard/app.sock"), "/run/mes-dashboard/app.sock");
  EXPECT_FALSE(bind_problem("unix:/run/mes-dashboard/app.sock"));
  EXPECT_FALSE(bind_problem("unix:/" + std::string(106, 'a')));
  EXPECT_FALSE(bind_problem("127.0.0.1:8080"));
}

TEST(Bind, ContractTakesAUnixPath) {
  auto c = parse_contract(with_bind("unix:/run/mes-dashboard/app.sock"), "runtime.toml");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->service.bind, "unix:/run/mes-dashboard/app.sock");
}

TEST(Bind, BadUnixPathsAreErrorsWithTheirLine) {
  for (const auto& [bind, why] : kBadUnixBinds) {
    auto c = parse_contract(with_bind(bind), "runtime.toml");
    ASSERT_FALSE(c.ok()) << bind;
    EXPECT_THAT(c.error().message, HasSubstr("is not a unix socket path: ")) << bind;
    EXPECT_THAT(c.error().message, HasSubstr(why)) << bind;
    EXPECT_THAT(c.error().hint, HasSubstr("unix:/run/NAME/app.sock")) << bind;
    EXPECT_EQ(c.error().line, bind_line()) << bind;
  }
  for (const char* bind : {"8080", "unix", "localhost:0", "localhost:65536", "/run/app.sock"}) {
    auto c = parse_contract(with_bind(bind), "runtime.toml");
    ASSERT_FALSE(c.ok()) << bind;
    EXPECT_THAT(c.error().message, HasSubstr("is not host:port or unix:PATH")) << bind;
  }
}

TEST(Bind, TheProgramRefusesABadUnixPathWithItsLine) {
  test::TempDir dir;
  for (const auto& [bind, why] : kBadUnixBinds) {
    dir.write("/runtime.toml", with_bind(bind));
    test::Ran r = test::run_tool({"contract", "show", "--contract", dir.at("/runtime.toml")});
    EXPECT_EQ(r.status, 2) << bind << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(dir.at("/runtime.toml") + ":" + std::to_string(bind_line()) + ":")) << bind;
    EXPECT_THAT(r.err, HasSubstr(why)) << bind << "\n" << r.err;
  }
}

}  // namespace
}  // namespace csd
