// Placeholder until this subcommand lands; it refuses to run rather than pretend.
#include <fmt/format.h>

#include "cli/command.h"

namespace csd::cli {

void register_health(CLI::App& parent, Commands& out) {
  CLI::App* app = add_subcommand(parent, "health", "(not yet available)");
  app->allow_extras();
  out.push_back({app, [] {
                   fmt::print(stderr, "conda-systemd health: not yet available in this version\n");
                   return int(kUnusable);
                 }});
}

}  // namespace csd::cli
