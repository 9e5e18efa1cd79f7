// conda's configuration as conda reads it: YAML (condarc_plain.h for the plain subset, else yaml-cpp), from
// conda's whole search path in its order (docs/contract.md, "How conda.env is found"). Only envs_dirs matters
// to us.
#pragma once

#include <string>
#include <vector>

#include "util/error.h"
#include "util/root.h"

namespace csd::conda {

struct CondarcPlaces {
  std::string conda_root;       // $CONDA_ROOT: the installation; "" when unknown
  std::string home;             // "~": the service user's home; "" to skip the places under it
  std::string xdg_config_home;  // $XDG_CONFIG_HOME; "" when unset
  std::string condarc;          // $CONDARC; "" when unset
};

// Every file and directory conda reads, in its order: /etc/conda/{.condarc,condarc,condarc.d/},
// /var/lib/conda/..., $CONDA_ROOT/..., $XDG_CONFIG_HOME/conda/..., ~/.config/conda/...,
// ~/.conda/..., ~/.condarc, $CONDARC. A "condarc.d/" entry ends with "/".
std::vector<std::string> condarc_search_path(const CondarcPlaces& places);

// envs_dirs of one .condarc: block or flow list, comments and quoting as YAML has them, "~"
// expanded to `home`. A file that is not YAML, or whose envs_dirs is not a list of strings, is an
// error at its file:line:column saying what was expected.
Result<std::vector<std::string>> parse_envs_dirs(const std::string& text, const std::string& file,
                                                 const std::string& home);

// The home directory of `user` from the password database (under `root`, its /etc/passwd); ""
// when there is no such user.
std::string user_home(const std::string& user, const Root& root);

}  // namespace csd::conda
