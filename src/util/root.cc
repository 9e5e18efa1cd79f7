#include "util/root.h"

namespace csd {

Root::Root(std::string dir) : dir_(std::move(dir)) {
  while (!dir_.empty() && dir_.back() == '/') dir_.pop_back();
}

std::string Root::map(const std::string& path) const {
  if (dir_.empty() || path.empty() || path[0] != '/') return path;
  return dir_ + path;
}

std::string Root::unmap(const std::string& path) const {
  if (dir_.empty() || path.compare(0, dir_.size(), dir_) != 0) return path;
  std::string rest = path.substr(dir_.size());
  if (rest.empty()) return "/";
  if (rest[0] != '/') return path;
  return rest;
}

}  // namespace csd
