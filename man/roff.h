// Writing roff for man(7) pages: escaping, and Markdown's inline marks and block structure.
#pragma once

#include <string>
#include <string_view>

namespace csd::man {

// Plain text as roff: backslashes and minus signs escaped, a leading '.' or '\'' made literal.
std::string roff_text(std::string_view text);

// One line of Markdown as roff: `code` and **strong** bold, [text](link) as its text.
std::string roff_inline(std::string_view markdown);

// A Markdown document (headings, paragraphs, lists, fenced code, tables) as roff. "## x" becomes .SH
// (upper-cased), "### x" .SS; the first "# title" is dropped (the page has its own NAME). A table row
// becomes a tagged paragraph: the first cell as the tag, the other cells labelled by their headers.
std::string roff_markdown(std::string_view markdown);

}  // namespace csd::man
