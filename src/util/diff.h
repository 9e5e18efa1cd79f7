// A unified diff of two texts, line by line, as `diff -u` prints it.
#pragma once

#include <string>

namespace csd {

// "" when the texts are equal. Labels name the two sides in the "---"/"+++" lines.
std::string unified_diff(const std::string& old_text, const std::string& new_text, const std::string& old_label,
                         const std::string& new_label, int context = 3);

}  // namespace csd
