// The contract (TOML): parse_contract, then what `contract show` prints and a round trip through
// the TOML the importer writes, which must read back.
#include "contract/contract.h"
#include "contract/contract_json.h"
#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto c = csd::parse_contract(csd::fuzz::as_text(data, size), "fuzz.toml");
  if (!c) {
    csd::fuzz::fuzz_check(!c.error().message.empty(), "a refused contract says why");
    return 0;
  }
  (void)csd::contract_to_json(*c).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto again = csd::parse_contract(csd::contract_to_toml(*c), "again.toml");
  csd::fuzz::fuzz_check(again.ok(), "a parsed contract written back as TOML reads back");
  return 0;
}
