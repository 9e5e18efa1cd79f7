// Reading a file systemd reads (a unit, a drop-in, an environment file) before it is parsed.
#pragma once

#include <cstddef>
#include <string>

#include "util/error.h"

namespace csd::systemd {

// The whole file, following symlinks as systemd does (a loop is an error), refusing anything but a
// regular file and files over max_bytes. Errors name the file as `shown`, the name a report uses.
Result<std::string> read_config_file(const std::string& path, const std::string& shown,
                                     std::size_t max_bytes);

}  // namespace csd::systemd
