#include "render/tool_path.h"

#include "util/file.h"

namespace csd::render {

namespace {

// An Exec line naming the tool: "=TOOL " or "=-TOOL " and so on; a prefix character then the path.
bool runs(const std::string& unit_text, const std::string& tool) {
  for (std::size_t pos = unit_text.find(tool); pos != std::string::npos;
       pos = unit_text.find(tool, pos + 1)) {
    std::size_t end = pos + tool.size();
    bool word_end = end == unit_text.size() || unit_text[end] == ' ' || unit_text[end] == '\n';
    bool word_start =
        pos > 0 && (unit_text[pos - 1] == '=' ||
                    std::string_view("-@:+!").find(unit_text[pos - 1]) != std::string_view::npos);
    if (word_start && word_end) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> tool_migrations(const std::vector<File>& files, const Root& root,
                                         const std::string& old_tool, const std::string& new_tool) {
  std::vector<std::string> out;
  if (old_tool == new_tool) return out;
  for (const auto& f : files) {
    if (!runs(f.content, new_tool)) continue;
    auto installed = read_file(root.map(f.path), ReadOptions{.max_bytes = 1 << 20});
    if (installed && runs(*installed, old_tool)) out.push_back(f.path);
  }
  return out;
}

}  // namespace csd::render
