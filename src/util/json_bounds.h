// Bounds on what outside JSON can make the watchdog hold or write: nesting depth when parsing a
// flag, the state or a control line, and the size of every field copied from a flag into the
// state (a 20 KB flag whose "user" nested 5,000 lists deep once became a 400 MB state file,
// since each level is indented once more when the state is written).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace csd {

// Our own documents nest 4 deep (state, history, entry, policy_state); the dashboard's flag 2.
inline constexpr int kMaxJsonDepth = 32;
// A user, an IP, a version, a request id: copied into every history entry.
inline constexpr std::size_t kMaxFieldBytes = 256;
// Free text: reason, override_reason, a parse error's message.
inline constexpr std::size_t kMaxTextBytes = 1024;
// What stands in for an object or a list where a scalar was expected.
inline constexpr const char* kOmittedObject = "[JSON object omitted]";
inline constexpr const char* kOmittedList = "[JSON list omitted]";

// True when `text` nests lists and objects deeper than `max_depth` (brackets inside strings do
// not count). Linear, no allocation: run it before parsing.
bool nests_deeper_than(std::string_view text, int max_depth);

// At most `max_bytes` of `s`, cut on a UTF-8 character boundary, with " [N bytes cut]" appended
// when anything was cut.
std::string bounded_text(std::string_view s, std::size_t max_bytes);

// A value from a flag, made safe to copy into the state: null, booleans and numbers as they are,
// strings through bounded_text, objects and lists replaced by a marker string.
nlohmann::json bounded_scalar(const nlohmann::json& v, std::size_t max_bytes = kMaxFieldBytes);

}  // namespace csd
