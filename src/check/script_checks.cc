// The operational scripts the contract declares: no wrappers, no venv, the contract's paths.
#include <fmt/format.h>

#include "check/context.h"
#include "check/scan.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::check {

void check_scripts(const Context& ctx, Report& report) {
  const Contract& c = ctx.contract;
  auto vars = path_vars(c);
  std::vector<std::string> names;
  for (const auto& v : vars) names.emplace_back(v.variable);
  for (const auto& script : c.scripts) {
    auto text = read_file(ctx.root.map(script.path), ReadOptions{.max_bytes = 1 << 20});
    if (!text) {
      report.add({.code = "CSD117",
                  .file = script.path,
                  .message = text.error().message,
                  .fix = "restore the script, or remove its [[script]] entry from " + c.source});
      continue;
    }
    int number = 0;
    for (const auto& raw : split(*text, '\n')) {
      ++number;
      std::string_view line = trim(raw);
      if (line.empty() || line[0] == '#') continue;
      std::string wrapper = find_wrapper(line);
      if (!wrapper.empty())
        report.add({.code = "CSD101",
                    .file = script.path,
                    .line = number,
                    .message = fmt::format("runs through '{}'", wrapper),
                    .found = std::string(line),
                    .fix = fmt::format("start it with `{} exec --contract {} -- COMMAND`: no wrapper process",
                                       c.tool, c.installed_path())});
      std::string marker = find_venv_marker(line);
      if (!marker.empty())
        report.add({.code = "CSD103",
                    .file = script.path,
                    .line = number,
                    .message = fmt::format("assumes a venv ('{}')", marker),
                    .found = std::string(line),
                    .fix = "use the conda environment " + c.conda.prefix + " through `conda-systemd exec`"});
      for (const auto& m : find_mentions(line, names)) {
        const PathVar* pv = m.name == "--pid" ? &vars[0] : find_path_var(vars, m.name);
        if (m.value == *pv->expected) continue;
        report.add({.code = pv->code,
                    .file = script.path,
                    .line = number,
                    .message = fmt::format("{} names another {}", m.name, pv->what),
                    .expected = *pv->expected,
                    .found = m.value,
                    .fix = fmt::format("use {} (from {} in {}), or read it from the environment file",
                                       *pv->expected, pv->contract_key, c.source)});
      }
    }
  }
}

}  // namespace csd::check
