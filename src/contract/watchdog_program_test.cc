#include "contract/watchdog_program.h"

#include <gtest/gtest.h>

namespace csd {
namespace {

TEST(WatchdogProgramPaths, BesideTheToolThenInLibexec) {
  EXPECT_EQ(watchdog_program_paths("/usr/bin/conda-systemd"),
            (std::vector<std::string>{"/usr/bin/conda-systemd-watchdog",
                                      "/usr/libexec/conda-systemd/conda-systemd-watchdog"}));
  EXPECT_EQ(watchdog_program_paths("/opt/conda-systemd/bin/conda-systemd (deleted)"),
            (std::vector<std::string>{"/opt/conda-systemd/bin/conda-systemd-watchdog",
                                      "/opt/conda-systemd/libexec/conda-systemd/conda-systemd-watchdog"}));
  EXPECT_EQ(
      watchdog_program_paths("/conda-systemd"),
      (std::vector<std::string>{"/conda-systemd-watchdog", "/libexec/conda-systemd/conda-systemd-watchdog"}));
}

}  // namespace
}  // namespace csd
