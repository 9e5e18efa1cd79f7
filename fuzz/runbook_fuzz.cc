// The runbook read back from Markdown (parse_markdown, lenient by design), and the drift check
// that walks what was read against a contract, including its shell word splitting.
#include "contract/contract.h"
#include "fuzz.h"
#include "runbook/runbook.h"

using namespace csd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Contract contract = [] {
    auto c = parse_contract(
        "[contract]\nname = \"app\"\nversion = \"1\"\n"
        "[conda]\nenv = \"app\"\nroot = \"/opt/miniconda3\"\n"
        "[service]\nuser = \"app\"\nworkdir = \"/srv/app\"\ncommand = [\"gunicorn\", \"app:app\"]\n",
        "fuzz.toml");
    if (!c) {
      std::fprintf(stderr, "%s\n", c.error().to_string().c_str());
      std::abort();
    }
    return *c;
  }();
  auto rb = runbook::parse_markdown(fuzz::as_text(data, size), "RUNBOOK.md");
  if (!rb) return 0;
  (void)runbook::check(*rb, contract,
                       {{"render", {"--contract"}}, {"contract show", {"--contract", "--json"}}});
  for (const auto& p : rb->procedures)
    for (const auto& s : p.steps) (void)runbook::output_matches(s.prints, s.command);
  return 0;
}
