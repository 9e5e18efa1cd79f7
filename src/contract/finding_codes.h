// The finding codes of `check` (and of `import`'s report): one table of code, title and what to do.
// check shows the title in --json output, the runbook lists the action in its "Check findings"
// procedure, docs/diagnostics.md explains each. It lives here, below both check and the runbook, so
// that neither depends on the other for it.
#pragma once

#include <string>
#include <vector>

namespace csd {

struct FindingCode {
  const char* code;    // stable: "CSD104"
  const char* title;   // one line, shown in check --json
  const char* action;  // what the operator does, in the runbook
};

const std::vector<FindingCode>& finding_codes();
// The row of `code`, or null for a code that does not exist.
const FindingCode* find_finding_code(const std::string& code);

}  // namespace csd
