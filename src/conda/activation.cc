#include "conda/activation.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "util/dir.h"
#include "util/fd.h"
#include "util/file.h"
#include "util/json_text.h"
#include "util/strings.h"

namespace csd::conda {

namespace {

// conda's marker for a variable that `conda env config vars unset` removed.
constexpr std::string_view kUnsetMarker = "***unset***";
// The descriptor the activation shell reports progress and the final environment on. The
// scripts themselves run with it closed, so nothing they start in the background can hold the
// pipe open.
constexpr int kReportFd = 3;
constexpr std::size_t kMaxReport = 32u << 20;

std::string ascii_upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

// nlohmann's messages start with "[json.exception.parse_error.101] parse error at line L, column C: ";
// the file:line:column of the Error says that already.
std::string json_reason(const char* what) {
  std::string_view s = what;
  if (auto bracket = s.find("] "); bracket != std::string_view::npos) s.remove_prefix(bracket + 2);
  if (auto colon = s.find(": "); starts_with(s, "parse error") && colon != std::string_view::npos)
    s.remove_prefix(colon + 2);
  return std::string(s);
}

void locate_byte(std::string_view text, std::size_t byte, int& line, int& column) {
  line = 1;
  column = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
}

using OrderedJson = nlohmann::ordered_json;

Result<OrderedJson> parse_json(std::string_view text, const std::string& file) {
  try {
    return OrderedJson::parse(text.begin(), text.end());
  } catch (const OrderedJson::parse_error& e) {
    Error err = file_error(
        file, fmt::format("malformed JSON: {}", json_reason(e.what())),
        "repair or remove the file; `conda env config vars list -p PREFIX` shows what conda reads");
    // nlohmann counts the byte after the one that failed; report the one that failed.
    locate_byte(text, e.byte > 0 ? e.byte - 1 : 0, err.line, err.column);
    return err;
  }
}

// One JSON object of name -> value, as conda writes it. Values must be strings (what conda
// writes) or null (unset); anything else is a hand edit conda would export in Python's spelling.
Status collect_vars(const OrderedJson& object, const std::string& file, const std::string& what,
                    std::vector<EnvVar>& out) {
  if (!object.is_object())
    return file_error(file, fmt::format("{} is a JSON {}, expected an object of NAME: \"value\"", what,
                                        object.type_name()));
  for (const auto& [name, value] : object.items()) {
    if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos)
      return file_error(file, fmt::format("{} has an invalid variable name \"{}\"", what, name),
                        "names must be non-empty and contain no '='");
    if (value.is_null()) {
      out.push_back({name, std::nullopt});
    } else if (value.is_string()) {
      const auto& s = value.get_ref<const std::string&>();
      if (s.find('\0') != std::string::npos)
        return file_error(file, fmt::format("{}: the value of {} contains a NUL character", what, name));
      if (s != kUnsetMarker) out.push_back({name, s});
    } else {
      return file_error(
          file,
          fmt::format("{}: the value of {} is a JSON {}, expected a string", what, name, value.type_name()),
          fmt::format("quote it: \"{}\": \"{}\"", name, json_text(value)));
    }
  }
  return ok_status();
}

void merge_vars(std::vector<EnvVar>& into, std::vector<EnvVar> later) {
  for (auto& v : later) {
    auto same = std::find_if(into.begin(), into.end(), [&](const EnvVar& e) { return e.name == v.name; });
    if (same != into.end()) into.erase(same);
    into.push_back(std::move(v));
  }
}

std::string default_env_name(const std::string& prefix, const std::string& conda_root) {
  if (!conda_root.empty() && prefix == conda_root) return "base";
  return base_name(parent_dir(prefix)) == "envs" ? base_name(prefix) : prefix;
}

std::string infer_conda_root(const std::string& prefix) {
  std::string envs = parent_dir(prefix);
  if (base_name(envs) != "envs") return {};
  std::string root = parent_dir(envs);
  return path_exists(root + "/conda-meta/history") ? root : std::string();
}

// A child process that is never leaked: killed and reaped unless it was waited for.
class Child {
 public:
  Child() = default;
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  // The waitpid status; -1 when waiting failed.
  int wait() {
    int status = 0;
    pid_t r;
    do r = ::waitpid(pid_, &status, 0);
    while (r < 0 && errno == EINTR);
    pid_ = -1;
    return r < 0 ? -1 : status;
  }

 private:
  pid_t pid_ = -1;
};

class SpawnActions {
 public:
  SpawnActions() { ::posix_spawn_file_actions_init(&actions_); }
  ~SpawnActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return fmt::format("signal {} ({})", WTERMSIG(status), ::strsignal(WTERMSIG(status)));
  return fmt::format("wait status {}", status);
}

std::string find_env_tool() {
  for (const char* candidate : {"/usr/bin/env", "/bin/env"})
    if (is_executable_file(candidate)) return candidate;
  return "/usr/bin/env";
}

bool is_shell_owned(const std::string& name) {
  return name == "PWD" || name == "OLDPWD" || name == "SHLVL" || name == "_";
}

}  // namespace

Environment environment_from(const char* const* envp) {
  Environment env;
  if (!envp) return env;
  for (; *envp; ++envp) {
    std::string_view entry = *envp;
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

std::vector<std::string> environment_strings(const Environment& env) {
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

bool is_shell_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

std::string normalize_path(std::string_view path, std::string_view cwd) {
  std::string joined =
      (!path.empty() && path[0] == '/') ? std::string(path) : std::string(cwd) + "/" + std::string(path);
  std::vector<std::string_view> parts;
  std::string_view rest = joined;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (auto p : parts) {
    out += '/';
    out += p;
  }
  return out.empty() ? "/" : out;
}

Status check_prefix(const std::string& prefix) {
  if (!is_directory(prefix))
    return file_error(prefix, "the conda environment does not exist",
                      "create it (conda create -p PREFIX ...), or fix the prefix, name or contract");
  if (path_exists(prefix + "/pyvenv.cfg"))
    return file_error(prefix + "/pyvenv.cfg", "this is a Python venv, not a conda environment",
                      "exec activates conda environments; run the venv's bin/ program directly, or point "
                      "exec at a conda environment");
  if (!path_exists(prefix + "/conda-meta/history"))
    return file_error(prefix + "/conda-meta/history",
                      "not a conda environment: conda-meta/history is missing",
                      "point exec at an environment made by `conda create`");
  return ok_status();
}

Result<std::vector<EnvVar>> parse_state_env_vars(std::string_view json_text, const std::string& file) {
  auto parsed = parse_json(json_text, file);
  if (!parsed) return parsed.error();
  if (!parsed->is_object())
    return file_error(file, fmt::format("the state is a JSON {}, expected an object", parsed->type_name()),
                      "conda writes {\"env_vars\": {\"NAME\": \"value\"}}; repair or remove the file");
  std::vector<EnvVar> vars;
  auto it = parsed->find("env_vars");
  if (it == parsed->end() || it->is_null()) return vars;
  auto st = collect_vars(*it, file, "env_vars", vars);
  if (!st) return st.error();
  return vars;
}

Result<std::vector<EnvVar>> read_environment_variables(const std::string& prefix,
                                                       std::vector<std::string>& warnings) {
  std::vector<EnvVar> vars;
  std::string pkg_dir = prefix + "/etc/conda/env_vars.d";
  if (path_exists(pkg_dir)) {
    for (const auto& name : names_in(pkg_dir)) {
      std::string file = pkg_dir + "/" + name;
      auto text = read_file(file);
      if (!text) return text.error();
      auto parsed = parse_json(*text, file);
      if (!parsed) return parsed.error();
      std::vector<EnvVar> these;
      auto st = collect_vars(*parsed, file, "the file", these);
      if (!st) return st.error();
      merge_vars(vars, std::move(these));
    }
  }
  std::string state = prefix + "/conda-meta/state";
  if (path_exists(state)) {
    auto text = read_file(state);
    if (!text) return text.error();
    auto own = parse_state_env_vars(*text, state);
    if (!own) return own.error();
    for (const auto& v : *own)
      if (std::any_of(vars.begin(), vars.end(), [&](const EnvVar& p) { return p.name == v.name; }))
        warnings.push_back(
            fmt::format("{}: variable {} is also set by a package in {}; the environment's "
                        "value wins, as with conda",
                        state, v.name, pkg_dir));
    merge_vars(vars, std::move(own).value());
  }
  return vars;
}

std::vector<std::string> find_activate_scripts(const std::string& prefix) {
  std::string dir = prefix + "/etc/conda/activate.d";
  std::vector<std::string> scripts;
  for (const auto& name : names_in(dir))
    if (ends_with(name, ".sh")) scripts.push_back(dir + "/" + name);
  return scripts;
}

Environment apply_conda_variables(const Environment& inherited, const CondaVariables& vars,
                                  std::vector<std::string>& warnings) {
  Environment env = inherited;

  // A previous activation (CONDA_SHLVL > 0, as conda judges it): its bin directories leave PATH,
  // its stack variables go. A CONDA_PREFIX without a level (set by an image, say) is left alone.
  std::vector<std::string> old_bins;
  auto level = inherited.find("CONDA_SHLVL");
  if (level != inherited.end() && std::strtol(level->second.c_str(), nullptr, 10) > 0) {
    auto numbered = [](std::string_view name, std::string_view stem) {
      return starts_with(name, stem) && name.size() > stem.size() &&
             std::all_of(name.begin() + static_cast<std::ptrdiff_t>(stem.size()), name.end(),
                         [](char c) { return c >= '0' && c <= '9'; });
    };
    for (auto it = env.begin(); it != env.end();) {
      const std::string& name = it->first;
      bool stacked = numbered(name, "CONDA_STACKED_");
      bool lower_level = numbered(name, "CONDA_PREFIX_");
      if ((name == "CONDA_PREFIX" || lower_level) && !it->second.empty())
        old_bins.push_back(normalize_path(it->second, "/") + "/bin");
      if (stacked || lower_level)
        it = env.erase(it);
      else
        ++it;
    }
  }

  auto path_it = inherited.find("PATH");
  std::vector<std::string> path = split(path_it == inherited.end() ? "/usr/bin" : path_it->second, ':');
  std::erase_if(path, [&](const std::string& dir) {
    if (dir.empty()) return false;
    std::string clean = dir.size() > 1 && dir.back() == '/' ? dir.substr(0, dir.size() - 1) : dir;
    return std::find(old_bins.begin(), old_bins.end(), clean) != old_bins.end();
  });
  if (!vars.conda_root.empty() &&
      std::none_of(path.begin(), path.end(), [](const std::string& d) { return ends_with(d, "condabin"); }))
    path.insert(path.begin(), vars.conda_root + "/condabin");
  path.insert(path.begin(), vars.prefix + "/bin");
  std::string new_path;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i > 0) new_path += ':';
    new_path += path[i];
  }

  std::string default_env = default_env_name(vars.prefix, vars.conda_root);
  std::vector<std::pair<std::string, std::string>> exports = {
      {"PATH", new_path},
      {"CONDA_PREFIX", vars.prefix},
      {"CONDA_SHLVL", "1"},
      {"CONDA_DEFAULT_ENV", default_env},
      {"CONDA_PROMPT_MODIFIER", "(" + default_env + ") "},
  };
  std::vector<std::string> unsets;
  std::vector<std::string> overwritten;
  for (const auto& v : vars.env_vars) {
    // conda compares names as written, then uppercases what it exports.
    if (auto old = inherited.find(v.name); old != inherited.end()) {
      exports.emplace_back("__CONDA_SHLVL_0_" + v.name, old->second);
      if (!v.value || *v.value != old->second) overwritten.push_back(v.name);
    }
    if (v.value)
      exports.emplace_back(v.name, *v.value);
    else
      unsets.push_back(v.name);
  }
  if (!overwritten.empty())
    warnings.push_back(fmt::format(
        "{}: the environment's variables overwrite inherited ones: {} (the inherited values are kept in "
        "__CONDA_SHLVL_0_<NAME>, as conda does)",
        vars.prefix, fmt::join(overwritten, ", ")));
  if (!vars.conda_root.empty()) {
    if (path_exists(vars.conda_root + "/bin/conda"))
      exports.emplace_back("CONDA_EXE", vars.conda_root + "/bin/conda");
    if (path_exists(vars.conda_root + "/bin/python"))
      exports.emplace_back("CONDA_PYTHON_EXE", vars.conda_root + "/bin/python");
  }
  unsets.push_back("_CE_M");
  unsets.push_back("_CE_CONDA");

  // conda's shell code unsets first, then exports.
  for (const auto& name : unsets) env.erase(ascii_upper(name));
  for (auto& [name, value] : exports) env[ascii_upper(name)] = value;
  return env;
}

namespace {

// The script that was running when the time ran out: the last "B<i>" marker.
Error timed_out(const std::vector<std::string>& scripts, const std::string& report,
                const ScriptRunner& runner) {
  std::size_t running = scripts.size();
  for (const auto& line : split(report.substr(0, report.find("\nE\n")), '\n'))
    if (starts_with(line, "B")) running = std::strtoul(line.c_str() + 1, nullptr, 10);
  auto secs = std::chrono::duration_cast<std::chrono::duration<double>>(runner.timeout).count();
  std::string hint =
      "a script must not wait for input or a network that is not there; raise [conda] activate_timeout "
      "in the contract if it really needs longer";
  if (running >= scripts.size())
    return file_error(runner.shell, fmt::format("the activate.d scripts did not finish within {:g} s", secs),
                      hint);
  return file_error(scripts[running],
                    fmt::format("activate.d script did not finish within {:g} s: stopped", secs), hint);
}

}  // namespace

Result<Environment> run_activate_scripts(const std::vector<std::string>& scripts, const Environment& env,
                                         const ScriptRunner& runner) {
  if (scripts.empty()) return env;
  for (const auto& script : scripts) {
    struct stat st {};
    if (::stat(script.c_str(), &st) != 0)
      return file_error(script, fmt::format("activate.d script cannot be read: {}", std::strerror(errno)));
    if (!S_ISREG(st.st_mode))
      return file_error(script, "activate.d script is not a regular file",
                        "remove it or rename it so that it does not end in .sh");
    if (::access(script.c_str(), R_OK) != 0)
      return file_error(script, fmt::format("activate.d script cannot be read: {}", std::strerror(errno)),
                        "make it readable by the service's user (chmod a+r)");
  }

  // Progress markers ("B<i>" before script i, "F<i> <status>" when it fails, "E" at the end)
  // say which script failed, even one that ends the shell with `exit`.
  std::string program;
  for (std::size_t i = 0; i < scripts.size(); ++i)
    program += fmt::format(
        "printf 'B{0}\\n' >&{1}\n. {2} {1}>&- || {{ printf 'F{0} %d\\n' \"$?\" >&{1}; exit 1; }}\n", i,
        kReportFd, shell_quote(scripts[i]));
  std::string env_tool = runner.env_tool.empty() ? find_env_tool() : runner.env_tool;
  program += fmt::format("printf 'E\\n' >&{0}\nexec {1} -0 >&{0}\n", kReportFd, shell_quote(env_tool));

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return make_error(
        fmt::format("cannot create a pipe for the activate.d scripts: {}", std::strerror(errno)));
  Fd read_end(fds[0]);
  Fd write_end(fds[1]);

  SpawnActions actions;
  ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (write_end.get() == kReportFd) {
    // dup2 onto itself would keep close-on-exec; move it out of the way first.
    Fd moved(::fcntl(write_end.get(), F_DUPFD_CLOEXEC, kReportFd + 1));
    write_end = std::move(moved);
  }
  ::posix_spawn_file_actions_adddup2(actions.get(), write_end.get(), kReportFd);

  std::vector<std::string> env_strings = environment_strings(env);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string arg0 = "sh", arg1 = "-c", arg3 = "sh";
  char* argv[] = {arg0.data(), arg1.data(), program.data(), arg3.data(), nullptr};

  // Its own process group, so that a timeout ends whatever a script started too.
  posix_spawnattr_t attr;
  ::posix_spawnattr_init(&attr);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  ::posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, runner.shell.c_str(), actions.get(), &attr, argv, envp.data());
  ::posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return file_error(runner.shell, fmt::format("cannot start the shell for the activate.d scripts: {}",
                                                std::strerror(rc)));
  Child child(pid);
  write_end.reset();

  std::string report;
  char buf[65536];
  const auto deadline = std::chrono::steady_clock::now() + runner.timeout;
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd pfd{read_end.get(), POLLIN, 0};
    int ready = left.count() > 0 ? ::poll(&pfd, 1, static_cast<int>(left.count())) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      ::kill(-pid, SIGKILL);
      return timed_out(scripts, report, runner);
    }
    ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return make_error(
          fmt::format("cannot read the environment of the activate.d scripts: {}", std::strerror(errno)));
    if (n == 0) break;
    report.append(buf, static_cast<std::size_t>(n));
    if (report.size() > kMaxReport)
      return make_error(
          fmt::format("the environment after the activate.d scripts exceeds {} MiB", kMaxReport >> 20));
  }
  int status = child.wait();

  // Walk the markers: lines up to "E\n", then the NUL-separated environment.
  std::size_t pos = 0;
  long running = -1;
  bool finished = false;
  while (pos < report.size() && !finished) {
    auto nl = report.find('\n', pos);
    if (nl == std::string::npos) break;
    std::string_view line(report.data() + pos, nl - pos);
    pos = nl + 1;
    if (line == "E") {
      finished = true;
    } else if (starts_with(line, "B")) {
      running = std::strtol(std::string(line.substr(1)).c_str(), nullptr, 10);
    } else if (starts_with(line, "F")) {
      auto parts = split(line.substr(1), ' ');
      std::size_t index = std::strtoul(parts[0].c_str(), nullptr, 10);
      std::string code = parts.size() > 1 ? parts[1] : "?";
      if (index >= scripts.size()) break;
      return file_error(
          scripts[index], fmt::format("activate.d script failed: sourcing it returned status {}", code),
          fmt::format("its last command's status is the script's; a final `[ ... ] && ...` returns "
                      "1 when the test is false. The scripts run in {}, not bash",
                      runner.shell));
    }
  }
  if (!finished) {
    if (running >= 0 && static_cast<std::size_t>(running) < scripts.size())
      return file_error(
          scripts[static_cast<std::size_t>(running)],
          fmt::format("activate.d script ended the shell ({}) before the activation finished",
                      status < 0 ? "status unknown" : describe_status(status)),
          fmt::format("a script must not call exit; a syntax error, or a bash-only construct in {}, "
                      "also ends the shell: see its message above",
                      runner.shell));
    return file_error(runner.shell,
                      fmt::format("the shell for the activate.d scripts ended ({}) before running them",
                                  status < 0 ? "status unknown" : describe_status(status)));
  }
  if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return file_error(env_tool,
                      fmt::format("could not list the environment after the activate.d scripts ({})",
                                  status < 0 ? "status unknown" : describe_status(status)));

  Environment dumped;
  while (pos < report.size()) {
    auto end = report.find('\0', pos);
    if (end == std::string::npos) end = report.size();
    std::string_view entry(report.data() + pos, end - pos);
    pos = end + 1;
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    dumped.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  // What the scripts could not have changed, or what the shell changes by itself, stays as it was.
  for (auto it = dumped.begin(); it != dumped.end();) {
    if (is_shell_owned(it->first) || !is_shell_name(it->first))
      it = dumped.erase(it);
    else
      ++it;
  }
  for (const auto& [name, value] : env)
    if (is_shell_owned(name) || !is_shell_name(name)) dumped[name] = value;
  return dumped;
}

Result<Activation> activate(const ActivationOptions& options, const Environment& inherited) {
  Activation a;
  a.prefix = options.prefix;
  auto st = check_prefix(a.prefix);
  if (!st) return st.error();
  a.conda_root = options.conda_root.empty() ? infer_conda_root(a.prefix) : options.conda_root;
  auto vars = read_environment_variables(a.prefix, a.warnings);
  if (!vars) return vars.error();
  Environment env =
      apply_conda_variables(inherited, {a.prefix, a.conda_root, std::move(vars).value()}, a.warnings);
  a.activate_scripts = find_activate_scripts(a.prefix);
  if (!a.activate_scripts.empty()) {
    auto after = run_activate_scripts(a.activate_scripts, env, options.runner);
    if (!after) return after.error();
    env = std::move(after).value();
  }
  a.environment = std::move(env);
  return a;
}

std::vector<EnvChange> environment_changes(const Environment& before, const Environment& after) {
  std::vector<EnvChange> changes;
  auto b = before.begin();
  auto a = after.begin();
  while (b != before.end() || a != after.end()) {
    if (a == after.end() || (b != before.end() && b->first < a->first)) {
      changes.push_back({EnvChange::kRemoved, b->first, b->second, ""});
      ++b;
    } else if (b == before.end() || a->first < b->first) {
      changes.push_back({EnvChange::kAdded, a->first, "", a->second});
      ++a;
    } else {
      if (a->second != b->second) changes.push_back({EnvChange::kChanged, a->first, b->second, a->second});
      ++a;
      ++b;
    }
  }
  return changes;
}

}  // namespace csd::conda
