// `conda-systemd import`: a contract from a hand-written deployment, and the migration report.
#include <fmt/format.h>
#include <unistd.h>

#include "cli/command.h"
#include "import/contract_writer.h"
#include "import/importer.h"
#include "import/report.h"
#include "util/file.h"
#include "util/json_text.h"

namespace csd::cli {

void register_import(CLI::App& parent, Commands& out) {
  CLI::App* app =
      add_subcommand(parent, "import",
                     "Write a contract from the existing units and environment files of a service, "
                     "and report every inconsistency met");
  struct Options {
    importer::ImportOptions import;
    std::string root;
    std::string output;
    std::string secrets_output;
    bool force = false;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  app->add_option("--name", o->import.name,
                  "the service: NAME.service, NAME-watchdog.service, NAME-*-worker.service")
      ->required()
      ->option_text("NAME");
  app->add_option("--root", o->root, "take every absolute path under DIR, as `systemctl --root` does")
      ->option_text("DIR");
  app->add_option("--unit-dir", o->import.unit_dirs,
                  "look for units here (repeatable; default: /etc/systemd/system, /run/systemd/system, "
                  "/usr/lib/systemd/system)")
      ->option_text("DIR");
  app->add_option("--env-file", o->import.env_file, "also read this environment file, after the units' own")
      ->option_text("FILE");
  app->add_option("--output", o->output, "write the contract here (default: standard output)")
      ->option_text("FILE");
  app->add_option("--secrets-output", o->secrets_output,
                  "write the cleaned copy of the old environment file here (what stays as secrets_file)")
      ->option_text("FILE");
  app->add_option("--tool", o->import.tool, "[contract] tool: where conda-systemd is installed")
      ->option_text("PATH");
  app->add_option("--conda-root", o->import.conda_root, "the conda installation behind a bare `conda`")
      ->option_text("DIR");
  app->add_flag("--force", o->force,
                "write the contract even when it is not equivalent, its problems listed on top");
  app->add_flag("--json", o->json, "print the report as JSON");
  set_exit_codes(app, {{0, "the contract was written"}, {1, "problems found; nothing written"}});
  out.push_back({app, [o] {
                   o->import.root = Root(o->root);
                   auto imported = importer::import_service(o->import);
                   if (!imported) return print_error(imported.error()), int(kUnusable);
                   importer::Imported& im = *imported;
                   std::string command_line = "conda-systemd import --name " + o->import.name;
                   for (const auto& d : o->import.unit_dirs) command_line += " --unit-dir " + d;
                   if (!o->import.env_file.empty()) command_line += " --env-file " + o->import.env_file;
                   std::string source = o->output.empty() ? "(standard output)" : o->output;
                   std::string text = importer::write_contract(im, command_line);
                   if (auto st = importer::validate_written(text, source); !st) {
                     Error e = st.error();
                     e.message = "the imported contract is not valid: " + e.message;
                     im.problems.push_back(e);
                     text = importer::write_contract(im, command_line);
                   }
                   bool colour = use_colour(o->output.empty() ? STDERR_FILENO : STDOUT_FILENO);
                   std::string report = o->json ? json_text(importer::report_json(im), 2) + "\n"
                                                : importer::format_report(im, colour);
                   // --quiet: the report only when it holds problems.
                   if (o->json || !quiet() || !im.problems.empty())
                     fmt::print(o->output.empty() ? stderr : stdout, "{}", report);
                   bool write = im.problems.empty() || o->force;
                   if (!write) {
                     fmt::print(stderr,
                                "conda-systemd import: nothing written: {} problem(s) above; fix them, or "
                                "write the contract anyway with --force\n",
                                im.problems.size());
                     return int(kFailed);
                   }
                   if (o->output.empty()) {
                     fmt::print("{}", text);
                   } else if (auto st = write_output_file(o->output, text); !st) {
                     return print_error(st.error()), int(kFailed);
                   }
                   if (!o->secrets_output.empty() && !im.secrets_text.empty()) {
                     if (auto st = write_output_file(o->secrets_output, im.secrets_text, 0600); !st)
                       return print_error(st.error()), int(kFailed);
                   }
                   if (!o->output.empty() && !quiet())
                     fmt::print(stderr, "wrote {}{}\n", o->output,
                                o->secrets_output.empty() || im.secrets_text.empty()
                                    ? ""
                                    : " and " + o->secrets_output);
                   return im.problems.empty() ? int(kOk) : int(kFailed);
                 }});
}

}  // namespace csd::cli
