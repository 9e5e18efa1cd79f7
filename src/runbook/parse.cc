// Reading a runbook back. Lenient on purpose: a hand-edited runbook is what the drift check is
// for, so anything recognisable is taken and the rest left to check() to report as missing.
#include <fmt/format.h>

#include "runbook/runbook.h"
#include "util/strings.h"

namespace csd::runbook {

namespace {

std::string unticked(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

std::vector<std::string> cells(std::string_view line) {
  std::string_view s = trim(line);
  if (!s.empty() && s.front() == '|') s.remove_prefix(1);
  if (!s.empty() && s.back() == '|') s.remove_suffix(1);
  std::vector<std::string> out;
  for (const auto& c : split(s, '|')) out.emplace_back(trim(c));
  return out;
}

bool is_separator_row(const std::vector<std::string>& row) {
  for (const auto& c : row)
    if (c.find_first_not_of("-: ") != std::string::npos) return false;
  return true;
}

}  // namespace

Result<Runbook> parse_markdown(std::string_view text, const std::string& source) {
  Runbook rb;
  enum class Part { kHead, kPaths, kProcedures } part = Part::kHead;
  Procedure* proc = nullptr;
  std::string fence;  // info string of the open code block; "" when none is open
  std::string block;
  int block_line = 0;
  bool step_open = false;  // the last block was a command, so a text block is what it prints
  bool seen_title = false;

  auto lines = split(text, '\n');
  rb.source_lines = lines;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    int lineno = static_cast<int>(i) + 1;
    std::string_view t = trim(line);
    if (!fence.empty() || starts_with(t, "```")) {
      if (fence.empty()) {
        fence = std::string(trim(t.substr(3)));
        if (fence.empty()) fence = "plain";
        block.clear();
        block_line = lineno + 1;
        continue;
      }
      if (t == "```") {
        if (proc) {
          if (!block.empty() && block.back() == '\n') block.pop_back();
          if (fence == "sh" || fence == "bash" || fence == "console" || fence == "shell") {
            proc->steps.push_back({.command = block, .line = block_line});
            step_open = true;
          } else if (step_open) {
            proc->steps.back().prints = split(block, '\n');
            step_open = false;
          }
        }
        fence.clear();
        continue;
      }
      block += line + "\n";
      continue;
    }
    if (starts_with(t, "# ")) seen_title = true;
    if (starts_with(t, "## ")) {
      std::string_view h = trim(t.substr(3));
      if (h == "Runtime paths")
        part = Part::kPaths;
      else if (h == "Procedures")
        part = Part::kProcedures;
      proc = nullptr;
      continue;
    }
    if (starts_with(t, "<!-- procedure:") && ends_with(t, "-->")) {
      std::string id(trim(t.substr(15, t.size() - 15 - 3)));
      rb.procedures.push_back({.id = id, .line = lineno});
      proc = &rb.procedures.back();
      part = Part::kProcedures;
      step_open = false;
      continue;
    }
    if (proc && starts_with(t, "### ")) {
      std::string title(trim(t.substr(4)));
      // "3. Health check" -> "Health check"
      auto dot = title.find(". ");
      if (dot != std::string::npos && title.find_first_not_of("0123456789") == dot)
        title = title.substr(dot + 2);
      proc->title = title;
      continue;
    }
    if (starts_with(t, "|")) {
      auto row = cells(t);
      if (is_separator_row(row)) continue;
      if (part == Part::kPaths && row.size() == 3 && row[1] != "key") {
        rb.paths.push_back(
            {.key = unticked(row[1]), .what = row[0], .value = unticked(row[2]), .line = lineno});
        if (rb.paths.back().key == "contract.name") rb.name = rb.paths.back().value;
        if (rb.paths.back().key == "contract.version") rb.version = rb.paths.back().value;
      } else if (proc && proc->id == "findings" && row.size() == 2 && row[0] != "code") {
        rb.findings[unticked(row[0])] = row[1];
      }
      continue;
    }
    if (proc && !t.empty() && t != "prints:" && t != "prints nothing.") proc->text.emplace_back(t);
  }
  if (!fence.empty()) return file_error(source, "a code block is never closed");
  if (!seen_title && rb.paths.empty() && rb.procedures.empty())
    return file_error(
        source, "this is not a conda-systemd runbook: no title, no path table, no procedure",
        "render the runbook with `conda-systemd render`, or print one with `conda-systemd runbook`");
  return rb;
}

}  // namespace csd::runbook
