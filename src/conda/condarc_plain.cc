#include "conda/condarc_plain.h"

#include <set>

namespace csd::conda {

namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_word_char(char c) {
  switch (c) {
    case '/':
    case '.':
    case '_':
    case '~':
    case '$':
    case '+':
    case '-':
    case '=':
      return true;
    default:
      return is_alnum(c);
  }
}

// YAML's plain nulls (the core schema yaml-cpp uses).
bool is_null(std::string_view w) {
  return w == "~" || w == "null" || w == "Null" || w == "NULL";
}

// A word at the start of `s` and what may follow it (spaces, then nothing or a comment); the word,
// or nullopt when `s` is anything else.
std::optional<std::string_view> word(std::string_view s) {
  if (s.empty() || s[0] == '-' || s[0] == '+' || s[0] == '=') return std::nullopt;
  std::size_t n = 0;
  while (n < s.size() && is_word_char(s[n])) ++n;
  if (n == 0) return std::nullopt;
  std::size_t i = n;
  while (i < s.size() && s[i] == ' ') ++i;
  if (i < s.size() && (i == n || s[i] != '#')) return std::nullopt;  // YAML needs a space before '#'
  return s.substr(0, n);
}

// Nothing, or spaces then nothing or a comment.
bool only_comment(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return i == s.size() || (i > 0 && s[i] == '#');
}

}  // namespace

std::optional<std::vector<std::string>> plain_envs_dirs(std::string_view text) {
  for (char c : text)
    if ((c < 0x20 && c != '\n') || c > 0x7e) return std::nullopt;
  std::vector<std::string> out;
  std::set<std::string_view> keys;
  bool list_open = false;     // the last key had no value: `- word` lines may follow
  bool in_envs_dirs = false;  // ... and it was envs_dirs
  std::size_t item_indent = std::string_view::npos;
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    std::size_t indent = line.find_first_not_of(' ');
    if (indent == std::string_view::npos || line[indent] == '#') continue;
    std::string_view rest = line.substr(indent);
    if (rest[0] == '-') {
      if (!list_open || rest.size() < 2 || rest[1] != ' ') return std::nullopt;
      if (item_indent == std::string_view::npos) item_indent = indent;
      if (indent != item_indent) return std::nullopt;
      std::size_t start = rest.find_first_not_of(' ', 1);
      if (start == std::string_view::npos) return std::nullopt;  // a null item
      auto w = word(rest.substr(start));
      if (!w || is_null(*w)) return std::nullopt;
      if (in_envs_dirs) out.emplace_back(*w);
      continue;
    }
    if (indent != 0) return std::nullopt;
    std::size_t n = 0;
    while (n < line.size() && (is_alnum(line[n]) || line[n] == '_')) ++n;
    if (n == 0 || (line[0] >= '0' && line[0] <= '9') || n == line.size() || line[n] != ':')
      return std::nullopt;
    std::string_view key = line.substr(0, n);
    if (!keys.insert(key).second) return std::nullopt;
    std::string_view value = line.substr(n + 1);
    item_indent = std::string_view::npos;
    in_envs_dirs = key == "envs_dirs";
    if (only_comment(value)) {
      list_open = true;
      continue;
    }
    if (value[0] != ' ') return std::nullopt;
    auto w = word(value.substr(value.find_first_not_of(' ')));
    // envs_dirs: null is no list; envs_dirs: word is an error, which yaml-cpp's path reports.
    if (!w || (in_envs_dirs && !is_null(*w))) return std::nullopt;
    list_open = false;
  }
  return out;
}

}  // namespace csd::conda
