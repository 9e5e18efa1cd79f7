#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

#include "cli/command.h"

namespace csd::cli {

void add_deployment_options(CLI::App* app, DeploymentOptions& options) {
  app->add_option("--contract", options.contract, "the contract file (TOML)")->required();
  app->add_option("--root", options.root,
                  "take every absolute path under DIR, as `systemctl --root` does")
      ->option_text("DIR");
}

CLI::App* add_subcommand(CLI::App& parent, const std::string& name, const std::string& description) {
  CLI::App* sub = parent.add_subcommand(name, description);
  sub->set_version_flag("--version", std::string("conda-systemd ") + CSD_VERSION);
  return sub;
}

void print_error(const Error& error) {
  bool colour = ::isatty(STDERR_FILENO) != 0;
  std::string text = error.to_string();
  if (colour) {
    auto pos = text.find("error:");
    if (pos != std::string::npos) text.replace(pos, 6, "\033[1;31merror:\033[0m");
  }
  fmt::print(stderr, "{}\n", text);
}

std::string home_dir() {
  const char* home = std::getenv("HOME");
  return home ? home : "";
}

}  // namespace csd::cli
