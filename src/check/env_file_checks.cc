// The environment files: readable, read by systemd as a shell would read them, values as in the contract.
#include <fmt/format.h>
#include <unistd.h>

#include "check/context.h"
#include "check/rules.h"
#include "check/scan.h"
#include "contract/naming.h"
#include "systemd/env_file.h"
#include "util/file.h"

namespace csd::check {

void check_env_file(const Context& ctx, const std::string& path, bool rendered, Report& report) {
  const Contract& c = ctx.contract;
  auto file = systemd::read_env_file(ctx.root.map(path), path);
  if (!file) {
    Finding f = rule_unreadable_env_file(file.error(), path);
    if (rendered) f.fix = render_hint(c);
    report.add(std::move(f));
    return;
  }
  for (const auto& issue : file->issues) report.add(rule_env_issue(issue, path, 0));
  auto vars = path_vars(c);
  std::map<std::string, std::string> expected;
  if (rendered)
    for (const auto& v : contract_environment(c)) expected[v.name] = v.value;
  for (const auto& entry : file->entries) {
    if (const PathVar* pv = find_path_var(vars, entry.name); pv && entry.value != *pv->expected) {
      report.add({.code = pv->code,
                  .file = path,
                  .line = entry.line,
                  .message = fmt::format("{} sets the {} to another path", entry.name, pv->what),
                  .expected = *pv->expected,
                  .found = entry.value,
                  .fix = rendered ? "run `conda-systemd render`; the file is generated"
                                  : fmt::format("remove the line, or set it to {}", *pv->expected)});
      continue;
    }
    std::string marker = find_venv_marker(entry.value);
    if (!marker.empty())
      report.add({.code = "CSD103",
                  .file = path,
                  .line = entry.line,
                  .message = fmt::format("{} assumes a venv ('{}')", entry.name, marker),
                  .found = entry.value,
                  .fix = "remove it: the service runs from the conda environment " + c.conda.prefix});
    auto it = expected.find(entry.name);
    if (rendered && it == expected.end() && marker.empty())
      report.add({.code = "CSD132",
                  .file = path,
                  .line = entry.line,
                  .message = fmt::format("{} is not in what render writes", entry.name),
                  .expected = "(not set)",
                  .found = entry.name + "=" + entry.value,
                  .fix = fmt::format("{}; to set a variable, add it to [service] environment in {}",
                                     render_hint(c), c.source)});
    if (it != expected.end() && it->second != entry.value)
      report.add({.code = entry.name == kContractVersionVar ? "CSD113" : "CSD116",
                  .file = path,
                  .line = entry.line,
                  .message = fmt::format("{} differs from the contract", entry.name),
                  .expected = it->second,
                  .found = entry.value,
                  .fix = render_hint(c)});
  }
  if (rendered) {
    auto have = file->variables();
    for (const auto& [name, value] : expected)
      if (!have.count(name))
        report.add({.code = "CSD116",
                    .file = path,
                    .message = fmt::format("{} is missing", name),
                    .expected = value,
                    .fix = render_hint(c)});
  }
}

void check_env_files(const Context& ctx, Report& report) {
  check_env_file(ctx, ctx.contract.service.environment_file, true, report);
  const std::string& secrets = ctx.contract.service.secrets_file;
  if (secrets.empty()) return;
  if (!path_exists(ctx.root.map(secrets))) {
    report.add({.code = "CSD112",
                .severity = Severity::kWarning,
                .file = secrets,
                .message = "the secrets file does not exist: the app starts without its secrets",
                .fix = "create it (mode 0640, owned by root, group " + ctx.contract.service.group + ")"});
    return;
  }
  // systemd reads it as root; check runs as the service user, who should not read secrets.
  if (::access(ctx.root.map(secrets).c_str(), R_OK) != 0) return;
  check_env_file(ctx, secrets, false, report);
}

}  // namespace csd::check
