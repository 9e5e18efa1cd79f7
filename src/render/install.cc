#include "render/install.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "util/diff.h"
#include "util/file.h"

namespace csd::render {

namespace {

Status make_dirs(const std::string& dir) {
  if (dir.empty() || dir == "/" || is_directory(dir)) return ok_status();
  if (auto parent = make_dirs(parent_dir(dir)); !parent) return parent;
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return file_error(dir, fmt::format("cannot create directory: {}", std::strerror(errno)));
  return ok_status();
}

}  // namespace

Result<std::vector<std::string>> install(const std::vector<File>& files, const Root& root) {
  std::vector<std::string> written;
  for (const auto& f : files) {
    std::string target = root.map(f.path);
    auto current = read_file(target, ReadOptions{.max_bytes = 4 << 20});
    if (current && *current == f.content) continue;
    if (auto dirs = make_dirs(parent_dir(target)); !dirs) return dirs.error();
    if (auto w = write_file_atomic(target, f.content, f.mode); !w) return w.error();
    written.push_back(f.path);
  }
  return written;
}

std::string compare(const std::vector<File>& files, const Root& root) {
  std::string out;
  for (const auto& f : files) {
    auto current = read_file(root.map(f.path), ReadOptions{.max_bytes = 4 << 20});
    std::string installed = current ? *current : "";
    std::string old_label = current ? f.path + " (installed)" : "/dev/null";
    out += unified_diff(installed, f.content, old_label, f.path + " (rendered)");
  }
  return out;
}

std::string compare_removed(const std::string& path, const Root& root) {
  auto current = read_file(root.map(path), ReadOptions{.max_bytes = 4 << 20});
  if (!current) return "";
  return unified_diff(*current, "", path + " (installed)", "/dev/null");
}

}  // namespace csd::render
