// The state file (the dashboard's schema): the state store's load and validate_state, then the
// changes the watchdog makes to a loaded state, which must keep it valid.
#include "fuzz.h"
#include "util/timestamp.h"
#include "watchdog/state_store.h"

using namespace csd;
using namespace csd::watchdog;
using nlohmann::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = csd::fuzz::scratch_dir() + "/state.json";
  csd::fuzz::write_whole(path, csd::fuzz::as_text(data, size));
  StateStore store(path, 5);
  auto loaded = store.load();
  if (!loaded) return 0;
  json state = *loaded;
  csd::fuzz::fuzz_check(validate_state(state).ok(), "a loaded state is valid");
  (void)last_requested_at(state);
  (void)find_request(state, "r1");
  json entry = {{"request_id", "r1"},
                {"requested_at", format_timestamp(now_utc())},
                {"policy_decision", "allowed"},
                {"user", "fuzz"}};
  append_entry(state, entry, 5);
  (void)replace_entry(state, "r1", entry);
  append_rejection(state, {{"reason", "flag_malformed"}, {"at", format_timestamp(now_utc())}}, 5);
  auto st = validate_state(state);
  csd::fuzz::fuzz_check(st.ok(), "the watchdog's changes keep a valid state valid");
  (void)state.dump(2, ' ', false, json::error_handler_t::replace);
  return 0;
}
