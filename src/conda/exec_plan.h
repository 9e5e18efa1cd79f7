// `conda-systemd exec`: from an environment and a command to the execve that replaces this
// process with the command, activated. Planning does everything that can fail with a clear
// error before the process is replaced, so a service never starts with half an environment.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conda/activation.h"
#include "conda/command_path.h"
#include "util/error.h"

namespace csd::conda {

// The statuses exec ends with when it cannot replace itself, as POSIX shells use them.
inline constexpr int kExitUnusable = 2;         // environment, contract or policy
inline constexpr int kExitNotExecutable = 126;  // found, but cannot be executed
inline constexpr int kExitNotFound = 127;       // not found

struct ExecRequest {
  ActivationOptions activation;
  // Set after the activation, in order, later ones winning: the contract's [service] environment,
  // then --env.
  std::vector<std::pair<std::string, std::string>> overrides;
  std::vector<std::string> allow_outside_env;  // commands that may resolve outside the prefix
  std::vector<std::string> argv;               // COMMAND ARGS...
  std::string cwd;                             // for relative commands and empty PATH entries
};

struct ExecPlan {
  Activation activation;
  std::string program;  // absolute; what execve runs
  std::vector<std::string> argv;
  Environment environment;  // exactly what the program gets
  std::vector<std::string> searched;
};

struct ExecFailure {
  Error error;
  int exit_status = kExitUnusable;
};

struct Planned {
  std::optional<ExecPlan> plan;  // set on success
  ExecFailure failure;           // otherwise
};

Planned plan_exec(const ExecRequest& request, const Environment& inherited);

// Replaces this process with the plan's program: same PID, no child. Returns only when the
// kernel refused, with the status a shell would use.
ExecFailure execute(const ExecPlan& plan);

// "NAME=value" of --env; the name must be non-empty and hold no '=' or NUL.
Result<std::pair<std::string, std::string>> parse_assignment(const std::string& text);

}  // namespace csd::conda
