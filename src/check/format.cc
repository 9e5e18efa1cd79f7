#include "check/format.h"

#include <fmt/format.h>

namespace csd::check {

std::string format_text(const Report& report, bool colour) {
  auto paint = [&](const char* code, const std::string& s) {
    return colour ? fmt::format("\033[{}m{}\033[0m", code, s) : s;
  };
  std::string out;
  std::string current_file = "\x01";
  for (const auto& f : report.sorted()) {
    if (f.file != current_file) {
      current_file = f.file;
      out += paint("1", f.file.empty() ? "(deployment)" : f.file) + ":\n";
    }
    std::string where = f.file.empty() ? "" : (f.line > 0 ? fmt::format("{}:{}: ", f.file, f.line) : f.file + ": ");
    bool error = f.severity == Severity::kError;
    out += fmt::format("  {}{} [{}] {}\n", where, paint(error ? "1;31" : "1;33", error ? "error:" : "warning:"), f.code,
                       f.message);
    if (!f.expected.empty()) out += fmt::format("      expected: {}\n", f.expected);
    if (!f.found.empty()) out += fmt::format("      found:    {}\n", f.found);
    if (!f.fix.empty()) out += fmt::format("      fix:      {}\n", f.fix);
  }
  out += fmt::format("{} error(s), {} warning(s)\n", report.errors(), report.warnings());
  return out;
}

nlohmann::json format_json(const Report& report) {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : report.sorted()) {
    findings.push_back({{"code", f.code},
                        {"title", title_of(f.code)},
                        {"severity", f.severity == Severity::kError ? "error" : "warning"},
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
