#include "contract/conda_target.h"

#include "contract/contract.h"
#include "contract/toml_string.h"
#include "util/strings.h"

namespace csd {

std::string CondaTarget::spec() const {
  return env.empty() ? "prefix = " + toml_string(prefix) : "env = " + toml_string(env);
}

Result<std::string> set_conda_target(const std::string& text, const CondaTarget& target,
                                     const std::string& source) {
  if (target.env.empty() == target.prefix.empty())
    return make_error("give exactly one of an environment name (--env-name) and a prefix (--prefix)");
  auto lines = split(text, '\n');
  std::size_t section = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view t = trim(lines[i]);
    if (starts_with(t, "[conda]")) section = i;
  }
  if (section == lines.size())
    return file_error(source, "no [conda] table to switch", "deploy edits the env or prefix line of [conda]");
  std::string line =
      target.env.empty() ? "prefix = " + toml_string(target.prefix) : "env = " + toml_string(target.env);
  line += "  # set by conda-systemd deploy";
  std::vector<std::string> out(lines.begin(), lines.begin() + static_cast<long>(section) + 1);
  bool placed = false;
  std::size_t i = section + 1;
  for (; i < lines.size(); ++i) {
    std::string_view t = trim(lines[i]);
    if (starts_with(t, "[")) break;
    auto eq = t.find('=');
    std::string key = eq == std::string_view::npos ? "" : std::string(trim(t.substr(0, eq)));
    if (key == "env" || key == "prefix") {
      if (!placed) out.push_back(line);
      placed = true;
      continue;
    }
    out.push_back(lines[i]);
  }
  if (!placed) out.insert(out.begin() + static_cast<long>(section) + 1, line);
  out.insert(out.end(), lines.begin() + static_cast<long>(i), lines.end());
  std::string result;
  for (std::size_t k = 0; k < out.size(); ++k) result += out[k] + (k + 1 < out.size() ? "\n" : "");
  auto check = parse_contract(result, source);
  if (!check) return check.error();
  return result;
}

}  // namespace csd
