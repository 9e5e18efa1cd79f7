// A TOML basic string, for the tools that write contract text (import, deploy).
#pragma once

#include <string>

namespace csd {

// "..." with quotes, backslashes and control characters escaped: any bytes read back as themselves.
std::string toml_string(const std::string& s);

}  // namespace csd
