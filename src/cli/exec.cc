// `conda-systemd exec`: run a command inside a conda environment by replacing this process
// with it. Parses, calls conda/exec_plan, prints; see docs/exec.md.
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string_view>

#include "check/inherited_sockets.h"
#include "cli/app.h"
#include "cli/command.h"
#include "conda/exec_plan.h"
#include "conda/locate.h"
#include "contract/resolve.h"
#include "util/json_text.h"
#include "util/strings.h"

extern char** environ;

namespace csd::cli {

namespace {

struct ExecOptions {
  std::string contract;
  std::string prefix;
  std::string name;
  std::string root_prefix;
  std::string worker;
  std::vector<std::string> env;
  std::vector<std::string> allow;
  bool dry_run = false;
  bool json = false;
  std::vector<std::string> command;
};

std::string current_dir() {
  std::string buf(256, '\0');
  while (::getcwd(buf.data(), buf.size()) == nullptr) {
    if (errno != ERANGE) return "/";
    buf.resize(buf.size() * 2);
  }
  buf.resize(std::char_traits<char>::length(buf.c_str()));
  return buf;
}

void print_dry_run(const conda::ExecPlan& plan, const conda::Environment& before) {
  fmt::print("program: {}\n", plan.program);
  fmt::print("argv: {}\n", shell_join(plan.argv));
  fmt::print("environment: {}\n", plan.activation.prefix);
  if (!plan.activation.conda_root.empty()) fmt::print("conda installation: {}\n", plan.activation.conda_root);
  for (const auto& script : plan.activation.activate_scripts)
    fmt::print("activate.d script run: {}\n", script);
  auto changes = conda::environment_changes(before, plan.environment);
  fmt::print("environment changes: {}\n", changes.size());
  for (const auto& c : changes) {
    switch (c.kind) {
      case conda::EnvChange::kAdded:
        fmt::print("  + {}={}\n", c.name, shell_quote(c.new_value));
        break;
      case conda::EnvChange::kChanged:
        fmt::print("  ~ {}={} (was {})\n", c.name, shell_quote(c.new_value), shell_quote(c.old_value));
        break;
      case conda::EnvChange::kRemoved:
        fmt::print("  - {} (was {})\n", c.name, shell_quote(c.old_value));
        break;
    }
  }
}

// The same plan as JSON (docs/json.md).
void print_dry_run_json(const conda::ExecPlan& plan, const conda::Environment& before) {
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : conda::environment_changes(before, plan.environment)) {
    switch (c.kind) {
      case conda::EnvChange::kAdded:
        changes.push_back({{"name", c.name}, {"change", "added"}, {"value", c.new_value}});
        break;
      case conda::EnvChange::kChanged:
        changes.push_back(
            {{"name", c.name}, {"change", "changed"}, {"value", c.new_value}, {"was", c.old_value}});
        break;
      case conda::EnvChange::kRemoved:
        changes.push_back({{"name", c.name}, {"change", "removed"}, {"was", c.old_value}});
        break;
    }
  }
  fmt::print("{}\n", json_text(nlohmann::json{{"program", plan.program},
                                              {"argv", plan.argv},
                                              {"environment", plan.activation.prefix},
                                              {"conda_root", plan.activation.conda_root},
                                              {"activate_scripts", plan.activation.activate_scripts},
                                              {"warnings", plan.activation.warnings},
                                              {"changes", changes}},
                               2));
}

int run_exec(const ExecOptions& o) {
  conda::ExecRequest request;
  request.cwd = current_dir();
  request.argv = o.command;
  request.allow_outside_env = o.allow;

  if (!o.contract.empty()) {
    auto c = load_resolved_contract(o.contract, Root(), home_dir());
    if (!c) {
      print_error(c.error(), o.json);
      return kUnusable;
    }
    // Sockets systemd passed to this very process are gunicorn's to serve once this is gunicorn:
    // they must be where the contract says (docs/exec.md, "Inherited sockets"). Kept as they are.
    auto inherited =
        host::inherited_sockets(std::getenv("LISTEN_PID"), std::getenv("LISTEN_FDS"), ::getpid());
    if (!inherited) {
      print_error(inherited.error(), o.json);
      return kUnusable;
    }
    if (auto s =
            check::check_inherited_sockets(*c, *inherited, c->service.zero_downtime ? host::own_unit() : "");
        !s) {
      print_error(s.error(), o.json);
      return kUnusable;
    }
    request.activation.prefix = c->conda.prefix;
    request.activation.conda_root = c->conda.root;
    request.activation.runner.timeout = c->conda.activate_timeout;
    for (const auto& kv : c->service.environment) request.overrides.emplace_back(kv);
    request.allow_outside_env.insert(request.allow_outside_env.end(), c->service.allow_outside_env.begin(),
                                     c->service.allow_outside_env.end());
    std::vector<std::string> default_command = c->service.command;
    if (!o.worker.empty()) {
      const WorkerSection* worker = nullptr;
      std::vector<std::string> names;
      for (const auto& w : c->workers) {
        names.push_back(w.name);
        if (w.name == o.worker) worker = &w;
      }
      if (!worker) {
        std::string near = closest_match(o.worker, names);
        print_error(file_error(o.contract, fmt::format("the contract has no [[worker]] named '{}'", o.worker),
                               near.empty() ? fmt::format("its workers: {}",
                                                          names.empty() ? "none" : shell_join(names))
                                            : fmt::format("did you mean '{}'?", near)),
                    o.json);
        return kUnusable;
      }
      // The worker's own variables come after the service's, as its unit's Environment= would.
      for (const auto& kv : worker->environment) request.overrides.emplace_back(kv);
      default_command = worker->command;
    }
    if (request.argv.empty()) request.argv = default_command;
  } else if (!o.name.empty()) {
    conda::Query q{.name = o.name, .conda_root = o.root_prefix, .home = home_dir()};
    auto located = conda::locate(q, Root());
    if (!located) {
      print_error(located.error(), o.json);
      return kUnusable;
    }
    request.activation.prefix = located->prefix;
    request.activation.conda_root = o.root_prefix;
  } else {
    request.activation.prefix = o.prefix;
    request.activation.conda_root = o.root_prefix;
  }
  request.activation.prefix = conda::normalize_path(request.activation.prefix, request.cwd);
  if (!request.activation.conda_root.empty())
    request.activation.conda_root = conda::normalize_path(request.activation.conda_root, request.cwd);

  for (const auto& text : o.env) {
    auto kv = conda::parse_assignment(text);
    if (!kv) {
      print_error(kv.error(), o.json);
      return kUnusable;
    }
    request.overrides.push_back(std::move(kv).value());
  }

  conda::Environment inherited = conda::environment_from(environ);
  conda::Planned planned = conda::plan_exec(request, inherited);
  if (!planned.plan) {
    print_error(planned.failure.error, o.json);
    return planned.failure.exit_status;
  }
  if (!o.json)
    for (const auto& w : planned.plan->activation.warnings)
      fmt::print(stderr, "conda-systemd exec: warning: {}\n", w);
  if (o.dry_run) {
    if (o.json)
      print_dry_run_json(*planned.plan, inherited);
    else
      print_dry_run(*planned.plan, inherited);
    return kOk;
  }
  std::fflush(stdout);
  conda::ExecFailure failure = conda::execute(*planned.plan);
  print_error(failure.error);
  return failure.exit_status;
}

}  // namespace

std::optional<int> run_rendered_exec(int argc, char** argv) {
  // PROG exec --contract C [--worker W] -- COMMAND...: the words render writes, and nothing else. A
  // value that is empty or starts with '-', or any other word, takes CLI11's way.
  auto is = [](const char* word, std::string_view expected) { return std::string_view(word) == expected; };
  auto plain = [](const char* word) { return word[0] != '\0' && word[0] != '-'; };
  if (argc < 6 || !is(argv[1], "exec") || !is(argv[2], "--contract") || !plain(argv[3])) return std::nullopt;
  ExecOptions o;
  o.contract = argv[3];
  int i = 4;
  if (is(argv[i], "--worker")) {
    if (i + 1 >= argc || !plain(argv[i + 1])) return std::nullopt;
    o.worker = argv[i + 1];
    i += 2;
  }
  if (i + 1 >= argc || !is(argv[i], "--")) return std::nullopt;
  o.command.assign(argv + i + 1, argv + argc);
  return run_exec(o);
}

void register_exec(CLI::App& parent, Commands& out) {
  CLI::App* app =
      add_subcommand(parent, "exec",
                     "Run a command inside a conda environment, activated as `conda activate` would, "
                     "by replacing this process with it (same PID, no wrapper)");
  // A command's own --version must never print ours: `conda-systemd --version` says it.
  app->set_version_flag("");
  // Nor may the top level's options (--version, --color) take a command's own words.
  app->fallthrough(false);
  auto o = std::make_shared<ExecOptions>();
  CLI::Option* contract = app->add_option("--contract", o->contract,
                                          "the contract: its environment, [service] "
                                          "environment and allow_outside_env; COMMAND "
                                          "defaults to [service] command")
                              ->option_text("FILE");
  CLI::Option* prefix =
      app->add_option("--prefix", o->prefix, "the environment's directory")->option_text("DIR");
  CLI::Option* name =
      app->add_option("--env-name", o->name, "the environment's name, looked up as conda does")
          ->option_text("ENV");
  CLI::Option* root =
      app->add_option("--conda-root", o->root_prefix,
                      "the conda installation (for --env-name, CONDA_EXE and CONDA_PYTHON_EXE)")
          ->option_text("DIR");
  // The name before docs/cli.md's conventions, kept working but no longer shown.
  CLI::Option* old_root =
      app->add_option("--root-prefix", o->root_prefix, "old name of --conda-root")->group("");
  CLI::Option* worker =
      app->add_option("--worker", o->worker,
                      "with --contract: a [[worker]] of it; its environment comes after the "
                      "service's, COMMAND defaults to its command")
          ->option_text("NAME");
  worker->needs(contract);
  contract->excludes(prefix)->excludes(name)->excludes(root)->excludes(old_root);
  prefix->excludes(name);
  root->excludes(old_root);
  app->add_option("--env", o->env, "set a variable after the activation (repeatable)")
      ->option_text("NAME=VALUE")
      ->allow_extra_args(false);
  app->add_option("--allow-outside-env", o->allow,
                  "let COMMAND (as written, or its full path) resolve outside the environment (repeatable)")
      ->option_text("COMMAND")
      ->allow_extra_args(false);
  app->add_flag("--dry-run", o->dry_run,
                "print the program, its arguments and the environment changes; run nothing");
  app->add_flag("--json", o->json, "with --dry-run: the plan as JSON");
  app->add_option("command", o->command, "COMMAND [ARGS...], after --");
  set_exit_codes(
      app, {{0, "with --dry-run, the plan was printed; otherwise the command's own status once it runs"},
            {2, "usage error, an unusable environment or contract, or a refused command"},
            {126, "the command is not executable"},
            {127, "the command was not found"}});
  // Everything after -- is the command's, even what looks like our options; CLI11 matches
  // options after a positional otherwise, so -- is required and the rest is checked by hand.
  app->prefix_command();
  out.push_back(
      {app, [o, app, contract, prefix, name] {
         std::vector<std::string> rest = app->remaining();
         bool dashdash = !rest.empty() && rest.back() == "--";
         if (dashdash) rest.pop_back();
         if (!o->command.empty() && !dashdash) {
           fmt::print(stderr,
                      "conda-systemd exec: write -- before the command, so that its options stay its own: "
                      "conda-systemd exec --prefix DIR -- {} ARGS...\n",
                      shell_quote(o->command.front()));
           return int(kUnusable);
         }
         if (!rest.empty()) {
           fmt::print(stderr,
                      "conda-systemd exec: unexpected arguments: {}\nRun with --help for more information.\n",
                      shell_join(rest));
           return int(kUnusable);
         }
         if (o->json && !o->dry_run) {
           fmt::print(stderr,
                      "conda-systemd exec: --json is for --dry-run: exec replaces itself with the command, "
                      "which reports nothing of its own\n");
           return int(kUnusable);
         }
         if (!contract->count() && !prefix->count() && !name->count()) {
           fmt::print(
               stderr,
               "conda-systemd exec: give one of --contract, --prefix or --env-name\nRun with --help for "
               "more information.\n");
           return int(kUnusable);
         }
         return run_exec(*o);
       }});
}

}  // namespace csd::cli
