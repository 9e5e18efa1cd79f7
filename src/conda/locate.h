// Finding a conda environment the way conda does: an explicit prefix, or a name looked up in the
// envs_dirs of every .condarc on conda's search path (conda/condarc.h), <root>/envs, ~/.conda/envs
// and ~/.conda/environments.txt.
#pragma once

#include <string>
#include <vector>

#include "util/error.h"
#include "util/root.h"

namespace csd::conda {

struct Query {
  std::string prefix;           // wins when set
  std::string name;             // "base" means the installation itself
  std::string conda_root;       // the installation, "" when unknown
  std::string home;             // "~": the service user's home, for ~/.condarc and ~/.conda; "" to skip them
  std::string xdg_config_home;  // $XDG_CONFIG_HOME, "" when unset
  std::string condarc;          // $CONDARC, "" when unset
};

struct Located {
  std::string prefix;     // as the deployment sees it (not mapped under --root)
  std::string found_via;  // "contract prefix", "<root>/envs", "/etc/conda/.condarc envs_dirs", ...
};

Result<Located> locate(const Query& query, const Root& root);

// The envs_dirs entries of one .condarc, read with yaml-cpp (conda/condarc.h); none when the text is
// not YAML (parse_envs_dirs says why, at which line).
std::vector<std::string> read_envs_dirs(const std::string& condarc_text, const std::string& home);

}  // namespace csd::conda
