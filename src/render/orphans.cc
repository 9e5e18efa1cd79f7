#include "render/orphans.h"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "contract/naming.h"
#include "render/render.h"
#include "systemd/unit_loader.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::render {

namespace {

bool rendered_from(const Contract& c, const std::string& mapped_path) {
  // The header is the first line: a small bounded read, no symlinks followed (a link is not ours).
  auto text = read_file(mapped_path, ReadOptions{.max_bytes = 1 << 20, .follow_symlinks = false});
  if (!text) return false;
  auto header = parse_header(*text);
  return header && header->contract == c.name &&
         (header->contract_path.empty() || header->contract_path == c.installed_path());
}

}  // namespace

std::vector<Orphan> find_orphans(const Contract& c, const Root& root) {
  std::vector<Orphan> out;
  auto rendered = all_units(c);
  for (const auto& dir : systemd::default_unit_dirs()) {
    DIR* d = ::opendir(root.map(dir).c_str());
    if (!d) continue;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      // The zero-downtime layout adds NAME@.service, NAME.socket, NAME.target and NAME-swap.path.
      bool ours_by_type = ends_with(n, ".service") || ends_with(n, ".socket") || ends_with(n, ".target") ||
                          ends_with(n, ".path");
      bool ours_by_name =
          starts_with(n, c.name + ".") || starts_with(n, c.name + "-") || starts_with(n, c.name + "@");
      if (!ours_by_type || !ours_by_name) continue;
      if (std::find(rendered.begin(), rendered.end(), n) != rendered.end()) continue;
      names.push_back(std::move(n));
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      std::string path = join_path(dir, n);
      struct stat st {};
      if (::lstat(root.map(path).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      if (rendered_from(c, root.map(path))) out.push_back({n, path});
    }
  }
  return out;
}

Status remove_orphan(const Contract& c, const Orphan& orphan, const Root& root) {
  std::string mapped = root.map(orphan.path);
  if (!rendered_from(c, mapped))
    return file_error(orphan.path, "not removed: its header no longer says render wrote it");
  if (::unlink(mapped.c_str()) != 0)
    return file_error(orphan.path, fmt::format("cannot remove: {}", std::strerror(errno)));
  return ok_status();
}

}  // namespace csd::render
