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

namespace {

struct Registration {
  const char* name;
  void (*add)(CLI::App& parent, Commands& out);
};

// Every command, in the order --help lists them; `help` is added last by build_app.
constexpr Registration kCommands[] = {
    {"contract", register_contract}, {"render", register_render},     {"check", register_check},
    {"exec", register_exec},         {"watchdog", register_watchdog}, {"restart", register_restart},
    {"status", register_status},     {"scale", register_scale},       {"verify", register_verify},
    {"health", register_health},     {"deploy", register_deploy},     {"rollback", register_rollback},
    {"runbook", register_runbook},   {"import", register_import},     {"list", register_list},
    {"remove", register_remove},
};

void set_up_top_level(CLI::App& app) {
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
}

}  // namespace

bool build_app_for(CLI::App& app, Commands& commands, int argc, char** argv) {
  if (argc < 2) return false;
  const Registration* found = nullptr;
  for (const auto& r : kCommands)
    if (std::string_view(argv[1]) == r.name) found = &r;
  if (!found) return false;
  set_up_top_level(app);
  found->add(app, commands);
  // Only the whole app knows which commands take --json: built if a refusal has to name them.
  refuse_json_elsewhere(app, [] {
    CLI::App whole;
    Commands all;
    build_app(whole, all);
    return json_command_list(whole);
  });
  return true;
}

void build_app(CLI::App& app, Commands& commands) {
  set_up_top_level(app);
  for (const auto& r : kCommands) r.add(app, commands);

  CLI::App* help =
      add_subcommand(app, "help", "Show the help of a command: conda-systemd help COMMAND [SUBCOMMAND]");
  auto words = std::make_shared<std::vector<std::string>>();
  help->add_option("command", *words, "the command (and subcommand) whose help to show");
  set_exit_codes(help, {{0, "the help was shown"}, {2, "no such command"}});
  commands.push_back({help, [&app, words] { return print_help(app, *words); }});
  refuse_json_elsewhere(app, [&app] { return json_command_list(app); });
}

}  // namespace csd::cli
