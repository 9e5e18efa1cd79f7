// The conda installation and environment behind `conda run -n ENV`, `-p PREFIX`, `source activate`
// or a binary's path, read from paths alone: which one a unit uses must not depend on this machine.
#pragma once

#include <string>

#include "util/root.h"

namespace csd::importer {

// "/opt/miniconda3/bin/conda", ".../condabin/conda" or ".../bin/activate" -> "/opt/miniconda3";
// "" when the path does not say (a bare "conda" found through the login shell's PATH).
std::string conda_root_of(const std::string& conda_tool);

struct EnvRef {
  std::string root;  // the installation, or "" when the prefix is not of the form ROOT/envs/NAME
  std::string env;   // the name, or "" for a prefix outside any envs/ folder
};
// "/opt/miniconda3/envs/mes" -> {"/opt/miniconda3", "mes"}; a root itself is {root, "base"}.
EnvRef env_of_prefix(const std::string& prefix);

// "/opt/miniconda3/envs/mes/bin/gunicorn" -> "/opt/miniconda3/envs/mes" when that folder, under
// `root`, has conda-meta/ (or when it lies in an envs/ folder); "" otherwise.
std::string prefix_of_binary(const std::string& path, const Root& root);

// True when PREFIX under `root` has a conda-meta folder: an environment conda made.
bool is_conda_prefix(const std::string& prefix, const Root& root);

}  // namespace csd::importer
