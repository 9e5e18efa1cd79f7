// What the steps of an import share: one view of each unit (what it sets and what it really runs)
// and one state (the options, the contract growing key by key with where each value came from, and
// the findings, choices, notes and problems met on the way). Each step is a free function over them
// (steps.h); importer.cc runs them in order.
#pragma once

#include <fmt/format.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "import/importer.h"
#include "import/unwrap.h"
#include "systemd/env_file.h"
#include "systemd/unit_loader.h"

namespace csd::importer {

// "file:line", or the file alone when the line is unknown.
std::string at(const std::string& file, int line);

// "/srv/app/" is "/srv/app" to systemd.
std::string without_trailing_slash(std::string p);

// A variable as a unit gets it, with where it was set.
struct EnvValue {
  std::string value;     // what systemd passes
  std::string intended;  // what the author meant: an inline "# comment" dropped, as a shell would
  std::string file;
  int line = 0;
  bool from_env_file = false;
  std::string where() const { return at(file, line); }
};

struct UnitView {
  FoundUnit found;
  systemd::UnitConfig config;
  std::map<std::string, EnvValue> env;
  std::vector<std::string> env_files;
  Runs runs;
  std::string exec_where;
  std::string exec_file;
  int exec_line = 0;
  bool usable = false;

  std::map<std::string, std::string> env_map() const;
  // The variable as its author meant it, or null when it is unset or empty.
  const EnvValue* var(const std::string& name) const;
  // "ExecStart= of NAME (file:line)", the origin of what the command line gives.
  std::string exec_origin() const;
};

struct ImportState {
  const ImportOptions& options;
  std::vector<std::string> dirs;  // where units are looked up
  Imported out;
  std::vector<UnitView> views;
  // Environment files by path ("-" first for the optional ones): each is read once.
  std::map<std::string, Result<std::vector<systemd::EnvFile>>> env_cache;
  std::optional<std::string> gunicorn_pid, gunicorn_bind;  // taken out of the app's command line

  template <typename T, typename V>
  void set(const std::string& key, T& field, V value, const std::string& origin) {
    field = std::move(value);
    out.origin[key] = origin;
  }
  void problem(Error e) { out.problems.push_back(std::move(e)); }
  void note(std::string n) { out.notes.push_back(std::move(n)); }
  void finding(check::Finding f) { out.findings.add(std::move(f)); }
  const UnitView* find(Role r) const;
};

// The first non-empty candidate (callers list them in order of preference); the choice is recorded
// when they differ.
Candidate choose(ImportState& s, const std::string& key, std::vector<Candidate> cands,
                 const std::string& reason);

// The units the import reads as part of the service (not kOther) and could use.
bool imported(const UnitView& v);

}  // namespace csd::importer
