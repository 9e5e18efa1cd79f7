// The --root DIR option: every absolute path of a deployment is taken under DIR, as
// `systemctl --root` does, so whole deployments can be laid out and checked in a folder.
#pragma once

#include <string>

namespace csd {

class Root {
 public:
  Root() = default;
  explicit Root(std::string dir);

  // "/etc/x" -> "DIR/etc/x"; relative paths and the empty root are left alone.
  std::string map(const std::string& path) const;
  // The inverse, for paths found on disk that must be reported as the deployment sees them.
  std::string unmap(const std::string& path) const;
  const std::string& dir() const { return dir_; }
  bool empty() const { return dir_.empty(); }

 private:
  std::string dir_;  // without a trailing slash; empty means "/"
};

}  // namespace csd
