#include "check/context.h"

#include <fmt/format.h>

#include "contract/naming.h"
#include "systemd/unit_name.h"

namespace csd::check {

const Result<systemd::UnitConfig>& unit(const Context& ctx, const std::string& name) {
  auto it = ctx.loaded_units.find(name);
  if (it == ctx.loaded_units.end())
    it = ctx.loaded_units
             .emplace(name, systemd::load_unit(ctx.root, loadable_unit(ctx.contract, name),
                                               systemd::default_unit_dirs(), &ctx.dropins))
             .first;
  return it->second;
}

const Result<std::vector<systemd::ExecCommand>>& exec_commands(const Context& ctx,
                                                               const systemd::UnitConfig& config,
                                                               const std::string& value) {
  auto key = std::make_pair(&config, value);
  auto it = ctx.exec_lines.find(key);
  if (it == ctx.exec_lines.end())
    it = ctx.exec_lines.emplace(key, systemd::parse_exec_line(value, config.specifiers())).first;
  return it->second;
}

std::vector<PathVar> path_vars(const Contract& c) {
  return {
      {kPidFileVar, &c.paths.pid_file, "CSD104", "PID file", "paths.pid_file"},
      {kRestartFlagVar, &c.paths.restart_flag, "CSD105", "restart flag", "paths.restart_flag"},
      {kStateFileVar, &c.paths.state_file, "CSD106", "state file", "paths.state_file"},
      {kRuntimeDirVar, &c.paths.runtime_dir, "CSD107", "runtime directory", "paths.runtime_dir"},
  };
}

Result<std::string> select_unit(const Contract& c, const std::string& name) {
  std::string full = name;
  // systemctl's rule: a name without a unit type suffix means NAME.service.
  auto dot = name.rfind('.');
  if (dot == std::string::npos || !systemd::is_unit_type(name.substr(dot + 1))) full = name + ".service";
  auto units = all_units(c);
  for (const auto& u : units)
    if (u == full) return u;
  if (auto parsed = systemd::parse_unit_name(full); parsed && parsed->is_instance())
    for (const auto& u : units)
      if (u == parsed->template_name()) return u;
  return make_error(fmt::format("contract {} renders no unit \"{}\"", c.name, name),
                    fmt::format("its units: {}", fmt::join(units, ", ")));
}

std::string render_hint(const Contract& c) {
  return "run `conda-systemd render --contract " + c.source + "`";
}

std::string fix_for(const Contract& c, const systemd::UnitConfig& unit, const std::string& file) {
  for (const auto& source : unit.files())
    if (source.drop_in && source.path == file)
      return "remove the drop-in " + file +
             " (or the setting in it), then `systemctl daemon-reload`: " + "render never writes drop-ins";
  return render_hint(c);
}

const PathVar* find_path_var(const std::vector<PathVar>& vars, const std::string& name) {
  for (const auto& v : vars)
    if (name == v.variable) return &v;
  return nullptr;
}

}  // namespace csd::check
