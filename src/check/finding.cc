#include "check/finding.h"

#include <algorithm>

namespace csd::check {

const char* title_of(const std::string& code) {
  const FindingCode* c = find_finding_code(code);
  return c ? c->title : "";
}

int Report::errors() const {
  return static_cast<int>(std::count_if(findings_.begin(), findings_.end(),
                                        [](const Finding& f) { return f.severity == Severity::kError; }));
}

int Report::warnings() const {
  return static_cast<int>(std::count_if(findings_.begin(), findings_.end(),
                                        [](const Finding& f) { return f.severity == Severity::kWarning; }));
}

int Report::notes() const {
  return static_cast<int>(findings_.size()) - errors() - warnings();
}

bool Report::explains(const std::string& unit, const std::string& key) const {
  return std::any_of(findings_.begin(), findings_.end(), [&](const Finding& f) {
    return f.unit == unit && std::find(f.keys.begin(), f.keys.end(), key) != f.keys.end();
  });
}

std::vector<Finding> Report::sorted() const {
  std::vector<Finding> out = findings_;
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    if (a.file != b.file) return a.file < b.file;
    return a.line < b.line;
  });
  return out;
}

}  // namespace csd::check
