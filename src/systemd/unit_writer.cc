#include "systemd/unit_writer.h"

#include <fmt/format.h>

#include "systemd/environment.h"
#include "systemd/specifiers.h"
#include "systemd/words.h"
#include "util/strings.h"

namespace csd::systemd {

namespace {

bool has_control(std::string_view s, bool allow_tab) {
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if ((b < 0x20 && !(allow_tab && c == '\t')) || b == 0x7F) return true;
  }
  return false;
}

// Why a raw value would not come back unchanged from parse_unit_text(), or "".
std::string value_problem(std::string_view v) {
  // find('\n') and find('\r'), not find_first_of("\n\r"): that is a memchr per character.
  if (v.find('\n') != std::string_view::npos || v.find('\r') != std::string_view::npos)
    return "contains a line break";
  if (v.find('\0') != std::string_view::npos) return "contains a NUL byte";
  if (trim(v) != v) return "starts or ends with whitespace, which systemd strips";
  if (!is_valid_utf8(v)) return "is not valid UTF-8";
  std::size_t backslashes = 0;
  for (auto it = v.rbegin(); it != v.rend() && *it == '\\'; ++it) ++backslashes;
  if (backslashes % 2 == 1) return "ends with a backslash, which would continue onto the next line";
  return {};
}

std::string key_problem(std::string_view k) {
  if (k.empty()) return "is empty";
  if (trim(k) != k) return "starts or ends with whitespace";
  if (k.find('=') != std::string_view::npos) return "contains '='";
  if (k[0] == '#' || k[0] == ';' || k[0] == '[') return "starts like a comment or a section header";
  if (has_control(k, false) || !is_valid_utf8(k)) return "contains control bytes or invalid UTF-8";
  return {};
}

}  // namespace

void UnitWriter::fail(std::string message) {
  errors_.push_back(std::move(message));
}

UnitWriter& UnitWriter::comment(std::string_view text) {
  for (const auto& line : split(text, '\n')) {
    if (line.find_first_of('\r') != std::string::npos || line.find('\0') != std::string::npos) {
      fail("comment contains a carriage return or NUL byte");
      continue;
    }
    out_ += line.empty() ? "#\n" : "# " + line + "\n";
  }
  return *this;
}

UnitWriter& UnitWriter::section(std::string_view name) {
  if (!is_safe_string(name) || name.find_first_of("[]") != std::string_view::npos || !is_valid_utf8(name))
    fail(fmt::format("section name \"{}\" cannot be written", name));
  if (any_section_ || !out_.empty()) out_ += "\n";
  out_ += fmt::format("[{}]\n", name);
  in_section_ = any_section_ = true;
  return *this;
}

UnitWriter& UnitWriter::set(std::string_view key, std::string_view value) {
  if (!in_section_) fail(fmt::format("{}= comes before any section", key));
  if (auto p = key_problem(key); !p.empty()) fail(fmt::format("key \"{}\" {}", key, p));
  if (auto p = value_problem(value); !p.empty()) fail(fmt::format("the value of {}= {}", key, p));
  out_.append(key).append(1, '=').append(value).append(1, '\n');
  return *this;
}

UnitWriter UnitWriter::block() {
  UnitWriter w;
  w.in_section_ = true;
  return w;
}

UnitWriter& UnitWriter::append(const UnitWriter& block) {
  if (!in_section_) fail("a block of settings comes before any section");
  out_ += block.out_;
  errors_.insert(errors_.end(), block.errors_.begin(), block.errors_.end());
  return *this;
}

UnitWriter& UnitWriter::set_text(std::string_view key, std::string_view text) {
  return set(key, double_percent(text));
}

UnitWriter& UnitWriter::set_words(std::string_view key, const std::vector<std::string>& words) {
  std::string value;
  for (const auto& w : words) {
    if (has_control(w, false) || !is_valid_utf8(w)) {
      fail(fmt::format("a word of {}= contains control bytes or invalid UTF-8", key));
      continue;
    }
    if (!value.empty()) value += ' ';
    value += quote_word(double_percent(w));
  }
  return set(key, value);
}

UnitWriter& UnitWriter::set_environment(std::string_view name, std::string_view value) {
  if (!is_valid_env_name(name)) fail(fmt::format("\"{}\" is not a valid environment variable name", name));
  if (value.find('\0') != std::string_view::npos || !is_valid_utf8(value))
    fail(fmt::format("the value of {} contains a NUL byte or invalid UTF-8", name));
  return set("Environment", quote_word(double_percent(fmt::format("{}={}", name, value))));
}

UnitWriter& UnitWriter::set_exec(std::string_view key, const ExecCommand& command) {
  auto line = format_exec_command(command);
  if (!line) {
    fail(fmt::format("{}=: {}", key, line.error().message));
    return *this;
  }
  return set(key, *line);
}

Result<std::string> UnitWriter::render() const {
  if (!errors_.empty()) return make_error(errors_.front(), "this value cannot be expressed in a unit file");
  return out_;
}

Result<std::string> render_unit_file(const UnitFile& unit) {
  UnitWriter w;
  for (const auto& s : unit.sections) {
    w.section(s.name);
    for (const auto& a : s.assignments) w.set(a.key, a.value);
  }
  return w.render();
}

}  // namespace csd::systemd
