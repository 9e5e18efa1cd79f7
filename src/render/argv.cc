#include <fmt/format.h>

#include "contract/naming.h"
#include "render/render.h"
#include "render/unit_parts.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::render {

bool is_gunicorn(const std::vector<std::string>& command) {
  if (command.empty()) return false;
  if (base_name(command[0]) == "gunicorn") return true;
  // python -m gunicorn
  return command.size() >= 3 && starts_with(base_name(command[0]), "python") && command[1] == "-m" &&
         command[2] == "gunicorn";
}

namespace {

// The value gunicorn would read for an option given as "--opt V", "--opt=V" or a short "-x V".
const std::string* find_option(const std::vector<std::string>& argv, const std::vector<std::string>& names,
                               std::string& joined) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    for (const std::string& name : names) {
      if (argv[i] == name && i + 1 < argv.size()) return &argv[i + 1];
      std::string eq = name + "=";
      if (starts_with(argv[i], eq) && starts_with(name, "--")) {
        joined = argv[i].substr(eq.size());
        return &joined;
      }
    }
  }
  return nullptr;
}

}  // namespace

Result<std::vector<std::string>> service_argv(const Contract& c) {
  std::vector<std::string> argv = c.service.command;
  if (!is_gunicorn(argv)) return argv;
  struct Fact {
    std::vector<std::string> names;
    std::string value;
    const char* contract_key;
  };
  std::vector<Fact> facts = {
      // zero_downtime: each instance its own PID file (render/unit_parts.h: kInstanceWord).
      {{"--pid", "-p"},
       c.service.zero_downtime ? instance_pid_file(c, parts::kInstanceWord) : c.paths.pid_file,
       "paths.pid_file"},
      {{"--workers", "-w"}, std::to_string(c.service.workers), "service.workers"},
      {{"--graceful-timeout"},
       std::to_string(c.service.graceful_timeout.count() / 1000),
       "service.graceful_timeout"},
  };
  if (!c.service.bind.empty()) facts.push_back({{"--bind", "-b"}, c.service.bind, "service.bind"});
  std::vector<std::string> additions;
  for (const auto& fact : facts) {
    std::string joined;
    const std::string* given = find_option(argv, fact.names, joined);
    if (!given) {
      additions.push_back(fact.names.front());
      additions.push_back(fact.value);
    } else if (*given != fact.value) {
      return file_error(c.source,
                        fmt::format("service.command sets {} {} but {} is {}", fact.names.front(), *given,
                                    fact.contract_key, fact.value),
                        fmt::format("remove {} from service.command; render adds it from {}",
                                    fact.names.front(), fact.contract_key));
    }
  }
  // Options go before the app's positional argument, where a reader of the unit expects them.
  std::size_t program_words = base_name(argv[0]) == "gunicorn" ? 1 : 3;
  argv.insert(argv.begin() + static_cast<std::ptrdiff_t>(program_words), additions.begin(), additions.end());
  return argv;
}

}  // namespace csd::render
