#include "systemd/specifiers.h"

#include <fmt/format.h>

#include <utility>

#include "util/file.h"

namespace csd::systemd {

namespace {

std::string unescaped_or_raw(std::string_view text) {
  auto u = unescape_unit_name_part(text);
  return u ? *u : std::string(text);
}

// %f: an escaped path in the instance (or the prefix) turned back into an absolute path.
std::string unescaped_path(std::string_view text) {
  std::string p = unescaped_or_raw(text);
  if (p.empty() || p[0] != '/') p.insert(p.begin(), '/');
  return p;
}

// What does not depend on the unit, as systemd's system manager (PID 1, root) expands it:
// systemd.unit(5), "Specifiers".
constexpr std::pair<char, const char*> kSystemManager[] = {
    {'t', "/run"}, {'S', "/var/lib"}, {'C', "/var/cache"}, {'L', "/var/log"},
    {'E', "/etc"}, {'T', "/tmp"},     {'V', "/var/tmp"},   {'u', "root"},
    {'U', "0"},    {'g', "root"},     {'G', "0"},          {'h', "/root"},
};

}  // namespace

bool is_known_specifier(char c) {
  // From the table in systemd.unit(5) of systemd 252, plus %c %r %R, deprecated but still accepted.
  static constexpr std::string_view kKnown = "aAbBcCdEfgGhHiIjJlLmMnNopPqrRsStTuUvVwWyY";
  return kKnown.find(c) != std::string_view::npos;
}

SpecifierTable unit_specifiers(const UnitName& name, const std::string& fragment_path) {
  SpecifierTable t;
  t['n'] = name.full();
  t['N'] = name.without_type();
  t['p'] = name.prefix;
  t['P'] = unescaped_or_raw(name.prefix);
  t['i'] = name.instance;
  t['I'] = unescaped_or_raw(name.instance);
  auto dash = name.prefix.rfind('-');
  t['j'] = dash == std::string::npos ? name.prefix : name.prefix.substr(dash + 1);
  t['J'] = unescaped_or_raw(t['j']);
  t['f'] = unescaped_path(name.instance.empty() ? name.prefix : name.instance);
  for (const auto& [specifier, value] : kSystemManager) t[specifier] = value;
  t['d'] = "/run/credentials/" + name.full();
  if (!fragment_path.empty()) {
    t['y'] = fragment_path;
    t['Y'] = parent_dir(fragment_path);
  }
  return t;
}

Result<std::string> expand_specifiers(std::string_view text, const SpecifierTable& table) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 1 == text.size()) {
      out += '%';
      break;
    }
    char c = text[++i];
    if (c == '%') {
      out += '%';
      continue;
    }
    if (!is_known_specifier(c))
      return make_error(fmt::format("unknown specifier \"%{}\" in \"{}\"", c, text),
                        "write %% for a literal percent sign (systemd refuses unknown specifiers)");
    auto it = table.find(c);
    if (it == table.end())
      return make_error(fmt::format("specifier \"%{}\" in \"{}\" has no value here", c, text),
                        "avoid this specifier, or give its value");
    out += it->second;
  }
  return out;
}

std::string double_percent(std::string_view s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '%') out += '%';
  }
  return out;
}

}  // namespace csd::systemd
