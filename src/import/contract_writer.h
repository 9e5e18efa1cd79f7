// The imported contract as TOML, each value under a comment saying where it came from, so the
// operator reviews a file that explains itself.
#pragma once

#include <string>

#include "contract/toml_string.h"
#include "import/importer.h"

namespace csd::importer {

// `command_line` is shown in the header, so the file says how to import it again.
std::string write_contract(const Imported& imported, const std::string& command_line);

using csd::toml_string;

}  // namespace csd::importer

namespace csd::importer {

// The written text read back as `render` will: parsed and validated, then rendered in memory.
// An import is only as good as a contract render accepts.
Status validate_written(const std::string& text, const std::string& source);

}  // namespace csd::importer
