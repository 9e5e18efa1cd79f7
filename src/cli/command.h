// How subcommands plug into main: each file registers its CLI11 app and the function to run.
#pragma once

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "util/duration.h"
#include "util/error.h"

namespace csd::cli {

// Exit codes, documented in docs/exit-codes.md.
enum Exit : int {
  kOk = 0,
  kFailed = 1,    // the command ran and found a problem (check findings, a diff, a failed gate)
  kUnusable = 2,  // usage error, or a contract or environment that cannot be used at all
};

struct Command {
  CLI::App* app;
  std::function<int()> run;
};

using Commands = std::vector<Command>;

void register_contract(CLI::App& parent, Commands& out);
void register_exec(CLI::App& parent, Commands& out);
void register_render(CLI::App& parent, Commands& out);
void register_check(CLI::App& parent, Commands& out);
void register_watchdog(CLI::App& parent, Commands& out);
void register_restart(CLI::App& parent, Commands& out);
void register_status(CLI::App& parent, Commands& out);
void register_scale(CLI::App& parent, Commands& out);
void register_import(CLI::App& parent, Commands& out);
void register_runbook(CLI::App& parent, Commands& out);
void register_verify(CLI::App& parent, Commands& out);
void register_deploy(CLI::App& parent, Commands& out);
void register_rollback(CLI::App& parent, Commands& out);
void register_health(CLI::App& parent, Commands& out);
void register_list(CLI::App& parent, Commands& out);
void register_remove(CLI::App& parent, Commands& out);

// Options shared by the commands that read a deployment.
struct DeploymentOptions {
  std::string contract;
  std::string root;
};
void add_deployment_options(CLI::App* app, DeploymentOptions& options);
// --contract FILE, or -n NAME for the installed /etc/conda-systemd/NAME.toml; with neither, the only
// contract installed. Resolved when parsing completes: a name that is not installed is a usage error
// listing the installed ones. `root`, when given, is where /etc/conda-systemd is looked up.
void add_contract_option(CLI::App* app, std::string& contract, const std::string* root = nullptr);
CLI::App* add_subcommand(CLI::App& parent, const std::string& name, const std::string& description);

// The exit codes a command can return, with what each means for it: its --help footer and so its
// section of conda-systemd(1). Every command can also return 2 (usage); it is listed for all.
struct ExitCode {
  int code;
  std::string meaning;
};
void set_exit_codes(CLI::App* app, std::vector<ExitCode> codes);

// A duration option in systemd.time(7) syntax ("5", "5s", "2min", "1h 30min"), through the one parser
// the contract uses; anything else is a usage error naming the syntax.
CLI::Option* add_duration_option(CLI::App* app, const std::string& name, Millis& out,
                                 const std::string& description);

// --color=auto|always|never (auto: a terminal, and neither NO_COLOR nor TERM=dumb): whether to colour
// what goes to `fd`.
void add_color_option(CLI::App& app);
bool use_colour(int fd);

// -q, --quiet on every command (docs/cli.md): progress and informational lines are left out; errors,
// findings that fail and the output asked for (--json, a diff, a plan, a listing) still print.
void add_quiet_option(CLI::App& app);
bool quiet();
// Prints an informational line (with its newline) unless --quiet.
template <typename... Args>
void inform(fmt::format_string<Args...> format, Args&&... args) {
  if (!quiet()) fmt::print("{}\n", fmt::format(format, std::forward<Args>(args)...));
}

// --json where a command does not report is a usage error naming the commands that do
// (`accepted`, asked only then): each command without a --json of its own gets a hidden one that
// refuses. Call once every command is registered.
void refuse_json_elsewhere(CLI::App& app, std::function<std::string()> accepted);
// "check, contract show, ...": the commands below `app` with a --json of their own.
std::string json_command_list(CLI::App& app);

// Prints an Error the way compilers do, to stderr; with `json`, also {"error": "..."} on stdout, so a
// program reading --json output always gets a JSON document (docs/cli.md).
void print_error(const Error& error);
void print_error(const Error& error, bool json);
std::string home_dir();

}  // namespace csd::cli
