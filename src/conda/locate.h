// Finding a conda environment the way conda does: an explicit prefix, or a name looked up in
// <root>/envs, the envs_dirs of the .condarc files and ~/.conda/environments.txt.
#pragma once

#include <string>
#include <vector>

#include "util/error.h"
#include "util/root.h"

namespace csd::conda {

struct Query {
  std::string prefix;      // wins when set
  std::string name;        // "base" means the installation itself
  std::string conda_root;  // the installation, "" when unknown
  std::string home;        // for ~/.condarc and ~/.conda; "" to skip them
};

struct Located {
  std::string prefix;     // as the deployment sees it (not mapped under --root)
  std::string found_via;  // "contract prefix", "<root>/envs", "/etc/conda/.condarc envs_dirs", ...
};

Result<Located> locate(const Query& query, const Root& root);

// The envs_dirs entries of one .condarc (YAML, but only this key matters to us).
std::vector<std::string> read_envs_dirs(const std::string& condarc_text, const std::string& home);

}  // namespace csd::conda
