// Unit names as systemd.unit(5) defines them: "prefix[@instance].type", where an empty instance
// ("foo@.service") names a template.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace csd::systemd {

struct UnitName {
  std::string prefix;    // "foo" in "foo@bar.service"
  std::string instance;  // "bar"; empty for templates and plain units
  std::string type;      // "service"
  bool has_at = false;   // templates and instances

  bool is_template() const { return has_at && instance.empty(); }
  bool is_instance() const { return has_at && !instance.empty(); }
  std::string full() const;           // "foo@bar.service"
  std::string without_type() const;   // "foo@bar", systemd's %N
  std::string template_name() const;  // "foo@.service"; only meaningful for instances
};

// Nullopt unless systemd would accept the name: at most 255 bytes, a known unit type, and only
// the characters [A-Za-z0-9:_.\-] (and "@" inside an instance).
std::optional<UnitName> parse_unit_name(std::string_view name);

// A valid unit type: "service", "socket", "timer", ...
bool is_unit_type(std::string_view type);

// Undoes systemd-escape: "-" becomes "/", "\xNN" a byte. Nullopt for a malformed escape.
std::optional<std::string> unescape_unit_name_part(std::string_view text);

}  // namespace csd::systemd
