// Picking findings out of check's report, for the tests of check and of what uses its codes.
#pragma once

#include <string>
#include <vector>

#include "check/finding.h"

namespace csd::test {

// The findings with `code`, so each test says exactly which it expects.
std::vector<check::Finding> with_code(const check::Report& r, const std::string& code);
std::vector<check::Finding> errors(const check::Report& r);
// The report as check prints it, notes included: for failure messages.
std::string dump(const check::Report& r);

}  // namespace csd::test
