#include "man/roff.h"

#include <cctype>

#include "man/markdown.h"

namespace csd::man {

namespace {

// A line roff would read as a request when it starts with '.' or '\''.
std::string guard_line_start(std::string line) {
  if (!line.empty() && (line[0] == '.' || line[0] == '\'')) return "\\&" + line;
  return line;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string roff_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  return out;
}

std::string roff_inline(std::string_view md) {
  std::string out;
  for (std::size_t i = 0; i < md.size(); ++i) {
    char c = md[i];
    if (c == '`') {
      auto close = md.find('`', i + 1);
      if (close != std::string_view::npos) {
        out += "\\fB" + roff_text(md.substr(i + 1, close - i - 1)) + "\\fR";
        i = close;
        continue;
      }
    }
    if (c == '*' && md.substr(i, 2) == "**") {
      auto close = md.find("**", i + 2);
      if (close != std::string_view::npos) {
        out += "\\fB" + roff_inline(md.substr(i + 2, close - i - 2)) + "\\fR";
        i = close + 1;
        continue;
      }
    }
    if (c == '[') {
      auto mid = md.find("](", i);
      auto close = mid == std::string_view::npos ? mid : md.find(')', mid);
      if (close != std::string_view::npos &&
          md.substr(i + 1, mid - i - 1).find('[') == std::string_view::npos) {
        out += roff_inline(md.substr(i + 1, mid - i - 1));
        i = close;
        continue;
      }
    }
    out += roff_text(std::string_view(&c, 1));
  }
  return out;
}

std::string roff_markdown(std::string_view md) {
  std::string out;
  std::vector<std::string> columns;
  bool in_code = false, in_table = false, dropped_title = false, paragraph_open = false;
  std::size_t pos = 0;
  while (pos < md.size()) {
    auto end = md.find('\n', pos);
    if (end == std::string_view::npos) end = md.size();
    std::string_view line = md.substr(pos, end - pos);
    pos = end + 1;
    if (line.substr(0, 3) == "```") {
      out += in_code ? ".fi\n.RE\n" : ".RS\n.nf\n";
      in_code = !in_code;
      paragraph_open = false;
      continue;
    }
    if (in_code) {
      out += guard_line_start(roff_text(line)) + "\n";
      continue;
    }
    if (line.empty()) {
      paragraph_open = false;
      in_table = false;
      continue;
    }
    if (line[0] == '#') {
      auto level = line.find_first_not_of('#');
      std::string text = roff_inline(line.substr(std::min(level + 1, line.size())));
      if (level == 1 && !dropped_title) {
        dropped_title = true;
      } else {
        out += (level <= 2 ? ".SH \"" + upper(text) : ".SS \"" + text) + "\"\n";
      }
      paragraph_open = false;
      continue;
    }
    if (is_table_line(line)) {
      auto cells = table_cells(line);
      if (!in_table) {
        columns = cells;
        in_table = true;
      } else if (!is_separator_row(cells) && !cells.empty()) {
        out += ".TP\n" + guard_line_start(roff_inline(cells[0])) + "\n";
        std::string body;
        for (std::size_t i = 1; i < cells.size(); ++i) {
          if (cells[i].empty()) continue;
          bool last = i + 1 == cells.size();
          // The last column is the meaning: it reads as the paragraph; the others are labelled facts.
          if (!body.empty()) body += last ? ". " : "; ";
          body += last || i >= columns.size() ? roff_inline(cells[i])
                                              : roff_text(columns[i]) + ": " + roff_inline(cells[i]);
        }
        out += guard_line_start(body) + "\n";
      }
      paragraph_open = false;
      continue;
    }
    std::string_view text = line;
    if (text.substr(0, 2) == "- " || text.substr(0, 2) == "* ") {
      out += ".IP \\(bu 2\n";
      text.remove_prefix(2);
    } else if (!paragraph_open) {
      out += ".PP\n";
    }
    paragraph_open = true;
    auto first = text.find_first_not_of(' ');
    out += guard_line_start(roff_inline(text.substr(first == std::string_view::npos ? text.size() : first))) +
           "\n";
  }
  return out;
}

}  // namespace csd::man
