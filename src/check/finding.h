// Diagnostics: each check is a small function that appends findings. A finding says what is wrong,
// where (file:line), what the contract expects, what was found, and how to fix it.
#pragma once

#include <string>
#include <vector>

#include "contract/finding_codes.h"

namespace csd::check {

// kNote: accepted, shown with --verbose only (a drop-in adding a key render does not set).
enum class Severity { kNote, kWarning, kError };

struct Finding {
  std::string code;  // stable, documented in docs/diagnostics.md: "CSD104"
  Severity severity = Severity::kError;
  std::string file;  // as the deployment sees it; "" for the contract-wide ones
  int line = 0;
  std::string message;
  std::string expected;  // may be empty
  std::string found;     // may be empty
  std::string fix;
  // The unit and the settings ("Service.User") a finding about a unit accounts for: the comparison
  // with the rendering reports only differences no specific finding already explains.
  std::string unit;
  std::vector<std::string> keys;
};

// The title shown in --json output, from the one table of codes (contract/finding_codes.h).
const char* title_of(const std::string& code);

class Report {
 public:
  void add(Finding f) { findings_.push_back(std::move(f)); }
  const std::vector<Finding>& findings() const { return findings_; }
  std::vector<Finding>& findings() { return findings_; }
  int errors() const;
  int warnings() const;
  int notes() const;
  // Some finding already accounts for `key` ("Service.User") of `unit`.
  bool explains(const std::string& unit, const std::string& key) const;
  // Findings sorted by file then line, as a compiler lists them.
  std::vector<Finding> sorted() const;

 private:
  std::vector<Finding> findings_;
};

}  // namespace csd::check
