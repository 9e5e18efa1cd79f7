// The few parts of Markdown the docs use that the man pages need: headings and pipe tables.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace csd::man {

struct Table {
  std::string heading;  // the nearest heading above, without its '#'s
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // cells trimmed, Markdown kept
};

// The cells of one "| a | b |" line; "\|" stays a literal '|' inside a cell.
std::vector<std::string> table_cells(std::string_view line);
bool is_table_line(std::string_view line);
bool is_separator_row(const std::vector<std::string>& cells);

std::vector<Table> read_tables(std::string_view markdown);

// The text inside the first `code` span of a cell ("`pid_file`" -> "pid_file"); the cell itself when none.
std::string code_of(std::string_view cell);

}  // namespace csd::man
