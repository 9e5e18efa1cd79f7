// EnvironmentFile= files as systemd 252 reads them (parse_env_file_text), and the variables
// that come out of them.
#include "fuzz.h"
#include "systemd/env_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto env = csd::systemd::parse_env_file_text(csd::fuzz::as_text(data, size), "fuzz.env");
  if (!env) return 0;
  auto vars = env->variables();
  csd::fuzz::fuzz_check(vars.size() <= env->entries.size(), "no variable comes from nowhere");
  return 0;
}
