// How check's report is shown: grouped by file like a compiler's output, or as JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "check/finding.h"

namespace csd::check {

std::string format_text(const Report& report, bool colour);
nlohmann::json format_json(const Report& report);

}  // namespace csd::check
