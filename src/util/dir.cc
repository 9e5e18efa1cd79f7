#include "util/dir.h"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace csd {

Result<std::vector<std::string>> list_dir(const std::string& dir, const std::string& what) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) {
    int err = errno;
    return file_error(dir, "cannot read the " + what + ": " + std::strerror(err)).as(kind_of_errno(err));
  }
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* e = ::readdir(d.get())) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
    errno = 0;
  }
  if (errno != 0) {
    int err = errno;
    return file_error(dir, "cannot read the " + what + ": " + std::strerror(err)).as(kind_of_errno(err));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> names_in(const std::string& dir) {
  auto names = list_dir(dir);
  return names ? std::move(*names) : std::vector<std::string>{};
}

}  // namespace csd
