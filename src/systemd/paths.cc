#include "systemd/paths.h"

#include "util/strings.h"

namespace csd::systemd {

namespace {
constexpr std::size_t kPathMax = 4096;
constexpr std::size_t kNameMax = 255;
}  // namespace

std::string simplify_path(std::string_view path) {
  std::string out;
  bool absolute = !path.empty() && path[0] == '/';
  for (const auto& part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (!out.empty() || absolute) out += '/';
    out += part;
  }
  if (out.empty()) return absolute ? "/" : (path.empty() ? "" : ".");
  return out;
}

std::string resolve_dot_dot(std::string_view path) {
  std::vector<std::string> parts;
  bool absolute = !path.empty() && path[0] == '/';
  for (auto& part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == ".." && !parts.empty() && parts.back() != "..")
      parts.pop_back();
    else if (part == ".." && absolute)
      continue;
    else
      parts.push_back(std::move(part));
  }
  std::string out = absolute ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
  return out.empty() ? "." : out;
}

bool is_valid_path(std::string_view path) {
  if (path.empty() || path.size() >= kPathMax) return false;
  for (const auto& part : split(path, '/'))
    if (part.size() > kNameMax) return false;
  return true;
}

bool is_valid_filename(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.size() <= kNameMax &&
         name.find('/') == std::string_view::npos;
}

bool is_normalized_path(std::string_view path) {
  for (const auto& part : split(path, '/'))
    if (part == "..") return false;
  return true;
}

}  // namespace csd::systemd
