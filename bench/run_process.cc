#include "run_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace csd::bench {

namespace {

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Usage run_usage(const std::vector<std::string>& argv, const std::vector<std::string>* env) {
  Usage out;
  std::vector<char*> args = pointers(argv);
  std::vector<char*> envp = env ? pointers(*env) : std::vector<char*>{};
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  ::posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env ? envp.data() : environ);
  ::posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return out;
  int status = 0;
  struct rusage usage {};
  while (::wait4(pid, &status, 0, &usage) < 0) {
  }
  auto us = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_usec);
  };
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  out.cpu_us = us(usage.ru_utime) + us(usage.ru_stime);
  out.minor_faults = usage.ru_minflt;
  out.major_faults = usage.ru_majflt;
  return out;
}

int run_process(const std::vector<std::string>& argv, double* cpu_seconds) {
  Usage u = run_usage(argv);
  if (cpu_seconds) *cpu_seconds = u.cpu_us / 1e6;
  return u.status;
}

}  // namespace csd::bench
