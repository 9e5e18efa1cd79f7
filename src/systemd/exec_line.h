// ExecStart=, ExecStartPre=, ExecReload= ... command lines as systemd.service(5) splits them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "systemd/specifiers.h"
#include "util/error.h"

namespace csd::systemd {

// The special executable prefixes of systemd.service(5), table "Special executable prefixes".
struct ExecPrefixes {
  bool ignore_failure = false;   // "-": a failing (or missing) command is not a failure
  bool argv0 = false;            // "@": the second word is argv[0]
  bool no_env_expand = false;    // ":": no $VAR expansion
  bool full_privileges = false;  // "+": no User=, no sandboxing
  bool no_setuid = false;        // "!": sandboxing, but no User=/Group= change
  bool ambient = false;          // "!!": like "!" only on kernels without ambient capabilities

  std::string to_string() const;  // in a canonical order, e.g. "-@"
  bool operator==(const ExecPrefixes&) const = default;
};

struct ExecCommand {
  ExecPrefixes prefixes;
  std::string path;               // absolute, or a bare name systemd looks up in its own PATH
  std::vector<std::string> argv;  // unquoted, specifiers expanded; "$" references still in place
  // Variables the command reads at start ($NAME as a whole word, ${NAME} anywhere); empty with ":".
  std::vector<std::string> env_refs;
  // What systemd accepts but probably is not meant: unknown escapes kept verbatim, "$NAME" inside
  // a word (never expanded), "$NAME/x" as a word (looks up a variable named "NAME/x").
  std::vector<std::string> warnings;
};

// Splits one setting's value into its commands (";" separates several, as for ExecStartPre=).
// An empty value is a reset and yields no command. Errors are what makes systemd 252 refuse the unit:
// unbalanced quotes, unknown specifiers, an empty or invalid executable path.
Result<std::vector<ExecCommand>> parse_exec_line(std::string_view value, const SpecifierTable& specifiers);

// A word that parse_exec_line() reads back as exactly `word` in an argument position: quoted as
// needed, "%" doubled, a lone ";" escaped. "$" is kept, so "$MAINPID" still expands at start.
std::string quote_exec_arg(std::string_view word);
// Like quote_exec_arg() but "$" doubled too, so the process receives `word` itself.
std::string quote_exec_literal(std::string_view word);

// The value of an Exec*= setting for `command` (prefixes, path, then argv; argv[0] is written only
// with "@"). Words are taken as argv-level text, so "$" references survive. Fails for a path no unit
// file can express.
Result<std::string> format_exec_command(const ExecCommand& command);

// What the process receives at start (systemd's replace_env_argv()): "$NAME" as a whole word is
// split into words at whitespace, "${NAME}" is replaced in place, "$$" is "$", unset is empty.
// Not for commands with the ":" prefix, which systemd starts without any expansion.
std::vector<std::string> expand_exec_environment(const std::vector<std::string>& argv,
                                                 const std::map<std::string, std::string>& env);

}  // namespace csd::systemd
