// Writes conda-systemd(1) and conda-systemd.contract(5) at build time from the command line's own
// definitions and the docs, so neither page can drift from --help or docs/contract.md.
//
//   mangen SOURCE_DIR OUT_DIR     write OUT_DIR/conda-systemd.1 and OUT_DIR/conda-systemd.contract.5,
//                                 and the completions OUT_DIR/conda-systemd.bash and OUT_DIR/_conda-systemd
//   mangen --check SOURCE_DIR     exit 1 when docs/contract.md and the contract parser disagree
#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/app.h"
#include "man/cli_page.h"
#include "man/completion.h"
#include "man/contract_page.h"

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace csd;
  try {
    bool check_only = argc == 3 && std::strcmp(argv[1], "--check") == 0;
    if (argc != 3) {
      fmt::print(stderr, "usage: mangen SOURCE_DIR OUT_DIR | mangen --check SOURCE_DIR\n");
      return 2;
    }
    std::string source = check_only ? argv[2] : argv[1];
    std::string contract_md = slurp(source + "/docs/contract.md");
    auto drift = man::contract_doc_drift(contract_md);
    for (const auto& line : drift) fmt::print(stderr, "mangen: {}\n", line);
    if (!drift.empty()) return 1;
    if (check_only) return 0;

    CLI::App app;
    cli::Commands commands;
    cli::build_app(app, commands);
    man::CliDocs docs{.version = CSD_VERSION,
                      .cli_md = slurp(source + "/docs/cli.md"),
                      .exit_codes_md = slurp(source + "/docs/exit-codes.md")};
    std::string out = argv[2];
    write(out + "/conda-systemd.1", man::cli_page(app, docs));
    write(out + "/conda-systemd.contract.5", man::contract_page(contract_md, CSD_VERSION));
    write(out + "/conda-systemd.bash", man::bash_completion(app));
    write(out + "/_conda-systemd", man::zsh_completion(app));
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "mangen: {}\n", e.what());
    return 1;
  }
}
