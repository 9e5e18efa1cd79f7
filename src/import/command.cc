// Wrappers, identity and command: what the app runs, as whom, where, in which environment.
#include <fmt/format.h>

#include <algorithm>

#include "check/rules.h"
#include "contract/naming.h"
#include "import/conda_ref.h"
#include "import/steps.h"
#include "render/render.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::importer {

namespace {

using check::Severity;

// Takes "--opt V" or "--opt=V" (or a short "-x V") out of a gunicorn command line.
std::optional<std::string> take(std::vector<std::string>& argv, std::initializer_list<const char*> names) {
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

}  // namespace

void wrappers(ImportState& s, const UnitView& v) {
  if (!v.usable || v.runs.wrappers.empty()) return;
  std::vector<std::string> w;
  for (const auto& x : v.runs.wrappers)
    if (x != "exec") w.push_back(x);
  if (w.empty()) return;
  std::string list;
  for (const auto& x : w) list += (list.empty() ? "" : " + ") + x;
  auto a = v.config.values("Service", "ExecStart").back();
  check::Finding f = check::rule_wrapper(a, v.found.name, list, shell_join(v.runs.command));
  f.fix = "removed by the import: the rendered unit runs the command through `conda-systemd exec`";
  s.finding(std::move(f));
  if (v.runs.login_shell && v.found.role != Role::kOther)
    s.note(
        fmt::format("{} runs a login shell: /etc/profile and ~/.profile may set variables the import cannot "
                    "see; the rendered unit reads none of them",
                    v.found.name));
  for (const auto& b : v.runs.before)
    s.finding({.code = "CSD101",
               .severity = Severity::kWarning,
               .file = a.file,
               .line = a.line,
               .message = fmt::format("{} runs `{}` before the service: the contract has no place for it",
                                      v.found.name, b),
               .fix = "run it by hand once, or keep it in a drop-in with ExecStartPre="});
}

void identity(ImportState& s, const UnitView& app) {
  Contract& c = s.out.contract;
  auto user = setting(s, app, "User");
  if (user)
    s.set("service.user", c.service.user, user->first, user->second);
  else {
    s.set("service.user", c.service.user, std::string("root"),
          "no User= in " + app.found.name + ": systemd runs it as root");
    s.note(app.found.name + " has no User=: it ran as root, and so will the rendered units");
  }
  auto group = setting(s, app, "Group");
  if (group)
    s.set("service.group", c.service.group, group->first, group->second);
  else {
    c.service.group = c.service.user;
    s.note(fmt::format("{} has no Group=: systemd used the primary group of {}; the contract sets Group={}",
                       app.found.name, c.service.user, c.service.user));
  }
  std::vector<Candidate> wd;
  if (!app.runs.cwd.empty())
    wd.push_back({app.runs.cwd, "`cd` in ExecStart= of " + app.found.name + " (" + app.exec_where + ")"});
  auto dir = setting(s, app, "WorkingDirectory");
  if (dir) {
    std::string d = dir->first;
    if (starts_with(d, "-")) d = d.substr(1);
    if (d == "~" || (!d.empty() && d[0] != '/'))
      s.problem(
          make_error(fmt::format("WorkingDirectory={} of {} is not an absolute path", d, app.found.name)));
    wd.push_back({d, dir->second});
  }
  Candidate chosen = choose(s, "service.workdir", wd, "the directory the command really starts in");
  if (chosen.value.empty())
    chosen = {"/", "no WorkingDirectory= in " + app.found.name + ": systemd starts it in /"};
  s.set("service.workdir", c.service.workdir, without_trailing_slash(chosen.value), chosen.source);

  // The other units run as the app does: the contract has one user, group and directory.
  std::string against = "that of " + app.found.name;
  for (const auto& v : s.views) {
    if (!imported(v) || &v == &app) continue;
    for (auto& f : check::rule_identity(v.config, v.found.path,
                                        {{"User", c.service.user, against},
                                         {"Group", group ? c.service.group : "", against, true},
                                         {"WorkingDirectory", c.service.workdir, against}})) {
      f.fix = "the rendered units all use the contract's value";
      s.finding(std::move(f));
    }
  }
}

void conda(ImportState& s, const UnitView& app) {
  Contract& c = s.out.contract;
  const Runs& r = app.runs;
  std::string origin = app.exec_origin();
  for (const auto& e : r.expansions) {
    if (e.name != "CONDA_BIN" && e.name != "CONDA_ENV_NAME") continue;
    const EnvValue* ev = app.var(e.name);
    if (e.used_default)
      s.note(fmt::format("{} is not set for {}: the default in its ExecStart= applies ({})", e.name,
                         app.found.name, e.value));
    else if (ev)
      s.note(fmt::format("{}={} from {} overrides the default in ExecStart= of {}", e.name, e.value,
                         ev->where(), app.found.name));
  }
  std::string root = conda_root_of(r.conda_tool);
  if (!r.conda_tool.empty() && root.empty()) {
    if (!s.options.conda_root.empty()) {
      root = s.options.conda_root;
      origin = "--conda-root";
    } else {
      s.problem(
          make_error(fmt::format("{} runs `{}` from the login shell's PATH: which conda installation that is "
                                 "cannot be read from the files",
                                 app.found.name, r.conda_tool),
                     "give it with --conda-root DIR"));
    }
  }
  if (!r.env_name.empty()) {
    if (!root.empty()) s.set("conda.root", c.conda.root, root, origin);
    s.set("conda.env", c.conda.env, r.env_name, origin);
    if (!root.empty()) {
      std::string prefix = r.env_name == "base" ? root : join_path(join_path(root, "envs"), r.env_name);
      c.conda.prefix = prefix;
      if (!is_conda_prefix(prefix, s.options.root))
        s.finding(
            {.code = "CSD120",
             .severity = Severity::kWarning,
             .file = app.exec_file,
             .line = app.exec_line,
             .message = fmt::format("the environment {} is not at {} (no conda-meta/)", r.env_name, prefix),
             .fix = "check that the contract's conda.root and conda.env name it; render and check resolve it "
                    "through envs_dirs too"});
    }
  } else if (!r.prefix.empty()) {
    if (!root.empty()) s.set("conda.root", c.conda.root, root, origin);
    s.set("conda.prefix", c.conda.prefix, r.prefix, origin);
    if (!is_conda_prefix(r.prefix, s.options.root))
      s.finding({.code = "CSD120",
                 .severity = Severity::kWarning,
                 .file = app.exec_file,
                 .line = app.exec_line,
                 .message = fmt::format("{} has no conda-meta/: it may not be a conda environment", r.prefix),
                 .fix = "check the path; `conda-systemd check` refuses an environment that is not conda's"});
  } else {
    s.problem(make_error(
        fmt::format("{} runs `{}` outside any conda environment", app.found.name, shell_join(r.command)),
        "the contract needs a conda environment: write [conda] by hand"));
  }
  // Every other unit must run in the same environment: the contract has one.
  for (const auto& v : s.views) {
    if (!v.usable || &v == &app || v.found.role == Role::kOther) continue;
    if (v.found.role == Role::kWatchdog) continue;  // replaced: its environment does not matter
    std::string vroot = conda_root_of(v.runs.conda_tool);
    if (vroot.empty()) vroot = root;
    std::string mine = !r.env_name.empty() ? root + "/envs/" + r.env_name : r.prefix;
    std::string theirs = !v.runs.env_name.empty() ? vroot + "/envs/" + v.runs.env_name : v.runs.prefix;
    if (theirs.empty() || theirs == mine) continue;
    s.finding(
        {.code = "CSD102",
         .file = v.exec_file,
         .line = v.exec_line,
         .message = fmt::format("{} runs in another conda environment than {}", v.found.name, app.found.name),
         .expected = mine,
         .found = theirs,
         .fix = "the contract has one environment: the rendered worker runs in the app's"});
    s.out.choices.push_back(
        {"conda (" + v.found.name + ")",
         {{mine, "ExecStart= of " + app.found.name}, {theirs, "ExecStart= of " + v.found.name}},
         mine,
         "the contract has one environment, the app's"});
  }
}

void command(ImportState& s, const UnitView& app) {
  Contract& c = s.out.contract;
  std::vector<std::string> argv = app.runs.command;
  std::string origin = app.exec_origin();
  if (render::is_gunicorn(argv)) {
    s.gunicorn_pid = take(argv, {"--pid", "-p"});
    s.gunicorn_bind = take(argv, {"--bind", "-b"});
    if (auto w = take(argv, {"--workers", "-w"})) {
      try {
        s.set("service.workers", c.service.workers, std::stoi(*w), origin + ", --workers");
      } catch (...) {
        s.problem(make_error(fmt::format("--workers {} in {} is not a number", *w, origin)));
      }
    } else if (const EnvValue* e = app.var("GUNICORN_WORKERS")) {
      try {
        s.set("service.workers", c.service.workers, std::stoi(e->intended),
              "GUNICORN_WORKERS in " + e->where());
      } catch (...) {
        s.problem(
            make_error(fmt::format("GUNICORN_WORKERS={} in {} is not a number", e->intended, e->where())));
      }
    }
    if (auto g = take(argv, {"--graceful-timeout"})) {
      try {
        s.set("service.graceful_timeout", c.service.graceful_timeout, Millis(std::stoi(*g) * 1000L),
              origin + ", --graceful-timeout");
      } catch (...) {
        s.problem(make_error(fmt::format("--graceful-timeout {} in {} is not a number", *g, origin)));
      }
    }
    std::vector<Candidate> bind;
    if (s.gunicorn_bind) bind.push_back({*s.gunicorn_bind, origin + ", --bind"});
    if (const EnvValue* e = app.var("GUNICORN_BIND"))
      bind.push_back({e->intended, "GUNICORN_BIND in " + e->where(), e->file, e->line});
    Candidate b = choose(s, "service.bind", bind, "gunicorn's command line wins over its configuration file");
    if (!b.value.empty()) {
      s.set("service.bind", c.service.bind, b.value, b.source);
      for (std::size_t i = 1; i < bind.size(); ++i)
        if (bind[i].value != b.value)
          s.finding({.code = "CSD116",
                     .severity = Severity::kWarning,
                     .file = bind[i].file,
                     .line = bind[i].line,
                     .message = "GUNICORN_BIND differs from the --bind gunicorn really uses",
                     .expected = b.value,
                     .found = bind[i].value,
                     .fix = "the rendered environment file sets it to service.bind"});
    } else {
      s.note(
          "neither --bind nor GUNICORN_BIND is set: gunicorn binds where its configuration file says; set "
          "service.bind so the contract knows");
    }
  }
  if (argv.empty()) return;
  s.set("service.command", c.service.command, argv, origin);
  if (argv[0][0] == '/') {
    s.finding({.code = "CSD102",
               .severity = Severity::kWarning,
               .file = app.exec_file,
               .line = app.exec_line,
               .message = fmt::format("{} runs {}, outside the conda environment", app.found.name, argv[0]),
               .fix = "the contract allows it through service.allow_outside_env"});
    s.set("service.allow_outside_env", c.service.allow_outside_env,
          std::vector<std::string>{base_name(argv[0])}, origin);
  }
}

void version(ImportState& s, const UnitView& app, const UnitView* watchdog) {
  Contract& c = s.out.contract;
  std::vector<Candidate> v;
  if (const EnvValue* e = app.var(kContractVersionVar))
    v.push_back({e->intended, std::string(kContractVersionVar) + " in " + e->where()});
  if (watchdog)
    if (const EnvValue* e = watchdog->var(kContractVersionVar))
      v.push_back({e->intended, std::string(kContractVersionVar) + " in " + e->where()});
  v.push_back({"2026.02-p2", "the dashboard's default RUNTIME_CONTRACT_VERSION"});
  Candidate chosen = choose(s, "contract.version", v, "the version the dashboard reports today");
  std::string value = chosen.value;
  std::replace_if(
      value.begin(), value.end(), [](char ch) { return ch == ' ' || ch == '\t'; }, '-');
  s.set("contract.version", c.version, value, chosen.source);
}

}  // namespace csd::importer
