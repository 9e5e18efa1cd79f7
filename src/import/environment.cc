// Environment, workers and secrets: the variables the contract takes over, the workers' commands and
// environments, and what stays in the old environment file.
#include <fmt/format.h>

#include <set>

#include "check/rules.h"
#include "contract/naming.h"
#include "import/steps.h"
#include "render/env_value.h"
#include "render/render.h"
#include "util/strings.h"

namespace csd::importer {

namespace {

using check::Severity;

// Variables the rendered environment file sets from the contract: the old files' values for them
// were read into the contract above, so they are not carried over as such.
std::set<std::string> owned(const ImportState& s) {
  std::set<std::string> names;
  for (const auto& v : contract_environment(s.out.contract)) names.insert(v.name);
  for (const char* n :
       {"CONDA_BIN", "CONDA_ENV_NAME", "GUNICORN_BIND", "GUNICORN_WORKERS", "WATCHDOG_CHECK_INTERVAL",
        "MES_DASHBOARD_ROOT", "RUNTIME_CONTRACT_ENFORCE", "WATCHDOG_CONTROL_SOCKET"})
    names.insert(n);
  return names;
}

}  // namespace

void environment(ImportState& s, const UnitView& app) {
  Contract& c = s.out.contract;
  auto own = owned(s);
  std::string root_var;
  for (char ch : s.options.name) root_var += ch == '-' || ch == '.' ? '_' : static_cast<char>(::toupper(ch));
  root_var += "_ROOT";
  if (const EnvValue* r = app.var(root_var); r && without_trailing_slash(r->intended) != c.service.workdir)
    s.finding({.code = "CSD116",
               .severity = Severity::kWarning,
               .file = r->file,
               .line = r->line,
               .message = fmt::format("{} is not the working directory of {}", root_var, app.found.name),
               .expected = c.service.workdir,
               .found = r->intended,
               .fix = "the rendered environment file sets it to service.workdir"});
  for (const auto& [k, v] : app.env) {
    if (own.count(k) || v.from_env_file) continue;
    c.service.environment[k] = v.value;
    s.out.origin["service.environment." + k] = "Environment= in " + v.where();
  }
  for (const auto& [k, v] : app.runs.assignments) {
    if (own.count(k)) continue;
    c.service.environment[k] = v;
    s.out.origin["service.environment." + k] = "set by the shell in ExecStart= of " + app.found.name;
  }
}

void workers(ImportState& s, const UnitView& app) {
  Contract& c = s.out.contract;
  auto own = owned(s);
  for (const auto& v : s.views) {
    if (v.found.role != Role::kWorker || !v.usable) continue;
    WorkerSection w;
    w.name = v.found.worker;
    w.command = v.runs.command;
    std::string key = fmt::format("worker.{}", w.name);
    s.out.origin[key + ".command"] = "ExecStart= of " + v.found.name + " (" + v.exec_where + ")";
    for (const auto& e : v.runs.expansions) {
      if (e.name == "CONDA_BIN" || e.name == "CONDA_ENV_NAME" || e.used_default) continue;
      const EnvValue* ev = v.var(e.name);
      if (!ev) continue;
      s.out.changes.push_back(
          fmt::format("{}: ${} in the command is now the value it had ({}, from {}); the rendered "
                      "unit runs no shell, so a later change there no longer reaches it: change "
                      "the contract",
                      v.found.name, e.name, e.value, ev->where()));
    }
    for (const auto& [k, ev] : v.env) {
      if (own.count(k)) continue;
      auto in_app = app.env.find(k);
      if (in_app != app.env.end() && in_app->second.value == ev.value) continue;
      if (c.service.environment.count(k) && c.service.environment[k] == ev.value) continue;
      w.environment[k] = ev.value;
      s.out.origin[key + ".environment." + k] = (ev.from_env_file ? "" : "Environment= in ") + ev.where();
    }
    for (const auto& [k, val] : v.runs.assignments)
      if (!own.count(k)) w.environment[k] = val;
    if (v.config.values("Service", "EnvironmentFile").size() !=
        app.config.values("Service", "EnvironmentFile").size())
      s.note(fmt::format("{} reads other environment files than {}; the rendered worker reads the app's",
                         v.found.name, app.found.name));
    c.workers.push_back(std::move(w));
  }
}

// The old environment file stays, for what the contract does not own (tokens, Redis URLs).
void secrets(ImportState& s, const UnitView& app) {
  Contract& c = s.out.contract;
  auto own = owned(s);
  std::string path;
  std::vector<std::string> lines;
  std::vector<std::string> moved;
  for (const auto& f : app.env_files) {
    auto it = s.env_cache.find(f);
    if (it == s.env_cache.end()) it = s.env_cache.find("-" + f);
    if (it == s.env_cache.end() || !it->second) continue;
    for (const auto& file : *it->second) {
      if (path.empty()) path = file.path;
      for (const auto& e : file.entries) {
        if (own.count(e.name)) {
          moved.push_back(e.name);
          continue;
        }
        std::string value = app.env.count(e.name) ? app.env.at(e.name).intended : e.value;
        lines.push_back(e.name + "=" + render::quote_env_value(value));
      }
    }
  }
  if (path.empty()) return;
  if (lines.empty()) {
    s.out.changes.push_back(fmt::format("{} is no longer read: the contract holds all its values", path));
    return;
  }
  s.set("service.secrets_file", c.service.secrets_file, path, "EnvironmentFile= of " + app.found.name);
  std::string text = fmt::format(
      "# {} without the variables the contract now owns ({}).\n"
      "# Kept by the operator, read by every unit after the rendered environment file.\n",
      path, moved.empty() ? std::string("none") : std::to_string(moved.size()) + " moved");
  for (const auto& l : lines) text += l + "\n";
  s.out.secrets_text = text;
  s.out.changes.push_back(
      fmt::format("{} stays as service.secrets_file for {} variable(s) the contract does not own; "
                  "replace it with the cleaned copy (no inline comments, without the {} "
                  "variable(s) now in the contract) before the rendered units start",
                  path, lines.size(), moved.size()));
}

}  // namespace csd::importer
