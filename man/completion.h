// Shell completion for bash and zsh, generated from the CLI11 app like the man page, so the commands
// and options offered are the ones the program accepts.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace csd::man {

// What the value of an option is, for completion: a contract file, any file, a directory, a unit of
// the contract on the command line, an installed contract's name, or nothing to offer.
enum class ValueKind { kNone, kFlag, kContract, kFile, kDir, kUnit, kContractName };
ValueKind value_kind(const CLI::Option* option);

std::string bash_completion(CLI::App& app);
std::string zsh_completion(CLI::App& app);

}  // namespace csd::man
