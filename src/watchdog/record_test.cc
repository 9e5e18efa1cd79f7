#include "watchdog/record.h"

#include <gtest/gtest.h>

namespace csd::watchdog {
namespace {

using nlohmann::json;

// An entry of the dashboard's own watchdog, with a key of its own and one of ours of another type:
// read and written back, it is the same JSON.
TEST(Record, AnEntryOfAnotherWriterComesBackAsItWas) {
  json dashboards = {{"requested_by", "alice"},  {"requested_at", "2026-01-02T03:04:05+00:00"},
                     {"requested_ip", nullptr},  {"completed_at", "2026-01-02T03:04:06+00:00"},
                     {"success", true},          {"source", "manual"},
                     {"decision", "executed"},   {"decision_reason", "signal_sighup"},
                     {"manual_override", false}, {"policy_state", {{"state", "allowed"}}},
                     {"gunicorn_pid", 4242},     {"master_pid", "not a number"}};
  Record r = Record::from_json(dashboards);
  EXPECT_EQ(r.decision, "executed");
  EXPECT_TRUE(r.confirmed());
  EXPECT_FALSE(r.master_pid.has_value()) << "a value of another type is not taken";
  EXPECT_EQ(r.to_json(), dashboards);
}

TEST(Record, OnlyWhatIsSetIsWritten) {
  Record r;
  r.request_id = "wd-1";
  r.decision = "superseded";
  r.decision_reason = "flag_superseded";
  EXPECT_EQ(r.to_json(), (json{{"request_id", "wd-1"},
                               {"decision", "superseded"},
                               {"decision_reason", "flag_superseded"},
                               {"success", false}}));
}

TEST(Record, AnythingButAnObjectIsAnEmptyRecord) {
  for (const json& j : {json(nullptr), json(3), json::array({1}), json("x")}) {
    Record r = Record::from_json(j);
    EXPECT_FALSE(r.decision.has_value());
    EXPECT_EQ(r.to_json(), (json{{"success", false}}));
  }
}

}  // namespace
}  // namespace csd::watchdog
