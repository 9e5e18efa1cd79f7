// Paths and policy: the runtime paths and the watchdog's settings, from the variables the dashboard
// and its watchdog read, their defaults, and what the units themselves say.
#include <fmt/format.h>

#include <algorithm>

#include "contract/naming.h"
#include "import/steps.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::importer {

namespace {

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

// What the dashboard (or its watchdog) uses for its runtime paths in one unit: the variables it
// is given, else its defaults (docs/dashboard-compat.md, "Variables").
struct DashboardPaths {
  Candidate runtime, flag, pid, state;
};
DashboardPaths dashboard_paths(ImportState& s, const UnitView& v) {
  DashboardPaths p;
  std::string base = s.out.contract.service.workdir;
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
  std::string n = name_underscored(s.options.name);
  auto dflt = [&](const char* var) {
    return fmt::format("the dashboard's default under its runtime dir ({} sets no {})", v.found.name, var);
  };
  p.flag = from(kRestartFlagVar, join_path(p.runtime.value, n + "_restart.flag"), dflt(kRestartFlagVar));
  p.pid = from(kPidFileVar, join_path(p.runtime.value, "gunicorn.pid"), dflt(kPidFileVar));
  p.state = from(kStateFileVar, join_path(p.runtime.value, n + "_restart_state.json"), dflt(kStateFileVar));
  return p;
}

void disagree(ImportState& s, const char* code, const char* what, const Candidate& chosen,
              const std::vector<Candidate>& all) {
  for (const auto& x : all) {
    if (x.value.empty() || x.value == chosen.value) continue;
    s.finding(
        {.code = code,
         .file = x.file,
         .line = x.line,
         .message = fmt::format("the {} differs between the files: {} says {}", what, x.source, x.value),
         .expected = chosen.value,
         .found = x.value,
         .fix = fmt::format("the contract takes {} ({})", chosen.value, chosen.source)});
  }
}

// An integer setting of the watchdog, from the watchdog's unit first (it applies the policy).
std::optional<long> policy_int(ImportState& s, const UnitView& app, const UnitView* watchdog, const char* var,
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
  Candidate chosen = choose(s, key, cands, "the watchdog applies the policy");
  if (chosen.value.empty()) return std::nullopt;
  for (const EnvValue* e : values)
    if (e->value != e->intended) {
      s.out.choices.push_back({key,
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
    s.problem(
        make_error(fmt::format("{} is '{}' ({}), not a whole number", var, chosen.value, chosen.source)));
    return std::nullopt;
  }
  if (n < min) {
    s.note(fmt::format("{}={} is below {}; the dashboard raises it to {}, and so does the contract", var, n,
                       min, min));
    n = min;
  }
  origin = chosen.source;
  return n;
}

}  // namespace

void paths(ImportState& s, const UnitView& app, const UnitView* watchdog) {
  Contract& c = s.out.contract;
  DashboardPaths a = dashboard_paths(s, app);
  std::optional<DashboardPaths> w;
  if (watchdog && watchdog->usable) w = dashboard_paths(s, *watchdog);
  std::string origin = app.exec_origin();

  std::vector<Candidate> pid;
  if (s.gunicorn_pid)
    pid.push_back({resolve_against(*s.gunicorn_pid, c.service.workdir),
                   "--pid in ExecStart= at " + app.exec_where, app.exec_file, app.exec_line});
  if (w) pid.push_back(w->pid);
  pid.push_back(a.pid);
  if (auto pf = setting(s, app, "PIDFile")) {
    auto a = app.config.last("Service", "PIDFile");
    pid.push_back({pf->first, pf->second, a->file, a->line});
  }
  Candidate p = choose(s, "paths.pid_file", pid,
                       "gunicorn writes the file its --pid names; the watchdog must read that one");
  disagree(s, "CSD104", "PID file", p, pid);

  std::vector<Candidate> flag = {a.flag};
  if (w) flag.push_back(w->flag);
  Candidate f = choose(s, "paths.restart_flag", flag,
                       "the dashboard writes the flag; the watchdog must wait for that one");
  disagree(s, "CSD105", "restart flag", f, flag);

  std::vector<Candidate> state;
  if (w) state.push_back(w->state);
  state.push_back(a.state);
  Candidate st =
      choose(s, "paths.state_file", state, "the watchdog writes the state; the dashboard must read that one");
  disagree(s, "CSD106", "state file", st, state);

  std::vector<Candidate> runtime = {a.runtime};
  if (w) runtime.push_back(w->runtime);
  if (auto rd = setting(s, app, "RuntimeDirectory")) {
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
    if (std::none_of(fitting.begin(), fitting.end(), [&](const Candidate& x) { return x.value == r.value; }))
      fitting.push_back(r);
  Candidate rt = choose(s, "paths.runtime_dir", fitting,
                        "the directory that holds both the PID file and the restart flag");
  disagree(s, "CSD107", "runtime directory", rt, runtime);
  if (!path_is_under(p.value, rt.value) || !path_is_under(f.value, rt.value))
    s.problem(make_error(
        fmt::format("the PID file {} and the restart flag {} do not share a directory", p.value, f.value),
        "the contract keeps both under paths.runtime_dir: move one, then import again"));
  s.set("paths.runtime_dir", c.paths.runtime_dir, rt.value, rt.source);
  s.set("paths.pid_file", c.paths.pid_file, p.value, p.source);
  s.set("paths.restart_flag", c.paths.restart_flag, f.value, f.source);
  s.set("paths.state_file", c.paths.state_file, st.value, st.source);
  c.paths.control_socket = join_path(rt.value, "watchdog.sock");
}

void policy(ImportState& s, const UnitView& app, const UnitView* watchdog) {
  Contract& c = s.out.contract;
  std::string origin;
  if (auto v = policy_int(s, app, watchdog, "WORKER_RESTART_COOLDOWN", "watchdog.cooldown", 1, origin))
    s.set("watchdog.cooldown", c.watchdog.cooldown, Millis(*v * 1000), origin);
  if (auto v =
          policy_int(s, app, watchdog, "WORKER_RESTART_RETRY_BUDGET", "watchdog.retry_budget", 1, origin)) {
    s.set("watchdog.retry_budget", c.watchdog.retry_budget, static_cast<int>(*v), origin);
    c.watchdog.churn_threshold = c.watchdog.retry_budget;
  }
  if (auto v = policy_int(s, app, watchdog, "WORKER_RESTART_CHURN_THRESHOLD", "watchdog.churn_threshold", 1,
                          origin))
    s.set("watchdog.churn_threshold", c.watchdog.churn_threshold, static_cast<int>(*v), origin);
  if (auto v = policy_int(s, app, watchdog, "WORKER_RESTART_WINDOW_SECONDS", "watchdog.window", 30, origin))
    s.set("watchdog.window", c.watchdog.window, Millis(*v * 1000), origin);
  if (auto v =
          policy_int(s, app, watchdog, "WATCHDOG_RESTART_HISTORY_MAX", "watchdog.history_limit", 1, origin))
    s.set("watchdog.history_limit", c.watchdog.history_limit, static_cast<int>(*v), origin);
  for (const UnitView* v : {watchdog, &app}) {
    if (!v) continue;
    if (const EnvValue* e = v->var("WORKER_GUARDED_MODE_ENABLED")) {
      std::string value = e->intended;
      std::transform(value.begin(), value.end(), value.begin(), ::tolower);
      bool on = !(value == "0" || value == "false" || value == "no" || value == "off");
      s.set("watchdog.guarded_mode", c.watchdog.guarded_mode, on,
            "WORKER_GUARDED_MODE_ENABLED in " + e->where());
      break;
    }
  }
  for (const UnitView* v : {watchdog, &app})
    if (v)
      if (const EnvValue* e = v->var("WATCHDOG_CHECK_INTERVAL")) {
        s.out.changes.push_back(
            fmt::format("WATCHDOG_CHECK_INTERVAL={} ({}) is dropped: conda-systemd's watchdog "
                        "reacts to the flag at once instead of polling",
                        e->intended, e->where()));
        break;
      }
}

}  // namespace csd::importer
