// Listing a directory: the one place that opens one (DIR* closed by RAII) and skips "." and "..".
#pragma once

#include <string>
#include <vector>

#include "util/error.h"

namespace csd {

// The names in `dir`, sorted bytewise (std::string compares bytes as unsigned: for UTF-8 the code
// point order Python sorts by; systemd sorts drop-ins the same way), without "." and
// "..". A missing directory or a file in its place is an error of kind kNotFound, one the caller
// may not read kPermission; each names the directory and says "cannot read the WHAT".
Result<std::vector<std::string>> list_dir(const std::string& dir, const std::string& what = "directory");

// The same names, or none where the directory cannot be read: for the optional directories of a
// layout (activate.d, conda-meta) whose absence is the common case.
std::vector<std::string> names_in(const std::string& dir);

}  // namespace csd
