// The swap request as root's oneshot reads it: real files of every kind the service user could
// leave at the path. The same cases through the program: src/cli/deploy_request_test.cc.
#include "swap/request.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support/contracts.h"
#include "test_support/temp_dir.h"
#include "util/file.h"
#include "util/json_bounds.h"
#include "util/user.h"

namespace csd::swap {
namespace {

struct Fixture {
  test::TempDir dir;
  Contract c;
  std::string path = dir.at("/swap.request");
  Fixture() {
    auto parsed = parse_contract(test::example_contract("app"), "runtime.toml");
    EXPECT_TRUE(parsed.ok()) << parsed.error().to_string();
    c = *parsed;
  }
  std::string good() const { return request_text({"app", "20261202T054011Z-1", "alice"}); }
  Result<Request> take(const std::string& text, unsigned mode = kRequestMode) {
    dir.write("/swap.request", text, mode);
    ::chmod(path.c_str(), mode);  // past the umask
    return take_request(path, c);
  }
  std::string rejected() const { return path + ".rejected"; }
};

TEST(SwapRequest, WhatTheWatchdogWritesIsTakenOnceAndRemoved) {
  Fixture f;
  auto r = f.take(f.good());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->service, "app");
  EXPECT_EQ(r->request_id, "20261202T054011Z-1");
  EXPECT_EQ(r->requested_by, "alice");
  EXPECT_FALSE(path_exists(f.path));
  EXPECT_FALSE(path_exists(f.rejected()));
  auto again = take_request(f.path, f.c);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("no swap request"), std::string::npos) << again.error().to_string();
}

TEST(SwapRequest, ACheckLeavesAGoodRequestInPlaceAndSetsABadOneAside) {
  // deploy --request checks at once, and takes the request only once the lock is held.
  Fixture f;
  f.dir.write("/swap.request", f.good(), kRequestMode);
  ::chmod(f.path.c_str(), kRequestMode);
  auto r = check_request(f.path, f.c);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->request_id, "20261202T054011Z-1");
  EXPECT_TRUE(path_exists(f.path)) << "still there, for the operation that holds the lock";
  f.dir.write("/swap.request", "{\"service\": ", kRequestMode);
  auto bad = check_request(f.path, f.c);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("set aside as swap.request.rejected"), std::string::npos);
  EXPECT_FALSE(path_exists(f.path));
  EXPECT_TRUE(path_exists(f.rejected()));
}

TEST(SwapRequest, AGoodRequestNotCarriedOutIsSetAsideNotLost) {
  Fixture f;
  f.dir.write("/swap.request", f.good(), kRequestMode);
  auto aside = set_aside_request(f.path);
  ASSERT_TRUE(aside.ok()) << aside.error().to_string();
  EXPECT_EQ(*aside, f.rejected());
  EXPECT_FALSE(path_exists(f.path)) << "the .path unit would start the swap again at once";
  EXPECT_EQ(*read_file(f.rejected()), f.good());
  auto gone = set_aside_request(f.path);
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.error().message.find("could not be set aside"), std::string::npos);
}

TEST(SwapRequest, TheWriterKeepsWhatTheReaderRefuses) {
  // The user comes from the dashboard's flag: control bytes, nothing, or a novel.
  Fixture f;
  for (const std::string& user :
       {std::string("al\nice\x7f"), std::string(""), std::string(5000, 'u'), std::string("Jos\xc3\xa9")}) {
    auto r = f.take(request_text({"app", "id-1", user}));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_LE(r->requested_by.size(), kMaxFieldBytes);
    EXPECT_EQ(r->requested_by.find('\n'), std::string::npos);
  }
  EXPECT_EQ(f.take(request_text({"app", "id-1", ""}))->requested_by, "-");
  EXPECT_EQ(f.take(request_text({"app", "id-1", "Jos\xc3\xa9"}))->requested_by, "Jos\xc3\xa9");
}

TEST(SwapRequest, BadContentIsRefusedAndSetAside) {
  struct Case {
    std::string text, says;
  };
  std::vector<Case> cases = {
      {"", "not one JSON object"},
      {"{\"service\": \"app\"", "not one JSON object"},
      {"[\"app\"]", "not one JSON object"},
      {"\"app\"", "not one JSON object"},
      {"id-1 alice\n", "not one JSON object"},  // the format before the request was JSON
      {"{\"service\":\"app\",\"request_id\":\"1\",\"requested_by\":\"a\",\"cmd\":\"rm -rf /\"}",
       "unknown field \"cmd\""},
      {"{\"service\":\"app\",\"request_id\":\"1\"}", "\"requested_by\" is missing"},
      {"{\"service\":\"app\",\"request_id\":1,\"requested_by\":\"a\"}",
       "\"request_id\" is missing or not a string"},
      {"{\"service\":\"app\",\"request_id\":\"\",\"requested_by\":\"a\"}", "\"request_id\" is empty"},
      {"{\"service\":\"app\",\"request_id\":\"1\\u0000\",\"requested_by\":\"a\"}", "control byte"},
      {"{\"service\":\"app\",\"request_id\":\"" + std::string(300, 'x') + "\",\"requested_by\":\"a\"}",
       "over 256 bytes"},
      {"{\"service\":\"other\",\"request_id\":\"1\",\"requested_by\":\"a\"}",
       "asks a swap of 'other', not of 'app'"},
      {"{\"service\":{\"service\":{\"service\":\"app\"}},\"request_id\":\"1\",\"requested_by\":\"a\"}",
       "not one flat JSON object"},
      {std::string(5000, ' ') + request_text({"app", "1", "a"}), "more than the 4096 bytes accepted"},
  };
  for (const auto& k : cases) {
    Fixture f;
    auto r = f.take(k.text);
    ASSERT_FALSE(r.ok()) << k.text;
    std::string said = r.error().to_string();
    EXPECT_NE(said.find(k.says), std::string::npos) << said;
    EXPECT_NE(said.find(f.path), std::string::npos) << "names the file: " << said;
    EXPECT_NE(said.find("set aside as swap.request.rejected"), std::string::npos) << said;
    EXPECT_FALSE(path_exists(f.path)) << "left there, it would start the swap unit again";
    EXPECT_EQ(*read_file(f.rejected()), k.text) << "kept, as it was, to be read";
  }
}

TEST(SwapRequest, ALinkAFifoADirectoryAreRefusedAndMovedNotFollowed) {
  Fixture f;
  // A link to a good request elsewhere: neither read nor touched.
  f.dir.write("/elsewhere", f.good());
  ASSERT_EQ(::symlink(f.dir.at("/elsewhere").c_str(), f.path.c_str()), 0);
  auto link = take_request(f.path, f.c);
  ASSERT_FALSE(link.ok());
  EXPECT_NE(link.error().message.find("symbolic link"), std::string::npos) << link.error().to_string();
  struct stat st {};
  ASSERT_EQ(::lstat(f.rejected().c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the link itself is set aside";
  EXPECT_EQ(*read_file(f.dir.at("/elsewhere")), f.good()) << "its target is left alone";

  // A FIFO nobody writes to: refused at once, not waited on.
  ASSERT_EQ(::mkfifo(f.path.c_str(), 0644), 0);
  auto fifo = take_request(f.path, f.c);
  ASSERT_FALSE(fifo.ok());
  EXPECT_NE(fifo.error().message.find("a FIFO"), std::string::npos) << fifo.error().to_string();
  ASSERT_EQ(::lstat(f.rejected().c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));

  ASSERT_EQ(::unlink(f.rejected().c_str()), 0);
  f.dir.mkdirs("/swap.request");
  auto dir = take_request(f.path, f.c);
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.error().message.find("a directory"), std::string::npos) << dir.error().to_string();
  EXPECT_TRUE(is_directory(f.rejected()));
}

TEST(SwapRequest, AnotherOwnerOrAWritableModeIsRefused) {
  Fixture f;  // service.user is www-data; the test runs as root
  auto open_to_all = f.take(f.good(), 0666);
  ASSERT_FALSE(open_to_all.ok());
  EXPECT_NE(open_to_all.error().message.find("writable by others (mode 0666)"), std::string::npos)
      << open_to_all.error().to_string();

  f.dir.write("/swap.request", f.good());
  ASSERT_EQ(::chown(f.path.c_str(), 65534, 65534), 0) << "the tests run as root";
  auto nobody = take_request(f.path, f.c);
  ASSERT_FALSE(nobody.ok());
  EXPECT_NE(nobody.error().message.find("owned by uid 65534, neither root nor the service user www-data"),
            std::string::npos)
      << nobody.error().to_string();

  auto www = uid_of_user("www-data");
  ASSERT_TRUE(www.ok());
  f.dir.write("/swap.request", f.good());
  ASSERT_EQ(::chown(f.path.c_str(), *www, *www), 0);
  EXPECT_TRUE(take_request(f.path, f.c).ok()) << "the service user's own request";
}

TEST(SwapRequest, AMissingRequestChangesNothing) {
  Fixture f;
  auto r = take_request(f.path, f.c);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().to_string().find(f.path), std::string::npos);
  EXPECT_FALSE(path_exists(f.rejected()));
}

}  // namespace
}  // namespace csd::swap
