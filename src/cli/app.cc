// The whole command line as one CLI11 app: main() parses with it, and the man page generator
// (man/mangen.cc) walks it, so conda-systemd(1) cannot drift from --help.
#include "cli/app.h"

#include <fmt/format.h>

#include "util/strings.h"

namespace csd::cli {

namespace {

std::vector<std::string> command_names(CLI::App& app) {
  std::vector<std::string> names;
  for (CLI::App* sub : app.get_subcommands([](CLI::App* s) { return !s->get_group().empty(); }))
    names.push_back(sub->get_name());
  return names;
}

// `help [COMMAND [SUBCOMMAND]]`: the help of that command, as COMMAND --help prints it.
int print_help(CLI::App& app, const std::vector<std::string>& words) {
  CLI::App* at = &app;
  for (const auto& word : words) {
    CLI::App* sub = nullptr;
    try {
      sub = at->get_subcommand(word);
    } catch (const CLI::OptionNotFound&) {
    }
    if (!sub || sub->get_group().empty()) return report_unknown_command(*at, word);
    at = sub;
  }
  fmt::print("{}", at->help());
  return kOk;
}

}  // namespace

int report_unknown_command(CLI::App& app, const std::string& word) {
  auto names = command_names(app);
  std::string near = closest_match(word, names);
  std::string where = app.get_parent() ? app.get_name() + " " : "";
  fmt::print(stderr, "error: unknown command '{}{}'{}\n  commands: {}\n", where, word,
             near.empty() ? "" : fmt::format("; did you mean '{}{}'?", where, near), fmt::join(names, ", "));
  return kUnusable;
}

bool is_command(CLI::App& app, const std::string& word) {
  auto names = command_names(app);
  return std::find(names.begin(), names.end(), word) != names.end();
}

void build_app(CLI::App& app, Commands& commands) {
  app.name("conda-systemd");
  app.description("Run conda-based Python services under systemd, from one versioned contract.");
  app.set_version_flag("-V,--version", std::string("conda-systemd ") + CSD_VERSION);
  app.require_subcommand(1);
  add_color_option(app);
  add_quiet_option(app);
  app.footer(
      "conda-systemd help COMMAND (or COMMAND --help) lists a command's options and its exit codes.\n"
      "Exit codes: 0 ok, 1 problems found, 2 usage error or unusable contract; restart also 3 and 4, exec "
      "126 "
      "and 127. See man conda-systemd.\n");

  register_contract(app, commands);
  register_render(app, commands);
  register_check(app, commands);
  register_exec(app, commands);
  register_watchdog(app, commands);
  register_restart(app, commands);
  register_status(app, commands);
  register_scale(app, commands);
  register_verify(app, commands);
  register_health(app, commands);
  register_deploy(app, commands);
  register_rollback(app, commands);
  register_runbook(app, commands);
  register_import(app, commands);
  register_list(app, commands);
  register_remove(app, commands);

  CLI::App* help =
      add_subcommand(app, "help", "Show the help of a command: conda-systemd help COMMAND [SUBCOMMAND]");
  auto words = std::make_shared<std::vector<std::string>>();
  help->add_option("command", *words, "the command (and subcommand) whose help to show");
  set_exit_codes(help, {{0, "the help was shown"}, {2, "no such command"}});
  commands.push_back({help, [&app, words] { return print_help(app, *words); }});
  refuse_json_elsewhere(app);
}

}  // namespace csd::cli
