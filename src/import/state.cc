#include "import/state.h"

#include <algorithm>

namespace csd::importer {

std::string at(const std::string& file, int line) {
  return line > 0 ? fmt::format("{}:{}", file, line) : file;
}

std::string without_trailing_slash(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::map<std::string, std::string> UnitView::env_map() const {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : env) m[k] = v.value;
  return m;
}

const EnvValue* UnitView::var(const std::string& name) const {
  auto it = env.find(name);
  return it == env.end() || it->second.intended.empty() ? nullptr : &it->second;
}

std::string UnitView::exec_origin() const {
  return "ExecStart= of " + found.name + " (" + exec_where + ")";
}

const UnitView* ImportState::find(Role r) const {
  for (const auto& v : views)
    if (v.found.role == r) return &v;
  return nullptr;
}

Candidate choose(ImportState& s, const std::string& key, std::vector<Candidate> cands,
                 const std::string& reason) {
  cands.erase(std::remove_if(cands.begin(), cands.end(), [](const Candidate& x) { return x.value.empty(); }),
              cands.end());
  if (cands.empty()) return {};
  bool differ =
      std::any_of(cands.begin(), cands.end(), [&](const Candidate& x) { return x.value != cands[0].value; });
  if (differ) s.out.choices.push_back({key, cands, cands[0].value, reason});
  return cands[0];
}

bool imported(const UnitView& v) {
  return v.usable && v.found.role != Role::kOther;
}

}  // namespace csd::importer
