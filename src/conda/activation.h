// The environment `conda activate` gives a POSIX shell, built without conda: the environment's
// bin first on PATH, conda's CONDA_* variables, the environment's own variables
// (etc/conda/env_vars.d, conda-meta/state) and the effect of its etc/conda/activate.d/*.sh scripts.
// See docs/exec.md for what is conda's behaviour and where this deliberately differs.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace csd::conda {

// One value per name, sorted by name: comparisons and the dry-run report stay deterministic.
using Environment = std::map<std::string, std::string>;

// From a NUL-terminated "NAME=value" array such as environ; the first of duplicate names wins,
// as with getenv, and entries without '=' are dropped.
Environment environment_from(const char* const* envp);
// "NAME=value" strings for execve.
std::vector<std::string> environment_strings(const Environment& env);

// A variable an environment defines: a value, or nullopt to unset it (JSON null, as in conda).
struct EnvVar {
  std::string name;
  std::optional<std::string> value;
};

// Refuses a prefix that is missing, a Python venv, or not a conda environment.
Status check_prefix(const std::string& prefix);

// The `env_vars` object of a conda-meta/state file. Names keep their case here; conda's
// uppercasing happens when they are applied. Values marked "***unset***" are left out.
Result<std::vector<EnvVar>> parse_state_env_vars(std::string_view json_text, const std::string& file);
// etc/conda/env_vars.d/* (packages' variables, sorted by file name) and then conda-meta/state,
// whose variables win. Reads nothing that does not exist. `warnings` gets conda's duplicate notice.
Result<std::vector<EnvVar>> read_environment_variables(const std::string& prefix,
                                                       std::vector<std::string>& warnings);

// etc/conda/activate.d/*.sh in the order conda sources them (byte order of the names).
std::vector<std::string> find_activate_scripts(const std::string& prefix);

struct CondaVariables {
  std::string prefix;
  std::string conda_root;  // "" when unknown: no CONDA_EXE, CONDA_PYTHON_EXE nor condabin then
  std::vector<EnvVar> env_vars;
};

// Applies what conda exports before it sources the activate.d scripts. Any activation already
// in `inherited` (CONDA_PREFIX, CONDA_PREFIX_n) is taken out first, so the result is the same
// first-level activation whether the caller's shell had one or not. `warnings` gets conda's
// notice about environment variables that overwrite inherited ones.
Environment apply_conda_variables(const Environment& inherited, const CondaVariables& vars,
                                  std::vector<std::string>& warnings);

struct ScriptRunner {
  std::string shell = "/bin/sh";
  std::string env_tool;  // "" finds /usr/bin/env or /bin/env
  // A script that hangs must not hang the service's start: past this the shell and everything
  // it started (its process group) are killed and the activation fails, naming the script.
  std::chrono::milliseconds timeout{30'000};
};

// Sources every script in one shell, in order, starting from `env`, and returns the exported
// environment it ends with. A script that returns non-zero or ends the shell fails the whole
// activation, with an error naming it. Changes to PWD, OLDPWD, SHLVL and _ are the shell's
// own and are not taken over, nor are variables whose names a shell cannot hold.
Result<Environment> run_activate_scripts(const std::vector<std::string>& scripts, const Environment& env,
                                         const ScriptRunner& runner = {});

struct ActivationOptions {
  std::string prefix;      // absolute
  std::string conda_root;  // "" infers it from a <root>/envs/<name> layout, if <root> is conda's
  ScriptRunner runner;
};

struct Activation {
  std::string prefix;
  std::string conda_root;                     // the installation used; "" when unknown
  std::vector<std::string> activate_scripts;  // as run, in order
  std::vector<std::string> warnings;          // what conda would warn about too
  Environment environment;
};

Result<Activation> activate(const ActivationOptions& options, const Environment& inherited);

// Added, changed and removed variables between two environments, by name.
struct EnvChange {
  enum Kind { kAdded, kChanged, kRemoved };
  Kind kind;
  std::string name;
  std::string old_value;  // "" when added
  std::string new_value;  // "" when removed
};
std::vector<EnvChange> environment_changes(const Environment& before, const Environment& after);

// Lexically absolute and clean: relative to `cwd`, no ".", "..", "//" or trailing "/".
std::string normalize_path(std::string_view path, std::string_view cwd);

// A name a POSIX shell can hold as a variable: [A-Za-z_][A-Za-z0-9_]*.
bool is_shell_name(std::string_view name);

}  // namespace csd::conda
