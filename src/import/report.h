// The migration report: how each unit was classified, every inconsistency between the files (with
// check's codes), every value chosen between alternatives, and what changes once the rendered
// units replace the old ones.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "import/importer.h"

namespace csd::importer {

std::string format_report(const Imported& imported, bool colour);
nlohmann::json report_json(const Imported& imported);

}  // namespace csd::importer
