// The `bash -lc '...'` strings of hand-written units, read the way the shell would run them: words
// with quotes and escapes, "${VAR:-default}" taken from the unit's environment, commands joined by
// "&&" or ";". Only what can be known without running anything is accepted; the rest (pipes,
// redirections, loops, globs) is an error that says so, never a guess.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace csd::importer {

// One parameter expansion and what it gave.
struct Expansion {
  std::string name;
  std::string value;
  bool used_default = false;  // unset (or empty, for ":-") so the default in the script was taken
  bool set = false;           // the variable had a value in the environment
};

struct ShellWord {
  std::string text;
  std::vector<Expansion> expansions;
  // "$(...)" or "`...`": the word's value is only known at run time; `text` holds the raw command.
  bool command_substitution = false;
};

struct ShellCommand {
  // NAME=VALUE words before the command: they apply to this command only (or, with no command
  // words, to the rest of the script).
  std::vector<std::pair<std::string, std::string>> assignments;
  std::vector<ShellWord> words;
};

struct ShellScript {
  std::vector<ShellCommand> commands;  // in order; "&&", "||", ";" and newlines all separate
  // Variables the script sets for later commands (assignment-only commands and `export`).
  std::map<std::string, std::string> exported;
};

// Reads `script` as `sh -c` would, expanding parameters from `env` as it goes (a variable set by
// an earlier command is seen by later ones). Errors name the offset of what is not supported.
Result<ShellScript> parse_shell(std::string_view script, std::map<std::string, std::string> env);

}  // namespace csd::importer
