#include "conda/locate.h"

#include <fmt/format.h>

#include <algorithm>

#include "conda/condarc.h"
#include "util/dir.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::conda {

namespace {

// The files of one place on the search path: the file itself, or a condarc.d/'s *.yml and *.yaml
// in name order.
std::vector<std::string> files_of(const std::string& place, const Root& root) {
  if (!ends_with(place, "/")) return {place};
  std::vector<std::string> out;
  for (const auto& n : names_in(root.map(place)))
    if (n[0] != '.' && (ends_with(n, ".yml") || ends_with(n, ".yaml"))) out.push_back(place + n);
  return out;
}

}  // namespace

std::vector<std::string> read_envs_dirs(const std::string& text, const std::string& home) {
  auto dirs = parse_envs_dirs(text, "", home);
  return dirs ? *dirs : std::vector<std::string>{};
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
    // conda merges envs_dirs across its search path, a later file's entries first (a later file
    // takes precedence), then adds <root>/envs and ~/.conda/envs.
    std::vector<std::pair<std::string, std::string>> dirs;  // (directory, where it came from)
    for (const auto& place : condarc_search_path({.conda_root = query.conda_root,
                             .home = query.home,
                             .xdg_config_home = query.xdg_config_home,
                             .condarc = query.condarc})) {
      auto files = files_of(place, root);
      if (files.empty()) searched.push_back(place + " (absent)");
      std::vector<std::pair<std::string, std::string>> mine;
      for (const auto& rc : files) {
        auto text = read_file(root.map(rc), ReadOptions{.max_bytes = 256 << 10});
        if (!text) {
          searched.push_back(fmt::format(
              "{} ({})", rc,
              text.error().is(ErrorKind::kNotFound) ? "absent" : "not read: " + text.error().message));
          continue;
        }
        auto listed = parse_envs_dirs(*text, rc, query.home);
        if (!listed) return listed.error();  // conda refuses a broken .condarc too
        searched.push_back(
            fmt::format("{} (envs_dirs: {})", rc,
                        listed->empty() ? "none" : fmt::format("{}", fmt::join(*listed, ", "))));
        for (const auto& dir : *listed) mine.emplace_back(dir, rc + " envs_dirs");
      }
      dirs.insert(dirs.begin(), mine.begin(), mine.end());
    }
    if (!query.conda_root.empty()) dirs.emplace_back(query.conda_root + "/envs", "<root>/envs");
    if (!query.home.empty()) dirs.emplace_back(query.home + "/.conda/envs", "~/.conda/envs");
    for (const auto& [dir, via] : dirs) {
      std::string found = try_dir(dir, via);
      if (!found.empty()) return Located{found, via};
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
                    "create it with `conda create -n NAME`, or set conda.prefix in the contract to its path")
      .as(ErrorKind::kNotFound);
}

}  // namespace csd::conda
