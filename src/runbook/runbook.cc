#include "runbook/runbook.h"

#include <fmt/format.h>

#include "contract/finding_codes.h"
#include "contract/naming.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::runbook {

namespace {

std::string program_path(const Contract& c, const std::string& word) {
  return starts_with(word, "/") ? word : c.conda.prefix + "/bin/" + word;
}

std::string quoted(const std::string& s) {
  return shell_quote(s);
}

// Every command names the installed contract: it is what the units read, and deploy edits it.
std::string tool_cmd(const Contract& c, const std::string& args) {
  return fmt::format("{} {}", c.tool, fmt::format(fmt::runtime(args), quoted(c.installed_path())));
}

std::string units_line(const Contract& c) {
  std::string out;
  for (const auto& u : all_units(c)) out += (out.empty() ? "" : " ") + u;
  return out;
}

std::vector<std::string> rendered_files(const Contract& c) {
  std::vector<std::string> files;
  for (const auto& u : all_units(c)) files.push_back("/etc/systemd/system/" + u);
  files.push_back(c.service.environment_file);
  files.push_back(c.installed_path());
  files.push_back(runbook_path(c));
  return files;
}

// A procedure: its paragraphs, then its steps.
Procedure procedure(std::string id, std::string title, std::vector<std::string> text,
                    std::vector<Step> steps) {
  return {.id = std::move(id), .title = std::move(title), .text = std::move(text), .steps = std::move(steps)};
}

Procedure procedure(std::string id, std::string title, std::string text, std::vector<Step> steps) {
  return procedure(std::move(id), std::move(title), std::vector<std::string>{std::move(text)},
                   std::move(steps));
}

const char* const kVerifyOk = "verify: all … facts ok";

Procedure install(const Contract& c) {
  Step render{.command = fmt::format("{} render --contract \"$CONTRACT\"", c.tool)};
  for (const auto& f : rendered_files(c)) render.prints.push_back("… " + f);
  return procedure(
      "install", "Install or re-render",
      std::vector<std::string>{
          fmt::format(
              "The conda environment comes first: `{}`{}, with {}. Create it with conda (`conda create "
              "--prefix {} ...`); nothing here activates it in a shell: every unit starts its program "
              "through "
              "`conda-systemd exec`, which sets the environment up as conda's activation does and then "
              "becomes the program.",
              c.conda.prefix, c.conda.python.empty() ? "" : ", Python " + c.conda.python,
              c.conda.require.empty() ? "the packages the command needs"
                                      : "`" + fmt::format("{}", fmt::join(c.conda.require, "`, `")) + "`",
              c.conda.prefix),
          fmt::format(
              "Set `CONTRACT` to the contract file: your source the first time, the installed copy `{}` "
              "after "
              "that (deploy edits that copy). `render` writes the units, the environment file, the installed "
              "contract and this runbook; each line says `wrote` or `unchanged`.",
              c.installed_path())},
      {render,
       {.command = "systemctl daemon-reload"},
       {.command = tool_cmd(c, "check --contract {}"),
        .prints = {"0 error(s), … warning(s)"},
        .intro = "`check` is what every unit runs before it starts; it must report no error."}});
}

// zero_downtime: the target and the blue instance; the rest come with them.
Procedure first_start_zero_downtime(const Contract& c) {
  return procedure(
      "first-start", "First start",
      fmt::format(
          "Enable and start the service's target and its first instance; the target brings the socket, the "
          "listener and the watchdog, and starts the active instance at boot. `{}` is the one name to start "
          "and stop the service by.",
          target_unit(c)),
      {{.command = fmt::format("systemctl enable --now {} {}", target_unit(c), app_instance(c, "blue"))},
       {.command = fmt::format("systemctl is-active {} {} {}", target_unit(c), socket_unit(c),
                               app_instance(c, "blue")),
        .prints = {"active", "active", "active"}}});
}

Procedure first_start(const Contract& c) {
  if (c.service.zero_downtime) return first_start_zero_downtime(c);
  Step enable{.command = "systemctl enable --now " + units_line(c)};
  for (const auto& u : all_units(c))
    enable.prints.push_back("Created symlink …/multi-user.target.wants/" + u + " …");
  Step active{.command = "systemctl is-active " + units_line(c)};
  for (std::size_t i = 0; i < all_units(c).size(); ++i) active.prints.push_back("active");
  return procedure(
      "first-start", "First start",
      "Enable and start every unit of the service; `enable` prints a line per unit.",
      {enable,
       active,
       {.command = tool_cmd(c, "status --contract {}"),
        .prints = {fmt::format("contract:     {} (version {})", c.installed_path(), c.version),
                   "watchdog:     alive, PID …", "master:       PID … verified …"},
        .intro = "The watchdog answers on its control socket and has proved the gunicorn master:"}});
}

Procedure health(const Contract& c) {
  std::string url = c.service.health_url.empty() ? "(no health_url in the contract)" : c.service.health_url;
  return procedure(
      "health", "Health check",
      fmt::format("`health` sends GET {} and exits 0 on a 2xx answer, 1 otherwise. `--retries N` "
                  "tries N times a second apart, `--timeout S` bounds each try.",
                  url),
      {{.command = tool_cmd(c, "health --contract {}"),
        .prints = {fmt::format("healthy: {} answered 2…", url)}}});
}

Procedure reload(const Contract& c) {
  return procedure(
      "reload", "Reload workers",
      fmt::format("A graceful reload: gunicorn starts new workers and lets the old ones finish. It is asked "
                  "for the way "
                  "the app's admin endpoint asks (the restart flag `{}`), so the watchdog's policy applies "
                  "(one reload "
                  "per {}). The app is preloaded: a reload does not load new code; restart for that.",
                  c.paths.restart_flag, format_duration(c.watchdog.cooldown)),
      {{.command = tool_cmd(c, "restart --contract {} --reason \"runbook: reload workers\""),
        .prints = {"request …: executed (…): reload confirmed in … ms; workers … -> …"}}});
}

Procedure restart(const Contract& c) {
  if (c.service.zero_downtime)
    return procedure(
        "restart", "Restart",
        fmt::format(
            "New code without a refused connection: `deploy` without an environment starts the idle instance "
            "beside the active one, waits for its READY=1 and a 2xx from its own health socket, then stops "
            "the old one gracefully. `systemctl restart {}` restarts the socket too, and refuses "
            "connections.",
            target_unit(c)),
        {{.command = tool_cmd(c, "deploy --contract {}"),
          .prints = {fmt::format("[…] deployed: {} runs new code from …", c.name)}}});
  return procedure(
      "restart", "Restart",
      fmt::format(
          "A full restart: a new gunicorn master loads the code again. `{}` checks the deployment before "
          "it starts (ExecStartPre=); if the restart fails, `journalctl -u {}` shows the finding.",
          app_unit(c), app_unit(c)),
      {{.command = "systemctl restart " + app_unit(c)},
       {.command = tool_cmd(c, "health --contract {}"),
        .prints = {fmt::format("healthy: {} answered 2…", c.service.health_url)}}});
}

Procedure scale(const Contract& c) {
  int n = c.service.workers;
  return procedure(
      "scale", "Scale workers",
      fmt::format("Adds or removes gunicorn workers one at a time and confirms the count. The contract's "
                  "count ({}) comes "
                  "back at the next restart; to change it for good, change `service.workers` and render.",
                  n),
      {{.command = tool_cmd(c, "scale --contract {} +1"),
        .prints = {fmt::format("confirmed: master …, {} -> {} worker(s)", n, n + 1)}},
       {.command = tool_cmd(c, "scale --contract {} -1"),
        .prints = {fmt::format("confirmed: master …, {} -> {} worker(s)", n + 1, n)}}});
}

Procedure verify(const Contract& c) {
  return procedure(
      "verify", "Verify",
      "`verify` compares the running system with the contract, one row per fact: each unit's state and main "
      "process (its executable, `CONDA_PREFIX`, working directory, user), the PID file, the gunicorn "
      "workers, "
      "the paths the watchdog reports on its control socket, the contract version of the installed units, "
      "the environment file and the health URL. It exits 0 only when every row says `ok`; `--json` for "
      "scripts.",
      {{.command = tool_cmd(c, "verify --contract {}"), .prints = {kVerifyOk}}});
}

Procedure deploy(const Contract& c) {
  return procedure(
      "deploy", "Deploy a new environment",
      fmt::format(
          "Build the new conda environment beside the current one (`{}/envs/NEW_ENV`), never in place, and "
          "set `NEW_ENV` to its name (or pass `--prefix PATH`). `deploy` checks it as `check` does, switches "
          "`[conda]` of `{}` to it and keeps the previous environment in `{}`, renders, restarts `{}` and "
          "waits for the health gate. When the gate fails it rolls back by itself, says `rolled back`, and "
          "exits 1.",
          c.conda.root.empty() ? "CONDA_ROOT" : c.conda.root, c.installed_path(), deploy_record_path(c),
          app_unit(c)),
      {{.command = tool_cmd(c, "deploy --contract {} --env-name \"$NEW_ENV\""),
        // Each line after the seconds since the start, each step's end with its own: "[  12.3s]
        // deploy: ... (0.4s)".
        .prints = {"[…] deploy: preflight of … passed (…)", "[…] deploy: health gate passed: …",
                   fmt::format("[…] deployed: {} runs from …", c.name)}},
       {.command = tool_cmd(c, "verify --contract {}"), .prints = {kVerifyOk}}});
}

Procedure rollback(const Contract& c) {
  return procedure(
      "rollback", "Rollback",
      fmt::format(
          "Back to the environment recorded as previous in `{}`, with the same preflight and health gate.",
          deploy_record_path(c)),
      {{.command = tool_cmd(c, "rollback --contract {}"),
        .prints = {"[…] rollback: health gate passed: …",
                   fmt::format("[…] rolled back: {} runs from …", c.name)}},
       {.command = tool_cmd(c, "verify --contract {}"), .prints = {kVerifyOk}}});
}

// The one-time move between the layouts; each runbook gives the way into its own layout.
Procedure layout_switch(const Contract& c) {
  const char* id = "switch";
  const char* title = "Switch layouts (one time)";
  std::string blue = app_instance(c, "blue"), green = app_instance(c, "green");
  if (c.service.zero_downtime) {
    Contract plain = c;
    plain.service.zero_downtime = false;
    return procedure(
        id, title,
        fmt::format("From the plain layout ({} binds the port itself) to the zero-downtime one. `render` "
                    "wrote the new units "
                    "and kept the running {}; it holds the port the socket needs, so the switch stops it "
                    "first: connections "
                    "are refused for the few seconds until {} is up, once. Then `render` again removes the "
                    "old unit. The way "
                    "back: set `zero_downtime = false`, render, and follow this procedure of that runbook.",
                    app_unit(plain), app_unit(plain), blue),
        {{.command = "systemctl daemon-reload"},
         {.command = "systemctl disable --now " + app_unit(plain)},
         {.command = fmt::format("systemctl enable --now {} {}", target_unit(c), blue)},
         // It was started for the other layout: it follows the active instance once it reads this one.
         {.command = "systemctl restart " + watchdog_unit(c)},
         {.command = tool_cmd(c, "render --contract {}")}});
  }
  Contract zd = c;
  zd.service.zero_downtime = true;
  return procedure(
      id, title,
      fmt::format(
          "From the zero-downtime layout back to the plain one, after `zero_downtime = false` and a render "
          "(which "
          "kept the running units): stop the target and its instances, forget which instance was active (a "
          "later switch starts blue), start {} and restart the watchdog for this layout, render again to "
          "remove "
          "the zero-downtime units. Connections "
          "are refused until {} is up, once.",
          app_unit(c), app_unit(c)),
      {{.command = "systemctl daemon-reload"},
       {.command = fmt::format("systemctl disable --now {} {} {} {} {}", target_unit(zd), blue, green,
                               socket_unit(zd), holder_unit(zd))},
       {.command = "rm -f " + active_instance_path(c)},
       {.command = "systemctl enable --now " + app_unit(c)},
       {.command = "systemctl restart " + watchdog_unit(c)},
       {.command = tool_cmd(c, "render --contract {}")}});
}

Procedure findings(const Contract& c) {
  return procedure(
      "findings", "Check findings",
      fmt::format(
          "A unit that refuses to start names a finding in its journal (`journalctl -u {}`); `check` lists "
          "them all, by file and line, with the fix.",
          app_unit(c)),
      {{.command = tool_cmd(c, "check --contract {}"), .prints = {"0 error(s), … warning(s)"}}});
}

}  // namespace

const std::vector<std::string>& procedure_ids() {
  static const std::vector<std::string> ids = {"install",  "first-start", "health",  "reload",
                                               "restart",  "scale",       "verify",  "deploy",
                                               "rollback", "switch",      "findings"};
  return ids;
}

std::string runbook_path(const Contract& c) {
  return join_path(c.service.workdir, "RUNBOOK.md");
}

const std::map<std::string, std::string>& finding_actions() {
  static const std::map<std::string, std::string> actions = [] {
    std::map<std::string, std::string> m;
    for (const auto& c : finding_codes()) m[c.code] = c.action;
    return m;
  }();
  return actions;
}

Runbook build(const Contract& c) {
  Runbook rb{.name = c.name, .version = c.version};
  auto row = [&](std::string key, std::string what, std::string value) {
    rb.paths.push_back({std::move(key), std::move(what), std::move(value)});
  };
  row("contract.name", "service name", c.name);
  row("contract.version", "contract version", c.version);
  row("contract.installed", "installed contract, read by every unit", c.installed_path());
  row("contract.tool", "conda-systemd, run by every unit", c.tool);
  if (!c.conda.root.empty()) row("conda.root", "conda installation", c.conda.root);
  if (!c.conda.env.empty()) row("conda.env", "environment name", c.conda.env);
  row("conda.prefix", "environment prefix", c.conda.prefix);
  row("conda.python", "Python version", c.conda.python.empty() ? "any" : c.conda.python);
  row("binary.python", "the environment's Python", c.conda.prefix + "/bin/python");
  row("binary.app", "started by " + app_unit(c) + " through exec",
      program_path(c, c.service.command.front()));
  for (const auto& w : c.workers)
    row("binary.worker." + w.name, "started by " + worker_unit(c, w) + " through exec",
        program_path(c, w.command.front()));
  row("service.workdir", "working directory", c.service.workdir);
  row("service.user", "user", c.service.user);
  row("service.environment_file", "environment file", c.service.environment_file);
  if (!c.service.secrets_file.empty())
    row("service.secrets_file", "secrets file (kept by the operator)", c.service.secrets_file);
  if (!c.service.health_url.empty()) row("service.health_url", "health URL", c.service.health_url);
  row("paths.runtime_dir", "runtime directory", c.paths.runtime_dir);
  row("paths.pid_file", "PID file", c.paths.pid_file);
  row("paths.restart_flag", "restart flag", c.paths.restart_flag);
  row("paths.state_file", "state file", c.paths.state_file);
  row("paths.control_socket", "watchdog control socket", c.paths.control_socket);
  row("deploy.record", "current and previous environment", deploy_record_path(c));
  row("runbook", "this runbook", runbook_path(c));
  row("unit.app", "application unit", "/etc/systemd/system/" + app_unit(c));
  row("unit.watchdog", "watchdog unit", "/etc/systemd/system/" + watchdog_unit(c));
  for (const auto& w : c.workers)
    row("unit.worker." + w.name, "worker unit", "/etc/systemd/system/" + worker_unit(c, w));

  rb.procedures = {install(c), first_start(c), health(c),   reload(c),        restart(c), scale(c),
                   verify(c),  deploy(c),      rollback(c), layout_switch(c), findings(c)};
  rb.findings = finding_actions();
  return rb;
}

std::string to_markdown(const Runbook& rb) {
  const PathRow* installed = nullptr;
  for (const auto& r : rb.paths)
    if (r.key == "contract.installed") installed = &r;
  std::string out;
  out += fmt::format(
      "<!-- Generated by conda-systemd {} from contract {} version {}. Do not edit: change the contract and "
      "render; `conda-systemd runbook --check` compares a runbook with the contract. -->\n\n",
      CSD_VERSION, rb.name, rb.version);
  out += fmt::format("# {} operations runbook\n\n", rb.name);
  out += fmt::format("Contract `{}`, version `{}`{}. Everything below is derived from it.\n\n", rb.name,
                     rb.version, installed ? ", installed at `" + installed->value + "`" : "");
  out += "## Runtime paths\n\n| what | key | value |\n|---|---|---|\n";
  for (const auto& r : rb.paths) out += fmt::format("| {} | `{}` | `{}` |\n", r.what, r.key, r.value);
  out +=
      "\n## Procedures\n\n"
      "Each command is literal: run it as root, as written. Under *prints* is what it prints when all is "
      "well: those lines appear in this order, other lines may come between, and `…` stands for what varies "
      "(a PID, a time). Nothing here uses a shell activation of the environment.\n\n";
  int n = 0;
  for (const auto& p : rb.procedures) {
    out += fmt::format("<!-- procedure: {} -->\n### {}. {}\n\n", p.id, ++n, p.title);
    for (const auto& t : p.text) out += t + "\n\n";
    for (const auto& s : p.steps) {
      if (!s.intro.empty()) out += s.intro + "\n\n";
      out += fmt::format("```sh\n{}\n```\n\n", s.command);
      if (s.prints.empty()) {
        out += "prints nothing.\n\n";
      } else {
        out += "prints:\n\n```text\n";
        for (const auto& l : s.prints) out += l + "\n";
        out += "```\n\n";
      }
    }
    if (p.id == "findings") {
      out += "| code | what to do |\n|---|---|\n";
      for (const auto& [code, action] : rb.findings) out += fmt::format("| `{}` | {} |\n", code, action);
      out += "\n";
    }
  }
  while (ends_with(out, "\n\n")) out.pop_back();
  return out;
}

}  // namespace csd::runbook
