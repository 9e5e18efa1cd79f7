#include "systemd/words.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

namespace csd::systemd {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// systemd's unichar_is_valid(): besides surrogates it also refuses the non-characters, so a
// unit file containing U+FFFF counts as invalid UTF-8 to systemd, and to us.
bool code_point_is_valid(std::uint32_t c) {
  if (c >= 0x110000) return false;
  if ((c & 0xFFFFF800) == 0xD800) return false;
  if (c >= 0xFDD0 && c <= 0xFDEF) return false;
  if ((c & 0xFFFE) == 0xFFFE) return false;
  return true;
}

void append_utf8(std::string& out, std::uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// Length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return 1;
  std::size_t len;
  std::uint32_t c;
  if ((b & 0xE0) == 0xC0)
    len = 2, c = b & 0x1F;
  else if ((b & 0xF0) == 0xE0)
    len = 3, c = b & 0x0F;
  else if ((b & 0xF8) == 0xF0)
    len = 4, c = b & 0x07;
  else
    return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    auto cb = static_cast<unsigned char>(s[i + k]);
    if ((cb & 0xC0) != 0x80) return 0;
    c = (c << 6) | (cb & 0x3F);
  }
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < kMin[len] || !code_point_is_valid(c)) return 0;  // overlong forms hide characters
  return len;
}

// systemd's cunescape_one() without NUL: the number of bytes after the backslash it consumed, or 0
// for an unknown or invalid escape.
std::size_t unescape_one(std::string_view s, std::string& out) {
  if (s.empty()) return 0;
  switch (s[0]) {
    case 'a':
      out += '\a';
      return 1;
    case 'b':
      out += '\b';
      return 1;
    case 'f':
      out += '\f';
      return 1;
    case 'n':
      out += '\n';
      return 1;
    case 'r':
      out += '\r';
      return 1;
    case 't':
      out += '\t';
      return 1;
    case 'v':
      out += '\v';
      return 1;
    case '\\':
      out += '\\';
      return 1;
    case '"':
      out += '"';
      return 1;
    case '\'':
      out += '\'';
      return 1;
    case 's':
      out += ' ';
      return 1;
    case 'x': {
      if (s.size() < 3) return 0;
      int a = hex_value(s[1]), b = hex_value(s[2]);
      if (a < 0 || b < 0 || (a == 0 && b == 0)) return 0;
      out += static_cast<char>((a << 4) | b);  // a raw byte, not a code point
      return 3;
    }
    case 'u':
    case 'U': {
      std::size_t digits = s[0] == 'u' ? 4 : 8;
      if (s.size() < digits + 1) return 0;
      std::uint32_t c = 0;
      for (std::size_t i = 1; i <= digits; ++i) {
        int v = hex_value(s[i]);
        if (v < 0) return 0;
        c = (c << 4) | static_cast<std::uint32_t>(v);
      }
      if (c == 0) return 0;
      // systemd checks validity only for \U; a \u surrogate passes through as it does there.
      if (s[0] == 'U' && !code_point_is_valid(c)) return 0;
      append_utf8(out, c);
      return digits + 1;
    }
    default:
      if (s[0] < '0' || s[0] > '7') return 0;
      if (s.size() < 3) return 0;
      int v = 0;
      for (int i = 0; i < 3; ++i) {
        if (s[i] < '0' || s[i] > '7') return 0;
        v = v * 8 + (s[i] - '0');
      }
      if (v == 0 || v > 255) return 0;
      out += static_cast<char>(v);
      return 3;
  }
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    // ASCII, nearly all of a unit file, eight bytes at a time and without the call: check runs at
    // every start.
    if (i + 8 <= s.size()) {
      std::uint64_t eight = 0;
      std::memcpy(&eight, s.data() + i, 8);
      if ((eight & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool is_safe_string(std::string_view s) {
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b < ' ' || b == 0x7F || c == '"' || c == '\'' || c == '\\') return false;
  }
  return true;
}

Result<std::optional<std::string>> next_word(std::string_view& rest, WordOptions options) {
  std::size_t i = 0;
  while (i < rest.size() && is_space(rest[i])) ++i;
  if (i == rest.size()) {
    rest = {};
    return std::optional<std::string>();
  }
  std::string word;
  char quote = 0;
  for (;;) {
    if (i == rest.size()) {
      if (quote != 0 && !options.relax)
        return make_error(fmt::format("unbalanced quoting in \"{}\"", rest),
                          "close the quote, or escape it with a backslash");
      break;
    }
    char c = rest[i];
    if (c == '\\') {
      ++i;
      if (i == rest.size()) {
        // systemd's retry keeps a trailing backslash outside quotes; inside them the quote is open.
        if (options.keep_unknown_escapes && (quote == 0 || options.relax)) {
          word += '\\';
          break;
        }
        if (options.relax) break;
        if (quote != 0)
          return make_error(fmt::format("unbalanced quoting in \"{}\"", rest),
                            "close the quote, or escape it with a backslash");
        return make_error(fmt::format("trailing backslash in \"{}\"", rest), "write \\\\ for a backslash");
      }
      if (!options.c_escapes) {
        word += rest[i++];
        continue;
      }
      std::size_t used = unescape_one(rest.substr(i), word);
      if (used > 0) {
        i += used;
        continue;
      }
      if (!options.keep_unknown_escapes)
        return make_error(fmt::format("unknown escape sequence \"\\{}\" in \"{}\"", rest[i], rest),
                          "write \\\\ for a literal backslash");
      word += '\\';
      word += rest[i++];
      continue;
    }
    if (quote != 0) {
      if (c == quote)
        quote = 0;
      else
        word += c;
      ++i;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      ++i;
      continue;
    }
    if (is_space(c)) break;
    word += c;
    ++i;
  }
  while (i < rest.size() && is_space(rest[i])) ++i;
  rest.remove_prefix(i);
  return std::optional<std::string>(std::move(word));
}

std::string quote_word(std::string_view word) {
  bool bare = !word.empty();
  for (std::size_t i = 0; bare && i < word.size();) {
    auto b = static_cast<unsigned char>(word[i]);
    if (b < 0x20 || b == 0x7F || is_space(word[i]) || word[i] == '\'' || word[i] == '"' || word[i] == '\\') {
      bare = false;
      break;
    }
    std::size_t n = utf8_sequence_length(word, i);
    if (n == 0) bare = false;
    i += n == 0 ? 1 : n;
  }
  if (bare) return std::string(word);
  std::string out = "\"";
  for (std::size_t i = 0; i < word.size();) {
    char c = word[i];
    auto b = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        ++i;
        continue;
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      default:
        break;
    }
    std::size_t n = b < 0x20 || b == 0x7F ? 0 : utf8_sequence_length(word, i);
    if (n == 0) {
      out += fmt::format("\\x{:02x}", b);
      ++i;
    } else {
      out.append(word.substr(i, n));
      i += n;
    }
  }
  return out + "\"";
}

}  // namespace csd::systemd
