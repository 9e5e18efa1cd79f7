#include "conda/exec_plan.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/fd.h"
#include "util/strings.h"

namespace csd::conda {

namespace {

Planned fail(Error error, int status) {
  return Planned{std::nullopt, ExecFailure{std::move(error), status}};
}

// The interpreter of a #! line, to explain an ENOENT from execve on a file that exists.
std::string interpreter_of(const std::string& file) {
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) return {};
  char buf[256];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n < 3 || buf[0] != '#' || buf[1] != '!') return {};
  std::string_view line(buf + 2, static_cast<std::size_t>(n) - 2);
  line = trim(line.substr(0, line.find('\n')));
  return std::string(line.substr(0, line.find_first_of(" \t")));
}

}  // namespace

Result<std::pair<std::string, std::string>> parse_assignment(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    return make_error(fmt::format("'{}' is not NAME=VALUE", text),
                      "write --env NAME=VALUE, e.g. --env LANG=C.UTF-8");
  if (text.find('\0') != std::string::npos)
    return make_error("an environment assignment contains a NUL character");
  return std::pair{text.substr(0, eq), text.substr(eq + 1)};
}

Planned plan_exec(const ExecRequest& request, const Environment& inherited) {
  if (request.argv.empty() || request.argv[0].empty())
    return fail(
        make_error("no command to run", "give it after --: conda-systemd exec --prefix P -- COMMAND ARGS..."),
        kExitUnusable);

  auto activation = activate(request.activation, inherited);
  if (!activation) return fail(activation.error(), kExitUnusable);

  ExecPlan plan;
  plan.activation = std::move(activation).value();
  plan.environment = plan.activation.environment;
  for (const auto& [name, value] : request.overrides) plan.environment[name] = value;
  plan.argv = request.argv;

  const std::string& command = request.argv[0];
  auto path = plan.environment.find("PATH");
  // No PATH at all (a script unset it) leaves what execvp falls back to.
  CommandLookup lookup =
      find_command(command, path == plan.environment.end() ? "/bin:/usr/bin" : path->second, request.cwd);
  plan.searched = lookup.searched;
  const std::string& prefix = plan.activation.prefix;
  switch (lookup.status) {
    case CommandLookup::kNotFound: {
      if (command.find('/') != std::string::npos)
        return fail(file_error(normalize_path(command, request.cwd), "no such file",
                               "give the path of a program, or a command name to look up in the environment"),
                    kExitNotFound);
      std::string where;
      for (const auto& dir : lookup.searched)
        where += "\n    " + (dir.empty() ? request.cwd + " (empty PATH entry)" : dir);
      return fail(
          make_error(fmt::format("command '{}' not found; looked in the activated PATH:{}", command, where),
                     fmt::format("install it into the environment (conda install -p {} ...), or fix the "
                                 "command's name",
                                 prefix)),
          kExitNotFound);
    }
    case CommandLookup::kNotExecutable:
      return fail(
          file_error(lookup.path, fmt::format("command '{}' is not executable", command),
                     "make it executable (chmod +x), or run it through its interpreter, e.g. python FILE"),
          kExitNotExecutable);
    case CommandLookup::kFound:
      break;
  }
  if (!command_allowed(command, lookup.path, prefix, request.allow_outside_env))
    return fail(
        file_error(lookup.path,
                   fmt::format("command '{}' resolves outside the conda environment {}", command, prefix),
                   fmt::format("install it into the environment, or allow it by name: allow_outside_env = "
                               "[\"{0}\"] in the contract's [service] section, or --allow-outside-env {0}",
                               command.find('/') == std::string::npos ? command : lookup.path)),
        kExitUnusable);
  plan.program = lookup.path;
  return Planned{std::move(plan), {}};
}

ExecFailure execute(const ExecPlan& plan) {
  std::vector<std::string> env_strings = environment_strings(plan.environment);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = plan.argv;
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  ::execve(plan.program.c_str(), argv.data(), envp.data());
  int err = errno;
  if (err == ENOENT) {
    std::string interpreter = interpreter_of(plan.program);
    return {
        file_error(
            plan.program,
            interpreter.empty()
                ? std::string("cannot execute: a file it needs (its interpreter or loader) does not exist")
                : fmt::format("cannot execute: its interpreter {} does not exist", interpreter),
            "reinstall the package into this environment so its #! line names the environment's python"),
        kExitNotFound};
  }
  if (err == ENOEXEC)
    return {file_error(plan.program, "cannot execute: not a program the kernel can run (no #! line?)",
                       "add a #! line, or run it through its interpreter"),
            kExitNotExecutable};
  return {file_error(plan.program, fmt::format("cannot execute: {}", std::strerror(err))),
          kExitNotExecutable};
}

}  // namespace csd::conda
