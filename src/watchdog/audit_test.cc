#include "watchdog/audit.h"

#include <gtest/gtest.h>

namespace csd::watchdog {
namespace {

const TimePoint kNow = *parse_timestamp("2026-11-03T12:00:00+00:00");

// The names are the journal's CSD_EVENT values and the dashboard's: operators select by them.
TEST(Audit, EventNames) {
  EXPECT_STREQ(event_name(Event::restart_blocked), "restart_blocked");
  EXPECT_STREQ(event_name(Event::restart_failed), "restart_failed");
  EXPECT_STREQ(event_name(Event::restart_executed), "restart_executed");
  EXPECT_STREQ(event_name(Event::flag_rejected), "flag_rejected");
  EXPECT_STREQ(event_name(Event::reload_signalled), "reload_signalled");
  EXPECT_STREQ(event_name(Event::workers_scaled), "workers_scaled");
  EXPECT_STREQ(event_name(Event::flag_superseded), "flag_superseded");
}

TEST(Audit, EntryHasTheDashboardsKeys) {
  nlohmann::json payload = {{"source", "manual"},
                            {"actor", "alice"},
                            {"ip", "10.0.0.7"},
                            {"event", "forged"},
                            {"decision", {{"decision", "blocked"}, {"reason", "cooldown_active"}}}};
  // The payload's keys as they are, but the first three are the entry's own: the payload cannot
  // rename the event.
  nlohmann::json expected = payload;
  expected["event"] = "restart_blocked";
  expected["timestamp"] = "2026-11-03T12:00:00.000000+00:00";
  expected["runtime_contract_version"] = "2026.11-1";
  EXPECT_EQ(audit_entry(Event::restart_blocked, payload, kNow, "2026.11-1"), expected);
}

TEST(Audit, LineIsPrefixAndOneJsonObject) {
  nlohmann::json e =
      audit_entry(Event::restart_executed, {{"actor", "ops\nline"}, {"note", "caf\xc3\xa9"}}, kNow, "v");
  std::string line = audit_line(e);
  const std::string prefix = "worker_watchdog_audit ";
  ASSERT_EQ(line.rfind(prefix, 0), 0u);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(line.substr(prefix.size())), e);
  EXPECT_NE(line.find("caf\xc3\xa9"), std::string::npos) << "UTF-8 as is, like ensure_ascii=False";
}

TEST(Audit, InvalidUtf8NeverThrows) {
  nlohmann::json e = audit_entry(Event::restart_failed, {{"actor", "\xff\xfe"}}, kNow, "v");
  EXPECT_NO_THROW(audit_line(e));
  EXPECT_NO_THROW(journal_fields(e));
}

TEST(Audit, JournalFields) {
  nlohmann::json e =
      audit_entry(Event::restart_blocked,
                  {{"request_id", "r1"},
                   {"source", "auto"},
                   {"actor", nullptr},
                   {"master_pid", 42},
                   {"decision", {{"decision", "blocked"}, {"reason", "guarded_mode_blocked"}}}},
                  kNow, "2026.11-1");
  auto fields = journal_fields(e);
  auto has = [&](const std::string& f) { return std::find(fields.begin(), fields.end(), f) != fields.end(); };
  EXPECT_TRUE(has("CSD_EVENT=restart_blocked"));
  EXPECT_TRUE(has("CSD_REQUEST_ID=r1"));
  EXPECT_TRUE(has("CSD_SOURCE=auto"));
  EXPECT_TRUE(has("CSD_DECISION=blocked"));
  EXPECT_TRUE(has("CSD_REASON=guarded_mode_blocked"));
  EXPECT_TRUE(has("CSD_MASTER_PID=42"));
  EXPECT_TRUE(has("CSD_CONTRACT_VERSION=2026.11-1"));
  for (const auto& f : fields) EXPECT_NE(f.rfind("CSD_ACTOR=", 0), 0u) << "null values are left out";
}

}  // namespace
}  // namespace csd::watchdog
