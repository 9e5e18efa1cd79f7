// What an ExecStart= really runs: through `/usr/bin/env`, `bash -lc '...'`, `conda run -n ENV`,
// `source activate` and `exec`, down to the command, with the conda environment it runs in.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "import/shell.h"
#include "util/error.h"
#include "util/root.h"

namespace csd::importer {

struct Runs {
  std::vector<std::string> command;   // what finally runs; argv[0] as written (a name or a path)
  std::vector<std::string> wrappers;  // outermost first: "/usr/bin/env", "bash -lc", "conda run", ...
  std::string conda_tool;             // the conda (or activate script) that selects the environment
  std::string env_name;               // conda run -n, activate NAME
  std::string prefix;                 // conda run -p, activate /PREFIX, or a binary's environment
  std::string cwd;                    // `cd DIR` or `conda run --cwd DIR`, "" when none
  std::vector<std::string> before;    // commands the script runs before the service
  std::map<std::string, std::string> assignments;  // variables the wrappers set for the command
  std::vector<Expansion> expansions;               // every ${VAR} the shell expanded, in order
  std::vector<std::string> notes;                  // what the reader of the report should know
  bool login_shell = false;                        // bash -l reads /etc/profile and ~/.profile first
};

// `argv` is the ExecStart= command after systemd's own $VAR expansion; `env` is what systemd
// gives the process (Environment= and EnvironmentFile=). `root` is where binaries are looked up.
Result<Runs> unwrap(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                    const Root& root);

}  // namespace csd::importer
