#include "systemd/config_file.h"

#include "util/file.h"

namespace csd::systemd {

Result<std::string> read_config_file(const std::string& path, const std::string& shown,
                                     std::size_t max_bytes) {
  auto data = read_file(path, ReadOptions{max_bytes, true});
  if (!data) {
    Error e = data.error();
    e.file = shown;
    return e;
  }
  return data;
}

}  // namespace csd::systemd
