#include "import/report.h"

#include <fmt/format.h>

#include "check/format.h"

namespace csd::importer {

std::string format_report(const Imported& im, bool colour) {
  auto bold = [&](const std::string& s) { return colour ? "\033[1m" + s + "\033[0m" : s; };
  std::string out;
  out += bold(fmt::format("Units of {} ({})", im.contract.name, im.units.size())) + "\n";
  for (const auto& u : im.units)
    out += fmt::format("  {:<9} {:<44} {}{}\n", role_name(u.unit.role) + std::string(u.imported ? "" : "*"),
                       u.unit.name, u.unit.why, u.imported ? "" : " (not imported)");

  out += "\n" + bold(fmt::format("Inconsistencies in the files ({})", im.findings.findings().size())) + "\n";
  out += check::format_text(im.findings, colour);

  out += "\n" + bold(fmt::format("Values chosen between alternatives ({})", im.choices.size())) + "\n";
  for (const auto& c : im.choices) {
    out += fmt::format("  {} = {}\n", c.key, c.chosen);
    for (const auto& cand : c.candidates)
      out += fmt::format("    {} {}  ({})\n", cand.value == c.chosen ? "*" : "-", cand.value, cand.source);
    out += fmt::format("    why: {}\n", c.reason);
  }

  out += "\n" +
         bold(fmt::format("What changes when the rendered units replace these ({})", im.changes.size())) +
         "\n";
  for (const auto& c : im.changes) out += "  - " + c + "\n";
  if (!im.notes.empty()) {
    out += "\n" + bold(fmt::format("Notes ({})", im.notes.size())) + "\n";
    for (const auto& n : im.notes) out += "  - " + n + "\n";
  }
  if (!im.problems.empty()) {
    out += "\n" +
           bold(fmt::format("Problems: the contract would not be equivalent ({})", im.problems.size())) +
           "\n";
    for (const auto& p : im.problems) {
      out += "  - " + p.to_string() + "\n";
    }
  }
  return out;
}

nlohmann::json report_json(const Imported& im) {
  nlohmann::json units = nlohmann::json::array(), choices = nlohmann::json::array(),
                 problems = nlohmann::json::array();
  for (const auto& u : im.units)
    units.push_back({{"name", u.unit.name},
                     {"role", role_name(u.unit.role)},
                     {"worker", u.unit.worker},
                     {"imported", u.imported},
                     {"why", u.unit.why}});
  for (const auto& c : im.choices) {
    nlohmann::json cands = nlohmann::json::array();
    for (const auto& x : c.candidates) cands.push_back({{"value", x.value}, {"source", x.source}});
    choices.push_back({{"key", c.key}, {"chosen", c.chosen}, {"reason", c.reason}, {"candidates", cands}});
  }
  for (const auto& p : im.problems) problems.push_back(p.to_string());
  return {{"units", units},     {"findings", check::format_json(im.findings)},
          {"choices", choices}, {"changes", im.changes},
          {"notes", im.notes},  {"problems", problems}};
}

}  // namespace csd::importer
