// Units rendered before the Debian package ran conda-systemd from /usr/local/bin; the package installs
// it in /usr/bin. Render rewrites such units like any other change; this names them, so the operator
// knows why they changed (docs/install.md).
#pragma once

#include <string>
#include <vector>

#include "render/render.h"
#include "util/root.h"

namespace csd::render {

// The files about to be written whose installed version runs `old_tool` while the new one runs
// `new_tool` (paths as the deployment sees them). Empty when the paths are equal.
std::vector<std::string> tool_migrations(const std::vector<File>& files, const Root& root,
                                         const std::string& old_tool, const std::string& new_tool);

}  // namespace csd::render
