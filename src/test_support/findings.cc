#include "test_support/findings.h"

#include "check/format.h"

namespace csd::test {

std::vector<check::Finding> with_code(const check::Report& r, const std::string& code) {
  std::vector<check::Finding> out;
  for (const auto& f : r.findings())
    if (f.code == code) out.push_back(f);
  return out;
}

std::vector<check::Finding> errors(const check::Report& r) {
  std::vector<check::Finding> out;
  for (const auto& f : r.findings())
    if (f.severity == check::Severity::kError) out.push_back(f);
  return out;
}

std::string dump(const check::Report& r) {
  return check::format_text(r, false, true);
}

}  // namespace csd::test
