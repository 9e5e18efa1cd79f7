#include "check/scan.h"

#include <cctype>

#include "util/strings.h"

namespace csd::check {

namespace {

bool contains_word_pair(std::string_view text, std::string_view first, std::string_view second) {
  // "first" and "second" as consecutive words, whatever the spacing or quotes between them.
  std::size_t pos = 0;
  while ((pos = text.find(first, pos)) != std::string_view::npos) {
    bool starts_word =
        pos == 0 || std::string_view(" \t'\"/;&|(").find(text[pos - 1]) != std::string_view::npos;
    std::size_t after = pos + first.size();
    std::size_t next = after;
    while (next < text.size() && (text[next] == ' ' || text[next] == '\t')) ++next;
    if (starts_word && next > after && text.substr(next, second.size()) == second) return true;
    pos = after;
  }
  return false;
}

}  // namespace

std::string find_wrapper(std::string_view text) {
  if (contains_word_pair(text, "conda", "run")) return "conda run";
  if (contains_word_pair(text, "conda", "activate")) return "conda activate";
  if (contains_word_pair(text, "source", "activate") || contains_word_pair(text, ".", "activate"))
    return "source activate";
  for (const char* shell : {"bash", "sh", "zsh", "dash"}) {
    for (const char* flag : {"-lc", "-c", "-l -c", "-ic"}) {
      if (contains_word_pair(text, shell, flag)) return std::string(shell) + " " + flag;
    }
  }
  return "";
}

std::string find_venv_marker(std::string_view text) {
  for (const char* marker : {"pyvenv.cfg", "bin/activate", "virtualenv", ".venv", "venv/"}) {
    auto pos = text.find(marker);
    if (pos == std::string_view::npos) continue;
    // "venv/" inside ".venv/" is reported once, as ".venv"; "conda-venv/" is not a venv.
    if (std::string_view(marker) == "venv/" && pos > 0 &&
        std::string_view("/ \t'\"=").find(text[pos - 1]) == std::string_view::npos)
      continue;
    return marker;
  }
  return "";
}

namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// The shell word starting at `pos`: a quoted string, or up to white space or a shell operator.
std::string word_at(const std::string& text, std::size_t pos) {
  if (pos < text.size() && (text[pos] == '"' || text[pos] == '\'')) {
    auto close = text.find(text[pos], pos + 1);
    if (close != std::string::npos) return text.substr(pos + 1, close - pos - 1);
  }
  auto end = text.find_first_of(" \t;&|)", pos);
  return text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

// "${NAME:-value}" and "${NAME-value}" mean "value" unless NAME is set elsewhere.
std::string fallback_of(const std::string& value) {
  if (!starts_with(value, "${") || value.back() != '}') return value;
  auto dash = value.find('-');
  if (dash == std::string::npos) return "";
  return value.substr(dash + 1, value.size() - dash - 2);
}

}  // namespace

std::vector<Mention> find_mentions(std::string_view line, const std::vector<std::string>& names) {
  std::vector<Mention> out;
  std::string text(line);
  for (const auto& name : names) {
    std::string needle = name + "=";
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
      if (pos > 0 && is_name_char(text[pos - 1])) continue;  // "MY_WATCHDOG_PID_FILE=" is another variable
      std::string value = fallback_of(word_at(text, pos + needle.size()));
      if (value.empty() || value[0] == '$') continue;  // set from elsewhere: nothing to compare here
      out.push_back({name, value});
    }
  }
  if (text.find("gunicorn") != std::string::npos) {
    auto words = split(text, ' ');
    for (std::size_t i = 0; i < words.size(); ++i) {
      std::string value;
      if ((words[i] == "--pid" || words[i] == "-p") && i + 1 < words.size())
        value = words[i + 1];
      else if (starts_with(words[i], "--pid="))
        value = words[i].substr(6);
      else
        continue;
      if (value.size() >= 2 && (value[0] == '"' || value[0] == '\''))
        value = value.substr(1, value.size() - 2);
      if (!value.empty() && value[0] != '$') out.push_back({"--pid", value});
    }
  }
  return out;
}

}  // namespace csd::check
