#include "systemd/unit_name.h"

#include <array>

namespace csd::systemd {

namespace {

constexpr std::size_t kUnitNameMax = 255;  // systemd's UNIT_NAME_MAX less the NUL

bool valid_char(char c, bool allow_at) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  if (c == ':' || c == '-' || c == '_' || c == '.' || c == '\\') return true;
  return allow_at && c == '@';
}

bool all_valid(std::string_view s, bool allow_at) {
  for (char c : s)
    if (!valid_char(c, allow_at)) return false;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string UnitName::full() const {
  return without_type() + "." + type;
}

std::string UnitName::without_type() const {
  return has_at ? prefix + "@" + instance : prefix;
}

std::string UnitName::template_name() const {
  return prefix + "@." + type;
}

bool is_unit_type(std::string_view type) {
  static constexpr std::array<std::string_view, 11> kTypes = {"service", "mount",  "swap",      "socket",
                                                              "target",  "device", "automount", "timer",
                                                              "path",    "slice",  "scope"};
  for (auto t : kTypes)
    if (t == type) return true;
  return false;
}

std::optional<UnitName> parse_unit_name(std::string_view name) {
  if (name.empty() || name.size() > kUnitNameMax) return std::nullopt;
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  UnitName out;
  out.type = std::string(name.substr(dot + 1));
  if (!is_unit_type(out.type)) return std::nullopt;
  std::string_view stem = name.substr(0, dot);
  auto at = stem.find('@');
  if (at == std::string_view::npos) {
    if (!all_valid(stem, false)) return std::nullopt;
    out.prefix = std::string(stem);
    return out;
  }
  if (at == 0) return std::nullopt;
  std::string_view prefix = stem.substr(0, at), instance = stem.substr(at + 1);
  if (!all_valid(prefix, false) || !all_valid(instance, true)) return std::nullopt;
  out.prefix = std::string(prefix);
  out.instance = std::string(instance);
  out.has_at = true;
  return out;
}

std::optional<std::string> unescape_unit_name_part(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '-') {
      out += '/';
    } else if (c == '\\') {
      if (i + 3 >= text.size()) return std::nullopt;
      if (text[i + 1] != 'x') return std::nullopt;
      int a = hex_value(text[i + 2]), b = hex_value(text[i + 3]);
      if (a < 0 || b < 0) return std::nullopt;
      out += static_cast<char>((a << 4) | b);
      i += 3;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace csd::systemd
