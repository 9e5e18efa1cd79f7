#include "conda/condarc.h"

#include <dirent.h>
#include <fmt/format.h>
#include <pwd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "conda/condarc_plain.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::conda {

namespace {

std::string expand_home(std::string path, const std::string& home) {
  if (!home.empty() && (path == "~" || starts_with(path, "~/"))) path = home + path.substr(1);
  return path;
}

Error yaml_error(const std::string& file, const YAML::Mark& mark, const std::string& message) {
  Error e = file_error(file, message, "conda reads this file as YAML: fix it, or remove it");
  if (!mark.is_null()) {
    e.line = mark.line + 1;
    e.column = mark.column + 1;
  }
  return e;
}

}  // namespace

std::vector<std::string> condarc_search_path(const CondarcPlaces& p) {
  std::vector<std::string> out;
  auto in = [&](const std::string& dir) {
    if (dir.empty()) return;
    for (const char* name : {"/.condarc", "/condarc", "/condarc.d/"}) out.push_back(dir + name);
  };
  in("/etc/conda");
  in("/var/lib/conda");
  in(p.conda_root);
  if (!p.xdg_config_home.empty()) in(p.xdg_config_home + "/conda");
  if (!p.home.empty()) {
    in(p.home + "/.config/conda");
    in(p.home + "/.conda");
    out.push_back(p.home + "/.condarc");
  }
  if (!p.condarc.empty()) out.push_back(p.condarc);
  return out;
}

Result<std::vector<std::string>> parse_envs_dirs(const std::string& text, const std::string& file,
                                                 const std::string& home) {
  std::vector<std::string> out;
  if (auto plain = plain_envs_dirs(text)) {
    for (auto& dir : *plain) out.push_back(expand_home(std::move(dir), home));
    return out;
  }
  try {
    const YAML::Node doc = YAML::Load(text);
    if (!doc || doc.IsNull()) return out;  // an empty file, or only comments
    if (!doc.IsMap()) return yaml_error(file, doc.Mark(), "expected a mapping of settings (key: value)");
    const YAML::Node dirs = doc["envs_dirs"];
    if (!dirs || dirs.IsNull()) return out;
    if (!dirs.IsSequence()) return yaml_error(file, dirs.Mark(), "envs_dirs: expected a list of directories");
    for (const auto& item : dirs) {
      if (!item.IsScalar())
        return yaml_error(file, item.Mark(), "envs_dirs: expected a directory, found a list or mapping");
      out.push_back(expand_home(item.Scalar(), home));
    }
  } catch (const YAML::Exception& e) {
    return yaml_error(file, e.mark, "not valid YAML: " + e.msg);
  }
  return out;
}

std::string user_home(const std::string& user, const Root& root) {
  if (user.empty()) return "";
  if (root.empty()) {
    struct passwd pw {};
    struct passwd* found = nullptr;
    char buf[4096];
    if (::getpwnam_r(user.c_str(), &pw, buf, sizeof buf, &found) == 0 && found) return found->pw_dir;
    return "";
  }
  auto text = read_file(root.map("/etc/passwd"), ReadOptions{.max_bytes = 4 << 20});
  if (!text) return "";
  for (const auto& line : split(*text, '\n')) {
    auto fields = split(line, ':');
    if (fields.size() >= 6 && fields[0] == user) return fields[5];
  }
  return "";
}

}  // namespace csd::conda
