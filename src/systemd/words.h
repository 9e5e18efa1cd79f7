// systemd's word syntax, shared by ExecStart=, Environment= and other list settings: words separated
// by whitespace, single or double quotes anywhere in a word, C-style escapes inside and outside quotes
// (unlike a shell, '\n' is a newline even between single quotes).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/error.h"

namespace csd::systemd {

// The whitespace between words in unit and environment files: space, tab, newline, carriage return.
// A comparison, not a search of a set: it runs for every character check reads.
inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

struct WordOptions {
  // C escapes (\n, \xNN, \u00e9, ...); without it a backslash just takes the next byte literally.
  bool c_escapes = true;
  // Keep an unknown escape such as "\q" verbatim instead of failing: systemd retries this way and warns.
  bool keep_unknown_escapes = false;
  // Accept an unterminated quote or trailing backslash, as systemd does when splitting a variable's value.
  bool relax = false;
};

// Takes the next word off the front of `rest`. Returns nullopt when only whitespace is left; `rest`
// then is empty. Fails on unbalanced quotes and, unless allowed, unknown escapes.
Result<std::optional<std::string>> next_word(std::string_view& rest, WordOptions options = {});

// A word that next_word() reads back as `word`: bare when that is safe, else double-quoted with
// escapes for quotes, backslashes, control bytes and invalid UTF-8.
std::string quote_word(std::string_view word);

bool is_valid_utf8(std::string_view s);
// systemd's string_is_safe(): no control bytes, quotes or backslashes (section names, executables).
bool is_safe_string(std::string_view s);

}  // namespace csd::systemd
