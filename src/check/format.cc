#include "check/format.h"

#include <fmt/format.h>

namespace csd::check {

namespace {

const char* severity_name(Severity s) {
  return s == Severity::kError ? "error" : s == Severity::kWarning ? "warning" : "note";
}

}  // namespace

std::string format_text(const Report& report, bool colour, bool verbose) {
  auto paint = [&](const char* code, const std::string& s) {
    return colour ? fmt::format("\033[{}m{}\033[0m", code, s) : s;
  };
  std::string out;
  std::string current_file = "\x01";
  for (const auto& f : report.sorted()) {
    if (f.severity == Severity::kNote && !verbose) continue;
    if (f.file != current_file) {
      current_file = f.file;
      out += paint("1", f.file.empty() ? "(deployment)" : f.file) + ":\n";
    }
    std::string where =
        f.file.empty() ? "" : (f.line > 0 ? fmt::format("{}:{}: ", f.file, f.line) : f.file + ": ");
    const char* colour_code = f.severity == Severity::kError     ? "1;31"
                              : f.severity == Severity::kWarning ? "1;33"
                                                                 : "1;36";
    out += fmt::format("  {}{} [{}] {}\n", where,
                       paint(colour_code, std::string(severity_name(f.severity)) + ":"), f.code, f.message);
    if (!f.expected.empty()) out += fmt::format("      expected: {}\n", f.expected);
    if (!f.found.empty()) out += fmt::format("      found:    {}\n", f.found);
    if (!f.fix.empty()) out += fmt::format("      fix:      {}\n", f.fix);
  }
  out += fmt::format("{} error(s), {} warning(s)", report.errors(), report.warnings());
  out += verbose ? fmt::format(", {} note(s)\n", report.notes()) : "\n";
  return out;
}

nlohmann::json format_json(const Report& report, bool verbose) {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : report.sorted()) {
    if (f.severity == Severity::kNote && !verbose) continue;
    findings.push_back({{"code", f.code},
                        {"title", title_of(f.code)},
                        {"severity", severity_name(f.severity)},
                        {"file", f.file},
                        {"line", f.line},
                        {"message", f.message},
                        {"expected", f.expected},
                        {"found", f.found},
                        {"fix", f.fix}});
  }
  return {{"errors", report.errors()}, {"warnings", report.warnings()}, {"findings", findings}};
}

}  // namespace csd::check
