#include "import/conda_ref.h"

#include "util/file.h"
#include "util/strings.h"

namespace csd::importer {

std::string conda_root_of(const std::string& conda_tool) {
  if (conda_tool.empty() || conda_tool[0] != '/') return "";
  std::string dir = parent_dir(conda_tool);
  std::string leaf = base_name(dir);
  if (leaf != "bin" && leaf != "condabin") return "";
  std::string root = parent_dir(dir);
  return root == "/" ? "" : root;
}

EnvRef env_of_prefix(const std::string& prefix) {
  std::string parent = parent_dir(prefix);
  if (base_name(parent) == "envs" && parent != "/envs") return {parent_dir(parent), base_name(prefix)};
  return {};
}

bool is_conda_prefix(const std::string& prefix, const Root& root) {
  return is_directory(root.map(join_path(prefix, "conda-meta")));
}

std::string prefix_of_binary(const std::string& path, const Root& root) {
  if (path.empty() || path[0] != '/') return "";
  std::string dir = parent_dir(path);
  if (base_name(dir) != "bin") return "";
  std::string prefix = parent_dir(dir);
  if (prefix == "/" || prefix == "/usr" || prefix == "/usr/local") return "";
  if (is_conda_prefix(prefix, root) || !env_of_prefix(prefix).env.empty()) return prefix;
  return "";
}

}  // namespace csd::importer
