#include "conda/locate.h"

#include <fmt/format.h>

#include "util/file.h"
#include "util/strings.h"

namespace csd::conda {

namespace {

std::string expand_home(std::string path, const std::string& home) {
  if (!home.empty() && (path == "~" || starts_with(path, "~/"))) path = home + path.substr(1);
  return path;
}

std::string unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
    s = s.substr(1, s.size() - 2);
  return std::string(s);
}

}  // namespace

std::vector<std::string> read_envs_dirs(const std::string& text, const std::string& home) {
  std::vector<std::string> out;
  bool in_list = false;
  for (const std::string& raw : split(text, '\n')) {
    std::string_view line = raw;
    if (auto hash = line.find(" #"); hash != std::string_view::npos) line = line.substr(0, hash);
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    bool indented = line[0] == ' ' || line[0] == '\t';
    if (!indented) {
      in_list = false;
      if (!starts_with(line, "envs_dirs:")) continue;
      std::string_view rest = trim(line.substr(10));
      if (rest.empty()) {
        in_list = true;
      } else if (rest.front() == '[' && rest.back() == ']') {  // flow style: envs_dirs: [a, b]
        for (const auto& item : split(rest.substr(1, rest.size() - 2), ','))
          if (!trim(item).empty()) out.push_back(expand_home(unquote(item), home));
      }
      continue;
    }
    std::string_view item = trim(line);
    if (in_list && starts_with(item, "- ")) out.push_back(expand_home(unquote(item.substr(2)), home));
  }
  return out;
}

Result<Located> locate(const Query& query, const Root& root) {
  if (!query.prefix.empty()) {
    if (!is_directory(root.map(query.prefix)))
      return make_error(fmt::format("conda environment prefix '{}' does not exist", query.prefix),
                        "create it (conda create -p PREFIX ...) or fix conda.prefix in the contract");
    return Located{query.prefix, "contract prefix"};
  }

  std::vector<std::string> searched;
  auto try_dir = [&](const std::string& envs_dir, const std::string& via) -> std::string {
    std::string candidate = join_path(envs_dir, query.name);
    searched.push_back(fmt::format("{} ({})", candidate, via));
    return is_directory(root.map(candidate)) ? candidate : std::string();
  };

  if (query.name == "base" && !query.conda_root.empty()) {
    if (is_directory(root.map(query.conda_root))) return Located{query.conda_root, "conda root (base)"};
    searched.push_back(query.conda_root + " (conda root)");
  } else {
    if (!query.conda_root.empty()) {
      std::string found = try_dir(query.conda_root + "/envs", "<root>/envs");
      if (!found.empty()) return Located{found, "<root>/envs"};
    }
    std::vector<std::string> condarcs;
    if (!query.conda_root.empty()) condarcs.push_back(query.conda_root + "/.condarc");
    condarcs.push_back("/etc/conda/.condarc");
    if (!query.home.empty()) condarcs.push_back(query.home + "/.condarc");
    for (const auto& rc : condarcs) {
      auto text = read_file(root.map(rc), ReadOptions{.max_bytes = 256 << 10});
      if (!text) {
        searched.push_back(fmt::format("envs_dirs of {} (not read: {})", rc, text.error().message));
        continue;
      }
      for (const auto& dir : read_envs_dirs(*text, query.home)) {
        std::string found = try_dir(dir, rc + " envs_dirs");
        if (!found.empty()) return Located{found, rc + " envs_dirs"};
      }
    }
    if (!query.home.empty()) {
      std::string list = query.home + "/.conda/environments.txt";
      searched.push_back(fmt::format("entries named '{}' in {}", query.name, list));
      if (auto text = read_file(root.map(list), ReadOptions{.max_bytes = 1 << 20})) {
        for (const auto& line : split(*text, '\n')) {
          std::string entry(trim(line));
          if (!entry.empty() && base_name(entry) == query.name && is_directory(root.map(entry)))
            return Located{entry, list};
        }
      }
    }
  }

  std::string where;
  for (const auto& s : searched) where += "\n    " + s;
  return make_error(fmt::format("conda environment '{}' not found; searched:{}", query.name, where),
                    "create it with `conda create -n NAME`, or set conda.prefix in the contract to its path");
}

}  // namespace csd::conda
