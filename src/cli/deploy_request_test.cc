// `deploy --request FILE`, what root's NAME-swap.service runs, as shipped: the built binary, run as
// a process, over each kind of request the service user could leave (swap/request.h). Each is
// refused with its reason and exit 2 before anything is deployed; the library's cases with the
// good requests are src/swap/request_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>

#include "swap/request.h"
#include "test_support/deployment.h"
#include "test_support/process.h"
#include "util/file.h"

namespace csd::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string zero_downtime_contract() {
  std::string text = test::kContract;
  text.insert(text.find("bind = "), "health_url = \"http://127.0.0.1:8080/health\"\nzero_downtime = true\n");
  return text;
}

TEST(DeployRequestBinary, EveryBadRequestIsRefusedBeforeAnythingIsDeployed) {
  struct Case {
    const char* what;
    std::function<void(const test::Deployment&, const std::string& path)> make;
    const char* says;
  };
  const std::string good = swap::request_text({"app", "20261202T054011Z-1", "alice"});
  auto text = [](std::string t, unsigned mode = 0644) {
    return [t, mode](const test::Deployment& d, const std::string& path) {
      d.write("/run/app/swap.request", t, mode);
      ::chmod(path.c_str(), mode);
    };
  };
  std::vector<Case> cases = {
      {"missing", [](auto&, auto&) {}, "no swap request"},
      {"malformed JSON", text("{\"service\": \"app\", "), "is not one JSON object"},
      {"the old line format", text("20261202T054011Z-1 alice\n"), "is not one JSON object"},
      {"oversized", text(std::string(1 << 20, '{')), "more than the 4096 bytes accepted"},
      {"deep", text(std::string(3000, '[')), "is not one flat JSON object"},
      {"unknown field",
       text("{\"service\":\"app\",\"request_id\":\"1\",\"requested_by\":\"a\",\"env\":\"/tmp/evil\"}"),
       "has an unknown field \"env\""},
      {"another service", text(swap::request_text({"mes-dashboard", "1", "alice"})),
       "asks a swap of 'mes-dashboard', not of 'app'"},
      {"writable by others", text(good, 0666), "is writable by others (mode 0666)"},
      {"another owner",
       [good](const test::Deployment& d, const std::string& path) {
         d.write("/run/app/swap.request", good);
         ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
       },
       "is owned by uid 65534"},
      {"a symbolic link",
       [good](const test::Deployment& d, const std::string& path) {
         d.write("/run/app/elsewhere", good);
         ASSERT_EQ(::symlink(d.dir().at("/run/app/elsewhere").c_str(), path.c_str()), 0);
       },
       "is a symbolic link"},
      {"a FIFO", [](auto&, const std::string& path) { ASSERT_EQ(::mkfifo(path.c_str(), 0644), 0); },
       "is a FIFO"},
  };
  for (const auto& k : cases) {
    test::Deployment d(zero_downtime_contract());
    d.dir().mkdirs("/run/app");
    const std::string path = d.dir().at("/run/app/swap.request");
    k.make(d, path);
    test::Ran r = test::run({CSD_BINARY, "deploy", "--contract", d.dir().at("/etc/conda-systemd/app.toml"),
                             "--root", d.root(), "--request", path},
                            {"PATH=/usr/bin:/bin", "HOME=" + d.root() + "/home", "LANG=C.UTF-8"}, 60);
    EXPECT_EQ(r.status, 2) << k.what << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr(k.says)) << k.what;
    EXPECT_THAT(r.err, HasSubstr(path)) << k.what << ": the error names the file";
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("deploy:"))) << k.what << ": no step was taken";
    EXPECT_FALSE(path_exists(d.dir().at("/var/lib/app/conda-systemd-deploy.json"))) << k.what;
    EXPECT_FALSE(path_exists(d.dir().at("/var/lib/app/conda-systemd-active"))) << k.what;
    struct stat st {};
    EXPECT_NE(::lstat(path.c_str(), &st), 0) << k.what << ": gone, so the .path unit does not loop";
    if (std::string(k.what) != "missing") {
      EXPECT_EQ(::lstat((path + ".rejected").c_str(), &st), 0) << k.what << ": set aside";
    }
  }
}

TEST(DeployRequestBinary, TheRequestCannotBeGivenWithANewEnvironment) {
  test::Deployment d(zero_downtime_contract());
  test::Ran r =
      test::run({CSD_BINARY, "deploy", "--contract", d.dir().at("/etc/conda-systemd/app.toml"), "--root",
                 d.root(), "--request", d.dir().at("/run/app/swap.request"), "--env-name", "other"},
                {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}, 60);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("excludes")) << r.err;
}

}  // namespace
}  // namespace csd::cli
