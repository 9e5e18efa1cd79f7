#include "render/uninstall.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "contract/naming.h"
#include "runbook/runbook.h"

namespace csd::render {

std::vector<std::string> rendered_paths(const Contract& c) {
  std::vector<std::string> paths;
  for (const auto& unit : all_units(c)) paths.push_back("/etc/systemd/system/" + unit);
  paths.push_back(c.service.environment_file);
  paths.push_back(c.installed_path());
  paths.push_back(runbook::runbook_path(c));
  return paths;
}

std::vector<std::string> kept_paths(const Contract& c) {
  std::vector<std::string> kept = {c.paths.state_file};
  if (!c.service.secrets_file.empty()) kept.push_back(c.service.secrets_file);
  return kept;
}

Result<Removal> remove_rendered(const Contract& c, const Root& root) {
  Removal out;
  for (const auto& path : rendered_paths(c)) {
    std::string target = root.map(path);
    struct stat st {};
    if (::lstat(target.c_str(), &st) != 0) {
      if (errno == ENOENT) {
        out.absent.push_back(path);
        continue;
      }
      return file_error(target, fmt::format("cannot remove: {}", std::strerror(errno)));
    }
    if (S_ISDIR(st.st_mode))
      return file_error(target, "is a directory, not a file render wrote; left in place");
    // unlink removes a link itself, never what it points to.
    if (::unlink(target.c_str()) != 0)
      return file_error(target, fmt::format("cannot remove: {}", std::strerror(errno)));
    out.removed.push_back(path);
  }
  for (const auto& unit : all_units(c)) ::rmdir(root.map("/etc/systemd/system/" + unit + ".d").c_str());
  return out;
}

}  // namespace csd::render
