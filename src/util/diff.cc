#include "util/diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <dtl/dtl.hpp>
#include <vector>

namespace csd {

namespace {

// Lines with their terminator, so that a last line without "\n" differs from the same line with
// one, as it does to diff(1) and patch(1).
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    std::size_t end = nl == std::string::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

struct Op {
  char kind;         // ' ', '-', '+'
  std::size_t a, b;  // line indexes in old and new before this line
};

// The shortest edit script (dtl: Wu's O(NP) algorithm), deletions before additions in each change
// as diff -u prints them.
std::vector<Op> edit_script(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  dtl::Diff<std::string, std::vector<std::string>> diff(a, b);
  diff.compose();
  std::vector<Op> ops;
  std::size_t i = 0, j = 0;
  for (const auto& [line, info] : diff.getSes().getSequence()) {
    (void)line;
    if (info.type == dtl::SES_COMMON)
      ops.push_back({' ', i++, j++});
    else if (info.type == dtl::SES_DELETE)
      ops.push_back({'-', i++, j});
    else
      ops.push_back({'+', i, j++});
  }
  for (auto run = ops.begin(); run != ops.end();) {
    auto end = std::find_if(run, ops.end(), [](const Op& o) { return o.kind == ' '; });
    std::stable_partition(run, end, [](const Op& o) { return o.kind == '-'; });
    run = end == ops.end() ? end : end + 1;
  }
  return ops;
}

// "start,length" as diff -u writes it: the length left out when it is 1, the line before when 0.
std::string range(std::size_t start, std::size_t length) {
  if (length == 1) return std::to_string(start + 1);
  return fmt::format("{},{}", length ? start + 1 : start, length);
}

}  // namespace

std::string unified_diff(const std::string& old_text, const std::string& new_text,
                         const std::string& old_label, const std::string& new_label, int context) {
  if (old_text == new_text) return "";
  auto a = lines_of(old_text), b = lines_of(new_text);
  auto ops = edit_script(a, b);
  std::string out = fmt::format("--- {}\n+++ {}\n", old_label, new_label);
  std::size_t k = 0, ctx = static_cast<std::size_t>(context);
  while (k < ops.size()) {
    while (k < ops.size() && ops[k].kind == ' ') ++k;
    if (k == ops.size()) break;
    std::size_t start = k >= ctx ? k - ctx : 0;
    // Changes closer than twice the context share a hunk.
    std::size_t last = k;
    for (std::size_t t = k + 1; t < ops.size(); ++t) {
      if (ops[t].kind != ' ')
        last = t;
      else if (t - last > 2 * ctx)
        break;
    }
    std::size_t stop = std::min(ops.size(), last + ctx + 1);
    std::size_t a_len = 0, b_len = 0;
    std::string body;
    for (std::size_t t = start; t < stop; ++t) {
      const Op& op = ops[t];
      if (op.kind != '+') ++a_len;
      if (op.kind != '-') ++b_len;
      const std::string& line = op.kind == '+' ? b[op.b] : a[op.a];
      body += op.kind + line;
      if (line.empty() || line.back() != '\n') body += "\n\\ No newline at end of file\n";
    }
    out += fmt::format("@@ -{} +{} @@\n", range(ops[start].a, a_len), range(ops[start].b, b_len));
    out += body;
    k = stop;
  }
  return out;
}

}  // namespace csd
