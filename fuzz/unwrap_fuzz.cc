// What an ExecStart= really runs, through env, bash -lc, conda run and activate (unwrap). The
// input is the argv, one word a line; the first line holds the environment as NAME=VALUE pairs
// separated by ';'. Binaries are looked up under an empty root, so nothing of the host is read.
#include "fuzz.h"
#include "import/unwrap.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [env_line, words] = csd::fuzz::split_once(csd::fuzz::as_text(data, size), "\n");
  auto env = csd::fuzz::env_from_line(env_line);
  std::vector<std::string> argv = csd::fuzz::split_all(words, '\n');
  (void)csd::importer::unwrap(argv, env, csd::Root(csd::fuzz::scratch_dir()));
  return 0;
}
