// Writes unit files that systemd reads back exactly as meant: sections and assignments in the order
// given, values quoted where the setting's syntax needs it, and anything a unit file cannot express
// refused rather than silently changed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "systemd/exec_line.h"
#include "systemd/unit_file.h"
#include "util/error.h"

namespace csd::systemd {

class UnitWriter {
 public:
  // A "# text" line; a text with newlines becomes several comment lines.
  UnitWriter& comment(std::string_view text);
  UnitWriter& section(std::string_view name);
  // The value exactly as given. It must survive the unit file syntax: no newlines or NUL, no
  // leading or trailing whitespace, no odd run of backslashes at the end, valid UTF-8.
  UnitWriter& set(std::string_view key, std::string_view value);
  // Text for a setting that expands specifiers (Description=, WorkingDirectory=, PIDFile=, User=,
  // ...): "%" is doubled so that it stays a percent sign.
  UnitWriter& set_text(std::string_view key, std::string_view text);
  // A list of words (ReadWritePaths=, RuntimeDirectory=, ...), each quoted when needed and "%"
  // doubled. Words with control bytes are refused: not every list setting unescapes them.
  UnitWriter& set_words(std::string_view key, const std::vector<std::string>& words);
  // One Environment= assignment: NAME=VALUE as one quoted word; "$" needs nothing, systemd does
  // not expand it here.
  UnitWriter& set_environment(std::string_view name, std::string_view value);
  UnitWriter& set_exec(std::string_view key, const ExecCommand& command);

  // A block of settings written once and appended to the current section of several units (the
  // sandbox all of a contract's units share): set() works on it without a section header.
  static UnitWriter block();
  UnitWriter& append(const UnitWriter& block);

  // The text, or the first thing that cannot be written (with the key it belongs to).
  Result<std::string> render() const;

 private:
  void fail(std::string message);
  std::string out_;
  bool in_section_ = false;
  bool any_section_ = false;
  std::vector<std::string> errors_;
};

// The unit file for `unit`, with no comments: parse_unit_text(render_unit_file(x)) gives x's
// sections and assignments back.
Result<std::string> render_unit_file(const UnitFile& unit);

}  // namespace csd::systemd
