// The restart flag's JSON, as the watchdog parses a claimed flag (watchdog::parse_flag), and the
// staleness decision taken on what it read.
#include "fuzz.h"
#include "util/timestamp.h"
#include "watchdog/flag.h"

using namespace csd;
using namespace csd::watchdog;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxFlagBytes) return 0;  // read_claimed_flag never hands more to the parser
  FlagRead read = parse_flag(csd::fuzz::as_text(data, size));
  csd::fuzz::fuzz_check(read.request.has_value() != read.rejection.has_value(),
                        "a flag is either a request or a rejection");
  TimePoint now = now_utc();
  (void)requested_at(read, now);
  reject_if_stale(read, now, Micros(300'000'000));
  return 0;
}
