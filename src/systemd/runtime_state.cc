#include "systemd/runtime_state.h"

#include <sys/stat.h>

namespace csd::systemd {

bool may_be_active(const Root& root, const std::string& unit) {
  for (const std::string& path :
       {"/sys/fs/cgroup/system.slice/" + unit, "/sys/fs/cgroup/systemd/system.slice/" + unit,
        "/run/systemd/units/invocation:" + unit}) {
    struct stat st {};
    if (::lstat(root.map(path).c_str(), &st) == 0) return true;
  }
  return false;
}

}  // namespace csd::systemd
