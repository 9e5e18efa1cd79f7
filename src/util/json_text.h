// JSON as text for output: whatever a program prints or writes as JSON may carry bytes from outside
// (an environment file, a unit, a flag), and nlohmann::json's plain dump() throws on invalid UTF-8.
// Such bytes come out as U+FFFD instead, so the output is always valid JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace csd {

// `indent` as for nlohmann::json::dump(): -1 is one line, 2 is the readable form.
inline std::string json_text(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace csd
