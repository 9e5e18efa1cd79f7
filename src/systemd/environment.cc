#include "systemd/environment.h"

#include <fmt/format.h>

#include "systemd/paths.h"
#include "systemd/words.h"

namespace csd::systemd {

namespace {

EnvIssue issue(EnvIssueKind kind, Severity severity, const std::string& file, int line, std::string message,
               std::string hint) {
  Error e = file_error(file, std::move(message), std::move(hint));
  e.line = line;
  return EnvIssue{kind, severity, std::move(e)};
}

bool has_variable_reference(std::string_view value) {
  for (std::size_t i = 0; i + 1 < value.size(); ++i) {
    if (value[i] != '$') continue;
    char c = value[i + 1];
    if (c == '{' || c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return true;
  }
  return false;
}

}  // namespace

bool is_valid_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name)
    if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
      return false;
  return true;
}

EnvironmentSetting parse_environment_value(std::string_view value, const SpecifierTable& specifiers,
                                           const std::string& file, int line) {
  EnvironmentSetting out;
  std::string_view rest = value;
  for (;;) {
    auto word = next_word(rest);
    if (!word) {
      out.issues.push_back(
          issue(EnvIssueKind::kInvalidSyntax, Severity::kError, file, line,
                fmt::format("Environment=: {}; systemd ignores the rest of the value", word.error().message),
                "quote each NAME=VALUE as a whole: \"NAME=two words\""));
      break;
    }
    if (!*word) break;
    auto resolved = expand_specifiers(**word, specifiers);
    if (!resolved) {
      out.issues.push_back(
          issue(EnvIssueKind::kSpecifier, Severity::kError, file, line,
                fmt::format("Environment=: {}; systemd ignores this word", resolved.error().message),
                resolved.error().hint));
      continue;
    }
    const std::string& w = *resolved;
    auto eq = w.find('=');
    if (eq == std::string::npos || !is_valid_env_name(std::string_view(w).substr(0, eq)) ||
        !is_valid_utf8(w)) {
      out.issues.push_back(
          issue(EnvIssueKind::kInvalidAssignment, Severity::kError, file, line,
                fmt::format("Environment=: \"{}\" is not a valid NAME=VALUE; systemd ignores it", w),
                "names are letters, digits and _, not starting with a digit"));
      continue;
    }
    if (has_variable_reference(std::string_view(w).substr(eq + 1)))
      out.issues.push_back(
          issue(EnvIssueKind::kVariableReference, Severity::kWarning, file, line,
                fmt::format("Environment=: \"{}\" is taken literally; systemd expands no variables here", w),
                "write the value out in full"));
    out.entries.push_back(EnvEntry{w.substr(0, eq), w.substr(eq + 1), file, line});
  }
  return out;
}

Result<EnvironmentFileRef> parse_environment_file_setting(std::string_view value,
                                                          const SpecifierTable& specifiers) {
  auto resolved = expand_specifiers(value, specifiers);
  if (!resolved) return resolved.error();
  EnvironmentFileRef ref;
  std::string_view path = *resolved;
  if (!path.empty() && path[0] == '-') {
    ref.optional = true;
    path.remove_prefix(1);
  }
  if (path.empty() || path[0] != '/')
    return make_error(fmt::format("EnvironmentFile= path \"{}\" is not absolute; systemd ignores it", path),
                      "write an absolute path, with a leading - if the file may be missing");
  if (!is_valid_utf8(path) || !is_valid_path(path) || !is_normalized_path(path))
    return make_error(fmt::format("EnvironmentFile= path \"{}\" is not a valid normalized path", path),
                      "remove \"..\" components and overlong names");
  ref.path = simplify_path(path);
  return ref;
}

}  // namespace csd::systemd
