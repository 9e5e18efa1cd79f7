#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "contract/installed.h"
#include "util/json_text.h"

namespace csd::cli {

void add_contract_option(CLI::App* app, std::string& contract, const std::string* root) {
  auto name = std::make_shared<std::string>();
  CLI::Option* file =
      app->add_option("--contract", contract, "the contract file (TOML)")->option_text("FILE");
  CLI::Option* by_name =
      app->add_option("-n,--name", *name, "the installed contract /etc/conda-systemd/NAME.toml")
          ->option_text("NAME");
  file->excludes(by_name);
  app->parse_complete_callback([app, &contract, name, root] {
    bool asks_help =
        app->get_help_ptr()->count() > 0 || (app->get_version_ptr() && app->get_version_ptr()->count() > 0);
    if (!contract.empty() || asks_help) return;
    auto found = find_installed_contract(*name, Root(root ? *root : ""));
    if (!found) {
      Error e = found.error();
      throw CLI::ValidationError(e.hint.empty() ? e.message : e.message + "\n  hint: " + e.hint);
    }
    contract = *found;
  });
}

void add_deployment_options(CLI::App* app, DeploymentOptions& options) {
  add_contract_option(app, options.contract, &options.root);
  app->add_option("--root", options.root, "take every absolute path under DIR, as `systemctl --root` does")
      ->option_text("DIR");
}

CLI::App* add_subcommand(CLI::App& parent, const std::string& name, const std::string& description) {
  CLI::App* sub = parent.add_subcommand(name, description);
  sub->set_version_flag("-V,--version", std::string("conda-systemd ") + CSD_VERSION);
  add_quiet_option(*sub);
  // The top level's --color may also follow the command.
  sub->fallthrough();
  return sub;
}

void set_exit_codes(CLI::App* app, std::vector<ExitCode> codes) {
  if (std::none_of(codes.begin(), codes.end(), [](const ExitCode& c) { return c.code == kUnusable; }))
    codes.push_back({kUnusable, "usage error, or a contract that cannot be used"});
  std::sort(codes.begin(), codes.end(), [](const ExitCode& a, const ExitCode& b) { return a.code < b.code; });
  std::string footer = "Exit codes:\n";
  for (const auto& c : codes) footer += fmt::format("  {:<4} {}\n", c.code, c.meaning);
  app->footer(footer);
}

CLI::Option* add_duration_option(CLI::App* app, const std::string& name, Millis& out,
                                 const std::string& description) {
  CLI::Validator duration(
      [](std::string& value) {
        return parse_duration(value)
                   ? std::string()
                   : std::string(
                         "expected a duration in systemd.time(7) syntax: 5, 5s, 500ms, 2min, 1h 30min");
      },
      "DURATION");
  return app
      ->add_option_function<std::string>(
          name, [&out](const std::string& value) { out = *parse_duration(value); }, description)
      ->check(duration)
      ->option_text("DURATION");
}

namespace {

std::string g_color = "auto";
bool g_quiet = false;

bool shown(CLI::App* a) {
  return !a->get_group().empty();
}

// "check, contract show, ..." for every command below `app` that has a --json of its own.
void json_commands(CLI::App* app, const std::string& path, std::vector<std::string>& out) {
  for (CLI::App* sub : app->get_subcommands(shown)) {
    std::string name = path.empty() ? sub->get_name() : path + " " + sub->get_name();
    CLI::Option* json = sub->get_option_no_throw("--json");
    // "with --check: ..." says the flag it needs: "runbook --check".
    if (json && !json->get_group().empty()) {
      const std::string& d = json->get_description();
      out.push_back(d.rfind("with --", 0) == 0 ? name + " " + d.substr(5, d.find(':') - 5) : name);
    }
    json_commands(sub, name, out);
  }
}

void refuse_json(CLI::App* app, const std::string& path, const std::function<std::string()>& accepted) {
  for (CLI::App* sub : app->get_subcommands(shown)) {
    std::string name = path.empty() ? sub->get_name() : path + " " + sub->get_name();
    if (!sub->get_option_no_throw("--json")) {
      sub->add_flag_callback("--json",
                             [name, accepted] {
                               throw CLI::ValidationError(fmt::format(
                                   "--json: '{}' does not report; --json is for: {}", name, accepted()));
                             })
          ->group("");
    }
    refuse_json(sub, name, accepted);
  }
}

}  // namespace

void add_quiet_option(CLI::App& app) {
  app.add_flag("-q,--quiet", g_quiet,
               "print only errors, findings that fail and the output asked for (no progress or "
               "informational lines)");
}

bool quiet() {
  return g_quiet;
}

std::string json_command_list(CLI::App& app) {
  std::vector<std::string> names;
  json_commands(&app, "", names);
  return fmt::format("{}", fmt::join(names, ", "));
}

void refuse_json_elsewhere(CLI::App& app, std::function<std::string()> accepted) {
  refuse_json(&app, "", accepted);
}

void add_color_option(CLI::App& app) {
  app.add_option("--color", g_color,
                 "colour: auto (a terminal, without NO_COLOR or TERM=dumb), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->option_text("WHEN");
}

bool use_colour(int fd) {
  if (g_color == "always") return true;
  if (g_color == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  if (no_color && *no_color) return false;
  if (term && std::string_view(term) == "dumb") return false;
  return ::isatty(fd) != 0;
}

void print_error(const Error& error) {
  bool colour = use_colour(STDERR_FILENO);
  std::string text = error.to_string();
  if (colour) {
    auto pos = text.find("error:");
    if (pos != std::string::npos) text.replace(pos, 6, "\033[1;31merror:\033[0m");
  }
  fmt::print(stderr, "{}\n", text);
}

void print_error(const Error& error, bool json) {
  if (json) fmt::print("{}\n", json_text(nlohmann::json{{"error", error.to_string()}}, 2));
  print_error(error);
}

std::string home_dir() {
  const char* home = std::getenv("HOME");
  return home ? home : "";
}

}  // namespace csd::cli
