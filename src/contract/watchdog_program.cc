#include "contract/watchdog_program.h"

namespace csd {

const char* const kWatchdogProgram = "conda-systemd-watchdog";

std::vector<std::string> watchdog_program_paths(const std::string& tool) {
  std::string dir = tool.substr(0, tool.rfind('/') + 1);
  std::string up = dir.size() > 1 ? dir.substr(0, dir.rfind('/', dir.size() - 2) + 1) : dir;
  return {dir + kWatchdogProgram, up + "libexec/conda-systemd/" + kWatchdogProgram};
}

}  // namespace csd
