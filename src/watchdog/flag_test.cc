#include "watchdog/flag.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "test_support/temp_dir.h"
#include "util/file.h"
#include "util/json_bounds.h"

namespace csd::watchdog {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint kNow = *parse_timestamp("2026-11-03T12:00:00+00:00");

// The app's own flag, as examples/mes-dashboard writes it.
const char* kAppFlag = R"({"user": "alice", "ip": "10.0.0.7", "timestamp": "2026-11-03T11:59:58.120000+00:00",
  "worker_pid": 4242, "source": "manual", "manual_override": false, "override_acknowledged": false,
  "override_reason": null, "policy_state": {}, "policy_decision": "pending", "runtime_contract_version": "2026.11-1"})";

TEST(FlagParse, TheAppsFlag) {
  FlagRead r = parse_flag(kAppFlag);
  ASSERT_TRUE(r.request) << r.detail;
  EXPECT_FALSE(r.rejection);
  EXPECT_EQ(r.request->user, "alice");
  EXPECT_EQ(r.request->ip, "10.0.0.7");
  EXPECT_EQ(r.request->timestamp, parse_timestamp("2026-11-03T11:59:58.12Z"));
  EXPECT_EQ(r.request->source, "manual");
  EXPECT_FALSE(r.request->manual_override);
  EXPECT_EQ(r.request->worker_pid, 4242);
  EXPECT_EQ(r.request->runtime_contract_version, "2026.11-1");
  EXPECT_FALSE(r.request->empty);
}

TEST(FlagParse, EmptyMeansRestartWithoutDetails) {
  for (const char* text : {"", "\n", "  \t\n "}) {
    FlagRead r = parse_flag(text);
    ASSERT_TRUE(r.request);
    EXPECT_TRUE(r.request->empty);
    EXPECT_EQ(r.request->source, "manual");
    EXPECT_FALSE(r.request->timestamp);
  }
}

TEST(FlagParse, MalformedIsRejectedNotExecuted) {
  // Defect 5: the old watchdog executed a malformed flag as a restart.
  for (const char* text :
       {"{", "restart please", "{\"user\": }", "{\"a\":1}}", "\xff\xfe{}", "{\"u\": \"\xc3\x28\"}"}) {
    FlagRead r = parse_flag(text);
    EXPECT_FALSE(r.request) << text;
    ASSERT_TRUE(r.rejection) << text;
    EXPECT_EQ(*r.rejection, FlagRejection::kMalformed) << text;
    EXPECT_NE(r.detail, "");
  }
}

TEST(FlagParse, NonObjectsAreRejected) {
  // Defect 5: JSON null or a list looped forever.
  for (const char* text : {"null", "[]", "[{\"user\":\"a\"}]", "\"restart\"", "42", "true", "false"}) {
    FlagRead r = parse_flag(text);
    EXPECT_FALSE(r.request) << text;
    ASSERT_TRUE(r.rejection) << text;
    EXPECT_EQ(*r.rejection, FlagRejection::kNotObject) << text;
  }
}

TEST(FlagParse, DeepNestingIsRejectedBeforeParsing) {
  std::string deep(60'000, '[');
  FlagRead r = parse_flag(deep);
  EXPECT_FALSE(r.request);
  std::string closed = std::string(30'000, '[') + std::string(30'000, ']');
  FlagRead c = parse_flag(closed);
  ASSERT_TRUE(c.rejection);
  EXPECT_EQ(*c.rejection, FlagRejection::kTooDeep);
  EXPECT_STREQ(rejection_reason(*c.rejection), "flag_too_deep");
  // Inside a field too: the whole flag is refused.
  FlagRead f = parse_flag(R"({"user": )" + std::string(40, '[') + std::string(40, ']') + "}");
  ASSERT_TRUE(f.rejection);
  EXPECT_EQ(*f.rejection, FlagRejection::kTooDeep);
}

TEST(FlagParse, CopiedFieldsAreBounded) {
  // Defect 2 of issue 10: a nested "user" was copied whole into every state entry.
  std::string big(50'000, 'u');
  nlohmann::json flag = {{"user", {{"a", {{"b", {1, 2, 3}}}}}},
                         {"ip", big},
                         {"override_reason", big},
                         {"reason", big},
                         {"request_id", big},
                         {"worker_pid", nlohmann::json::array({1, 2})},
                         {"runtime_contract_version", {{"v", 1}}}};
  FlagRead r = parse_flag(flag.dump());
  ASSERT_TRUE(r.request);
  EXPECT_EQ(r.request->user, kOmittedObject);
  EXPECT_EQ(r.request->worker_pid, kOmittedList);
  EXPECT_EQ(r.request->runtime_contract_version, kOmittedObject);
  EXPECT_LE(r.request->ip.get<std::string>().size(), kMaxFieldBytes + 32);
  EXPECT_LE(r.request->request_id.size(), kMaxFieldBytes + 32);
  EXPECT_LE(r.request->override_reason.get<std::string>().size(), kMaxTextBytes + 32);
  EXPECT_LE(r.request->reason.size(), kMaxTextBytes + 32);
  EXPECT_TRUE(r.request->ip.get<std::string>().ends_with("bytes cut]"));
}

TEST(FlagParse, SourceIsNormalizedLikeTheDashboard) {
  EXPECT_EQ(parse_flag(R"({"source": " AUTO "})").request->source, "auto");
  EXPECT_EQ(parse_flag(R"({"source": "Manual"})").request->source, "manual");
  EXPECT_EQ(parse_flag(R"({"source": "cron"})").request->source, "manual");
  EXPECT_EQ(parse_flag(R"({"source": 5})").request->source, "manual");
  EXPECT_EQ(parse_flag(R"({"source": null})").request->source, "manual");
  EXPECT_EQ(parse_flag(R"({})").request->source, "manual");
}

TEST(FlagParse, OnlyJsonTrueTurnsOverridesOn) {
  FlagRead yes = parse_flag(R"({"manual_override": true, "override_acknowledged": true})");
  EXPECT_TRUE(yes.request->manual_override);
  EXPECT_TRUE(yes.request->override_acknowledged);
  FlagRead strings = parse_flag(R"({"manual_override": "false", "override_acknowledged": 1})");
  EXPECT_FALSE(strings.request->manual_override);
  EXPECT_FALSE(strings.request->override_acknowledged);
}

TEST(FlagParse, TimestampsNaiveAreUtcOffsetsApplied) {
  EXPECT_EQ(parse_flag(R"({"timestamp": "2026-11-03T11:59:00"})").request->timestamp,
            parse_timestamp("2026-11-03T11:59:00+00:00"));
  EXPECT_EQ(parse_flag(R"({"timestamp": "2026-11-03T19:59:00+08:00"})").request->timestamp,
            parse_timestamp("2026-11-03T11:59:00+00:00"));
  EXPECT_FALSE(parse_flag(R"({"timestamp": "soon"})").request->timestamp);
  EXPECT_FALSE(parse_flag(R"({"timestamp": 1730628000})").request->timestamp);
}

TEST(FlagParse, OurExtraKeys) {
  FlagRead r = parse_flag(R"({"request_id": "abc", "reason": "deploy"})");
  EXPECT_EQ(r.request->request_id, "abc");
  EXPECT_EQ(r.request->reason, "deploy");
}

// --- staleness (defect 9) ------------------------------------------------------------------------

FlagRead with_times(const char* text, std::optional<TimePoint> mtime) {
  FlagRead r = parse_flag(text);
  r.mtime = mtime;
  return r;
}

TEST(FlagStale, ByTimestamp) {
  FlagRead old = with_times(R"({"timestamp": "2026-11-03T11:49:59+00:00"})", kNow);
  reject_if_stale(old, kNow, minutes{10});
  ASSERT_TRUE(old.rejection);
  EXPECT_EQ(*old.rejection, FlagRejection::kStale);
  EXPECT_NE(old.detail.find("timestamp"), std::string::npos);

  FlagRead edge = with_times(R"({"timestamp": "2026-11-03T11:50:00+00:00"})", kNow - minutes{30});
  reject_if_stale(edge, kNow, minutes{10});
  EXPECT_FALSE(edge.rejection) << "exactly max age is still fresh, and the timestamp wins over the mtime";
}

TEST(FlagStale, NaiveTimestampIsUtc) {
  FlagRead old = with_times(R"({"timestamp": "2026-11-03T11:00:00"})", kNow);
  reject_if_stale(old, kNow, minutes{10});
  EXPECT_TRUE(old.rejection);
}

TEST(FlagStale, ByMtimeWithoutTimestamp) {
  FlagRead old = with_times("", kNow - minutes{11});
  reject_if_stale(old, kNow, minutes{10});
  ASSERT_TRUE(old.rejection);
  EXPECT_NE(old.detail.find("mtime"), std::string::npos);
  FlagRead fresh = with_times("", kNow - minutes{9});
  reject_if_stale(fresh, kNow, minutes{10});
  EXPECT_FALSE(fresh.rejection);
}

TEST(FlagStale, FutureTimestampDefersToMtime) {
  FlagRead skewed_old = with_times(R"({"timestamp": "2026-11-03T20:00:00"})", kNow - std::chrono::hours{5});
  reject_if_stale(skewed_old, kNow, minutes{10});
  EXPECT_TRUE(skewed_old.rejection);
  FlagRead skewed_fresh = with_times(R"({"timestamp": "2026-11-03T20:00:00"})", kNow - seconds{1});
  reject_if_stale(skewed_fresh, kNow, minutes{10});
  EXPECT_FALSE(skewed_fresh.rejection);
}

TEST(FlagStale, RequestedAtPrefersTimestamp) {
  FlagRead r = with_times(R"({"timestamp": "2026-11-03T11:59:00Z"})", kNow);
  EXPECT_EQ(requested_at(r, kNow), *parse_timestamp("2026-11-03T11:59:00Z"));
  FlagRead e = with_times("", kNow - seconds{3});
  EXPECT_EQ(requested_at(e, kNow), kNow - seconds{3});
}

// --- reading claimed flags from disk -----------------------------------------------------------------

class FlagFiles : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::string flag = tmp.at("/run/flag");
  void SetUp() override { tmp.mkdirs("/run"); }
};

TEST_F(FlagFiles, RegularFile) {
  tmp.write("/run/flag", kAppFlag);
  FlagRead r = read_claimed_flag(flag);
  ASSERT_TRUE(r.request) << r.detail;
  EXPECT_TRUE(r.mtime);
}

TEST_F(FlagFiles, SymlinkIsNeverFollowed) {
  tmp.write("/secret", kAppFlag);
  ASSERT_EQ(::symlink(tmp.at("/secret").c_str(), flag.c_str()), 0);
  FlagRead r = read_claimed_flag(flag);
  ASSERT_TRUE(r.rejection);
  EXPECT_EQ(*r.rejection, FlagRejection::kSymlink);
  EXPECT_STREQ(rejection_reason(*r.rejection), "flag_symlink");
  ASSERT_TRUE(discard_claimed_flag(flag).ok());
  EXPECT_FALSE(path_exists(flag));
  EXPECT_TRUE(path_exists(tmp.at("/secret"))) << "removing the link must not touch its target";
}

TEST_F(FlagFiles, FifoIsNeverOpened) {
  ASSERT_EQ(::mkfifo(flag.c_str(), 0600), 0);
  FlagRead r = read_claimed_flag(flag);  // would block forever if opened for reading without a writer
  ASSERT_TRUE(r.rejection);
  EXPECT_EQ(*r.rejection, FlagRejection::kFifo);
  ASSERT_TRUE(discard_claimed_flag(flag).ok());
  EXPECT_FALSE(path_exists(flag));
}

TEST_F(FlagFiles, DirectoryIsRejectedAndRemoved) {
  tmp.mkdirs("/run/flag");
  FlagRead r = read_claimed_flag(flag);
  ASSERT_TRUE(r.rejection);
  EXPECT_EQ(*r.rejection, FlagRejection::kDirectory);
  ASSERT_TRUE(discard_claimed_flag(flag).ok());
  EXPECT_FALSE(path_exists(flag));
}

TEST_F(FlagFiles, NonEmptyDirectoryIsMovedAsideOutOfTheScan) {
  tmp.write("/run/flag/inside", "x");
  auto claimed = claim_flag(flag, 1, kNow);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  ASSERT_TRUE(discard_claimed_flag(**claimed).ok());
  EXPECT_FALSE(path_exists(**claimed));
  EXPECT_TRUE(list_claimed_flags(flag).empty()) << "a moved-aside directory must never be read again";
}

TEST_F(FlagFiles, SocketIsRejected) {
  int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(flag.size(), sizeof(addr.sun_path));
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", flag.c_str());
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(s);
  FlagRead r = read_claimed_flag(flag);
  ASSERT_TRUE(r.rejection);
  EXPECT_EQ(*r.rejection, FlagRejection::kNotRegular);
}

TEST_F(FlagFiles, OversizedIsRejectedLimitIsAccepted) {
  std::string at_limit = "{}" + std::string(kMaxFlagBytes - 2, ' ');
  tmp.write("/run/flag", at_limit);
  EXPECT_TRUE(read_claimed_flag(flag).request);
  tmp.write("/run/flag", at_limit + " ");
  FlagRead r = read_claimed_flag(flag);
  ASSERT_TRUE(r.rejection);
  EXPECT_EQ(*r.rejection, FlagRejection::kOversized);
}

TEST_F(FlagFiles, MissingIsUnreadable) {
  FlagRead r = read_claimed_flag(flag);
  ASSERT_TRUE(r.rejection);
  EXPECT_EQ(*r.rejection, FlagRejection::kUnreadable);
}

TEST_F(FlagFiles, ClaimWithoutFlagIsNothing) {
  auto claimed = claim_flag(flag, 1, kNow);
  ASSERT_TRUE(claimed.ok());
  EXPECT_FALSE(claimed->has_value());
}

TEST_F(FlagFiles, AFlagWrittenAfterTheClaimIsNeverLost) {
  // Defect 4: read, decide, then unlink deleted a flag written in between.
  tmp.write("/run/flag", R"({"user": "first"})");
  auto claimed = claim_flag(flag, 1, kNow);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  EXPECT_FALSE(path_exists(flag));
  tmp.write("/run/flag", R"({"user": "second"})");  // written while the first is being decided
  EXPECT_EQ(read_claimed_flag(**claimed).request->user, "first");
  ASSERT_TRUE(discard_claimed_flag(**claimed).ok());
  ASSERT_TRUE(path_exists(flag));
  EXPECT_EQ(read_claimed_flag(flag).request->user, "second");
}

TEST_F(FlagFiles, LeftoverClaimsAreListedOldestFirst) {
  for (int i = 0; i < 3; ++i) {
    tmp.write("/run/flag", "{}");
    ASSERT_TRUE(claim_flag(flag, static_cast<std::uint64_t>(3 - i), kNow + seconds{i}).ok());
  }
  tmp.write("/run/.flag.tmp-123", "{}");  // a writer's temporary file is not a claim
  tmp.write("/run/other", "{}");
  auto claims = list_claimed_flags(flag);
  ASSERT_EQ(claims.size(), 3u);
  EXPECT_TRUE(std::is_sorted(claims.begin(), claims.end()));
  EXPECT_LT(claims[0].find(std::to_string(kNow.time_since_epoch().count())), claims[0].size());
  for (const auto& c : claims) EXPECT_TRUE(is_claimed_name(flag, base_name(c)));
}

TEST_F(FlagFiles, PlaceFlagNeverReplacesAPendingOne) {
  FlagFields f;
  f.user = "ops";
  f.request_id = "r1";
  f.reason = "deploy";
  f.timestamp = kNow;
  f.runtime_contract_version = "v1";
  std::string first = make_flag(f).dump();
  auto placed = place_flag(flag, first);
  ASSERT_TRUE(placed.ok()) << placed.error().to_string();
  EXPECT_TRUE(*placed);
  auto again = place_flag(flag, "{}");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(*read_file(flag), first);
  struct stat st {};
  ASSERT_EQ(::stat(flag.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  // No temporary file is left behind.
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(tmp.at("/run"))) ++entries;
  EXPECT_EQ(entries, 1);
  // It reads back as the dashboard's format.
  FlagRead r = read_claimed_flag(flag);
  ASSERT_TRUE(r.request);
  EXPECT_EQ(r.request->user, "ops");
  EXPECT_EQ(r.request->timestamp, kNow);
  EXPECT_EQ(r.request->request_id, "r1");
  nlohmann::json j = nlohmann::json::parse(first);
  for (const char* key :
       {"user", "ip", "timestamp", "worker_pid", "source", "manual_override", "override_acknowledged",
        "override_reason", "policy_state", "policy_decision", "runtime_contract_version"})
    EXPECT_TRUE(j.contains(key)) << key;
}

TEST_F(FlagFiles, OpenForWritingTellsAFileBeingWrittenFromAComplete) {
  std::string flag = tmp.at("/f");
  {
    std::ofstream writing(flag);
    writing << "{";
    ASSERT_TRUE(open_for_writing(flag).has_value());
    EXPECT_TRUE(*open_for_writing(flag)) << "still open for writing";
  }
  EXPECT_EQ(open_for_writing(flag), std::optional<bool>(false)) << "closed";
  // The no-replace recipe: a whole temporary file linked to the flag's name, then removed.
  tmp.write("/whole.tmp", "{}");
  ASSERT_EQ(::link(tmp.at("/whole.tmp").c_str(), tmp.at("/linked").c_str()), 0);
  ::unlink(tmp.at("/whole.tmp").c_str());
  EXPECT_EQ(open_for_writing(tmp.at("/linked")), std::optional<bool>(false));
  ASSERT_EQ(::mkfifo(tmp.at("/fifo").c_str(), 0600), 0);
  EXPECT_FALSE(open_for_writing(tmp.at("/fifo")).has_value()) << "never opened as a flag";
  EXPECT_FALSE(open_for_writing(tmp.at("/absent")).has_value());
}

}  // namespace
}  // namespace csd::watchdog
