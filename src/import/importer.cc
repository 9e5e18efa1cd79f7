#include "import/importer.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

#include "check/rules.h"
#include "contract/naming.h"
#include "import/conda_ref.h"
#include "import/unwrap.h"
#include "render/render.h"
#include "systemd/env_file.h"
#include "systemd/environment.h"
#include "systemd/exec_line.h"
#include "systemd/unit_loader.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::importer {

namespace {

using check::Finding;
using check::Severity;

std::string at(const std::string& file, int line) {
  return line > 0 ? fmt::format("{}:{}", file, line) : file;
}

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

  std::map<std::string, std::string> env_map() const {
    std::map<std::string, std::string> m;
    for (const auto& [k, v] : env) m[k] = v.value;
    return m;
  }
  const EnvValue* var(const std::string& name) const {
    auto it = env.find(name);
    return it == env.end() || it->second.intended.empty() ? nullptr : &it->second;
  }
};

std::string strip_inline_comment(const std::string& value) {
  for (std::size_t i = 1; i < value.size(); ++i)
    if (value[i] == '#' && (value[i - 1] == ' ' || value[i - 1] == '\t'))
      return std::string(trim(value.substr(0, i)));
  return value;
}

std::string name_underscored(const std::string& name) {
  std::string s = name;
  std::replace(s.begin(), s.end(), '-', '_');
  std::replace(s.begin(), s.end(), '.', '_');
  return s;
}

std::string resolve_against(const std::string& path, const std::string& base) {
  if (path.empty() || path[0] == '/') return path;
  std::string p = path;
  while (starts_with(p, "./")) p = p.substr(2);
  return join_path(base, p);
}

std::string without_trailing_slash(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

class Importer {
 public:
  explicit Importer(const ImportOptions& o) : o_(o) {}

  Result<Imported> run() {
    std::vector<std::string> dirs = o_.unit_dirs.empty() ? systemd::default_unit_dirs() : o_.unit_dirs;
    auto found = find_units(o_.root, o_.name, dirs);
    if (!found) return found.error();
    Contract& c = out_.contract;
    c.name = o_.name;
    c.source = "(imported)";
    if (!o_.tool.empty()) set("contract.tool", c.tool, o_.tool, "--tool");

    for (const auto& f : *found) {
      UnitView v = load(f, dirs);
      if (v.usable && v.found.role == Role::kOther && !v.runs.command.empty() &&
          v.found.name.find('@') == std::string::npos && ends_with(v.found.name, ".service") &&
          is_rq_worker(v.runs.command)) {
        std::string w = v.found.name.substr(o_.name.size() + 1, v.found.name.size() - o_.name.size() - 9);
        if (ends_with(w, "-worker")) w = w.substr(0, w.size() - 7);
        v.found.role = Role::kWorker;
        v.found.worker = w;
        v.found.why = "runs `rq worker`: a worker, named after the unit";
      }
      views_.push_back(std::move(v));
    }
    for (const auto& v : views_) out_.units.push_back({v.found, v.usable && v.found.role != Role::kOther});

    const UnitView* app = find(Role::kApp);
    const UnitView* watchdog = find(Role::kWatchdog);
    if (!app || !app->usable) {
      problem(
          make_error(fmt::format("{}.service cannot be read, so there is no command to import", o_.name)));
      return std::move(out_);
    }
    if (!watchdog)
      note(fmt::format(
          "there is no {}-watchdog.service: the rendered deployment adds conda-systemd's watchdog", o_.name));

    for (const auto& v : views_) wrappers(v);
    identity(*app);
    conda(*app);
    command(*app);
    version(*app, watchdog);
    paths(*app, watchdog);
    policy(*app, watchdog);
    environment(*app);
    workers(*app);
    shared_runtime_dirs();
    writable_paths(*app, watchdog);
    not_carried_over();
    secrets(*app);
    changes();
    return std::move(out_);
  }

 private:
  // --- bookkeeping ---------------------------------------------------------------------------

  template <typename T, typename V>
  void set(const std::string& key, T& field, V value, const std::string& origin) {
    field = std::move(value);
    out_.origin[key] = origin;
  }
  void problem(Error e) { out_.problems.push_back(std::move(e)); }
  void note(std::string n) { out_.notes.push_back(std::move(n)); }
  void finding(Finding f) { out_.findings.add(std::move(f)); }

  // Chooses the first candidate (callers list them in order of preference), records the choice
  // when they differ, and returns it.
  Candidate choose(const std::string& key, std::vector<Candidate> cands, const std::string& reason) {
    cands.erase(
        std::remove_if(cands.begin(), cands.end(), [](const Candidate& x) { return x.value.empty(); }),
        cands.end());
    if (cands.empty()) return {};
    bool differ = std::any_of(cands.begin(), cands.end(),
                              [&](const Candidate& x) { return x.value != cands[0].value; });
    if (differ) out_.choices.push_back({key, cands, cands[0].value, reason});
    return cands[0];
  }

  const UnitView* find(Role r) const {
    for (const auto& v : views_)
      if (v.found.role == r) return &v;
    return nullptr;
  }

  static bool is_rq_worker(const std::vector<std::string>& cmd) {
    return cmd.size() >= 2 && base_name(cmd[0]) == "rq" && cmd[1] == "worker";
  }

  // --- reading one unit ----------------------------------------------------------------------

  Result<std::vector<systemd::EnvFile>> env_file(const systemd::EnvironmentFileRef& ref) {
    std::string key = (ref.optional ? "-" : "") + ref.path;
    auto it = env_cache_.find(key);
    if (it != env_cache_.end()) return it->second;
    Result<std::vector<systemd::EnvFile>> r = std::vector<systemd::EnvFile>{};
    bool glob = ref.path.find_first_of("*?[") != std::string::npos;
    if (glob) {
      r = systemd::load_environment_file(o_.root, ref);
    } else if (!path_exists(o_.root.map(ref.path))) {
      if (ref.optional)
        finding({.code = "CSD112",
                 .severity = Severity::kWarning,
                 .file = ref.path,
                 .message =
                     "the environment file does not exist; systemd skips it (\"-\"), so the units run with "
                     "the dashboard's defaults",
                 .fix = "nothing to do if that is intended; the import used the defaults"});
      else
        r = file_error(ref.path, "the environment file does not exist, so systemd refuses to start the units",
                       "create it, or give its contents with --env-file");
    } else {
      // Read even when optional: systemd would skip (or cut short) a broken file, and the import
      // must not guess what was meant.
      auto f = systemd::read_env_file(o_.root.map(ref.path), ref.path);
      if (f)
        r = std::vector<systemd::EnvFile>{*f};
      else
        r = f.error();
    }
    if (r) {
      for (const auto& f : *r)
        for (const auto& issue : f.issues)
          finding(check::rule_env_issue(issue, issue.where.file.empty() ? f.path : issue.where.file, 0));
    } else {
      finding({.code = "CSD112",
               .file = ref.path,
               .line = r.error().line,
               .message = r.error().message,
               .fix = r.error().hint});
      Error e = r.error();
      if (e.file.empty()) e.file = ref.path;
      e.message = "the environment file cannot be used: " + e.message;
      problem(e);
    }
    env_cache_.emplace(key, r);
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

  UnitView load(const FoundUnit& f, const std::vector<std::string>& dirs) {
    UnitView v{.found = f};
    if (f.role == Role::kOther && !ends_with(f.name, ".service")) return v;
    if (f.name.find('@') != std::string::npos) return v;
    auto config = systemd::load_unit(o_.root, f.name, dirs);
    if (!config) {
      finding({.code = "CSD115",
               .file = config.error().file.empty() ? f.path : config.error().file,
               .line = config.error().line,
               .message = config.error().message,
               .fix = config.error().hint});
      if (f.role != Role::kOther)
        problem(file_error(f.path, fmt::format("{} cannot be read: {}", f.name, config.error().message),
                           "fix the file, or move it away if it is not part of the service"));
      return v;
    }
    v.config = std::move(config).value();
    if (v.config.masked()) {
      note(fmt::format("{} is masked: it is not imported", f.name));
      return v;
    }
    auto spec = v.config.specifiers();
    // systemd applies Environment= first; EnvironmentFile= entries override it.
    for (const auto& a : v.config.values("Service", "Environment")) {
      auto setting = systemd::parse_environment_value(a.value, spec, a.file, a.line);
      for (const auto& issue : setting.issues) finding(check::rule_env_issue(issue, a.file, a.line));
      for (const auto& e : setting.entries) v.env[e.name] = {e.value, e.value, a.file, a.line, false};
    }
    std::vector<systemd::EnvironmentFileRef> refs;
    for (const auto& a : v.config.values("Service", "EnvironmentFile")) {
      auto ref = systemd::parse_environment_file_setting(a.value, spec);
      if (!ref) {
        finding({.code = "CSD112",
                 .file = a.file,
                 .line = a.line,
                 .message = ref.error().message,
                 .fix = ref.error().hint});
        continue;
      }
      refs.push_back(*ref);
    }
    if (!o_.env_file.empty()) refs.push_back({o_.env_file, false});
    for (const auto& ref : refs) {
      v.env_files.push_back(ref.path);
      auto files = env_file(ref);
      if (files)
        for (const auto& file : *files) add_env(v, file);
    }

    auto starts = v.config.values("Service", "ExecStart");
    if (starts.empty()) {
      problem(file_error(f.path, fmt::format("{} has no ExecStart=", f.name)));
      return v;
    }
    const auto& a = starts.back();
    v.exec_where = at(a.file, a.line);
    v.exec_file = a.file;
    v.exec_line = a.line;
    auto cmds = systemd::parse_exec_line(a.value, spec);
    if (!cmds || cmds->size() != 1) {
      Error e = cmds ? file_error(a.file, "ExecStart= holds several commands") : cmds.error();
      e.file = a.file;
      e.line = a.line;
      finding({.code = "CSD115", .file = a.file, .line = a.line, .message = e.message, .fix = e.hint});
      if (f.role != Role::kOther) problem(e);
      return v;
    }
    const auto& cmd = cmds->front();
    std::vector<std::string> argv = {cmd.path};
    argv.insert(argv.end(), cmd.argv.begin() + (cmd.argv.empty() ? 0 : 1), cmd.argv.end());
    if (!cmd.prefixes.no_env_expand) argv = systemd::expand_exec_environment(argv, v.env_map());
    auto runs = unwrap(argv, v.env_map(), o_.root);
    if (!runs) {
      Error e = runs.error();
      e.file = a.file;
      e.line = a.line;
      if (f.role != Role::kOther)
        problem(e);
      else
        note(fmt::format("{}: {}", f.name, e.message));
      return v;
    }
    v.runs = std::move(runs).value();
    v.usable = true;
    return v;
  }

  // The value of a single-valued setting with its specifiers expanded.
  std::optional<std::pair<std::string, std::string>> setting(const UnitView& v, const char* key) {
    auto a = v.config.last("Service", key);
    if (!a || a->value.empty()) return std::nullopt;
    auto value = systemd::expand_specifiers(a->value, v.config.specifiers());
    if (!value) {
      problem(file_error(a->file, fmt::format("{}= of {}: {}", key, v.found.name, value.error().message)));
      return std::nullopt;
    }
    if (*value != a->value)
      note(fmt::format("{}= of {} is {} with its specifiers expanded ({})", key, v.found.name, *value,
                       at(a->file, a->line)));
    return std::make_pair(*value, fmt::format("{}= in {}", key, at(a->file, a->line)));
  }

  // --- the contract, section by section ------------------------------------------------------

  void wrappers(const UnitView& v) {
    if (!v.usable || v.runs.wrappers.empty()) return;
    std::vector<std::string> w;
    for (const auto& x : v.runs.wrappers)
      if (x != "exec") w.push_back(x);
    if (w.empty()) return;
    std::string list;
    for (const auto& x : w) list += (list.empty() ? "" : " + ") + x;
    auto a = v.config.values("Service", "ExecStart").back();
    finding({.code = "CSD101",
             .file = a.file,
             .line = a.line,
             .message =
                 fmt::format("ExecStart= of {} runs through {}: systemd's main process is the wrapper, not "
                             "the service, and SIGTERM may not reach it",
                             v.found.name, list),
             .found = shell_join(v.runs.command),
             .fix = "removed by the import: the rendered unit runs the command "
                    "through `conda-systemd exec`"});
    if (v.runs.login_shell && v.found.role != Role::kOther)
      note(fmt::format(
          "{} runs a login shell: /etc/profile and ~/.profile may set variables the import cannot "
          "see; the rendered unit reads none of them",
          v.found.name));
    for (const auto& b : v.runs.before)
      finding({.code = "CSD101",
               .severity = Severity::kWarning,
               .file = a.file,
               .line = a.line,
               .message = fmt::format("{} runs `{}` before the service: the contract has no place for it",
                                      v.found.name, b),
               .fix = "run it by hand once, or keep it in a drop-in with ExecStartPre="});
  }

  void identity(const UnitView& app) {
    Contract& c = out_.contract;
    auto user = setting(app, "User");
    if (user)
      set("service.user", c.service.user, user->first, user->second);
    else {
      set("service.user", c.service.user, std::string("root"),
          "no User= in " + app.found.name + ": systemd runs it as root");
      note(app.found.name + " has no User=: it ran as root, and so will the rendered units");
    }
    auto group = setting(app, "Group");
    if (group)
      set("service.group", c.service.group, group->first, group->second);
    else {
      c.service.group = c.service.user;
      note(fmt::format("{} has no Group=: systemd used the primary group of {}; the contract sets Group={}",
                       app.found.name, c.service.user, c.service.user));
    }
    std::vector<Candidate> wd;
    if (!app.runs.cwd.empty())
      wd.push_back({app.runs.cwd, "`cd` in ExecStart= of " + app.found.name + " (" + app.exec_where + ")"});
    auto dir = setting(app, "WorkingDirectory");
    if (dir) {
      std::string d = dir->first;
      if (starts_with(d, "-")) d = d.substr(1);
      if (d == "~" || (!d.empty() && d[0] != '/'))
        problem(
            make_error(fmt::format("WorkingDirectory={} of {} is not an absolute path", d, app.found.name)));
      wd.push_back({d, dir->second});
    }
    Candidate chosen = choose("service.workdir", wd, "the directory the command really starts in");
    if (chosen.value.empty())
      chosen = {"/", "no WorkingDirectory= in " + app.found.name + ": systemd starts it in /"};
    set("service.workdir", c.service.workdir, without_trailing_slash(chosen.value), chosen.source);

    for (const auto& v : views_) {
      if (!v.usable || &v == &app || v.found.role == Role::kOther) continue;
      struct Expect {
        const char* key;
        std::string value;
      };
      for (const Expect& e : {Expect{"User", c.service.user}, Expect{"Group", group ? c.service.group : ""},
                              Expect{"WorkingDirectory", c.service.workdir}}) {
        auto a = v.config.last("Service", e.key);
        std::string found = a ? without_trailing_slash(a->value) : "";
        if (found == e.value || (e.value.empty()) || (std::string(e.key) == "Group" && found.empty()))
          continue;
        finding({.code = "CSD110",
                 .file = a ? a->file : v.found.path,
                 .line = a ? a->line : 0,
                 .message = fmt::format("{}= of {} differs from {}", e.key, v.found.name, app.found.name),
                 .expected = e.value,
                 .found = found.empty() ? "(not set)" : found,
                 .fix = "the rendered units all use the contract's value"});
      }
    }
  }

  void conda(const UnitView& app) {
    Contract& c = out_.contract;
    const Runs& r = app.runs;
    std::string origin = "ExecStart= of " + app.found.name + " (" + app.exec_where + ")";
    for (const auto& e : r.expansions) {
      if (e.name != "CONDA_BIN" && e.name != "CONDA_ENV_NAME") continue;
      const EnvValue* ev = app.var(e.name);
      if (e.used_default)
        note(fmt::format("{} is not set for {}: the default in its ExecStart= applies ({})", e.name,
                         app.found.name, e.value));
      else if (ev)
        note(fmt::format("{}={} from {} overrides the default in ExecStart= of {}", e.name, e.value,
                         ev->where(), app.found.name));
    }
    std::string root = conda_root_of(r.conda_tool);
    if (!r.conda_tool.empty() && root.empty()) {
      if (!o_.conda_root.empty()) {
        root = o_.conda_root;
        origin = "--conda-root";
      } else {
        problem(make_error(
            fmt::format("{} runs `{}` from the login shell's PATH: which conda installation that is "
                        "cannot be read from the files",
                        app.found.name, r.conda_tool),
            "give it with --conda-root DIR"));
      }
    }
    if (!r.env_name.empty()) {
      if (!root.empty()) set("conda.root", c.conda.root, root, origin);
      set("conda.env", c.conda.env, r.env_name, origin);
      if (!root.empty()) {
        std::string prefix = r.env_name == "base" ? root : join_path(join_path(root, "envs"), r.env_name);
        c.conda.prefix = prefix;
        if (!is_conda_prefix(prefix, o_.root))
          finding(
              {.code = "CSD120",
               .severity = Severity::kWarning,
               .file = app.exec_file,
               .line = app.exec_line,
               .message = fmt::format("the environment {} is not at {} (no conda-meta/)", r.env_name, prefix),
               .fix =
                   "check that the contract's conda.root and conda.env name it; render and check resolve it "
                   "through envs_dirs too"});
      }
    } else if (!r.prefix.empty()) {
      if (!root.empty()) set("conda.root", c.conda.root, root, origin);
      set("conda.prefix", c.conda.prefix, r.prefix, origin);
      if (!is_conda_prefix(r.prefix, o_.root))
        finding({.code = "CSD120",
                 .severity = Severity::kWarning,
                 .file = app.exec_file,
                 .line = app.exec_line,
                 .message = fmt::format("{} has no conda-meta/: it may not be a conda environment", r.prefix),
                 .fix = "check the path; `conda-systemd check` refuses an environment that is not conda's"});
    } else {
      problem(make_error(
          fmt::format("{} runs `{}` outside any conda environment", app.found.name, shell_join(r.command)),
          "the contract needs a conda environment: write [conda] by hand"));
    }
    // Every other unit must run in the same environment: the contract has one.
    for (const auto& v : views_) {
      if (!v.usable || &v == &app || v.found.role == Role::kOther) continue;
      if (v.found.role == Role::kWatchdog) continue;  // replaced: its environment does not matter
      std::string vroot = conda_root_of(v.runs.conda_tool);
      if (vroot.empty()) vroot = root;
      std::string mine = !r.env_name.empty() ? root + "/envs/" + r.env_name : r.prefix;
      std::string theirs = !v.runs.env_name.empty() ? vroot + "/envs/" + v.runs.env_name : v.runs.prefix;
      if (theirs.empty() || theirs == mine) continue;
      finding({.code = "CSD102",
               .file = v.exec_file,
               .line = v.exec_line,
               .message =
                   fmt::format("{} runs in another conda environment than {}", v.found.name, app.found.name),
               .expected = mine,
               .found = theirs,
               .fix = "the contract has one environment: the rendered worker runs in the app's"});
      out_.choices.push_back(
          {"conda (" + v.found.name + ")",
           {{mine, "ExecStart= of " + app.found.name}, {theirs, "ExecStart= of " + v.found.name}},
           mine,
           "the contract has one environment, the app's"});
    }
  }

  // Takes "--opt V" or "--opt=V" (or a short "-x V") out of a gunicorn command line.
  static std::optional<std::string> take(std::vector<std::string>& argv,
                                         std::initializer_list<const char*> names) {
    for (std::size_t i = 1; i < argv.size(); ++i) {
      for (const char* n : names) {
        std::string name = n;
        if (argv[i] == name && i + 1 < argv.size()) {
          std::string v = argv[i + 1];
          argv.erase(argv.begin() + static_cast<std::ptrdiff_t>(i),
                     argv.begin() + static_cast<std::ptrdiff_t>(i) + 2);
          return v;
        }
        if (starts_with(name, "--") && starts_with(argv[i], name + "=")) {
          std::string v = argv[i].substr(name.size() + 1);
          argv.erase(argv.begin() + static_cast<std::ptrdiff_t>(i));
          return v;
        }
      }
    }
    return std::nullopt;
  }

  void command(const UnitView& app) {
    Contract& c = out_.contract;
    std::vector<std::string> argv = app.runs.command;
    std::string origin = "ExecStart= of " + app.found.name + " (" + app.exec_where + ")";
    if (render::is_gunicorn(argv)) {
      gunicorn_pid_ = take(argv, {"--pid", "-p"});
      gunicorn_bind_ = take(argv, {"--bind", "-b"});
      if (auto w = take(argv, {"--workers", "-w"})) {
        try {
          set("service.workers", c.service.workers, std::stoi(*w), origin + ", --workers");
        } catch (...) {
          problem(make_error(fmt::format("--workers {} in {} is not a number", *w, origin)));
        }
      } else if (const EnvValue* e = app.var("GUNICORN_WORKERS")) {
        try {
          set("service.workers", c.service.workers, std::stoi(e->intended),
              "GUNICORN_WORKERS in " + e->where());
        } catch (...) {
          problem(
              make_error(fmt::format("GUNICORN_WORKERS={} in {} is not a number", e->intended, e->where())));
        }
      }
      if (auto g = take(argv, {"--graceful-timeout"})) {
        try {
          set("service.graceful_timeout", c.service.graceful_timeout, Millis(std::stoi(*g) * 1000L),
              origin + ", --graceful-timeout");
        } catch (...) {
          problem(make_error(fmt::format("--graceful-timeout {} in {} is not a number", *g, origin)));
        }
      }
      std::vector<Candidate> bind;
      if (gunicorn_bind_) bind.push_back({*gunicorn_bind_, origin + ", --bind"});
      if (const EnvValue* e = app.var("GUNICORN_BIND"))
        bind.push_back({e->intended, "GUNICORN_BIND in " + e->where(), e->file, e->line});
      Candidate b = choose("service.bind", bind, "gunicorn's command line wins over its configuration file");
      if (!b.value.empty()) {
        set("service.bind", c.service.bind, b.value, b.source);
        for (std::size_t i = 1; i < bind.size(); ++i)
          if (bind[i].value != b.value)
            finding({.code = "CSD116",
                     .severity = Severity::kWarning,
                     .file = bind[i].file,
                     .line = bind[i].line,
                     .message = "GUNICORN_BIND differs from the --bind gunicorn really uses",
                     .expected = b.value,
                     .found = bind[i].value,
                     .fix = "the rendered environment file sets it to service.bind"});
      } else {
        note(
            "neither --bind nor GUNICORN_BIND is set: gunicorn binds where its configuration file says; set "
            "service.bind so the contract knows");
      }
    }
    if (argv.empty()) return;
    set("service.command", c.service.command, argv, origin);
    if (argv[0][0] == '/') {
      finding({.code = "CSD102",
               .severity = Severity::kWarning,
               .file = app.exec_file,
               .line = app.exec_line,
               .message = fmt::format("{} runs {}, outside the conda environment", app.found.name, argv[0]),
               .fix = "the contract allows it through service.allow_outside_env"});
      set("service.allow_outside_env", c.service.allow_outside_env,
          std::vector<std::string>{base_name(argv[0])}, origin);
    }
  }

  void version(const UnitView& app, const UnitView* watchdog) {
    Contract& c = out_.contract;
    std::vector<Candidate> v;
    if (const EnvValue* e = app.var(kContractVersionVar))
      v.push_back({e->intended, std::string(kContractVersionVar) + " in " + e->where()});
    if (watchdog)
      if (const EnvValue* e = watchdog->var(kContractVersionVar))
        v.push_back({e->intended, std::string(kContractVersionVar) + " in " + e->where()});
    v.push_back({"2026.02-p2", "the dashboard's default RUNTIME_CONTRACT_VERSION"});
    Candidate chosen = choose("contract.version", v, "the version the dashboard reports today");
    std::string value = chosen.value;
    std::replace_if(
        value.begin(), value.end(), [](char ch) { return ch == ' ' || ch == '\t'; }, '-');
    set("contract.version", c.version, value, chosen.source);
  }

  // What the dashboard (or its watchdog) uses for its runtime paths in one unit: the variables it
  // is given, else its defaults (reference/dashboard-compat.md, section 2).
  struct DashboardPaths {
    Candidate runtime, flag, pid, state;
  };
  DashboardPaths dashboard_paths(const UnitView& v) {
    DashboardPaths p;
    std::string base = out_.contract.service.workdir;
    if (const EnvValue* r = v.var("MES_DASHBOARD_ROOT")) base = r->intended;
    auto from = [&](const char* var, const std::string& fallback,
                    const std::string& fallback_source) -> Candidate {
      if (const EnvValue* e = v.var(var))
        return {resolve_against(e->intended, base),
                fmt::format("{} in {} (read by {})", var, e->where(), v.found.name), e->file, e->line};
      return {fallback, fallback_source, v.found.path, 0};
    };
    p.runtime =
        from(kRuntimeDirVar, join_path(base, "tmp"),
             fmt::format("the dashboard's default <root>/tmp ({} sets no {})", v.found.name, kRuntimeDirVar));
    std::string n = name_underscored(o_.name);
    auto dflt = [&](const char* var) {
      return fmt::format("the dashboard's default under its runtime dir ({} sets no {})", v.found.name, var);
    };
    p.flag = from(kRestartFlagVar, join_path(p.runtime.value, n + "_restart.flag"), dflt(kRestartFlagVar));
    p.pid = from(kPidFileVar, join_path(p.runtime.value, "gunicorn.pid"), dflt(kPidFileVar));
    p.state = from(kStateFileVar, join_path(p.runtime.value, n + "_restart_state.json"), dflt(kStateFileVar));
    return p;
  }

  void disagree(const char* code, const char* what, const Candidate& chosen,
                const std::vector<Candidate>& all) {
    for (const auto& x : all) {
      if (x.value.empty() || x.value == chosen.value) continue;
      finding(
          {.code = code,
           .file = x.file,
           .line = x.line,
           .message = fmt::format("the {} differs between the files: {} says {}", what, x.source, x.value),
           .expected = chosen.value,
           .found = x.value,
           .fix = fmt::format("the contract takes {} ({})", chosen.value, chosen.source)});
    }
  }

  void paths(const UnitView& app, const UnitView* watchdog) {
    Contract& c = out_.contract;
    DashboardPaths a = dashboard_paths(app);
    std::optional<DashboardPaths> w;
    if (watchdog && watchdog->usable) w = dashboard_paths(*watchdog);
    std::string origin = "ExecStart= of " + app.found.name + " (" + app.exec_where + ")";

    std::vector<Candidate> pid;
    if (gunicorn_pid_)
      pid.push_back({resolve_against(*gunicorn_pid_, c.service.workdir),
                     "--pid in ExecStart= at " + app.exec_where, app.exec_file, app.exec_line});
    if (w) pid.push_back(w->pid);
    pid.push_back(a.pid);
    if (auto pf = setting(app, "PIDFile")) {
      auto a = app.config.last("Service", "PIDFile");
      pid.push_back({pf->first, pf->second, a->file, a->line});
    }
    Candidate p = choose("paths.pid_file", pid,
                         "gunicorn writes the file its --pid names; the watchdog must read that one");
    disagree("CSD104", "PID file", p, pid);

    std::vector<Candidate> flag = {a.flag};
    if (w) flag.push_back(w->flag);
    Candidate f = choose("paths.restart_flag", flag,
                         "the dashboard writes the flag; the watchdog must wait for that one");
    disagree("CSD105", "restart flag", f, flag);

    std::vector<Candidate> state;
    if (w) state.push_back(w->state);
    state.push_back(a.state);
    Candidate s =
        choose("paths.state_file", state, "the watchdog writes the state; the dashboard must read that one");
    disagree("CSD106", "state file", s, state);

    std::vector<Candidate> runtime = {a.runtime};
    if (w) runtime.push_back(w->runtime);
    if (auto rd = setting(app, "RuntimeDirectory")) {
      std::string first = split(rd->first, ' ').front();
      auto a = app.config.last("Service", "RuntimeDirectory");
      runtime.push_back({join_path("/run", first), rd->second, a->file, a->line});
    }
    // The contract keeps the PID file and the flag under the runtime directory.
    std::vector<Candidate> fitting;
    for (const auto& r : runtime)
      if (path_is_under(p.value, r.value) && path_is_under(f.value, r.value)) fitting.push_back(r);
    if (fitting.empty() && parent_dir(p.value) == parent_dir(f.value))
      fitting.push_back({parent_dir(p.value), "the folder of the PID file and the restart flag"});
    for (const auto& r : runtime)
      if (std::none_of(fitting.begin(), fitting.end(),
                       [&](const Candidate& x) { return x.value == r.value; }))
        fitting.push_back(r);
    Candidate rt = choose("paths.runtime_dir", fitting,
                          "the directory that holds both the PID file and the restart flag");
    disagree("CSD107", "runtime directory", rt, runtime);
    if (!path_is_under(p.value, rt.value) || !path_is_under(f.value, rt.value))
      problem(make_error(
          fmt::format("the PID file {} and the restart flag {} do not share a directory", p.value, f.value),
          "the contract keeps both under paths.runtime_dir: move one, then import again"));
    set("paths.runtime_dir", c.paths.runtime_dir, rt.value, rt.source);
    set("paths.pid_file", c.paths.pid_file, p.value, p.source);
    set("paths.restart_flag", c.paths.restart_flag, f.value, f.source);
    set("paths.state_file", c.paths.state_file, s.value, s.source);
    c.paths.control_socket = join_path(rt.value, "watchdog.sock");
  }

  // An integer setting of the watchdog, from the watchdog's unit first (it applies the policy).
  std::optional<long> policy_int(const UnitView& app, const UnitView* watchdog, const char* var,
                                 const std::string& key, long min, std::string& origin) {
    std::vector<Candidate> cands;
    std::vector<const EnvValue*> values;
    for (const UnitView* v : {watchdog, &app}) {
      if (!v) continue;
      if (const EnvValue* e = v->var(var)) {
        cands.push_back({e->intended, fmt::format("{} in {}", var, e->where())});
        values.push_back(e);
      }
    }
    Candidate chosen = choose(key, cands, "the watchdog applies the policy");
    if (chosen.value.empty()) return std::nullopt;
    for (const EnvValue* e : values)
      if (e->value != e->intended) {
        out_.choices.push_back({key,
                                {{e->value, "as systemd passes it (" + e->where() + ")"},
                                 {e->intended, "as a shell reads it, the comment dropped"}},
                                e->intended,
                                "the value its author meant; systemd's reading is not a number"});
        break;
      }
    long n = 0;
    try {
      std::size_t used = 0;
      n = std::stol(chosen.value, &used);
      if (used != chosen.value.size()) throw std::invalid_argument("trailing");
    } catch (...) {
      problem(
          make_error(fmt::format("{} is '{}' ({}), not a whole number", var, chosen.value, chosen.source)));
      return std::nullopt;
    }
    if (n < min) {
      note(fmt::format("{}={} is below {}; the dashboard raises it to {}, and so does the contract", var, n,
                       min, min));
      n = min;
    }
    origin = chosen.source;
    return n;
  }

  void policy(const UnitView& app, const UnitView* watchdog) {
    Contract& c = out_.contract;
    std::string origin;
    if (auto v = policy_int(app, watchdog, "WORKER_RESTART_COOLDOWN", "watchdog.cooldown", 1, origin))
      set("watchdog.cooldown", c.watchdog.cooldown, Millis(*v * 1000), origin);
    if (auto v =
            policy_int(app, watchdog, "WORKER_RESTART_RETRY_BUDGET", "watchdog.retry_budget", 1, origin)) {
      set("watchdog.retry_budget", c.watchdog.retry_budget, static_cast<int>(*v), origin);
      c.watchdog.churn_threshold = c.watchdog.retry_budget;
    }
    if (auto v = policy_int(app, watchdog, "WORKER_RESTART_CHURN_THRESHOLD", "watchdog.churn_threshold", 1,
                            origin))
      set("watchdog.churn_threshold", c.watchdog.churn_threshold, static_cast<int>(*v), origin);
    if (auto v = policy_int(app, watchdog, "WORKER_RESTART_WINDOW_SECONDS", "watchdog.window", 30, origin))
      set("watchdog.window", c.watchdog.window, Millis(*v * 1000), origin);
    if (auto v =
            policy_int(app, watchdog, "WATCHDOG_RESTART_HISTORY_MAX", "watchdog.history_limit", 1, origin))
      set("watchdog.history_limit", c.watchdog.history_limit, static_cast<int>(*v), origin);
    for (const UnitView* v : {watchdog, &app}) {
      if (!v) continue;
      if (const EnvValue* e = v->var("WORKER_GUARDED_MODE_ENABLED")) {
        std::string s = e->intended;
        std::transform(s.begin(), s.end(), s.begin(), ::tolower);
        bool on = !(s == "0" || s == "false" || s == "no" || s == "off");
        set("watchdog.guarded_mode", c.watchdog.guarded_mode, on,
            "WORKER_GUARDED_MODE_ENABLED in " + e->where());
        break;
      }
    }
    for (const UnitView* v : {watchdog, &app})
      if (v)
        if (const EnvValue* e = v->var("WATCHDOG_CHECK_INTERVAL")) {
          out_.changes.push_back(
              fmt::format("WATCHDOG_CHECK_INTERVAL={} ({}) is dropped: conda-systemd's watchdog "
                          "reacts to the flag at once instead of polling",
                          e->intended, e->where()));
          break;
        }
  }

  // Variables the rendered environment file sets from the contract: the old files' values for them
  // were read into the contract above, so they are not carried over as such.
  std::set<std::string> owned() const {
    std::set<std::string> s;
    for (const auto& v : contract_environment(out_.contract)) s.insert(v.name);
    for (const char* n :
         {"CONDA_BIN", "CONDA_ENV_NAME", "GUNICORN_BIND", "GUNICORN_WORKERS", "WATCHDOG_CHECK_INTERVAL",
          "MES_DASHBOARD_ROOT", "RUNTIME_CONTRACT_ENFORCE", "WATCHDOG_CONTROL_SOCKET"})
      s.insert(n);
    return s;
  }

  void environment(const UnitView& app) {
    Contract& c = out_.contract;
    auto own = owned();
    std::string root_var;
    for (char ch : o_.name) root_var += ch == '-' || ch == '.' ? '_' : static_cast<char>(::toupper(ch));
    root_var += "_ROOT";
    if (const EnvValue* r = app.var(root_var); r && without_trailing_slash(r->intended) != c.service.workdir)
      finding({.code = "CSD116",
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
      out_.origin["service.environment." + k] = "Environment= in " + v.where();
    }
    for (const auto& [k, v] : app.runs.assignments) {
      if (own.count(k)) continue;
      c.service.environment[k] = v;
      out_.origin["service.environment." + k] = "set by the shell in ExecStart= of " + app.found.name;
    }
  }

  void workers(const UnitView& app) {
    Contract& c = out_.contract;
    auto own = owned();
    for (const auto& v : views_) {
      if (v.found.role != Role::kWorker || !v.usable) continue;
      WorkerSection w;
      w.name = v.found.worker;
      w.command = v.runs.command;
      std::string key = fmt::format("worker.{}", w.name);
      out_.origin[key + ".command"] = "ExecStart= of " + v.found.name + " (" + v.exec_where + ")";
      for (const auto& e : v.runs.expansions) {
        if (e.name == "CONDA_BIN" || e.name == "CONDA_ENV_NAME" || e.used_default) continue;
        const EnvValue* ev = v.var(e.name);
        if (!ev) continue;
        out_.changes.push_back(
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
        out_.origin[key + ".environment." + k] = (ev.from_env_file ? "" : "Environment= in ") + ev.where();
      }
      for (const auto& [k, val] : v.runs.assignments)
        if (!own.count(k)) w.environment[k] = val;
      if (v.config.values("Service", "EnvironmentFile").size() !=
          app.config.values("Service", "EnvironmentFile").size())
        note(fmt::format("{} reads other environment files than {}; the rendered worker reads the app's",
                         v.found.name, app.found.name));
      c.workers.push_back(std::move(w));
    }
  }

  // A RuntimeDirectory= that several units declare is deleted when any one of them stops.
  void shared_runtime_dirs() {
    std::vector<const systemd::UnitConfig*> configs;
    for (const auto& v : views_)
      if (v.usable) configs.push_back(&v.config);
    for (auto& f : check::rule_shared_runtime_dirs(configs)) {
      f.fix = "the rendered units keep it with RuntimeDirectoryPreserve=yes";
      finding(std::move(f));
    }
  }

  // Under ProtectSystem=strict a unit writes only where it is told it may.
  void writable_paths(const UnitView& app, const UnitView* watchdog) {
    const Contract& c = out_.contract;
    auto check_unit = [&](const UnitView& v, check::Role role) {
      for (auto& f : check::rule_writable_paths(v.config, check::written_paths(c, role))) {
        f.fix = "the rendered units make the contract's paths writable";
        finding(std::move(f));
      }
    };
    if (app.usable) check_unit(app, check::Role::kApp);
    if (watchdog && watchdog->usable) check_unit(*watchdog, check::Role::kWatchdog);
  }

  // Settings of the old units that the rendered ones do not have.
  void not_carried_over() {
    static const std::set<std::string> handled = {"Description",
                                                  "Documentation",
                                                  "After",
                                                  "Wants",
                                                  "Requires",
                                                  "Type",
                                                  "User",
                                                  "Group",
                                                  "WorkingDirectory",
                                                  "EnvironmentFile",
                                                  "Environment",
                                                  "PIDFile",
                                                  "ExecStart",
                                                  "ExecReload",
                                                  "Restart",
                                                  "RestartSec",
                                                  "RuntimeDirectory",
                                                  "RuntimeDirectoryPreserve",
                                                  "RuntimeDirectoryMode",
                                                  "StateDirectory",
                                                  "StateDirectoryMode",
                                                  "ProtectSystem",
                                                  "WantedBy",
                                                  "KillMode",
                                                  "TimeoutStopSec",
                                                  "PrivateTmp",
                                                  "NoNewPrivileges",
                                                  "ProtectHome",
                                                  "StartLimitIntervalSec",
                                                  "StartLimitBurst"};
    for (const auto& v : views_) {
      if (!v.usable || v.found.role == Role::kOther) continue;
      for (const auto& a : v.config.assignments()) {
        if (a.value.empty()) continue;
        if (a.key == "After" || a.key == "Wants" || a.key == "Requires") {
          for (const auto& u : split(a.value, ' ')) {
            if (u.empty() || u == "network.target" || starts_with(u, o_.name + ".") ||
                starts_with(u, o_.name + "-"))
              continue;
            out_.changes.push_back(
                fmt::format("{}={} of {} ({}) is not carried over: the rendered units order only "
                            "after network.target; add a drop-in if the service needs it",
                            a.key, u, v.found.name, at(a.file, a.line)));
          }
          continue;
        }
        if (a.key == "Restart" && a.value != "on-failure") {
          out_.changes.push_back(
              fmt::format("Restart={} of {} becomes Restart=on-failure", a.value, v.found.name));
          continue;
        }
        if (handled.count(a.key)) continue;
        out_.changes.push_back(
            fmt::format("{}={} of {} ({}) is not carried over: the contract has no key for it; "
                        "keep it in a drop-in",
                        a.key, a.value, v.found.name, at(a.file, a.line)));
      }
    }
  }

  // The old environment file stays, for what the contract does not own (tokens, Redis URLs).
  void secrets(const UnitView& app) {
    Contract& c = out_.contract;
    auto own = owned();
    std::string path;
    std::vector<std::string> lines;
    std::vector<std::string> moved;
    for (const auto& f : app.env_files) {
      auto it = env_cache_.find(f);
      if (it == env_cache_.end()) it = env_cache_.find("-" + f);
      if (it == env_cache_.end() || !it->second) continue;
      for (const auto& file : *it->second) {
        if (path.empty()) path = file.path;
        for (const auto& e : file.entries) {
          if (own.count(e.name)) {
            moved.push_back(e.name);
            continue;
          }
          std::string value = app.env.count(e.name) ? app.env.at(e.name).intended : e.value;
          lines.push_back(e.name + "=" + quote_env_value(value));
        }
      }
    }
    if (path.empty()) return;
    if (lines.empty()) {
      out_.changes.push_back(fmt::format("{} is no longer read: the contract holds all its values", path));
      return;
    }
    set("service.secrets_file", c.service.secrets_file, path, "EnvironmentFile= of " + app.found.name);
    std::string text = fmt::format(
        "# {} without the variables the contract now owns ({}).\n"
        "# Kept by the operator, read by every unit after the rendered environment file.\n",
        path, moved.empty() ? std::string("none") : std::to_string(moved.size()) + " moved");
    for (const auto& l : lines) text += l + "\n";
    out_.secrets_text = text;
    out_.changes.push_back(
        fmt::format("{} stays as service.secrets_file for {} variable(s) the contract does not own; "
                    "replace it with the cleaned copy (no inline comments, without the {} "
                    "variable(s) now in the contract) before the rendered units start",
                    path, lines.size(), moved.size()));
  }

  // Double quotes where systemd and a shell would otherwise read the value differently.
  static std::string quote_env_value(const std::string& v) {
    bool plain = !v.empty() && v.find_first_of(" \t#'\"\\$`;&|<>(){}*?[]~") == std::string::npos;
    if (plain) return v;
    std::string out = "\"";
    for (char ch : v) {
      if (ch == '"' || ch == '\\' || ch == '$' || ch == '`') out += '\\';
      out += ch;
    }
    return out + "\"";
  }

  void changes() {
    const Contract& c = out_.contract;
    std::vector<std::string> head = {
        "wrapper removed: every unit runs its command through `conda-systemd exec`, which replaces itself "
        "with it, "
        "so gunicorn is the main process and gets systemd's signals",
        fmt::format(
            "paths unified: the app, the watchdog, the environment file and gunicorn's --pid all take the "
            "runtime paths from the contract ({})",
            c.paths.runtime_dir),
        "hardening added: NoNewPrivileges, PrivateTmp, ProtectSystem=strict, a system call filter and more "
        "(docs/hardening.md)",
        "every unit runs `conda-systemd check` as ExecStartPre=, so drift refuses the start",
        fmt::format("the environment file is rendered at {}", c.service.environment_file.empty()
                                                                  ? "/etc/conda-systemd/" + c.name + ".env"
                                                                  : c.service.environment_file)};
    if (path_is_under(c.paths.runtime_dir, "/run"))
      head.push_back(
          fmt::format("RuntimeDirectory preserved: {} is kept when a unit stops "
                      "(RuntimeDirectoryPreserve=yes), so the PID file and a pending flag survive",
                      c.paths.runtime_dir));
    if (find(Role::kWatchdog))
      head.push_back(o_.name +
                     "-watchdog.service runs `conda-systemd watchdog` instead of the Python watchdog: same "
                     "flag, state and decisions, with the PID's identity proven before SIGHUP");
    out_.changes.insert(out_.changes.begin(), head.begin(), head.end());
  }

  const ImportOptions& o_;
  Imported out_;
  std::vector<UnitView> views_;
  std::map<std::string, Result<std::vector<systemd::EnvFile>>> env_cache_;
  std::optional<std::string> gunicorn_pid_, gunicorn_bind_;
};

}  // namespace

Result<Imported> import_service(const ImportOptions& options) {
  return Importer(options).run();
}

}  // namespace csd::importer
