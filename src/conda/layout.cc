#include "conda/layout.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "util/dir.h"
#include "util/fd.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::conda {

namespace {

// The first line of a file, read without loading the file: entry points are small, binaries are not.
std::string first_line(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) return {};
  char buf[512];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n <= 0) return {};
  std::string s(buf, static_cast<std::size_t>(n));
  return s.substr(0, s.find('\n'));
}

void check_entry_points(Layout& layout, const Root& root) {
  std::string bin = root.map(layout.prefix + "/bin");
  for (const auto& name : names_in(bin)) {
    std::string line = first_line(bin + "/" + name);
    if (!starts_with(line, "#!")) continue;
    std::string interpreter(trim(std::string_view(line).substr(2)));
    interpreter = interpreter.substr(0, interpreter.find_first_of(" \t"));
    // `#!/usr/bin/env python` resolves through PATH, which exec puts the prefix first on.
    if (interpreter == "/usr/bin/env" || interpreter == "/bin/sh" || interpreter == "/bin/bash") continue;
    if (path_is_under(interpreter, layout.prefix)) continue;
    layout.problems.push_back(
        file_error(
            layout.prefix + "/bin/" + name,
            fmt::format("entry point's interpreter '{}' lies outside the environment {}", interpreter,
                        layout.prefix),
            fmt::format("reinstall the package into this environment, or fix the shebang to {}/bin/python",
                        layout.prefix))
            .as(ErrorKind::kMismatch));
  }
}

}  // namespace

std::string normalize_package_name(std::string name) {
  for (char& c : name) {
    if (c == '_' || c == '.')
      c = '-';
    else
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

Package parse_record_name(const std::string& file_name) {
  if (!ends_with(file_name, ".json")) return {};
  // A view: an environment has hundreds of records, and check reads them at every start.
  std::string_view stem(file_name.data(), file_name.size() - 5);
  auto build_dash = stem.rfind('-');
  if (build_dash == std::string_view::npos || build_dash == 0) return {};
  auto version_dash = stem.rfind('-', build_dash - 1);
  if (version_dash == std::string_view::npos || version_dash == 0) return {};
  std::string_view version = stem.substr(version_dash + 1, build_dash - version_dash - 1);
  std::string_view build = stem.substr(build_dash + 1);
  if (version.empty() || build.empty()) return {};
  Package p;
  p.name = stem.substr(0, version_dash);
  p.version = version;
  p.build = build;
  p.installer = "conda";
  return p;
}

Package parse_pip_metadata_name(const std::string& dir_name) {
  std::string stem;
  if (ends_with(dir_name, ".dist-info"))
    stem = dir_name.substr(0, dir_name.size() - 10);
  else if (ends_with(dir_name, ".egg-info"))
    stem = dir_name.substr(0, dir_name.size() - 9);
  else
    return {};
  // "name-version" or "name-version-pyX.Y"; pip escapes '-' in names to '_'.
  auto dash = stem.find('-');
  if (dash == std::string::npos || dash == 0) return {};
  Package p;
  p.name = stem.substr(0, dash);
  std::string rest = stem.substr(dash + 1);
  p.version = rest.substr(0, rest.find('-'));
  p.installer = "pip";
  return p;
}

const Package* Layout::find(const std::string& name) const {
  std::string wanted = normalize_package_name(name);
  for (const auto& p : packages)
    if (normalize_package_name(p.name) == wanted) return &p;
  return nullptr;
}

std::string Layout::python_major_minor() const {
  auto parts = split(python_version, '.');
  if (parts.size() < 2) return python_version;
  return parts[0] + "." + parts[1];
}

Result<Layout> inspect(const std::string& prefix, const Root& root) {
  Layout layout;
  layout.prefix = prefix;
  std::string dir = root.map(prefix);
  if (!is_directory(dir))
    return file_error(
        prefix, "the environment does not exist",
        "create it with `conda create -p PREFIX python=3.11 ...`, or fix the contract's [conda] section");
  if (path_exists(dir + "/pyvenv.cfg"))
    return file_error(prefix + "/pyvenv.cfg", "this is a Python venv, not a conda environment",
                      "create a conda environment (conda create -n NAME) and point the contract at it");
  if (!path_exists(dir + "/conda-meta/history"))
    return file_error(prefix + "/conda-meta/history",
                      "not a conda environment: conda-meta/history is missing",
                      "point the contract at an environment made by `conda create`");
  if (!is_executable_file(dir + "/bin/python"))
    return file_error(prefix + "/bin/python", "bin/python is missing or not executable",
                      "install python into the environment: conda install -p PREFIX python");

  std::vector<std::string> records = names_in(dir + "/conda-meta");
  layout.packages.reserve(records.size());
  for (const auto& name : records) {
    if (!ends_with(name, ".json")) continue;
    Package p = parse_record_name(name);
    if (p.name.empty()) {
      layout.problems.push_back(file_error(prefix + "/conda-meta/" + name,
                                           "package record name is not name-version-build.json",
                                           "remove the stray file or reinstall the package"));
      continue;
    }
    if (p.name == "python") layout.python_version = p.version;
    layout.packages.push_back(std::move(p));
  }

  std::string lib = dir + "/lib";
  for (const auto& entry : names_in(lib)) {
    if (!starts_with(entry, "python3")) continue;
    for (const auto& meta : names_in(lib + "/" + entry + "/site-packages")) {
      Package p = parse_pip_metadata_name(meta);
      if (!p.name.empty() && !layout.find(p.name)) layout.packages.push_back(std::move(p));
    }
  }
  check_entry_points(layout, root);
  return layout;
}

}  // namespace csd::conda
