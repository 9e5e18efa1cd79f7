// Diagnostics: each check is a small function that appends findings. A finding says what is wrong,
// where (file:line), what the contract expects, what was found, and how to fix it.
#pragma once

#include <string>
#include <vector>

namespace csd::check {

enum class Severity { kWarning, kError };

struct Finding {
  std::string code;  // stable, documented in docs/diagnostics.md: "CSD104"
  Severity severity = Severity::kError;
  std::string file;  // as the deployment sees it; "" for the contract-wide ones
  int line = 0;
  std::string message;
  std::string expected;  // may be empty
  std::string found;     // may be empty
  std::string fix;
};

// One line of docs/diagnostics.md, and the title shown in --json output.
struct Code {
  const char* code;
  const char* title;
};
const std::vector<Code>& codes();
const char* title_of(const std::string& code);

class Report {
 public:
  void add(Finding f) { findings_.push_back(std::move(f)); }
  const std::vector<Finding>& findings() const { return findings_; }
  int errors() const;
  int warnings() const;
  // Findings sorted by file then line, as a compiler lists them.
  std::vector<Finding> sorted() const;

 private:
  std::vector<Finding> findings_;
};

}  // namespace csd::check
