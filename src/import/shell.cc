#include "import/shell.h"

#include <fmt/format.h>

#include <cctype>
#include <set>

namespace csd::importer {

namespace {

// ${A:-${B:-...}} and $(...) inside defaults are read recursively: a hostile unit could nest them
// deep enough to overflow the stack. Real scripts nest two or three levels.
constexpr int kMaxNesting = 32;

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
bool is_ifs(char c) {
  return c == ' ' || c == '\t' || c == '\n';
}
bool is_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Words that start compound commands: a script using them is no longer a list of simple commands.
const std::set<std::string>& keywords() {
  static const std::set<std::string> k = {
      "if",   "then", "else", "elif", "fi", "for", "while", "until",    "do",     "done", "case",
      "esac", "in",   "{",    "}",    "!",  "[[",  "]]",    "function", "select", "time", "coproc"};
  return k;
}

// A word being built: bash splits unquoted expansions into fields at white space, so one word of
// the script may become several (or none).
struct Field {
  std::string text;
  bool keep = false;  // has a literal or quoted part, so it survives even when empty
};

class Parser {
 public:
  Parser(std::string_view s, std::map<std::string, std::string> env) : s_(s), env_(std::move(env)) {}

  Result<ShellScript> run() {
    ShellScript script;
    ShellCommand cmd;
    bool in_command = false;
    auto finish = [&]() -> Status {
      if (!in_command) return ok_status();
      in_command = false;
      if (cmd.words.empty()) {
        for (auto& [k, v] : cmd.assignments) set(script, k, v);
      } else if (cmd.words[0].text == "export" || cmd.words[0].text == "readonly") {
        for (std::size_t i = 1; i < cmd.words.size(); ++i) {
          const std::string& w = cmd.words[i].text;
          auto eq = w.find('=');
          if (eq != std::string::npos && eq > 0) set(script, w.substr(0, eq), w.substr(eq + 1));
        }
      } else if (cmd.words[0].text == "unset") {
        for (std::size_t i = 1; i < cmd.words.size(); ++i) {
          env_.erase(cmd.words[i].text);
          script.exported.erase(cmd.words[i].text);
        }
      }
      script.commands.push_back(std::move(cmd));
      cmd = {};
      return ok_status();
    };
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (is_blank(c)) {
        ++pos_;
      } else if (c == '\\' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') {
        pos_ += 2;
      } else if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else if (c == '\n' || c == ';' || (c == '&' && peek(1) == '&') || (c == '|' && peek(1) == '|')) {
        if (c == ';' && peek(1) == ';') return fail("';;' belongs to a case statement");
        if ((c == '&' || c == '|' || c == ';') && !in_command)
          return fail(fmt::format("'{}' without a command before it", c == ';' ? ";" : std::string(2, c)));
        pos_ += (c == '&' || c == '|') ? 2 : 1;
        if (auto st = finish(); !st) return st.error();
      } else if (c == '|' || c == '&' || c == '<' || c == '>' || c == '(' || c == ')') {
        std::string what = c == '|'               ? "a pipe"
                           : c == '&'             ? "a background job"
                           : c == '(' || c == ')' ? "a subshell (unquoted parenthesis)"
                                                  : "a redirection";
        return fail(
            fmt::format("'{}' starts {}: only simple commands joined by && or ; can be read", c, what));
      } else {
        in_command = true;
        std::size_t start = pos_;
        if (cmd.words.empty()) {
          std::size_t n = assignment_name_length();
          if (n > 0) {
            std::string name(s_.substr(pos_, n));
            pos_ += n + 1;
            auto value = word(/*split=*/false);
            if (!value) return value.error();
            std::string v;
            for (const auto& f : value->fields) v += f.text;
            cmd.assignments.emplace_back(name, v);
            continue;
          }
        }
        auto w = word(/*split=*/true);
        if (!w) return w.error();
        std::string raw(s_.substr(start, pos_ - start));
        if (cmd.words.empty() && keywords().count(raw))
          return fail_at(
              start, fmt::format("'{}' starts a compound command: only simple commands can be read", raw));
        for (auto& f : w->fields)
          if (!f.text.empty() || f.keep)
            cmd.words.push_back({f.text, w->expansions, w->command_substitution});
      }
    }
    if (auto st = finish(); !st) return st.error();
    return script;
  }

 private:
  struct Word {
    std::vector<Field> fields{Field{}};
    std::vector<Expansion> expansions;
    bool command_substitution = false;
    bool split_pending = false;
  };

  // The next `c` at or after pos_, remembered in `cached`: searching again at every '{' of a
  // long script would make reading it quadratic.
  std::size_t next(char c, std::size_t& cached) {
    if (cached == kUnknown || (cached != std::string_view::npos && cached < pos_)) cached = s_.find(c, pos_);
    return cached;
  }

  char peek(std::size_t ahead) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
  Error fail(std::string message) const { return fail_at(pos_, std::move(message)); }
  Error fail_at(std::size_t at, std::string message) const {
    Error e = make_error(std::move(message), "replace the shell command line by the command it runs");
    e.column = static_cast<int>(at) + 1;
    return e;
  }

  void set(ShellScript& script, const std::string& name, const std::string& value) {
    env_[name] = value;
    script.exported[name] = value;
  }

  std::size_t assignment_name_length() const {
    if (!is_name_start(s_[pos_])) return 0;
    std::size_t i = pos_;
    while (i < s_.size() && is_name_char(s_[i])) ++i;
    return i < s_.size() && s_[i] == '=' ? i - pos_ : 0;
  }

  static void append(Word& w, std::string_view text, bool keep) {
    if (w.split_pending && !text.empty()) {
      if (!w.fields.back().text.empty() || w.fields.back().keep) w.fields.push_back({});
      w.split_pending = false;
    }
    w.fields.back().text += text;
    if (keep) w.fields.back().keep = true;
  }

  // An unquoted expansion: split at white space, as bash's default IFS does.
  static void append_split(Word& w, const std::string& value) {
    std::size_t i = 0;
    while (i < value.size()) {
      if (is_ifs(value[i])) {
        w.split_pending = true;
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < value.size() && !is_ifs(value[j])) ++j;
      append(w, std::string_view(value).substr(i, j - i), false);
      i = j;
    }
  }

  // One word of the script, up to unquoted white space or an operator.
  Result<Word> word(bool split) {
    Word w;
    std::size_t start = pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (is_ifs(c) || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' || c == ')')
        break;
      if (c == '\\') {
        if (pos_ + 1 >= s_.size()) return fail("a backslash at the end of the script");
        if (s_[pos_ + 1] != '\n') append(w, s_.substr(pos_ + 1, 1), true);
        pos_ += 2;
      } else if (c == '\'') {
        auto close = s_.find('\'', pos_ + 1);
        if (close == std::string_view::npos) return fail("a single quote is never closed");
        append(w, s_.substr(pos_ + 1, close - pos_ - 1), true);
        pos_ = close + 1;
      } else if (c == '"') {
        ++pos_;
        auto text = double_quoted(w);
        if (!text) return text.error();
        append(w, *text, true);
      } else if (c == '$' || c == '`') {
        if (c == '$' && peek(1) == '"') {  // $"..." is a translated string: the text itself here
          ++pos_;
          continue;
        }
        operand_quoted_ = false;
        auto value = dollar(w, /*quoted=*/false);
        if (!value) return value.error();
        // A default written in quotes, ${X:-'a b'}, stays one word as in bash.
        if (split && !operand_quoted_)
          append_split(w, *value);
        else
          append(w, *value, false);
      } else if ((c == '*' || c == '?' || c == '[') && split) {
        return fail(fmt::format("an unquoted '{}' is a file name pattern that bash expands at run time", c));
      } else if (c == '~' && pos_ == start && split) {
        return fail("'~' is the home directory of whoever runs the shell: write the path");
      } else if (c == '{' && split && next(',', next_comma_) < next('}', next_close_)) {
        return fail("'{a,b}' is a brace expansion that bash expands at run time");
      } else {
        append(w, s_.substr(pos_, 1), true);
        ++pos_;
      }
    }
    return w;
  }

  // After an opening double quote; consumes the closing one.
  Result<std::string> double_quoted(Word& w) {
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_];
      if (c == '\\' && pos_ + 1 < s_.size()) {
        char n = s_[pos_ + 1];
        if (n == '$' || n == '`' || n == '"' || n == '\\')
          out += n;
        else if (n != '\n')
          out += std::string{c, n};
        pos_ += 2;
      } else if (c == '$' || c == '`') {
        auto value = dollar(w, /*quoted=*/true);
        if (!value) return value.error();
        out += *value;
      } else {
        out += c;
        ++pos_;
      }
    }
    if (pos_ >= s_.size()) return fail("a double quote is never closed");
    ++pos_;
    return out;
  }

  std::string lookup(const std::string& name, bool* set) const {
    auto it = env_.find(name);
    *set = it != env_.end();
    return *set ? it->second : std::string();
  }

  // At "$" or "`": a parameter expansion, or a command substitution whose text is kept raw.
  Result<std::string> dollar(Word& w, bool quoted) {
    std::size_t at = pos_;
    if (depth_ >= kMaxNesting) return fail(fmt::format("expansions nested more than {} deep", kMaxNesting));
    ++depth_;
    auto value = dollar_at(w, quoted, at);
    --depth_;
    return value;
  }

  Result<std::string> dollar_at(Word& w, bool quoted, std::size_t at) {
    if (s_[pos_] == '`' || peek(1) == '(') {
      if (peek(1) == '(' && peek(2) == '(') return fail("'$((' is arithmetic, evaluated at run time");
      char open = s_[pos_] == '`' ? '`' : '(';
      pos_ += open == '`' ? 1 : 2;
      int depth = 1;
      std::size_t body = pos_;
      while (pos_ < s_.size() && depth > 0) {
        char c = s_[pos_];
        if (c == '\\')
          ++pos_;
        else if (open == '`' && c == '`')
          depth = 0;
        else if (open == '(' && c == '(')
          ++depth;
        else if (open == '(' && c == ')')
          --depth;
        else if (c == '\'' && !quoted)
          pos_ = std::min(s_.find('\'', pos_ + 1), s_.size() - 1);
        ++pos_;
      }
      if (depth > 0) return fail_at(at, "a command substitution is never closed");
      w.command_substitution = true;
      return std::string(s_.substr(body, pos_ - body - 1));
    }
    char c = peek(1);
    if (c == '{') return braced(w, quoted);
    if (is_name_start(c)) {
      std::size_t i = pos_ + 1;
      while (i < s_.size() && is_name_char(s_[i])) ++i;
      std::string name(s_.substr(pos_ + 1, i - pos_ - 1));
      pos_ = i;
      Expansion e{.name = name};
      e.value = lookup(name, &e.set);
      w.expansions.push_back(e);
      return e.value;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        std::string_view("@*#?$!-").find(c) != std::string_view::npos) {
      if (c != '\0')
        return fail(fmt::format("'${}' is a special parameter, known only when the shell runs", c));
    }
    if (c == '\'') return fail("$'...' quoting is not supported: write the characters themselves");
    ++pos_;
    return std::string("$");
  }

  // At "${": NAME, then "}" or one of the operators -, =, +, ? (each with or without ":").
  Result<std::string> braced(Word& w, bool quoted) {
    std::size_t at = pos_;
    pos_ += 2;
    std::size_t i = pos_;
    while (i < s_.size() && is_name_char(s_[i])) ++i;
    std::string name(s_.substr(pos_, i - pos_));
    if (name.empty() || !is_name_start(name[0]))
      return fail_at(at, "only ${NAME} and ${NAME:-default} style expansions can be read");
    pos_ = i;
    Expansion e{.name = name};
    e.value = lookup(name, &e.set);
    if (peek(0) == '}') {
      ++pos_;
      w.expansions.push_back(e);
      return e.value;
    }
    bool colon = peek(0) == ':';
    if (colon) ++pos_;
    char op = peek(0);
    if (std::string_view("-=+?").find(op) == std::string_view::npos || op == '\0')
      return fail_at(at, fmt::format("${{{}{}...}} is evaluated by bash at run time: only the operators "
                                     "-, =, + and ? can be read",
                                     name, colon ? ":" : ""));
    ++pos_;
    auto alt = operand(quoted);
    if (!alt) return alt.error();
    bool empty_or_unset = !e.set || (colon && e.value.empty());
    std::string result = e.value;
    if (op == '-' || op == '=') {
      if (empty_or_unset) {
        operand_quoted_ = alt_quoted_;
        result = *alt;
        e.used_default = true;
        if (op == '=') env_[name] = result;
      }
    } else if (op == '+') {
      result = empty_or_unset ? std::string() : *alt;
    } else if (empty_or_unset) {
      return fail_at(at, fmt::format("the script fails when {} is unset or empty ('{}')", name,
                                     alt->empty() ? "parameter null or not set" : *alt));
    }
    e.value = result;
    w.expansions.push_back(e);
    return result;
  }

  // The word after an operator, up to the matching "}": quotes, escapes and nested expansions.
  Result<std::string> operand(bool quoted) {
    std::string out;
    alt_quoted_ = false;
    Word inner;
    while (pos_ < s_.size() && s_[pos_] != '}') {
      char c = s_[pos_];
      if (c == '\\' && pos_ + 1 < s_.size()) {
        out += s_[pos_ + 1];
        pos_ += 2;
      } else if (c == '\'' && !quoted) {
        auto close = s_.find('\'', pos_ + 1);
        if (close == std::string_view::npos) return fail("a single quote is never closed");
        out += s_.substr(pos_ + 1, close - pos_ - 1);
        pos_ = close + 1;
        alt_quoted_ = true;
      } else if (c == '"') {
        ++pos_;
        alt_quoted_ = true;
        auto text = double_quoted(inner);
        if (!text) return text.error();
        out += *text;
      } else if (c == '$' || c == '`') {
        auto v = dollar(inner, quoted);
        if (!v) return v.error();
        out += *v;
      } else {
        out += c;
        ++pos_;
      }
    }
    if (pos_ >= s_.size()) return fail("'${' is never closed by '}'");
    ++pos_;
    if (inner.command_substitution) return fail("a command substitution inside a default value");
    return out;
  }

  std::string_view s_;
  std::map<std::string, std::string> env_;
  std::size_t pos_ = 0;
  bool alt_quoted_ = false;      // the last operand had a quoted part
  bool operand_quoted_ = false;  // the last expansion gave a quoted default
  int depth_ = 0;                // expansions being read, one inside the other
  static constexpr std::size_t kUnknown = std::string_view::npos - 1;
  std::size_t next_comma_ = kUnknown;
  std::size_t next_close_ = kUnknown;
};

}  // namespace

Result<ShellScript> parse_shell(std::string_view script, std::map<std::string, std::string> env) {
  if (script.find('\0') != std::string_view::npos) return make_error("the shell command holds a NUL byte");
  return Parser(script, std::move(env)).run();
}

}  // namespace csd::importer
