// The command line's CLI11 app, built in one place for main() and the man page generator.
#pragma once

#include <optional>

#include "cli/command.h"

namespace csd::cli {

// Names the app, sets its version flag and footer, and registers every subcommand into `commands`.
void build_app(CLI::App& app, Commands& commands);
// The same app with only the command argv[1] names (false, and `app` untouched, if it names none):
// it parses and runs argv exactly as the whole app does. `exec` and `check` run at every service
// start, and building every command cost most of their start-up (docs/architecture.md, "Start-up").
bool build_app_for(CLI::App& app, Commands& commands, int argc, char** argv);

// What a rendered ExecStart= runs, `exec --contract C [--worker W] -- COMMAND...`, run without building
// any CLI11 command: the same options then reach the same code as through CLI11 (tests/cli/
// lean_start_test.sh compares both). nullopt for any other argument list. exec runs at every service
// start, and building its CLI11 command was a fifth of its instructions (docs/performance.md).
std::optional<int> run_rendered_exec(int argc, char** argv);

// Whether `word` names a (visible) subcommand of `app`.
bool is_command(CLI::App& app, const std::string& word);
// "error: unknown command 'x'; did you mean 'y'?" and the list, on stderr; returns exit code 2.
int report_unknown_command(CLI::App& app, const std::string& word);

}  // namespace csd::cli
