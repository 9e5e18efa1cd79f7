// The conda environment itself: there, conda, the right Python, the required packages, sound entry points.
#include <fmt/format.h>

#include <algorithm>

#include "check/context.h"
#include "conda/layout.h"
#include "contract/naming.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::check {

void check_environment(const Context& ctx, Report& report) {
  const Contract& c = ctx.contract;
  auto layout = conda::inspect(c.conda.prefix, ctx.root);
  if (!layout) {
    const Error& e = layout.error();
    report.add({.code = "CSD120",
                .file = e.file,
                .message = e.message,
                .expected = "a conda environment at " + c.conda.prefix,
                .fix = e.hint});
    return;
  }
  if (!c.conda.python.empty() && layout->python_major_minor() != c.conda.python) {
    report.add({.code = "CSD121",
                .file = c.conda.prefix + "/conda-meta",
                .message = "the environment's Python is not the contract's",
                .expected = "python " + c.conda.python,
                .found = layout->python_version.empty() ? "no python package record"
                                                        : "python " + layout->python_version,
                .fix = fmt::format("install python={} into {}, or change conda.python in {}", c.conda.python,
                                   c.conda.prefix, c.source)});
  }
  for (const auto& name : c.conda.require) {
    if (layout->find(name)) continue;
    report.add({.code = "CSD122",
                .file = c.conda.prefix + "/conda-meta",
                .message = fmt::format("required package '{}' is not installed", name),
                .expected = name,
                .found = "no conda record or pip metadata for it",
                .fix = fmt::format("conda install -p {} {}", c.conda.prefix, name)});
  }
  for (const auto& problem : layout->problems) {
    bool shebang = problem.is(ErrorKind::kMismatch);
    report.add({.code = shebang ? "CSD123" : "CSD120",
                .severity = shebang ? Severity::kError : Severity::kWarning,
                .file = problem.file,
                .line = shebang ? 1 : 0,
                .message = problem.message,
                .fix = problem.hint});
  }

  // The command must come from the environment unless the contract allows it by name.
  auto check_command = [&](const std::vector<std::string>& command, const std::string& where) {
    if (command.empty()) return;
    const std::string& program = command[0];
    const auto& allowed = c.service.allow_outside_env;
    if (std::find(allowed.begin(), allowed.end(), base_name(program)) != allowed.end()) return;
    if (program[0] == '/') {
      if (!path_is_under(program, c.conda.prefix))
        report.add({.code = "CSD102",
                    .file = c.source,
                    .message = where + " runs a binary outside the environment",
                    .expected = "a program of " + c.conda.prefix + "/bin",
                    .found = program,
                    .fix = "name the program without a path (exec finds it in the environment), or list it "
                           "in service.allow_outside_env"});
      return;
    }
    if (!is_executable_file(ctx.root.map(c.conda.prefix + "/bin/" + program)))
      report.add({.code = "CSD124",
                  .file = c.source,
                  .message = fmt::format("{} runs '{}', which the environment does not have", where, program),
                  .expected = c.conda.prefix + "/bin/" + program,
                  .found = "nothing executable there",
                  .fix = fmt::format("conda install -p {} <the package that provides {}>", c.conda.prefix,
                                     program)});
  };
  // With --unit, a worker's missing program must not stop the app's start (or another worker's).
  auto selected = [&](const std::string& unit) { return ctx.only_unit.empty() || ctx.only_unit == unit; };
  if (selected(app_unit(c))) check_command(c.service.command, "service.command");
  for (const auto& w : c.workers)
    if (selected(worker_unit(c, w))) check_command(w.command, "worker " + w.name);
}

}  // namespace csd::check
