// The installed units and their drop-ins, against the contract.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "check/context.h"
#include "check/rules.h"
#include "check/scan.h"
#include "contract/bind.h"
#include "contract/naming.h"
#include "render/render.h"
#include "systemd/environment.h"
#include "systemd/exec_line.h"
#include "systemd/unit_loader.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::check {

namespace {

struct Loaded {
  std::string name;
  Role role;
  const systemd::UnitConfig& config;
};

// The contract version a generated unit was rendered from, read back from its header; "" when not generated.
std::string rendered_version(const std::string& fragment, const Root& root) {
  auto text = read_file(root.map(fragment), ReadOptions{.max_bytes = 1 << 20});
  if (!text) return "";
  auto header = render::parse_header(*text);
  return header ? header->version : "";
}

void check_identity(const Context& ctx, const Loaded& u, Report& report) {
  const Contract& c = ctx.contract;
  for (auto& f : rule_identity(u.config, u.config.fragment_path(),
                               {{"User", c.service.user, "the contract's service.user"},
                                {"Group", c.service.group, "the contract's service.group"},
                                {"WorkingDirectory", c.service.workdir, "the contract's service.workdir"}})) {
    f.fix = render_hint(c);
    report.add(std::move(f));
  }
}

void check_exec(const Context& ctx, const Loaded& u, Report& report) {
  const Contract& c = ctx.contract;
  for (const char* key : {"ExecStart", "ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop"}) {
    for (const auto& a : u.config.values("Service", key)) {
      std::string wrapper = find_wrapper(a.value);
      if (!wrapper.empty() && std::string(key) == "ExecStart") {
        Finding f = rule_wrapper(a, u.name, wrapper, a.value);
        f.fix = render_hint(c) + "; it starts the command through `conda-systemd exec`";
        report.add(std::move(f));
      }
      std::string marker = find_venv_marker(a.value);
      if (!marker.empty())
        report.add({.code = "CSD103",
                    .file = a.file,
                    .line = a.line,
                    .message = fmt::format("{} of {} assumes a venv ('{}')", key, u.name, marker),
                    .found = a.value,
                    .fix = "run from the conda environment " + c.conda.prefix});
      for (const auto& m : find_mentions(a.value, {})) {
        if (m.value == c.paths.pid_file) continue;
        // zero_downtime: the app template's own PID file per instance (contract/naming.h).
        if (c.service.zero_downtime && m.value == instance_pid_file(c, "%i")) continue;
        report.add({.code = "CSD104",
                    .file = a.file,
                    .line = a.line,
                    .message = fmt::format("gunicorn's {} in {} of {} is not the contract's PID file", m.name,
                                           key, u.name),
                    .expected = c.paths.pid_file,
                    .found = m.value,
                    .fix = render_hint(c)});
      }
      if (std::string(key) != "ExecStart" || !wrapper.empty()) continue;
      const auto& commands = exec_commands(ctx, u.config, a.value);
      if (!commands) {
        Finding f = rule_unreadable_unit(commands.error(), a.file);
        f.file = a.file;
        f.line = a.line;
        f.fix = render_hint(c);
        report.add(std::move(f));
        continue;
      }
      for (const auto& cmd : *commands) {
        const auto& allowed = c.service.allow_outside_env;
        bool through_tool = cmd.path == c.tool || base_name(cmd.path) == "conda-systemd";
        bool inside = path_is_under(cmd.path, c.conda.prefix);
        bool allowed_by_name =
            std::find(allowed.begin(), allowed.end(), base_name(cmd.path)) != allowed.end();
        if (!through_tool && !inside && !allowed_by_name)
          report.add({.code = "CSD102",
                      .file = a.file,
                      .line = a.line,
                      .message = fmt::format(
                          "ExecStart= of {} runs a binary outside the contract's environment", u.name),
                      .expected = "conda-systemd exec, or a program of " + c.conda.prefix + "/bin",
                      .found = cmd.path,
                      .fix = render_hint(c)});
        else if (inside)
          report.add({.code = "CSD102",
                      .severity = Severity::kWarning,
                      .file = a.file,
                      .line = a.line,
                      .message = fmt::format("ExecStart= of {} runs {} without activating the environment",
                                             u.name, cmd.path),
                      .expected = "conda-systemd exec (PATH, CONDA_PREFIX, activate.d)",
                      .found = cmd.path,
                      .fix = render_hint(c)});
        if (through_tool) {
          auto it = std::find(cmd.argv.begin(), cmd.argv.end(), "--contract");
          if (it != cmd.argv.end() && it + 1 != cmd.argv.end() && *(it + 1) != c.installed_path())
            report.add({.code = "CSD113",
                        .file = a.file,
                        .line = a.line,
                        .message = fmt::format("{} of {} reads another contract", key, u.name),
                        .expected = c.installed_path(),
                        .found = *(it + 1),
                        .fix = render_hint(c)});
        }
      }
    }
  }
  if (auto pid = u.config.last("Service", "PIDFile");
      pid && !pid->value.empty() && pid->value != c.paths.pid_file)
    report.add({.code = "CSD104",
                .file = pid->file,
                .line = pid->line,
                .message = fmt::format("PIDFile= of {} is not the contract's PID file", u.name),
                .expected = c.paths.pid_file,
                .found = pid->value,
                .fix = render_hint(c)});
}

void check_environment_settings(const Context& ctx, const Loaded& u, Report& report,
                                const std::vector<PathVar>& vars) {
  const Contract& c = ctx.contract;
  for (const auto& a : u.config.values("Service", "Environment")) {
    auto setting = systemd::parse_environment_value(a.value, u.config.specifiers(), a.file, a.line);
    for (const auto& issue : setting.issues) report.add(rule_env_issue(issue, a.file, a.line));
    for (const auto& e : setting.entries) {
      if (const PathVar* pv = find_path_var(vars, e.name); pv && e.value != *pv->expected)
        report.add(
            {.code = pv->code,
             .file = a.file,
             .line = a.line,
             .message = fmt::format("Environment= of {} sets the {} to another path", u.name, pv->what),
             .expected = *pv->expected,
             .found = fmt::format("{}={}", e.name, e.value),
             .fix =
                 fmt::format("remove the assignment; {} comes from {}", e.name, c.service.environment_file)});
      if (e.name == kContractVersionVar && e.value != c.version)
        report.add({.code = "CSD113",
                    .file = a.file,
                    .line = a.line,
                    .message = fmt::format("Environment= of {} sets another contract version", u.name),
                    .expected = c.version,
                    .found = e.value,
                    .fix = "remove the assignment"});
      std::string marker = find_venv_marker(e.value);
      if (!marker.empty())
        report.add({.code = "CSD103",
                    .file = a.file,
                    .line = a.line,
                    .message = fmt::format("{} assumes a venv ('{}')", e.name, marker),
                    .found = e.value,
                    .fix = "run from the conda environment " + c.conda.prefix});
    }
  }
  bool reads_contract_env = false;
  for (const auto& a : u.config.values("Service", "EnvironmentFile")) {
    auto ref = systemd::parse_environment_file_setting(a.value, u.config.specifiers());
    if (!ref) continue;
    if (ref->path == c.service.environment_file) {
      reads_contract_env = true;
      continue;
    }
    if (ref->path == c.service.secrets_file) continue;
    if (ref->optional && !path_exists(ctx.root.map(ref->path))) continue;
    check_env_file(ctx, ref->path, false, report);
  }
  if (!reads_contract_env)
    report.add({.code = "CSD116",
                .file = u.config.fragment_path(),
                .message = fmt::format("{} does not read the contract's environment file", u.name),
                .expected = "EnvironmentFile=" + c.service.environment_file,
                .fix = render_hint(c),
                .keys = {"Service.EnvironmentFile"}});
}

void check_sandbox(const Context& ctx, const Loaded& u, Report& report) {
  const Contract& c = ctx.contract;
  auto writes = written_paths(c, u.role);
  for (auto& f : rule_writable_paths(u.config, writes)) {
    f.fix = render_hint(c);
    report.add(std::move(f));
  }
  // Without "-", a missing ReadWritePaths= directory fails the start with 226/NAMESPACE.
  for (const auto& a : u.config.values("Service", "ReadWritePaths"))
    for (const auto& word : split(a.value, ' ')) {
      std::string p(trim(word));
      if (p.empty() || p[0] == '-' || path_exists(ctx.root.map(p))) continue;
      report.add(
          {.code = "CSD108",
           .severity = Severity::kWarning,
           .file = a.file,
           .line = a.line,
           .message = fmt::format("ReadWritePaths={} does not exist: the start fails with 226/NAMESPACE", p),
           .fix = fmt::format("write ReadWritePaths=-{} or create the directory", p)});
    }
  if (is_yes(u.config.last("Service", "PrivateTmp"))) {
    for (const auto& [path, key] : writes)
      if (path_is_under(path, "/tmp") || path_is_under(path, "/var/tmp"))
        report.add(
            {.code = "CSD131",
             .file = u.config.last("Service", "PrivateTmp")->file,
             .line = u.config.last("Service", "PrivateTmp")->line,
             .message = fmt::format("{} is under /tmp but {} has PrivateTmp=yes: each unit sees its own /tmp",
                                    path, u.name),
             .expected = "the runtime paths outside /tmp",
             .found = path,
             .fix = "move the runtime paths to /run/" + c.name + " in the contract"});
  }
}

void check_version(const Context& ctx, const Loaded& u, Report& report) {
  const Contract& c = ctx.contract;
  std::string version = rendered_version(u.config.fragment_path(), ctx.root);
  if (version == c.version) return;
  report.add({.code = "CSD113",
              .file = u.config.fragment_path(),
              .line = 1,
              .message = version.empty()
                             ? fmt::format("{} was not rendered by conda-systemd", u.name)
                             : fmt::format("{} was rendered from another contract version", u.name),
              .expected = "contract " + c.name + " version " + c.version,
              .found = version.empty() ? "no conda-systemd header" : "version " + version,
              .fix = render_hint(c),
              .keys = {"Unit.Description"}});
}

// The findings from `first` on are about `u`: each explains the setting at its file and line (so the
// comparison with the rendering does not report it twice), and one in a drop-in gets the drop-in's fix.
void tag(const Context& ctx, const Loaded& u, std::size_t first, Report& report) {
  auto& findings = report.findings();
  for (std::size_t i = first; i < findings.size(); ++i) {
    Finding& f = findings[i];
    if (f.unit.empty()) f.unit = u.name;
    for (const auto& a : u.config.assignments())
      if (a.file == f.file && a.line == f.line) f.keys.push_back(a.section + "." + a.key);
    std::string fix = fix_for(ctx.contract, u.config, f.file);
    if (fix != render_hint(ctx.contract) && f.fix.find("conda-systemd render") != std::string::npos)
      f.fix = fix;
  }
}

// zero_downtime: gunicorn serves the socket it inherits and ignores --bind, so the socket unit is
// what decides where the app listens: it must hold service.bind (contract/bind.h), checked before
// each instance starts. Its other settings are compared with the whole deployment (below).
void check_socket_address(const Context& ctx, Report& report) {
  const Contract& c = ctx.contract;
  auto config = systemd::load_unit(ctx.root, socket_unit(c));
  if (!config) return;  // named with the whole deployment: CSD114 or CSD115
  const std::string want = listen_stream(c.service.bind);
  std::vector<systemd::Assignment> listens;
  for (auto& a : config->values("Socket", "ListenStream")) {
    if (a.value.empty())
      listens.clear();  // an empty assignment resets the list
    else
      listens.push_back(std::move(a));
  }
  if (listens.size() == 1 && listens[0].value == want) return;
  std::string found;
  for (const auto& a : listens) found += (found.empty() ? "" : ", ") + a.value;
  const systemd::Assignment* at = listens.empty() ? nullptr : &listens.back();
  report.add(
      {.code = "CSD132",
       .file = at ? at->file : config->fragment_path(),
       .line = at ? at->line : 0,
       .message = fmt::format("{} listens on {}, not on the contract's service.bind", socket_unit(c),
                              found.empty() ? "nothing" : found),
       .expected = "ListenStream=" + want,
       .found = found.empty() ? "no ListenStream=" : "ListenStream=" + found,
       .fix = fmt::format("{}, then systemctl daemon-reload and systemctl restart {} (a socket keeps its "
                          "old address until it restarts)",
                          render_hint(c), socket_unit(c)),
       .unit = socket_unit(c),
       .keys = {"Socket.ListenStream"}});
}

}  // namespace

void check_units(const Context& ctx, Report& report) {
  const Contract& c = ctx.contract;
  std::vector<std::pair<std::string, Role>> wanted = {{app_unit(c), Role::kApp},
                                                      {watchdog_unit(c), Role::kWatchdog}};
  for (const auto& w : c.workers) wanted.push_back({worker_unit(c, w), Role::kWorker});
  auto vars = path_vars(c);
  auto rendered = render::render_units(c);
  std::vector<Loaded> units;
  for (const auto& [name, role] : wanted) {
    bool selected = ctx.only_unit.empty() || ctx.only_unit == name;
    const auto& config = unit(ctx, name);
    if (!config) {
      bool missing = config.error().is(ErrorKind::kNotFound);
      if (selected && missing)
        report.add({.code = "CSD114",
                    .file = config.error().file,
                    .line = config.error().line,
                    .message = config.error().message,
                    .fix = render_hint(c) + ", then systemctl daemon-reload"});
      else if (selected)
        report.add(rule_unreadable_unit(config.error(), config.error().file));
      continue;
    }
    if (config->masked()) {
      if (selected)
        report.add({.code = "CSD114",
                    .file = config->fragment_path(),
                    .message = name + " is masked",
                    .fix = "systemctl unmask " + name});
      continue;
    }
    units.push_back({name, role, *config});
    if (!selected) continue;
    const Loaded& u = units.back();
    for (const auto& problem : u.config.problems()) {
      Finding f = rule_unreadable_unit(problem, problem.file);
      f.unit = name;
      report.add(std::move(f));
    }
    std::size_t first = report.findings().size();
    check_version(ctx, u, report);
    check_identity(ctx, u, report);
    check_exec(ctx, u, report);
    check_environment_settings(ctx, u, report, vars);
    check_sandbox(ctx, u, report);
    tag(ctx, u, first, report);
  }
  if (c.service.zero_downtime && (ctx.only_unit.empty() || ctx.only_unit == app_unit(c)))
    check_socket_address(ctx, report);
  std::vector<const systemd::UnitConfig*> configs;
  for (const auto& u : units) configs.push_back(&u.config);
  for (auto& f : rule_shared_runtime_dirs(configs)) {
    for (const auto& u : units)
      if (u.name == f.unit) f.fix = fix_for(c, u.config, f.file);
    report.add(std::move(f));
  }
  // Last, so that every specific finding above takes precedence: one drift, one finding.
  if (!rendered) return;
  for (const auto& u : units) {
    if (!ctx.only_unit.empty() && ctx.only_unit != u.name) continue;
    for (const auto& file : *rendered)
      if (file.path == "/etc/systemd/system/" + u.name) check_drift(ctx, u.config, file.content, report);
  }
  // zero_downtime: the socket, listener, target and swap units run nothing of the contract's;
  // they are what render wrote, or drift. Checked with the whole deployment, not before one unit.
  if (!ctx.only_unit.empty()) return;
  for (const auto& name : all_units(c)) {
    bool seen = false;
    for (const auto& [w, role] : wanted) seen = seen || w == name;
    if (seen) continue;
    const auto& config = unit(ctx, name);
    if (!config) {
      bool missing = config.error().message.find("not found") != std::string::npos;
      report.add({.code = missing ? "CSD114" : "CSD115",
                  .file = config.error().file,
                  .line = config.error().line,
                  .message = config.error().message,
                  .fix = missing ? render_hint(c) + ", then systemctl daemon-reload" : config.error().hint,
                  .unit = name});
      continue;
    }
    for (const auto& file : *rendered)
      if (file.path == "/etc/systemd/system/" + name) check_drift(ctx, *config, file.content, report);
  }
}

}  // namespace csd::check
