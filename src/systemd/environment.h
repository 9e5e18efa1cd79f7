// The Environment= and EnvironmentFile= settings of systemd.exec(5).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "systemd/env_issue.h"
#include "systemd/specifiers.h"
#include "util/error.h"

namespace csd::systemd {

struct EnvEntry {
  std::string name;
  std::string value;
  std::string file;
  int line = 0;

  bool operator==(const EnvEntry&) const = default;
};

// systemd's env_name_is_valid(): letters, digits and "_", not starting with a digit.
bool is_valid_env_name(std::string_view name);

struct EnvironmentSetting {
  std::vector<EnvEntry> entries;  // what systemd applies, in order; a later entry of a name wins
  std::vector<EnvIssue> issues;
};

// One Environment= value: words with systemd's quoting and C escapes, each NAME=VALUE, specifiers
// expanded, "$" never. Like systemd 252, a syntax error drops the words from there on (the earlier
// ones stay) and an invalid word is dropped alone. An empty value (a reset) yields nothing.
EnvironmentSetting parse_environment_value(std::string_view value, const SpecifierTable& specifiers,
                                           const std::string& file = {}, int line = 0);

struct EnvironmentFileRef {
  std::string path;       // absolute; may be a glob pattern, as systemd allows
  bool optional = false;  // written with a leading "-": a missing file is fine
};

// One EnvironmentFile= value (the whole value is one path). Errors for a relative path, which
// systemd ignores with a warning, and for unknown specifiers.
Result<EnvironmentFileRef> parse_environment_file_setting(std::string_view value,
                                                          const SpecifierTable& specifiers);

}  // namespace csd::systemd
