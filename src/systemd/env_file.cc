#include "systemd/env_file.h"

#include <fmt/format.h>
#include <glob.h>

#include "systemd/config_file.h"
#include "systemd/words.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::systemd {

namespace {

bool is_newline(char c) {
  return c == '\n' || c == '\r';
}
bool starts_name(char c) {
  return c == '_' || c == '{' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// The state machine of systemd 252's parse_env_file_internal(), byte for byte, plus what it takes to
// notice where a shell would disagree and on which line each entry began.
class EnvFileParser {
 public:
  EnvFileParser(std::string_view text, const std::string& path) : text_(text) { out_.path = path; }

  EnvFile run() {
    if (text_.find('\r') != std::string_view::npos)
      add(EnvIssueKind::kCarriageReturn, Severity::kWarning, line_of_first_cr(),
          "carriage returns (CRLF line ends): systemd ends lines there, a shell keeps \"\\r\" in values",
          "save the file with LF line ends");
    for (pos_ = 0; pos_ < text_.size(); ++pos_) {
      step(text_[pos_]);
      if (text_[pos_] == '\n' || (text_[pos_] == '\r' && next() != '\n')) ++line_;
    }
    finish();
    return std::move(out_);
  }

 private:
  enum class State {
    kPreKey,
    kKey,
    kPreValue,
    kValue,
    kValueEscape,
    kSingleQuote,
    kDoubleQuote,
    kDoubleQuoteEscape,
    kComment,
    kCommentEscape
  };

  char next() const { return pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0'; }

  int line_of_first_cr() const {
    int line = 1;
    for (char c : text_.substr(0, text_.find('\r'))) line += c == '\n';
    return line;
  }

  void add(EnvIssueKind kind, Severity severity, int line, std::string message, std::string hint) {
    Error e = file_error(out_.path, std::move(message), std::move(hint));
    e.line = line;
    out_.issues.push_back(EnvIssue{kind, severity, std::move(e)});
  }

  void start_key(char c) {
    state_ = State::kKey;
    key_.assign(1, c);
    value_.clear();
    key_space_ = std::string::npos;
    entry_line_ = line_;
    flags_ = Flags{};
  }

  void note_dollar(char c) {
    if (c == '$' && starts_name(next())) flags_.variable = true;
  }

  // After a closing quote systemd keeps collecting value; a shell would end the word at whitespace.
  void note_value_start() {
    if (flags_.closed_quote && flags_.space_after_quote) flags_.text_after_quote = true;
    if (!flags_.closed_quote && flags_.space_after_equals) flags_.space_around_equals = true;
  }

  void step(char c) {
    switch (state_) {
      case State::kPreKey:
        if (c == '#' || c == ';')
          state_ = State::kComment;
        else if (!is_space(c))
          start_key(c);
        break;
      case State::kKey:
        if (is_newline(c)) {
          no_equals();
          state_ = State::kPreKey;
        } else if (c == '=') {
          state_ = State::kPreValue;
          value_space_ = std::string::npos;
          if (key_space_ != std::string::npos) flags_.space_around_equals = true;
        } else {
          if (!is_space(c))
            key_space_ = std::string::npos;
          else if (key_space_ == std::string::npos)
            key_space_ = key_.size();
          key_ += c;
        }
        break;
      case State::kPreValue:
        if (is_newline(c)) {
          push();
          state_ = State::kPreKey;
        } else if (c == '\'' || c == '"') {
          note_value_start();
          state_ = c == '\'' ? State::kSingleQuote : State::kDoubleQuote;
          quote_line_ = line_;
        } else if (c == '\\') {
          note_value_start();
          state_ = State::kValueEscape;
        } else if (!is_space(c)) {
          note_value_start();
          state_ = State::kValue;
          value_ += c;
          note_dollar(c);
        } else if (flags_.closed_quote) {
          flags_.space_after_quote = true;
        } else {
          flags_.space_after_equals = true;
        }
        break;
      case State::kValue:
        if (is_newline(c)) {
          if (value_space_ != std::string::npos) value_.resize(value_space_);
          push();
          state_ = State::kPreKey;
        } else if (c == '\\') {
          state_ = State::kValueEscape;
          value_space_ = std::string::npos;
          if (flags_.pending_space) flags_.unquoted_space = true;
          flags_.pending_space = false;
        } else {
          if (!is_space(c)) {
            value_space_ = std::string::npos;
            if (flags_.pending_space) {
              flags_.unquoted_space = true;
              if (c == '#') flags_.inline_comment = true;
            }
            flags_.pending_space = false;
            if (c == '\'' || c == '"') flags_.literal_quotes = true;
            note_dollar(c);
          } else {
            if (value_space_ == std::string::npos) value_space_ = value_.size();
            flags_.pending_space = true;
          }
          value_ += c;
        }
        break;
      case State::kValueEscape:
        state_ = State::kValue;
        if (!is_newline(c)) value_ += c;  // an escaped newline joins the lines
        break;
      case State::kSingleQuote:
        if (c == '\'')
          close_quote();
        else
          value_ += c;
        break;
      case State::kDoubleQuote:
        if (c == '"') {
          close_quote();
        } else if (c == '\\') {
          state_ = State::kDoubleQuoteEscape;
        } else {
          value_ += c;
          note_dollar(c);
        }
        break;
      case State::kDoubleQuoteEscape:
        state_ = State::kDoubleQuote;
        if (c == '"' || c == '\\' || c == '`' || c == '$') {
          value_ += c;
        } else if (c != '\n') {
          value_ += '\\';
          value_ += c;
        }
        break;
      case State::kComment:
        if (c == '\\') {
          state_ = State::kCommentEscape;
        } else if (is_newline(c)) {
          state_ = State::kPreKey;
          if (swallow_from_ != std::string::npos) swallowed();
        }
        break;
      case State::kCommentEscape:
        // systemd 252 stays in the comment whatever follows, so an escaped newline swallows the next line.
        state_ = State::kComment;
        if (is_newline(c) && swallow_from_ == std::string::npos) {
          swallow_from_ = pos_ + 1;
          swallow_line_ = line_ + 1;
        }
        break;
    }
  }

  void close_quote() {
    state_ = State::kPreValue;
    flags_.closed_quote = true;
    flags_.space_after_quote = false;
  }

  void swallowed() {
    std::string_view rest = trim(text_.substr(swallow_from_, pos_ - swallow_from_));
    if (!rest.empty() && rest[0] != '#' && rest[0] != ';')
      add(EnvIssueKind::kCommentContinuation, Severity::kError, swallow_line_,
          fmt::format(
              "systemd 252 treats this line as part of the comment above, which ends in a backslash: \"{}\"",
              rest),
          "remove the backslash at the end of the comment");
    swallow_from_ = std::string::npos;
  }

  void no_equals() {
    std::string_view key = trim(key_);
    add(EnvIssueKind::kNoEquals, Severity::kError, entry_line_,
        fmt::format("\"{}\" has no \"=\"; systemd ignores the line", key), "write NAME=VALUE");
  }

  void push() {
    if (key_space_ != std::string::npos) key_.resize(key_space_);
    std::string_view shown = key_;
    if (!is_valid_utf8(key_) || !is_valid_utf8(value_)) {
      add(EnvIssueKind::kInvalidUtf8, Severity::kError, entry_line_,
          "invalid UTF-8; systemd ignores this entry", "environment files must be UTF-8 text");
      return;
    }
    if (!is_valid_env_name(key_)) {
      std::string_view rest = key_;
      if (starts_with(rest, "export") && rest.size() > 6 && is_space(rest[6]) &&
          is_valid_env_name(trim(rest.substr(6))))
        add(EnvIssueKind::kExportPrefix, Severity::kError, entry_line_,
            fmt::format("\"{}\": systemd does not accept \"export\" and ignores the line", shown),
            "drop the \"export \" prefix");
      else
        add(EnvIssueKind::kInvalidAssignment, Severity::kError, entry_line_,
            fmt::format("\"{}\" is not a valid variable name; systemd ignores the line", shown),
            "names are letters, digits and _, not starting with a digit");
      return;
    }
    out_.entries.push_back(EnvEntry{key_, value_, out_.path, entry_line_});
    report_shell_differences();
  }

  void report_shell_differences() {
    const std::string& v = value_;
    if (flags_.inline_comment)
      add(EnvIssueKind::kInlineComment, Severity::kError, entry_line_,
          fmt::format("{}: systemd keeps the \"# ...\" in the value \"{}\"; a shell drops it as a comment",
                      key_, v),
          "put the comment on its own line");
    else if (flags_.unquoted_space)
      add(EnvIssueKind::kUnquotedWhitespace, Severity::kWarning, entry_line_,
          fmt::format("{}: systemd reads \"{}\", a shell would end the value at the first space", key_, v),
          "quote the value");
    if (flags_.literal_quotes)
      add(EnvIssueKind::kLiteralQuotes, Severity::kWarning, entry_line_,
          fmt::format("{}: quotes inside an unquoted value are kept by systemd (\"{}\"), removed by a shell",
                      key_, v),
          "quote the whole value");
    if (flags_.text_after_quote)
      add(EnvIssueKind::kTextAfterQuote, Severity::kWarning, entry_line_,
          fmt::format(
              "{}: systemd joins the text after the closing quote into \"{}\"; a shell runs it as a command",
              key_, v),
          "put the whole value inside the quotes");
    if (flags_.space_around_equals)
      add(EnvIssueKind::kSpaceAroundEquals, Severity::kWarning, entry_line_,
          fmt::format("{}: spaces around \"=\" are ignored by systemd, not by a shell", key_),
          "write NAME=VALUE");
    if (flags_.variable)
      add(EnvIssueKind::kVariableReference, Severity::kWarning, entry_line_,
          fmt::format("{}: systemd does not expand variables, the value is literally \"{}\"", key_, v),
          "write the value out in full");
  }

  void finish() {
    switch (state_) {
      case State::kKey:
        no_equals();
        break;
      case State::kValue:
        if (value_space_ != std::string::npos) value_.resize(value_space_);
        push();
        break;
      case State::kSingleQuote:
      case State::kDoubleQuote:
      case State::kDoubleQuoteEscape:
        add(EnvIssueKind::kUnbalancedQuote, Severity::kError, quote_line_,
            fmt::format(
                "{}: the quote opened here is never closed; systemd takes everything to the end of the file",
                std::string_view(trim(key_))),
            "close the quote");
        push();
        break;
      case State::kPreValue:
      case State::kValueEscape:
        push();
        break;
      case State::kComment:
      case State::kCommentEscape:
        if (swallow_from_ != std::string::npos) {
          pos_ = text_.size();
          swallowed();
        }
        break;
      case State::kPreKey:
        break;
    }
  }

  struct Flags {
    bool pending_space = false, unquoted_space = false, inline_comment = false, literal_quotes = false;
    bool closed_quote = false, space_after_quote = false, text_after_quote = false;
    bool space_after_equals = false, space_around_equals = false, variable = false;
  };

  std::string_view text_;
  EnvFile out_;
  State state_ = State::kPreKey;
  std::size_t pos_ = 0;
  int line_ = 1, entry_line_ = 1, quote_line_ = 1, swallow_line_ = 0;
  std::size_t swallow_from_ = std::string::npos;
  std::string key_, value_;
  std::size_t key_space_ = std::string::npos, value_space_ = std::string::npos;
  Flags flags_;
};

bool has_glob_chars(std::string_view s) {
  return s.find_first_of("*?[") != std::string_view::npos;
}

}  // namespace

std::map<std::string, std::string> EnvFile::variables() const {
  std::map<std::string, std::string> vars;
  for (const auto& e : entries) vars[e.name] = e.value;
  return vars;
}

Result<EnvFile> parse_env_file_text(std::string_view text, const std::string& path) {
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    Error e = file_error(path, "contains a NUL byte (binary file?); systemd stops reading there",
                         "environment files must be text");
    e.line = 1;
    for (std::size_t i = 0; i < nul; ++i) e.line += text[i] == '\n';
    return e;
  }
  return EnvFileParser(text, path).run();
}

Result<EnvFile> read_env_file(const std::string& path, const std::string& display_path) {
  const std::string& shown = display_path.empty() ? path : display_path;
  auto data = read_config_file(path, shown, kEnvFileMaxBytes);
  if (!data) return data.error();
  return parse_env_file_text(*data, shown);
}

Result<std::vector<EnvFile>> load_environment_file(const Root& root, const EnvironmentFileRef& ref) {
  std::vector<std::string> matches;
  if (!has_glob_chars(ref.path)) {
    matches.push_back(root.map(ref.path));
  } else {
    glob_t g{};
    int rc = ::glob(root.map(ref.path).c_str(), GLOB_ERR, nullptr, &g);
    if (rc == 0)
      for (std::size_t i = 0; i < g.gl_pathc; ++i) matches.emplace_back(g.gl_pathv[i]);
    ::globfree(&g);
    if (matches.empty()) {
      if (ref.optional) return std::vector<EnvFile>{};
      return file_error(ref.path, "no file matches this EnvironmentFile= pattern",
                        "create the file, or write the setting with a leading - if it is optional");
    }
  }
  std::vector<EnvFile> files;
  for (const auto& m : matches) {
    std::string shown = root.unmap(m);
    auto f = read_env_file(m, shown);
    if (f) {
      files.push_back(std::move(*f));
      continue;
    }
    if (!ref.optional) {
      Error e = f.error();
      if (e.hint.empty())
        e.hint = "systemd refuses to start the unit; fix the file or prefix the setting with -";
      return e;
    }
    if (!path_exists(m)) continue;  // optional and absent: exactly what "-" is for
    EnvFile skipped;
    skipped.path = shown;
    Error e = f.error();
    e.message += "; systemd silently skips this optional file";
    skipped.issues.push_back(EnvIssue{EnvIssueKind::kUnreadable, Severity::kError, std::move(e)});
    files.push_back(std::move(skipped));
  }
  return files;
}

}  // namespace csd::systemd
