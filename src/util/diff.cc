#include "util/diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "util/strings.h"

namespace csd {

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines = split(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

struct Op {
  char kind;  // ' ', '-', '+'
  std::size_t a, b;  // line indexes in old and new
};

// Longest common subsequence by dynamic programming: unit files and env files are a few hundred
// lines at most, so O(n*m) is the simple choice.
std::vector<Op> edit_script(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::uint32_t>> lcs(n + 1, std::vector<std::uint32_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<Op> ops;
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) ops.push_back({' ', i++, j++});
    else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push_back({'-', i++, j});
    else ops.push_back({'+', i, j++});
  }
  return ops;
}

}  // namespace

std::string unified_diff(const std::string& old_text, const std::string& new_text, const std::string& old_label,
                         const std::string& new_label, int context) {
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
      if (ops[t].kind != ' ') last = t;
      else if (t - last > 2 * ctx) break;
    }
    std::size_t stop = std::min(ops.size(), last + ctx + 1);
    std::size_t a_start = ops[start].a, b_start = ops[start].b, a_len = 0, b_len = 0;
    std::string body;
    for (std::size_t t = start; t < stop; ++t) {
      const Op& op = ops[t];
      if (op.kind != '+') ++a_len;
      if (op.kind != '-') ++b_len;
      body += op.kind;
      body += op.kind == '+' ? b[op.b] : a[op.a];
      body += '\n';
    }
    out += fmt::format("@@ -{},{} +{},{} @@\n", a_len ? a_start + 1 : a_start, a_len, b_len ? b_start + 1 : b_start,
                       b_len);
    out += body;
    k = stop;
  }
  return out;
}

}  // namespace csd
