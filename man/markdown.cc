#include "man/markdown.h"

#include "util/strings.h"

namespace csd::man {

namespace {

std::string trim(std::string_view s) {
  return std::string(csd::trim(s));
}

}  // namespace

bool is_table_line(std::string_view line) {
  std::string t = trim(line);
  return t.size() >= 2 && t.front() == '|';
}

std::vector<std::string> table_cells(std::string_view line) {
  std::string t = trim(line);
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 1; i < t.size(); ++i) {
    if (t[i] == '\\' && i + 1 < t.size() && t[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (t[i] == '|') {
      cells.push_back(trim(cell));
      cell.clear();
    } else {
      cell += t[i];
    }
  }
  if (!trim(cell).empty()) cells.push_back(trim(cell));
  return cells;
}

bool is_separator_row(const std::vector<std::string>& cells) {
  if (cells.empty()) return false;
  for (const auto& c : cells)
    if (c.empty() || c.find_first_not_of("-: ") != std::string::npos) return false;
  return true;
}

std::vector<Table> read_tables(std::string_view markdown) {
  std::vector<Table> tables;
  std::string heading;
  bool in_table = false, in_code = false;
  std::size_t pos = 0;
  while (pos <= markdown.size()) {
    auto end = markdown.find('\n', pos);
    if (end == std::string_view::npos) end = markdown.size();
    std::string_view line = markdown.substr(pos, end - pos);
    pos = end + 1;
    if (line.substr(0, 3) == "```") in_code = !in_code;
    if (in_code) continue;
    if (!line.empty() && line[0] == '#') {
      heading = trim(line.substr(line.find_first_not_of('#')));
      in_table = false;
      continue;
    }
    if (!is_table_line(line)) {
      in_table = false;
      continue;
    }
    auto cells = table_cells(line);
    if (!in_table) {
      tables.push_back({.heading = heading, .columns = cells});
      in_table = true;
    } else if (!is_separator_row(cells)) {
      tables.back().rows.push_back(cells);
    }
  }
  return tables;
}

std::string code_of(std::string_view cell) {
  auto open = cell.find('`');
  if (open == std::string_view::npos) return std::string(cell);
  auto close = cell.find('`', open + 1);
  if (close == std::string_view::npos) return std::string(cell);
  return std::string(cell.substr(open + 1, close - open - 1));
}

}  // namespace csd::man
