// `conda-systemd list`: every installed contract and the state of its units (docs/cli.md).
#include <fmt/format.h>

#include "cli/command.h"
#include "util/json_text.h"
#include "verify/listing.h"

namespace csd::cli {

void register_list(CLI::App& parent, Commands& out) {
  CLI::App* app =
      add_subcommand(parent, "list",
                     "List the installed contracts (/etc/conda-systemd) with the state of their units, "
                     "the app's main PID and its last start");
  struct Options {
    std::string root;
    bool json = false;
    bool no_bus = false;
  };
  auto o = std::make_shared<Options>();
  app->add_option("--root", o->root, "take every absolute path under DIR, as `systemctl --root` does")
      ->option_text("DIR");
  app->add_flag("--json", o->json, "print JSON");
  app->add_flag("--no-bus", o->no_bus, "do not ask systemd for the units' states");
  set_exit_codes(app, {{0, "listed (states are \"unknown\" where systemd could not say)"},
                       {1, "the contract directory cannot be read"}});
  out.push_back(
      {app, [o] {
         std::optional<host::Systemd> bus;
         if (!o->no_bus)
           if (auto b = host::Systemd::connect()) bus.emplace(std::move(*b));
         auto listed = verify::list_installed(Root(o->root), bus ? &*bus : nullptr);
         if (!listed) {
           if (o->json)
             fmt::print("{}\n", json_text(nlohmann::json{{"error", listed.error().to_string()}}, 2));
           return print_error(listed.error(), o->json), int(kFailed);
         }
         if (o->json)
           fmt::print("{}\n", json_text(verify::listing_json(*listed), 2));
         else
           fmt::print("{}", verify::listing_text(*listed));
         return int(kOk);
       }});
}

}  // namespace csd::cli
