// How check's report is shown: grouped by file like a compiler's output, or as JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "check/finding.h"

namespace csd::check {

// Notes (what check accepts, such as a drop-in adding MemoryMax=) only when `verbose`.
std::string format_text(const Report& report, bool colour, bool verbose = false);
nlohmann::json format_json(const Report& report, bool verbose = false);

}  // namespace csd::check
