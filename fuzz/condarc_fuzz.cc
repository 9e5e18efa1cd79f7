// .condarc files: the envs_dirs conda would search (conda::read_envs_dirs).
#include "conda/locate.h"
#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto dirs = csd::conda::read_envs_dirs(std::string(csd::fuzz::as_text(data, size)), "/home/app");
  for (const auto& d : dirs)
    csd::fuzz::fuzz_check(d.size() <= size + 16, "an envs_dirs entry comes from the file");
  return 0;
}
