#include "systemd/unit_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <optional>

#include "systemd/config_file.h"
#include "systemd/words.h"
#include "util/strings.h"

namespace csd::systemd {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

Error line_error(const std::string& file, int line, std::string message, std::string hint = {}) {
  Error e = file_error(file, std::move(message), std::move(hint));
  e.line = line;
  return e;
}

class Parser {
 public:
  explicit Parser(const std::string& file) { out_.path = file; }

  Status logical_line(std::string_view text, int line) {
    std::string_view l = trim(text);
    if (l.empty()) return ok_status();
    if (!is_valid_utf8(l))
      return line_error(out_.path, line, "invalid UTF-8 (binary file?)",
                        "unit files must be UTF-8 text; systemd ignores this line");
    if (l[0] == '[') {
      if (l.back() != ']')
        return line_error(out_.path, line, fmt::format("invalid section header \"{}\"", l),
                          "a section header is \"[Name]\" alone on its line");
      std::string_view name = l.substr(1, l.size() - 2);
      if (!is_safe_string(name))
        return line_error(out_.path, line, fmt::format("bad characters in section header \"{}\"", l));
      out_.sections.push_back(Section{std::string(name), line, {}});
      return ok_status();
    }
    if (out_.sections.empty())
      return line_error(out_.path, line, "assignment outside of any section",
                        "put it below a header such as [Service]; systemd ignores it");
    auto eq = l.find('=');
    if (eq == std::string_view::npos)
      return line_error(out_.path, line, fmt::format("missing '=' in \"{}\"", l),
                        "write Key=Value; systemd ignores this line");
    if (eq == 0) return line_error(out_.path, line, "missing key name before '='", "write Key=Value");
    Section& s = out_.sections.back();
    s.assignments.push_back(Assignment{s.name, std::string(trim(l.substr(0, eq))),
                                       std::string(trim(l.substr(eq + 1))), out_.path, line});
    return ok_status();
  }

  UnitFile take() { return std::move(out_); }

 private:
  UnitFile out_;
};

// Ends with an unescaped backslash, counting from a state where no backslash is pending: each
// backslash escapes the character after it, so only the run of backslashes at the end counts, and an
// odd run leaves one unescaped.
bool ends_escaped(std::string_view s) {
  std::size_t run = 0;
  while (run < s.size() && s[s.size() - 1 - run] == '\\') ++run;
  return run % 2 == 1;
}

}  // namespace

std::vector<Assignment> UnitFile::assignments() const {
  std::vector<Assignment> all;
  for (const auto& s : sections) all.insert(all.end(), s.assignments.begin(), s.assignments.end());
  return all;
}

std::vector<Assignment> UnitFile::take_assignments() && {
  std::vector<Assignment> all;
  std::size_t n = 0;
  for (const auto& s : sections) n += s.assignments.size();
  all.reserve(n);
  for (auto& s : sections) std::move(s.assignments.begin(), s.assignments.end(), std::back_inserter(all));
  return all;
}

Result<UnitFile> parse_unit_text(std::string_view text, const std::string& file) {
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    int line = 1;
    for (std::size_t i = 0; i < nul; ++i) line += text[i] == '\n';
    return line_error(file, line, "contains a NUL byte (binary file?)", "unit files must be text");
  }
  if (starts_with(text, kBom)) text.remove_prefix(kBom.size());
  Parser parser(file);
  std::optional<std::string> continuation;
  int continuation_line = 0;
  int line = 0;
  std::size_t pos = 0;
  // The next '\r' at or after pos (text.size() when none): rare in unit files, so found once and
  // again only after it is passed; the '\n's by memchr (find_first_of("\r\n") calls memchr once per
  // character, and a loop over every character cost a third of parsing).
  std::size_t next_cr = text.find('\r');
  if (next_cr == std::string_view::npos) next_cr = text.size();
  while (pos < text.size()) {
    // Line ends as systemd's read_line() sees them: "\n", "\r", "\r\n" or "\n\r".
    if (next_cr < pos) {
      next_cr = text.find('\r', pos);
      if (next_cr == std::string_view::npos) next_cr = text.size();
    }
    std::size_t end = std::min(text.find('\n', pos), next_cr);
    std::size_t next = text.size();
    if (end < text.size()) {
      next = end + 1;
      if (next < text.size() && (text[next] == '\r' || text[next] == '\n') && text[next] != text[end]) ++next;
    }
    std::string_view raw = text.substr(pos, end - pos);
    pos = next;
    ++line;
    if (raw.size() > kLongLineMax)
      return line_error(
          file, line, fmt::format("line too long ({} bytes, systemd accepts {})", raw.size(), kLongLineMax));
    std::string_view stripped = trim(raw);
    // Comment lines are dropped even in the middle of a continued value.
    if (!stripped.empty() && (stripped[0] == '#' || stripped[0] == ';')) continue;
    bool escaped = ends_escaped(raw);
    if (continuation) {
      if (continuation->size() + raw.size() > kLongLineMax)
        return line_error(file, line, "continued line too long", "split the value");
      continuation->append(raw);
    } else if (escaped) {
      continuation.emplace(raw);
      continuation_line = line;
    }
    if (escaped) {
      continuation->back() = ' ';  // the backslash and the newline become one space
      continue;
    }
    Status st =
        continuation ? parser.logical_line(*continuation, continuation_line) : parser.logical_line(raw, line);
    if (!st) return st.error();
    continuation.reset();
  }
  if (continuation) {
    Status st = parser.logical_line(*continuation, continuation_line);
    if (!st) return st.error();
  }
  return parser.take();
}

Result<UnitFile> parse_unit_file(const std::string& path, const std::string& display_path) {
  const std::string& shown = display_path.empty() ? path : display_path;
  auto data = read_config_file(path, shown, kUnitFileMaxBytes);
  if (!data) return data.error();
  return parse_unit_text(*data, shown);
}

}  // namespace csd::systemd
