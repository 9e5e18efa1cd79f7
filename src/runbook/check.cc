// The drift check of a runbook against the contract and the command line of today.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "contract/naming.h"
#include "runbook/runbook.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::runbook {

namespace {

// What the specification forbids in a runbook: each one assumes a shell that activated an
// environment, which the units never have.
const char* forbidden(std::string_view line) {
  std::string l = ascii_lower(line);
  for (const char* word :
       {"conda run", "source activate", "conda activate", "bin/activate", "virtualenv", "venv"})
    if (l.find(word) != std::string::npos) return word;
  return nullptr;
}

bool is_assignment(const std::string& w) {
  auto eq = w.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  return std::all_of(w.begin(), w.begin() + static_cast<long>(eq),
                     [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; });
}

// "+1", "-1": scale counts, not options.
bool is_count(const std::string& w) {
  return w.size() >= 2 && (w[0] == '+' || w[0] == '-') && std::all_of(w.begin() + 1, w.end(), [](char ch) {
           return std::isdigit(static_cast<unsigned char>(ch));
         });
}

struct Checker {
  const Contract& c;
  const CommandSet& commands;
  std::vector<Difference>& out;

  void add(int line, std::string message, std::string expected = {}, std::string found = {}) {
    out.push_back({line, std::move(message), std::move(expected), std::move(found)});
  }

  void tool_command(const std::vector<std::string>& w, std::size_t at, int line) {
    const std::string& prog = w[at];
    if (prog.find('/') != std::string::npos && prog != c.tool)
      add(line, "runs conda-systemd from another place than the contract's `contract.tool`", c.tool, prog);
    std::size_t next = at + 1;
    if (base_name(prog) == "conda") ++next;  // `conda systemd ...`
    if (next >= w.size()) return;
    std::string sub = w[next];
    if (next + 1 < w.size() && commands.count(sub + " " + w[next + 1])) sub += " " + w[++next];
    auto it = commands.find(sub);
    if (it == commands.end()) {
      std::vector<std::string> names;
      for (const auto& [name, _] : commands) names.push_back(name);
      std::string near = closest_match(sub, names);
      add(line, fmt::format("names `conda-systemd {}`, which no longer exists{}", sub,
                            near.empty() ? "" : fmt::format(" (did you mean `{}`?)", near)));
      return;
    }
    for (std::size_t i = next + 1; i < w.size(); ++i) {
      const std::string& word = w[i];
      if (word == "--") break;
      if (word.size() < 2 || word[0] != '-' || is_count(word)) continue;
      std::string opt = word.substr(0, word.find('='));
      if (!it->second.count(opt)) {
        add(line, fmt::format("names option `{}` of `conda-systemd {}`, which no longer exists", opt, sub));
        continue;
      }
      if (opt == "--contract") {
        std::string value = word.find('=') != std::string::npos ? word.substr(word.find('=') + 1)
                            : i + 1 < w.size()                  ? w[i + 1]
                                                                : "";
        if (value != c.installed_path() && !starts_with(value, "$"))
          add(line, "reads another contract than the installed one", c.installed_path(), value);
      }
    }
  }

  void unit_command(const std::vector<std::string>& w, std::size_t at, int line) {
    // Either layout's units: the switch between them names both (runbook "switch").
    Contract other = c;
    other.service.zero_downtime = !c.service.zero_downtime;
    other.watchdog.restart_mode = "swap";
    auto units = all_units(c);
    for (const auto& u : all_units(other)) units.push_back(u);
    units.push_back(app_instance(c, "blue"));
    units.push_back(app_instance(c, "green"));
    for (std::size_t i = at + 1; i < w.size(); ++i)
      if (ends_with(w[i], ".service") &&
          std::find(units.begin(), units.end(), base_name(w[i])) == units.end())
        add(line, fmt::format("names unit {}, which is not a unit of contract {}", base_name(w[i]), c.name),
            fmt::format("{}", fmt::join(units, " ")), w[i]);
  }

  void command_line(const std::string& text, int line) {
    std::vector<std::string> words = shell_words(text);
    // One simple command at a time: operators chain them with && and pipes.
    std::vector<std::vector<std::string>> simple(1);
    for (auto& w : words) {
      if (w == "&&" || w == "||" || w == "|" || w == ";")
        simple.emplace_back();
      else
        simple.back().push_back(std::move(w));
    }
    for (const auto& w : simple) {
      std::size_t at = 0;
      while (at < w.size() && is_assignment(w[at])) ++at;
      if (at < w.size() && w[at] == "sudo") ++at;
      if (at >= w.size()) continue;
      std::string prog = base_name(w[at]);
      if (prog == "conda-systemd" || (prog == "conda" && at + 1 < w.size() && w[at + 1] == "systemd"))
        tool_command(w, at, line);
      else if (prog == "systemctl" || prog == "journalctl")
        unit_command(w, at, line);
    }
  }
};

}  // namespace

std::vector<std::string> shell_words(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char ch = line[i];
    if (ch == '\'') {
      auto end = line.find('\'', i + 1);
      if (end == std::string_view::npos) end = line.size();
      cur += line.substr(i + 1, end - i - 1);
      i = end;
      in_word = true;
    } else if (ch == '"') {
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size() &&
            std::string_view("$`\"\\").find(line[i + 1]) != std::string_view::npos)
          ++i;
        cur += line[i];
      }
      in_word = true;
    } else if (ch == '\\' && i + 1 < line.size()) {
      cur += line[++i];
      in_word = true;
    } else if (ch == ' ' || ch == '\t' || ch == '\n') {
      if (in_word) out.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else if (ch == ';' || ch == '|' || ch == '&') {
      if (in_word) out.push_back(std::move(cur));
      cur.clear();
      in_word = false;
      std::string op(1, ch);
      if (i + 1 < line.size() && line[i + 1] == ch && ch != ';') op += line[++i];
      out.push_back(op);
    } else if (ch == '#' && !in_word) {
      break;
    } else {
      cur += ch;
      in_word = true;
    }
  }
  if (in_word) out.push_back(std::move(cur));
  return out;
}

namespace {

// Glob with "…" as the only wildcard.
bool line_matches(std::string_view pattern, std::string_view line) {
  static const std::string_view kAny = "…";
  auto star = pattern.find(kAny);
  if (star == std::string_view::npos) return pattern == line;
  std::string_view head = pattern.substr(0, star);
  if (!starts_with(line, head)) return false;
  std::string_view rest = pattern.substr(star + kAny.size());
  for (std::size_t at = head.size(); at <= line.size(); ++at)
    if (line_matches(rest, line.substr(at))) return true;
  return false;
}

}  // namespace

bool output_matches(const std::vector<std::string>& prints, std::string_view output) {
  auto lines = split(output, '\n');
  std::size_t at = 0;
  for (const auto& want : prints) {
    while (at < lines.size() && !line_matches(want, lines[at])) ++at;
    if (at == lines.size()) return false;
    ++at;
  }
  return true;
}

std::vector<Difference> check(const Runbook& existing, const Contract& c, const CommandSet& commands) {
  std::vector<Difference> out;
  Checker checker{c, commands, out};
  Runbook want = build(c);

  if (existing.name != c.name) checker.add(0, "the runbook is for another service", c.name, existing.name);
  if (existing.version != c.version)
    checker.add(0, "the runbook is for another contract version", c.version,
                existing.version.empty() ? "(none)" : existing.version);

  for (const auto& row : want.paths) {
    if (row.key == "contract.name" || row.key == "contract.version") continue;  // reported above
    auto it = std::find_if(existing.paths.begin(), existing.paths.end(),
                           [&](const PathRow& r) { return r.key == row.key; });
    if (it == existing.paths.end())
      checker.add(0, fmt::format("the path table has no row `{}` ({})", row.key, row.what), row.value);
    else if (it->value != row.value)
      checker.add(it->line, fmt::format("`{}` ({}) is not the contract's", row.key, row.what), row.value,
                  it->value);
  }
  for (const auto& row : existing.paths)
    if (std::none_of(want.paths.begin(), want.paths.end(),
                     [&](const PathRow& r) { return r.key == row.key; }))
      checker.add(row.line, fmt::format("row `{}` ({}) is not part of the contract", row.key, row.what), "",
                  row.value);

  for (const auto& p : want.procedures) {
    auto it = std::find_if(existing.procedures.begin(), existing.procedures.end(),
                           [&](const Procedure& q) { return q.id == p.id; });
    if (it == existing.procedures.end())
      checker.add(0, fmt::format("procedure `{}` ({}) is missing", p.id, p.title));
    else if (it->steps.empty() && !p.steps.empty())
      checker.add(it->line, fmt::format("procedure `{}` ({}) has no command", p.id, p.title));
  }
  for (const auto& p : existing.procedures)
    for (const auto& s : p.steps) {
      auto lines = split(s.command, '\n');
      for (std::size_t i = 0; i < lines.size(); ++i)
        checker.command_line(lines[i], s.line + static_cast<int>(i));
    }

  for (const auto& [code, _] : want.findings)
    if (!existing.findings.count(code)) checker.add(0, fmt::format("finding code {} has no entry", code));
  for (const auto& [code, _] : existing.findings)
    if (!want.findings.count(code)) checker.add(0, fmt::format("finding code {} no longer exists", code));

  for (std::size_t i = 0; i < existing.source_lines.size(); ++i)
    if (const char* word = forbidden(existing.source_lines[i]))
      checker.add(static_cast<int>(i) + 1,
                  fmt::format("assumes an activated shell or a virtual environment (`{}`)", word), "",
                  std::string(trim(existing.source_lines[i])));

  std::stable_sort(out.begin(), out.end(),
                   [](const Difference& a, const Difference& b) { return a.line < b.line; });
  return out;
}

}  // namespace csd::runbook
