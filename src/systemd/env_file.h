// EnvironmentFile= files, read the way systemd 252 reads them (parse_env_file_internal() and
// load_env_file()), with every place where a shell would read the same line differently flagged.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "systemd/env_issue.h"
#include "systemd/environment.h"
#include "util/error.h"
#include "util/root.h"

namespace csd::systemd {

constexpr std::size_t kEnvFileMaxBytes = 1u << 20;

struct EnvFile {
  std::string path;
  std::vector<EnvEntry> entries;  // what systemd exports, in file order; a later one of a name wins
  std::vector<EnvIssue> issues;

  std::map<std::string, std::string> variables() const;
};

// systemd's rules: "#" or ";" starts a comment only at the start of a line; NAME=VALUE with spaces
// around NAME and before VALUE dropped; unquoted values lose trailing spaces and keep an inline
// "# ..."; '...' is literal (newlines too); "..." unescapes \" \\ \` \$ and keeps other backslashes;
// backslash-newline joins lines; a quote may be followed by more value ("a"b is ab); a line without
// "=" and an invalid NAME (such as "export NAME") are dropped. A NUL byte is an error (systemd would
// silently stop reading there).
Result<EnvFile> parse_env_file_text(std::string_view text, const std::string& path);

// Reads a regular file of at most kEnvFileMaxBytes. Follows symlinks as systemd does; a loop is an
// error. `display_path` names the file in entries and errors when given.
Result<EnvFile> read_env_file(const std::string& path, const std::string& display_path = {});

// An EnvironmentFile= setting as systemd applies it at start: the path is a glob pattern (matches in
// sorted order), taken under `root`; without a match a required file is an error, an optional one
// ("-") yields nothing. An unreadable required file is an error; an optional one is skipped.
Result<std::vector<EnvFile>> load_environment_file(const Root& root, const EnvironmentFileRef& ref);

}  // namespace csd::systemd
