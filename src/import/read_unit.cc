// Reading one unit: its settings with drop-ins, its environment as systemd assembles it, and what its
// ExecStart= really runs.
#include <fmt/format.h>

#include "check/rules.h"
#include "import/steps.h"
#include "systemd/environment.h"
#include "systemd/exec_line.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::importer {

namespace {

using check::Severity;

std::string strip_inline_comment(const std::string& value) {
  for (std::size_t i = 1; i < value.size(); ++i)
    if (value[i] == '#' && (value[i - 1] == ' ' || value[i - 1] == '\t'))
      return std::string(trim(value.substr(0, i)));
  return value;
}

bool is_rq_worker(const std::vector<std::string>& cmd) {
  return cmd.size() >= 2 && base_name(cmd[0]) == "rq" && cmd[1] == "worker";
}

Result<std::vector<systemd::EnvFile>> read_env_file(ImportState& s, const systemd::EnvironmentFileRef& ref) {
  std::string key = (ref.optional ? "-" : "") + ref.path;
  auto it = s.env_cache.find(key);
  if (it != s.env_cache.end()) return it->second;
  const Root& root = s.options.root;
  Result<std::vector<systemd::EnvFile>> r = std::vector<systemd::EnvFile>{};
  bool glob = ref.path.find_first_of("*?[") != std::string::npos;
  if (glob) {
    r = systemd::load_environment_file(root, ref);
  } else if (!path_exists(root.map(ref.path))) {
    if (ref.optional)
      s.finding({.code = "CSD112",
                 .severity = Severity::kWarning,
                 .file = ref.path,
                 .message = "the environment file does not exist; systemd skips it (\"-\"), so the units run "
                            "with the dashboard's defaults",
                 .fix = "nothing to do if that is intended; the import used the defaults"});
    else
      r = file_error(ref.path, "the environment file does not exist, so systemd refuses to start the units",
                     "create it, or give its contents with --env-file");
  } else {
    // Read even when optional: systemd would skip (or cut short) a broken file, and the import
    // must not guess what was meant.
    auto f = systemd::read_env_file(root.map(ref.path), ref.path);
    if (f)
      r = std::vector<systemd::EnvFile>{*f};
    else
      r = f.error();
  }
  if (r) {
    for (const auto& f : *r)
      for (const auto& issue : f.issues)
        s.finding(check::rule_env_issue(issue, issue.where.file.empty() ? f.path : issue.where.file, 0));
  } else {
    s.finding(check::rule_unreadable_env_file(r.error(), ref.path));
    Error e = r.error();
    if (e.file.empty()) e.file = ref.path;
    e.message = "the environment file cannot be used: " + e.message;
    s.problem(e);
  }
  s.env_cache.emplace(key, r);
  return r;
}

void add_env(UnitView& v, const systemd::EnvFile& f) {
  std::map<int, bool> inline_comment;
  for (const auto& issue : f.issues)
    if (issue.kind == systemd::EnvIssueKind::kInlineComment) inline_comment[issue.where.line] = true;
  for (const auto& e : f.entries) {
    std::string intended = inline_comment.count(e.line) ? strip_inline_comment(e.value) : e.value;
    v.env[e.name] = {e.value, intended, e.file.empty() ? f.path : e.file, e.line, true};
  }
}

void read_environment(ImportState& s, UnitView& v) {
  auto spec = v.config.specifiers();
  // systemd applies Environment= first; EnvironmentFile= entries override it.
  for (const auto& a : v.config.values("Service", "Environment")) {
    auto setting = systemd::parse_environment_value(a.value, spec, a.file, a.line);
    for (const auto& issue : setting.issues) s.finding(check::rule_env_issue(issue, a.file, a.line));
    for (const auto& e : setting.entries) v.env[e.name] = {e.value, e.value, a.file, a.line, false};
  }
  std::vector<systemd::EnvironmentFileRef> refs;
  for (const auto& a : v.config.values("Service", "EnvironmentFile")) {
    auto ref = systemd::parse_environment_file_setting(a.value, spec);
    if (!ref) {
      Error e = ref.error();
      e.line = a.line;
      s.finding(check::rule_unreadable_env_file(e, a.file));
      continue;
    }
    refs.push_back(*ref);
  }
  if (!s.options.env_file.empty()) refs.push_back({s.options.env_file, false});
  for (const auto& ref : refs) {
    v.env_files.push_back(ref.path);
    auto files = read_env_file(s, ref);
    if (files)
      for (const auto& file : *files) add_env(v, file);
  }
}

}  // namespace

UnitView read_unit(ImportState& s, const FoundUnit& f) {
  UnitView v{.found = f};
  if (f.role == Role::kLayout || (f.role == Role::kOther && !ends_with(f.name, ".service"))) return v;
  // The zero-downtime app template is read as its instance blue: what systemd runs.
  bool template_app = f.role == Role::kApp && f.name.find("@.") != std::string::npos;
  if (f.name.find('@') != std::string::npos && !template_app) return v;
  std::string load_as = template_app ? s.options.name + "@blue.service" : f.name;
  auto config = systemd::load_unit(s.options.root, load_as, s.dirs);
  if (!config) {
    s.finding(check::rule_unreadable_unit(config.error(), f.path));
    if (f.role != Role::kOther)
      s.problem(file_error(f.path, fmt::format("{} cannot be read: {}", f.name, config.error().message),
                           "fix the file, or move it away if it is not part of the service"));
    return v;
  }
  v.config = std::move(config).value();
  if (v.config.masked()) {
    s.note(fmt::format("{} is masked: it is not imported", f.name));
    return v;
  }
  read_environment(s, v);

  auto starts = v.config.values("Service", "ExecStart");
  if (starts.empty()) {
    s.problem(file_error(f.path, fmt::format("{} has no ExecStart=", f.name)));
    return v;
  }
  const auto& a = starts.back();
  v.exec_where = at(a.file, a.line);
  v.exec_file = a.file;
  v.exec_line = a.line;
  auto cmds = systemd::parse_exec_line(a.value, v.config.specifiers());
  if (!cmds || cmds->size() != 1) {
    Error e = cmds ? file_error(a.file, "ExecStart= holds several commands") : cmds.error();
    e.file = a.file;
    e.line = a.line;
    s.finding(check::rule_unreadable_unit(e, a.file));
    if (f.role != Role::kOther) s.problem(e);
    return v;
  }
  const auto& cmd = cmds->front();
  std::vector<std::string> argv = {cmd.path};
  argv.insert(argv.end(), cmd.argv.begin() + (cmd.argv.empty() ? 0 : 1), cmd.argv.end());
  if (!cmd.prefixes.no_env_expand) argv = systemd::expand_exec_environment(argv, v.env_map());
  auto runs = unwrap(argv, v.env_map(), s.options.root);
  if (!runs) {
    Error e = runs.error();
    e.file = a.file;
    e.line = a.line;
    if (f.role != Role::kOther)
      s.problem(e);
    else
      s.note(fmt::format("{}: {}", f.name, e.message));
    return v;
  }
  v.runs = std::move(runs).value();
  v.usable = true;
  return v;
}

void classify_rq_worker(const ImportState& s, UnitView& v) {
  const std::string& name = s.options.name;
  if (!v.usable || v.found.role != Role::kOther || v.runs.command.empty() ||
      v.found.name.find('@') != std::string::npos || !ends_with(v.found.name, ".service") ||
      !is_rq_worker(v.runs.command))
    return;
  std::string w = v.found.name.substr(name.size() + 1, v.found.name.size() - name.size() - 9);
  if (ends_with(w, "-worker")) w = w.substr(0, w.size() - 7);
  v.found.role = Role::kWorker;
  v.found.worker = w;
  v.found.why = "runs `rq worker`: a worker, named after the unit";
}

std::optional<std::pair<std::string, std::string>> setting(ImportState& s, const UnitView& v,
                                                           const char* key) {
  auto a = v.config.last("Service", key);
  if (!a || a->value.empty()) return std::nullopt;
  auto value = systemd::expand_specifiers(a->value, v.config.specifiers());
  if (!value) {
    s.problem(file_error(a->file, fmt::format("{}= of {}: {}", key, v.found.name, value.error().message)));
    return std::nullopt;
  }
  if (*value != a->value)
    s.note(fmt::format("{}= of {} is {} with its specifiers expanded ({})", key, v.found.name, *value,
                       at(a->file, a->line)));
  return std::make_pair(*value, fmt::format("{}= in {}", key, at(a->file, a->line)));
}

}  // namespace csd::importer
