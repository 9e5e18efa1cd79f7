// Finding the program a command names, the way a POSIX shell does, through the activated PATH.
#pragma once

#include <string>
#include <vector>

namespace csd::conda {

struct CommandLookup {
  enum Status { kFound, kNotFound, kNotExecutable };
  Status status = kNotFound;
  // The program found, absolute and lexically clean; for kNotExecutable the first file that
  // matched but cannot be executed.
  std::string path;
  std::vector<std::string> searched;  // the directories looked in, in order ("" for a slash command)
};

// A command with a '/' is taken as a path (relative to `cwd`); any other is looked up in each
// directory of `path_var` in turn (an empty entry is `cwd`, as in POSIX). Directories are skipped;
// a file without execute permission is remembered and reported only when no later one is
// executable, as shells do.
CommandLookup find_command(const std::string& command, const std::string& path_var, const std::string& cwd);

// Whether a found program may run: it lies inside `prefix`, or `allowed` names it, either as
// the command was written (without a '/', found through PATH) or as the full path it resolved to.
bool command_allowed(const std::string& command, const std::string& resolved, const std::string& prefix,
                     const std::vector<std::string>& allowed);

}  // namespace csd::conda
