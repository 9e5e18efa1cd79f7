// Why an environment setting or file may not mean what its author (or a shell) thinks it means.
#pragma once

#include <string>

#include "util/error.h"

namespace csd::systemd {

enum class EnvIssueKind {
  kInvalidSyntax,        // Environment=: bad quoting or escape; systemd drops the rest of the value
  kInvalidAssignment,    // not NAME=VALUE, or an invalid NAME; systemd drops it
  kSpecifier,            // an unknown specifier; systemd drops the word
  kInvalidUtf8,          // systemd drops the entry
  kNoEquals,             // an env file line without "="; systemd drops it
  kExportPrefix,         // "export NAME=v": systemd drops it (its name would be "export NAME")
  kUnbalancedQuote,      // an env file quote never closed: systemd takes all up to the end of the file
  kCommentContinuation,  // "# ...\" swallows the next line in systemd 252 (not in a shell, nor in 254+)
  kInlineComment,        // "A=1 # note": systemd keeps "1 # note", a shell "1"
  kUnquotedWhitespace,   // "A=b c": systemd keeps "b c", a shell runs "c" with A=b
  kTextAfterQuote,       // A="b" c: systemd keeps "bc", a shell runs "c"
  kLiteralQuotes,        // A=b"c": systemd keeps the quotes, a shell removes them
  kSpaceAroundEquals,    // "A = b" or "A= b": systemd ignores the spaces, a shell does not
  kVariableReference,    // "$VAR": systemd never expands variables here, a shell does
  kCarriageReturn,       // CRLF: systemd ends lines at "\r", a shell keeps "\r" in the value
  kUnreadable,           // an optional EnvironmentFile= that exists but cannot be read: systemd skips it
};

enum class Severity { kWarning, kError };

struct EnvIssue {
  EnvIssueKind kind;
  Severity severity;
  Error where;  // file, line, message, hint
};

// A stable name for each kind, such as "env-inline-comment", for reports and documentation.
const char* env_issue_code(EnvIssueKind kind);

}  // namespace csd::systemd
