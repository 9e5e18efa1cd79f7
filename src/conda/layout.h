// What is inside a conda environment: is it one at all, its Python, its packages, its entry points.
#pragma once

#include <string>
#include <vector>

#include "util/error.h"
#include "util/root.h"

namespace csd::conda {

struct Package {
  std::string name;
  std::string version;
  std::string build;      // "" for pip packages
  std::string installer;  // "conda" or "pip"
};

struct Layout {
  std::string prefix;          // as the deployment sees it
  std::string python_version;  // "3.11.2", from conda-meta/python-*.json; "" when no python record
  std::vector<Package> packages;
  // Problems that do not stop the inspection: an entry point whose shebang leaves the prefix,
  // a package record whose file name does not parse. Each names its file.
  std::vector<Error> problems;

  const Package* find(const std::string& name) const;
  // "3.11" of "3.11.2".
  std::string python_major_minor() const;
};

// Fails when the prefix is missing, is a venv (pyvenv.cfg), is not conda (no conda-meta/history),
// or has no executable bin/python.
Result<Layout> inspect(const std::string& prefix, const Root& root);

// conda-meta file name "name-version-build.json" -> package; nullopt-like empty name when malformed.
Package parse_record_name(const std::string& file_name);
// "Flask-2.2.2.dist-info" / "Werkzeug-2.2.2.egg-info" -> package.
Package parse_pip_metadata_name(const std::string& dir_name);
// Package names compare as conda and pip do: case-insensitive, '-' and '_' alike.
std::string normalize_package_name(std::string name);

}  // namespace csd::conda
