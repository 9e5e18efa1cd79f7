// One unit file (or drop-in) as systemd.syntax(5) reads it: "[Section]" headers, "Key=Value"
// assignments, "#" and ";" comment lines and backslash-newline continuations.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace csd::systemd {

// systemd's LONG_LINE_MAX: longer lines, or continued lines longer in total, fail the whole file.
constexpr std::size_t kLongLineMax = 1u << 20;
// Unit files are small; this caps what one hostile file can make us hold.
constexpr std::size_t kUnitFileMaxBytes = 1u << 20;

struct Assignment {
  std::string section;
  std::string key;
  std::string value;  // trimmed; continuations joined with a space; no unquoting (that is per key)
  std::string file;
  int line = 0;  // where the assignment starts (systemd's own messages name its last line)

  bool operator==(const Assignment&) const = default;
};

struct Section {
  std::string name;
  int line = 0;
  std::vector<Assignment> assignments;

  bool operator==(const Section&) const = default;
};

struct UnitFile {
  std::string path;
  std::vector<Section> sections;  // in file order; a name may repeat

  std::vector<Assignment> assignments() const;    // all of them, in file order
  std::vector<Assignment> take_assignments() &&;  // the same, moved out
  bool operator==(const UnitFile&) const = default;
};

// Stricter than systemd where systemd would silently drop a line: an assignment before any section,
// a line without "=", invalid UTF-8 and NUL bytes are errors here, each naming file and line.
Result<UnitFile> parse_unit_text(std::string_view text, const std::string& file);

// Reads a regular file of at most kUnitFileMaxBytes (following symlinks) and parses it. Errors
// and assignments name `display_path` when given (a path under --root shown as the deployment sees it).
Result<UnitFile> parse_unit_file(const std::string& path, const std::string& display_path = {});

}  // namespace csd::systemd
