// The command line's CLI11 app, built in one place for main() and the man page generator.
#pragma once

#include "cli/command.h"

namespace csd::cli {

// Names the app, sets its version flag and footer, and registers every subcommand into `commands`.
void build_app(CLI::App& app, Commands& commands);

// Whether `word` names a (visible) subcommand of `app`.
bool is_command(CLI::App& app, const std::string& word);
// "error: unknown command 'x'; did you mean 'y'?" and the list, on stderr; returns exit code 2.
int report_unknown_command(CLI::App& app, const std::string& word);

}  // namespace csd::cli
