#include "util/json_bounds.h"

#include <fmt/format.h>

namespace csd {

bool nests_deeper_than(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

std::string bounded_text(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t cut = max_bytes;
  // Back off continuation bytes (10xxxxxx) so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("{} [{} bytes cut]", s.substr(0, cut), s.size() - cut);
}

nlohmann::json bounded_scalar(const nlohmann::json& v, std::size_t max_bytes) {
  if (v.is_object()) return kOmittedObject;
  if (v.is_array()) return kOmittedList;
  if (v.is_string()) return bounded_text(v.get_ref<const std::string&>(), max_bytes);
  if (v.is_binary() || v.is_discarded()) return nullptr;
  return v;
}

}  // namespace csd
