// Putting rendered files in place, or telling how they differ from what is installed.
#pragma once

#include <string>
#include <vector>

#include "render/render.h"
#include "util/root.h"

namespace csd::render {

// Writes each file atomically under `root`, creating missing parent directories (0755).
// Files whose content is already the same are left untouched, so their mtime means something.
// Returns the paths written.
Result<std::vector<std::string>> install(const std::vector<File>& files, const Root& root);

// A unified diff, file by file, between what is installed and what would be rendered;
// "" when they agree. A missing file diffs against /dev/null.
std::string compare(const std::vector<File>& files, const Root& root);
// The diff of removing an installed file (an orphan): every line against /dev/null.
std::string compare_removed(const std::string& path, const Root& root);

}  // namespace csd::render
