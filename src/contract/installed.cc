#include "contract/installed.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/dir.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd {

namespace {

// What contract.name allows, so every name here is one render could have installed.
bool is_contract_name(const std::string& s) {
  return !s.empty() &&
         s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
             std::string::npos;
}

// A regular file itself, not a link to one elsewhere.
bool is_plain_file(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

Result<std::vector<std::string>> installed_contracts(const Root& root) {
  std::string dir = root.map(kContractDir);
  auto files = list_dir(dir, "contract directory");
  if (!files) {
    if (files.error().is(ErrorKind::kNotFound) && !path_exists(dir))
      return file_error(dir, "no contract is installed: the directory does not exist",
                        "install one with `conda-systemd render --contract FILE`")
          .as(ErrorKind::kNotFound);
    return files.error();
  }
  std::vector<std::string> names;
  for (const auto& file : *files) {
    if (!ends_with(file, ".toml") || file.size() == 5) continue;
    std::string name = file.substr(0, file.size() - 5);
    // Only what render could have written, as a regular file: no editor backups, no links to elsewhere.
    if (!is_contract_name(name) || !is_plain_file(dir + "/" + file)) continue;
    names.push_back(name);
  }
  return names;
}

Result<std::string> find_installed_contract(const std::string& name, const Root& root) {
  if (!name.empty() && !is_contract_name(name))
    return make_error(fmt::format("'{}' is not a contract name", name), "letters, digits, '-', '_' and '.'");
  auto names = installed_contracts(root);
  if (!names) return names.error();
  std::string dir = root.map(kContractDir);
  std::string listed = names->empty() ? "none" : fmt::format("{}", fmt::join(*names, ", "));
  if (name.empty()) {
    if (names->size() == 1) return dir + "/" + names->front() + ".toml";
    return make_error(names->empty()
                          ? fmt::format("no contract is installed in {}", dir)
                          : fmt::format("{} contracts are installed in {}: {}", names->size(), dir, listed),
                      "give -n NAME or --contract FILE");
  }
  if (std::find(names->begin(), names->end(), name) == names->end()) {
    std::string near = closest_match(name, *names);
    return make_error(fmt::format("no contract '{}' in {}; installed: {}", name, dir, listed),
                      near.empty() ? "" : fmt::format("did you mean -n {}?", near));
  }
  return dir + "/" + name + ".toml";
}

}  // namespace csd
