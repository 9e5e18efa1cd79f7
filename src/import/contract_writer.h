// The imported contract as TOML, each value under a comment saying where it came from, so the
// operator reviews a file that explains itself.
#pragma once

#include <string>

#include "import/importer.h"

namespace csd::importer {

// `command_line` is shown in the header, so the file says how to import it again.
std::string write_contract(const Imported& imported, const std::string& command_line);

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string toml_string(const std::string& s);

}  // namespace csd::importer

namespace csd::importer {

// The written text read back as `render` will: parsed and validated, then rendered in memory.
// An import is only as good as a contract render accepts.
Status validate_written(const std::string& text, const std::string& source);

}  // namespace csd::importer
