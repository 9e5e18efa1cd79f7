// The `bash -lc '...'` scripts of hand-written units, as import reads them (parse_shell). The
// first line holds NAME=VALUE pairs for the environment, separated by ";"; the rest is
// the script.
#include "fuzz.h"
#include "import/shell.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [env_line, script] = csd::fuzz::split_once(csd::fuzz::as_text(data, size), "\n");
  auto env = csd::fuzz::env_from_line(env_line);
  (void)csd::importer::parse_shell(script, env);
  return 0;
}
