#include "systemd/exec_line.h"

#include <fmt/format.h>

#include <utility>

#include "systemd/environment.h"
#include "systemd/paths.h"
#include "systemd/words.h"
#include "util/strings.h"

namespace csd::systemd {

namespace {

void skip_spaces(std::string_view& s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
}

// systemd tries strict C unescaping first and, on an unknown escape, retries keeping it verbatim
// with a warning; only unbalanced quoting is then left as an error.
Result<std::optional<std::string>> next_exec_word(std::string_view& rest,
                                                  std::vector<std::string>& warnings) {
  std::string_view saved = rest;
  auto strict = next_word(rest);
  if (strict) return strict;
  rest = saved;
  WordOptions keep;
  keep.keep_unknown_escapes = true;
  auto relaxed = next_word(rest, keep);
  if (relaxed && *relaxed)
    warnings.push_back(fmt::format("unknown escape sequence kept verbatim in \"{}\"", **relaxed));
  return relaxed;
}

// Which prefix characters lead the first word; the rest is the executable.
std::size_t take_prefixes(std::string_view word, ExecPrefixes& p) {
  std::size_t i = 0;
  for (; i < word.size(); ++i) {
    char c = word[i];
    bool privileged = p.full_privileges || p.no_setuid || p.ambient;
    if (c == '-' && !p.ignore_failure)
      p.ignore_failure = true;
    else if (c == '@' && !p.argv0)
      p.argv0 = true;
    else if (c == ':' && !p.no_env_expand)
      p.no_env_expand = true;
    else if (c == '+' && !privileged)
      p.full_privileges = true;
    else if (c == '!' && !privileged)
      p.no_setuid = true;
    else if (c == '!' && !p.full_privileges && !p.ambient)
      p.no_setuid = false, p.ambient = true;
    else
      break;
  }
  return i;
}

Status check_executable(const std::string& path) {
  if (path.empty()) return make_error("empty executable path", "give the command after the prefixes");
  if (!is_safe_string(path))
    return make_error(
        fmt::format("executable \"{}\" contains quotes, backslashes or control characters", path));
  if (path.back() == '/') return make_error(fmt::format("executable \"{}\" names a directory", path));
  bool ok = path[0] == '/' ? is_valid_path(path) : is_valid_filename(path);
  if (!ok)
    return make_error(fmt::format("\"{}\" is neither an absolute path nor a bare executable name", path),
                      "use an absolute path such as /opt/env/bin/gunicorn");
  return ok_status();
}

// The references of one word, the way replace_env_argv() will treat it at start.
void scan_env_refs(const std::string& word, ExecCommand& cmd) {
  if (!word.empty() && word[0] == '$' && (word.size() == 1 || (word[1] != '{' && word[1] != '$'))) {
    std::string name = word.substr(1);
    if (is_valid_env_name(name))
      cmd.env_refs.push_back(name);
    else
      cmd.warnings.push_back(fmt::format(
          "\"{}\" is expanded as a whole word: systemd looks up a variable named \"{}\", which cannot exist, "
          "so the argument disappears; write ${{NAME}} inside words",
          word, name));
    return;
  }
  // Each kind of warning once a word: the warning quotes the word, and a hostile word repeating
  // "${A:-" would otherwise hold its own length once per repetition (quadratic memory).
  bool literal_warned = false, inside_warned = false;
  bool unclosed = false;  // no ':' or '}' after some "${", so none after any later one either
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (word[i] != '$' || i + 1 == word.size()) continue;
    char c = word[i + 1];
    if (c == '$') {
      ++i;
    } else if (c == '{') {
      auto close = unclosed ? std::string::npos : word.find_first_of(":}", i + 2);
      if (close != std::string::npos && word[close] == '}') {
        std::string name = word.substr(i + 2, close - i - 2);
        if (is_valid_env_name(name)) cmd.env_refs.push_back(name);
        i = close;
      } else {
        unclosed = unclosed || close == std::string::npos;
        if (!std::exchange(literal_warned, true))
          cmd.warnings.push_back(fmt::format("\"{}\": only ${{NAME}} is expanded, this stays literal", word));
      }
    } else if (c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
      if (!std::exchange(inside_warned, true))
        cmd.warnings.push_back(
            fmt::format("\"{}\": $NAME inside a word is not expanded by systemd; write ${{NAME}}", word));
    }
  }
}

}  // namespace

std::string ExecPrefixes::to_string() const {
  std::string s;
  if (ignore_failure) s += '-';
  if (argv0) s += '@';
  if (no_env_expand) s += ':';
  if (full_privileges) s += '+';
  if (no_setuid) s += '!';
  if (ambient) s += "!!";
  return s;
}

Result<std::vector<ExecCommand>> parse_exec_line(std::string_view value, const SpecifierTable& specifiers) {
  std::vector<ExecCommand> out;
  std::string_view p = value;
  bool semicolon = false;
  do {
    semicolon = false;
    ExecCommand cmd;
    auto first = next_exec_word(p, cmd.warnings);
    if (!first) return first.error();
    if (!*first) break;
    if (**first == ";") {  // a lone ";" before a command separates nothing
      semicolon = true;
      continue;
    }
    std::string_view word = **first;
    word.remove_prefix(take_prefixes(word, cmd.prefixes));
    auto path = expand_specifiers(word, specifiers);
    if (!path) return path.error();
    if (Status st = check_executable(*path); !st) return st.error();
    if (!cmd.prefixes.argv0) cmd.argv.push_back(*path);
    cmd.path = simplify_path(*path);
    while (!p.empty()) {
      if (p[0] == ';' && (p.size() == 1 || is_space(p[1]))) {
        p.remove_prefix(1);
        skip_spaces(p);
        semicolon = true;
        break;
      }
      if (starts_with(p, "\\;") && (p.size() == 2 || is_space(p[2]))) {
        p.remove_prefix(2);
        skip_spaces(p);
        cmd.argv.emplace_back(";");
        continue;
      }
      auto arg = next_exec_word(p, cmd.warnings);
      if (!arg) return arg.error();
      if (!*arg) break;
      auto expanded = expand_specifiers(**arg, specifiers);
      if (!expanded) return expanded.error();
      cmd.argv.push_back(std::move(*expanded));
    }
    if (cmd.argv.empty())
      return make_error(fmt::format("\"{}\": \"@\" needs the argv[0] word after the executable", value));
    if (!cmd.prefixes.no_env_expand)
      for (const auto& a : cmd.argv) scan_env_refs(a, cmd);
    out.push_back(std::move(cmd));
  } while (semicolon);
  return out;
}

std::string quote_exec_arg(std::string_view word) {
  if (word == ";") return "\\;";
  return quote_word(double_percent(word));
}

std::string quote_exec_literal(std::string_view word) {
  std::string doubled;
  for (char c : word) {
    doubled += c;
    if (c == '$') doubled += '$';
  }
  return quote_exec_arg(doubled);
}

Result<std::string> format_exec_command(const ExecCommand& command) {
  std::string first = command.prefixes.to_string() + command.path;
  if (Status st = check_executable(command.path); !st) return st.error();
  ExecPrefixes probe;
  if (take_prefixes(command.path, probe) != 0)
    return make_error(fmt::format("executable \"{}\" starts with a prefix character", command.path),
                      "use an absolute path");
  std::string out = quote_word(double_percent(first));
  std::size_t from = 0;
  if (!command.prefixes.argv0) {
    if (command.argv.empty() || command.argv[0] != command.path)
      return make_error(fmt::format("argv[0] of \"{}\" differs from the executable; that needs the @ prefix",
                                    command.path));
    from = 1;
  } else if (command.argv.empty()) {
    return make_error("the @ prefix needs an argv[0]");
  }
  for (std::size_t i = from; i < command.argv.size(); ++i) out += " " + quote_exec_arg(command.argv[i]);
  return out;
}

std::vector<std::string> expand_exec_environment(const std::vector<std::string>& argv,
                                                 const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  auto lookup = [&](const std::string& name) -> std::string {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  for (const auto& word : argv) {
    if (!word.empty() && word[0] == '$' && (word.size() == 1 || (word[1] != '{' && word[1] != '$'))) {
      auto it = env.find(word.substr(1));
      if (it == env.end()) continue;
      std::string_view rest = it->second;
      WordOptions split;
      split.c_escapes = false;
      split.relax = true;
      for (;;) {
        auto w = next_word(rest, split);
        if (!w || !*w) break;
        out.push_back(**w);
      }
      continue;
    }
    std::string r;
    for (std::size_t i = 0; i < word.size(); ++i) {
      if (word[i] != '$' || i + 1 == word.size()) {
        r += word[i];
      } else if (word[i + 1] == '$') {
        r += '$';
        ++i;
      } else if (word[i + 1] == '{') {
        auto close = word.find_first_of(":}", i + 2);
        if (close == std::string::npos || word[close] == ':') {
          r += word[i];  // unsupported or unterminated: stays as written
        } else {
          r += lookup(word.substr(i + 2, close - i - 2));
          i = close;
        }
      } else {
        r += word[i];
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace csd::systemd
