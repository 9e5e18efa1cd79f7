// Path rules systemd applies to paths in unit settings.
#pragma once

#include <string>
#include <string_view>

namespace csd::systemd {

// systemd's path_simplify(): repeated slashes and "." components go; ".." stays (it is not safe
// to resolve without the file system).
std::string simplify_path(std::string_view path);

// Also resolves ".." lexically ("/a/b/../c" -> "/a/c", never above "/"): for link targets under a
// --root, where the kernel cannot resolve them for us.
std::string resolve_dot_dot(std::string_view path);

// Not empty, shorter than PATH_MAX, every component at most NAME_MAX bytes.
bool is_valid_path(std::string_view path);
// A single component: not empty, not "." or "..", no "/", at most NAME_MAX bytes.
bool is_valid_filename(std::string_view name);
// No ".." component: systemd refuses those for paths that must be normalized.
bool is_normalized_path(std::string_view path);

}  // namespace csd::systemd
