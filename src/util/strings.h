// Small string helpers shared by the parsers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace csd {

std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
// True when `path` is `dir` or lies below it ("/run/a/b" is under "/run/a", "/run/ab" is not).
bool path_is_under(std::string_view path, std::string_view dir);
// ASCII letters in lower case; every other byte as it is (no locale).
std::string ascii_lower(std::string_view s);

// Levenshtein distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The closest candidate within a small distance, or "" when none is close.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// Quotes a word for a POSIX shell only when it needs it.
std::string shell_quote(std::string_view word);
std::string shell_join(const std::vector<std::string>& words);

}  // namespace csd
