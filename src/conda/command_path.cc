#include "conda/command_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "conda/activation.h"
#include "util/strings.h"

namespace csd::conda {

namespace {

enum class Candidate { kMissing, kExecutable, kNotExecutable };

Candidate probe(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return Candidate::kMissing;
  if (S_ISREG(st.st_mode) && ::access(file.c_str(), X_OK) == 0) return Candidate::kExecutable;
  return Candidate::kNotExecutable;
}

}  // namespace

CommandLookup find_command(const std::string& command, const std::string& path_var, const std::string& cwd) {
  CommandLookup lookup;
  if (command.empty()) return lookup;
  if (command.find('/') != std::string::npos) {
    std::string file = normalize_path(command, cwd);
    lookup.searched.push_back("");
    Candidate c = probe(file);
    lookup.path = file;
    lookup.status = c == Candidate::kExecutable      ? CommandLookup::kFound
                    : c == Candidate::kNotExecutable ? CommandLookup::kNotExecutable
                                                     : CommandLookup::kNotFound;
    if (lookup.status == CommandLookup::kNotFound) lookup.path.clear();
    return lookup;
  }
  for (const std::string& dir : split(path_var, ':')) {
    lookup.searched.push_back(dir);
    std::string file = normalize_path(command, dir.empty() ? cwd : normalize_path(dir, cwd));
    switch (probe(file)) {
      case Candidate::kExecutable:
        lookup.status = CommandLookup::kFound;
        lookup.path = file;
        return lookup;
      case Candidate::kNotExecutable:
        if (lookup.status != CommandLookup::kNotExecutable) {
          lookup.status = CommandLookup::kNotExecutable;
          lookup.path = file;
        }
        break;
      case Candidate::kMissing:
        break;
    }
  }
  return lookup;
}

bool command_allowed(const std::string& command, const std::string& resolved, const std::string& prefix,
                     const std::vector<std::string>& allowed) {
  if (path_is_under(resolved, prefix)) return true;
  bool by_path_lookup = command.find('/') == std::string::npos;
  return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& entry) {
    if (entry.find('/') != std::string::npos) return normalize_path(entry, "/") == resolved;
    return by_path_lookup && entry == command;
  });
}

}  // namespace csd::conda
