#include "watchdog/state_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "test_support/temp_dir.h"
#include "util/file.h"
#include "watchdog/test_fixture.h"

namespace csd::watchdog {
namespace {

using nlohmann::json;

const TimePoint kNow = *parse_timestamp("2026-11-03T12:00:00+00:00");

json entry(const std::string& id, const std::string& requested_at = "2026-11-03T11:59:00.000000+00:00") {
  return {{"request_id", id},
          {"requested_by", "alice"},
          {"requested_at", requested_at},
          {"requested_ip", nullptr},
          {"completed_at", requested_at},
          {"success", false},
          {"source", "manual"},
          {"decision", "blocked"},
          {"decision_reason", "cooldown_override_required"},
          {"manual_override", false},
          {"policy_state", json::object()}};
}

TEST(StateSchema, EmptyStateHasTheDashboardsKeys) {
  json s = empty_state(50);
  EXPECT_TRUE(s["last_restart"].is_null());
  EXPECT_TRUE(s["history"].is_array());
  EXPECT_EQ(s["history_limit"], 50);
  EXPECT_TRUE(validate_state(s).ok());
}

TEST(StateSchema, Validation) {
  EXPECT_FALSE(validate_state(json::array()).ok());
  EXPECT_FALSE(validate_state(json(nullptr)).ok());
  EXPECT_FALSE(validate_state(json{{"history", "x"}}).ok());
  EXPECT_FALSE(validate_state(json{{"last_restart", 5}}).ok());
  EXPECT_TRUE(validate_state(json::object()).ok());
}

TEST(StateSchema, AppendTrimsToTheLimit) {
  json s = empty_state(3);
  for (int i = 0; i < 5; ++i) append_entry(s, entry("r" + std::to_string(i)), 3);
  ASSERT_EQ(s["history"].size(), 3u);
  EXPECT_EQ(s["history"][0]["request_id"], "r2");
  EXPECT_EQ(s["history"][2]["request_id"], "r4");
  EXPECT_EQ(s["last_restart"]["request_id"], "r4");
  EXPECT_EQ(s["history_limit"], 3);
}

TEST(StateSchema, ReplaceUpdatesHistoryAndLastRestart) {
  json s = empty_state(10);
  append_entry(s, entry("a"), 10);
  append_entry(s, entry("b"), 10);
  json confirmed = entry("b");
  confirmed["success"] = true;
  EXPECT_TRUE(replace_entry(s, "b", confirmed));
  EXPECT_EQ(s["history"][1]["success"], true);
  EXPECT_EQ(s["last_restart"]["success"], true);
  json a = entry("a");
  a["decision"] = "failed";
  EXPECT_TRUE(replace_entry(s, "a", a));
  EXPECT_EQ(s["history"][0]["decision"], "failed");
  EXPECT_EQ(s["last_restart"]["request_id"], "b") << "last_restart stays the newest";
  EXPECT_FALSE(replace_entry(s, "gone", a));
}

TEST(StateSchema, RejectionsAreKeptApartFromTheHistory) {
  json s = empty_state(2);
  for (int i = 0; i < 3; ++i)
    append_rejection(s, {{"request_id", "x" + std::to_string(i)}, {"reason", "flag_malformed"}}, 2);
  EXPECT_TRUE(s["history"].empty()) << "rejected flags are not restart attempts";
  EXPECT_EQ(s["rejected_flags"].size(), 2u);
  EXPECT_EQ(s["last_rejected_flag"]["request_id"], "x2");
  EXPECT_EQ(find_request(s, "x2")->at("reason"), "flag_malformed");
  EXPECT_FALSE(find_request(s, "x0"));
}

TEST(StateSchema, LastRequestedAt) {
  json s = empty_state(5);
  EXPECT_FALSE(last_requested_at(s));
  append_entry(s, entry("a", "2026-11-03T11:00:00"), 5);  // naive: UTC
  EXPECT_EQ(last_requested_at(s), parse_timestamp("2026-11-03T11:00:00Z"));
}

class StateFiles : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::string path = tmp.at("/state.json");
  StateStore store{path, 50};
};

TEST_F(StateFiles, MissingIsEmpty) {
  auto s = store.load();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, empty_state(50));
}

TEST_F(StateFiles, UpdateWritesAtomicallyWithTheSchema) {
  ASSERT_TRUE(store
                  .update(
                      [](json& s, const LoadInfo& info) {
                        EXPECT_FALSE(info.existed);
                        append_entry(s, entry("a"), 50);
                      },
                      kNow)
                  .ok());
  auto s = store.load();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)["last_restart"]["request_id"], "a");
  EXPECT_EQ((*s)["history"].size(), 1u);
  // Only the state and its lock file: no temporary file left behind.
  EXPECT_TRUE(path_exists(tmp.at("/.state.json.lock")));
}

TEST_F(StateFiles, TheDashboardsOwnFileIsRead) {
  // Written by the old watchdog: indent=2, naive timestamps, no request ids.
  tmp.write("/state.json", R"({
  "last_restart": {"requested_by": "bob", "requested_at": "2026-11-03T11:59:30", "requested_ip": "1.2.3.4",
    "completed_at": "2026-11-03T11:59:31", "success": true, "source": "manual", "decision": "executed",
    "decision_reason": "signal_sighup", "manual_override": false, "policy_state": {}},
  "history": [{"requested_at": "2026-11-03T11:59:30", "completed_at": "2026-11-03T11:59:31"}],
  "history_limit": 50
})");
  auto s = store.load();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(last_requested_at(*s), parse_timestamp("2026-11-03T11:59:30Z"));
}

TEST_F(StateFiles, DamagedFileFailsClosedAndIsKept) {
  // Defect 3: a half-written file read as empty history, so the policy failed open.
  tmp.write("/state.json", R"({"last_restart": {"requested_at": "2026-11-)");
  EXPECT_FALSE(store.load().ok());
  bool saw_corrupt = false;
  ASSERT_TRUE(store
                  .update(
                      [&](json& s, const LoadInfo& info) {
                        saw_corrupt = info.corrupt;
                        EXPECT_NE(info.problem, "");
                        EXPECT_TRUE(path_exists(info.moved_to));
                        EXPECT_TRUE(s.contains("recovered_from"));
                      },
                      kNow)
                  .ok());
  EXPECT_TRUE(saw_corrupt);
  EXPECT_TRUE(store.load().ok());
}

TEST_F(StateFiles, CachedStateSeesOtherWriters) {
  ASSERT_TRUE(store.update([](json& s, const LoadInfo&) { append_entry(s, entry("mine"), 50); }, kNow).ok());
  EXPECT_EQ((*store.load())["last_restart"]["request_id"], "mine");
  // Another writer, atomic like us.
  StateStore other(path, 50);
  ASSERT_TRUE(
      other.update([](json& s, const LoadInfo&) { append_entry(s, entry("theirs"), 50); }, kNow).ok());
  EXPECT_EQ((*store.load())["last_restart"]["request_id"], "theirs");
  // And one that rewrites in place, as the old watchdog did (same inode, new size and mtime).
  json in_place = empty_state(50);
  append_entry(in_place, entry("in-place-writer"), 50);
  std::ofstream(path, std::ios::trunc) << in_place.dump();
  EXPECT_EQ((*store.load())["last_restart"]["request_id"], "in-place-writer");
  LoadInfo info;
  auto s = store.load_for_update(info, kNow);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)["history"].size(), 1u);
  EXPECT_EQ((*store.load())["history"].size(), 1u)
      << "taking the cached state for an update leaves loads intact";
}

TEST_F(StateFiles, SymlinkedStateIsNotFollowed) {
  tmp.write("/elsewhere.json", "{}");
  ASSERT_EQ(::symlink(tmp.at("/elsewhere.json").c_str(), path.c_str()), 0);
  EXPECT_FALSE(store.load().ok());
}

TEST_F(StateFiles, ConcurrentWritersNeverLoseAnEntry) {
  // The lock is what keeps `restart` and the watchdog from interleaving: processes, not threads,
  // since flock is per open file description.
  StateStore big(path, 10'000);
  constexpr int kWriters = 4, kEach = 25;
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int i = 0; i < kEach; ++i) {
        Status st = big.update(
            [&](json& s, const LoadInfo&) {
              append_entry(s, entry(std::to_string(w) + "-" + std::to_string(i)), 10'000);
            },
            kNow, Millis(120'000));
        if (!st.ok()) ::_exit(1);
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  // Meanwhile a reader must only ever see whole files.
  std::atomic<bool> done{false};
  std::atomic<int> bad{0}, reads{0};
  std::thread reader([&] {
    while (!done) {
      auto text = read_file(path);
      if (!text) continue;  // not written yet
      ++reads;
      if (json::parse(*text, nullptr, false).is_discarded()) ++bad;
    }
  });
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  done = true;
  reader.join();
  EXPECT_EQ(bad, 0) << "of " << reads << " reads";
  auto s = big.load();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)["history"].size(), static_cast<std::size_t>(kWriters * kEach));
}

TEST_F(StateFiles, TheLockIsNeverWaitedForWithoutBound) {
  // Defect 3 of issue 10: another process holding the lock stalled the watchdog for good.
  testing::Child holder = testing::hold_flock(tmp.at("/.state.json.lock"));
  ASSERT_TRUE(holder.running());
  auto tried = store.try_lock();
  ASSERT_TRUE(tried.ok()) << tried.error().to_string();
  EXPECT_FALSE(tried->has_value()) << "held elsewhere: no lock, and no wait";
  EXPECT_NE(store.lock_holder().find("PID " + std::to_string(holder.pid())), std::string::npos)
      << store.lock_holder();
  auto waited = store.lock(Millis(50));
  ASSERT_FALSE(waited.ok());
  EXPECT_NE(waited.error().message.find("held by PID " + std::to_string(holder.pid())), std::string::npos)
      << waited.error().message;
  Status update = store.update([](json&, const LoadInfo&) {}, kNow, Millis(50));
  EXPECT_FALSE(update.ok());
  holder.stop();
  auto free = store.try_lock();
  ASSERT_TRUE(free.ok());
  EXPECT_TRUE(free->has_value());
}

TEST_F(StateFiles, AnUnflushedSaveIsStillWholeAndLeavesNoTemporaryFile) {
  // The record made just before a SIGHUP is not flushed (it must only outlive a killed watchdog).
  json s = empty_state(50);
  append_entry(s, entry("before-the-signal"), 50);
  ASSERT_TRUE(store.save(s, /*durable=*/false).ok());
  auto back = StateStore(path, 50).load();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)["last_restart"]["request_id"], "before-the-signal");
  for (const auto& e : std::filesystem::directory_iterator(tmp.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST_F(StateFiles, StaleTemporaryFilesAreRemovedUnderTheLock) {
  tmp.write("/.state.json.tmp-0badf00d", "{\"half\": ");
  tmp.write("/.other.json.tmp-0badf00d", "not ours");
  auto held = store.lock();
  ASSERT_TRUE(held.ok());
  store.remove_stale_temp_files();
  EXPECT_FALSE(path_exists(tmp.at("/.state.json.tmp-0badf00d")));
  EXPECT_TRUE(path_exists(tmp.at("/.other.json.tmp-0badf00d")));
}

TEST(StateClaims, FindClaimLooksAtHistoryAndRejections) {
  json s = empty_state(50);
  append_entry(s, {{"request_id", "a"}, {"claim", ".f.claimed.1"}}, 50);
  append_rejection(s, {{"request_id", "b"}, {"claim", ".f.claimed.2"}}, 50);
  EXPECT_EQ((*find_claim(s, ".f.claimed.1"))["request_id"], "a");
  EXPECT_EQ((*find_claim(s, ".f.claimed.2"))["request_id"], "b");
  EXPECT_FALSE(find_claim(s, ".f.claimed.3"));
  EXPECT_FALSE(find_claim(s, ""));
}

}  // namespace
}  // namespace csd::watchdog
