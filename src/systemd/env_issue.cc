#include "systemd/env_issue.h"

namespace csd::systemd {

const char* env_issue_code(EnvIssueKind kind) {
  switch (kind) {
    case EnvIssueKind::kInvalidSyntax:
      return "env-invalid-syntax";
    case EnvIssueKind::kInvalidAssignment:
      return "env-invalid-assignment";
    case EnvIssueKind::kSpecifier:
      return "env-specifier";
    case EnvIssueKind::kInvalidUtf8:
      return "env-invalid-utf8";
    case EnvIssueKind::kNoEquals:
      return "env-no-equals";
    case EnvIssueKind::kExportPrefix:
      return "env-export-prefix";
    case EnvIssueKind::kUnbalancedQuote:
      return "env-unbalanced-quote";
    case EnvIssueKind::kCommentContinuation:
      return "env-comment-continuation";
    case EnvIssueKind::kInlineComment:
      return "env-inline-comment";
    case EnvIssueKind::kUnquotedWhitespace:
      return "env-unquoted-whitespace";
    case EnvIssueKind::kTextAfterQuote:
      return "env-text-after-quote";
    case EnvIssueKind::kLiteralQuotes:
      return "env-literal-quotes";
    case EnvIssueKind::kSpaceAroundEquals:
      return "env-space-around-equals";
    case EnvIssueKind::kVariableReference:
      return "env-variable-reference";
    case EnvIssueKind::kCarriageReturn:
      return "env-carriage-return";
    case EnvIssueKind::kUnreadable:
      return "env-unreadable";
  }
  return "env-unknown";
}

}  // namespace csd::systemd
