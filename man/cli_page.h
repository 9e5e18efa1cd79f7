// conda-systemd(1), from the CLI11 app main() parses with and the docs it cites.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace csd::man {

struct CliDocs {
  std::string version;
  std::string cli_md;         // docs/cli.md: conventions, environment, files
  std::string exit_codes_md;  // docs/exit-codes.md
};

std::string cli_page(CLI::App& app, const CliDocs& docs);

}  // namespace csd::man
