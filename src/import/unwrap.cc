#include "import/unwrap.h"

#include <fmt/format.h>

#include "import/conda_ref.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::importer {

namespace {

constexpr int kMaxDepth = 8;

bool is_shell(const std::string& prog) {
  return prog == "bash" || prog == "sh" || prog == "dash" || prog == "zsh" || prog == "ksh";
}

std::string join_words(const std::vector<ShellWord>& words) {
  std::vector<std::string> w;
  for (const auto& x : words) w.push_back(x.text);
  return shell_join(w);
}

class Unwrapper {
 public:
  Unwrapper(const Root& root, Runs& runs) : root_(root), runs_(runs) {}

  Status argv(std::vector<std::string> args, std::map<std::string, std::string> env, int depth) {
    if (depth > kMaxDepth) return make_error("wrappers nest more than 8 deep");
    if (args.empty() || args[0].empty()) return make_error("an empty command");
    std::string prog = base_name(args[0]);
    if (prog == "env") return env_command(args, env, depth);
    if (is_shell(prog)) return shell(args, env, depth);
    if (prog == "conda" || prog == "mamba" || prog == "micromamba") return conda(args, env, depth);
    if (prog == "exec" || prog == "nohup") {
      runs_.wrappers.push_back(prog);
      args.erase(args.begin());
      return argv(std::move(args), std::move(env), depth + 1);
    }
    std::string prefix = prefix_of_binary(args[0], root_);
    if (!prefix.empty()) {
      if (runs_.prefix.empty() && runs_.env_name.empty()) {
        runs_.prefix = prefix;
        runs_.notes.push_back(
            fmt::format("the environment {} is taken from the path of {}", prefix, args[0]));
      }
      // The contract's command is looked up in the environment's PATH by `exec`.
      if (prefix == runs_.prefix || runs_.prefix.empty() || !runs_.env_name.empty())
        args[0] = base_name(args[0]);
    }
    runs_.command = std::move(args);
    return ok_status();
  }

 private:
  Status env_command(std::vector<std::string> args, std::map<std::string, std::string> env, int depth) {
    runs_.wrappers.push_back(args[0]);
    std::size_t i = 1;
    for (; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a == "--") {
        ++i;
        break;
      }
      if (a == "-i" || a == "--ignore-environment") {
        env.clear();
        runs_.notes.push_back("`env -i` starts the command with an empty environment");
      } else if (a == "-u" && i + 1 < args.size()) {
        env.erase(args[++i]);
      } else if (!a.empty() && a[0] == '-') {
        return make_error(fmt::format("`env {}` is not understood", a));
      } else if (a.find('=') != std::string::npos && a.find('=') > 0) {
        std::string name = a.substr(0, a.find('='));
        env[name] = a.substr(a.find('=') + 1);
        runs_.assignments[name] = env[name];
      } else {
        break;
      }
    }
    return argv(std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(i), args.end()), env,
                depth + 1);
  }

  Status shell(const std::vector<std::string>& args, std::map<std::string, std::string> env, int depth) {
    std::string flags;
    std::size_t i = 1;
    for (; i < args.size() && args[i].size() > 1 && args[i][0] == '-'; ++i) {
      if (args[i] == "--login")
        flags += 'l';
      else if (args[i] == "--") {
        ++i;
        break;
      } else if (args[i][1] != '-')
        flags += args[i].substr(1);
      else if (args[i] != "--norc" && args[i] != "--noprofile")
        return make_error(fmt::format("`{} {}` is not understood", base_name(args[0]), args[i]));
    }
    std::string wrapper = fmt::format("{} -{}", base_name(args[0]), flags);
    if (flags.find('c') == std::string::npos) {
      std::string script = i < args.size() ? args[i] : "(standard input)";
      return make_error(fmt::format("`{}` runs the script {}: import reads what units run, not scripts",
                                    base_name(args[0]), script),
                        "point ExecStart= at the command the script runs, or write the contract by hand");
    }
    if (i >= args.size()) return make_error(fmt::format("`{}` without a command string", wrapper));
    runs_.wrappers.push_back(wrapper);
    if (flags.find('l') != std::string::npos || flags.find('i') != std::string::npos)
      runs_.login_shell = true;
    auto script = parse_shell(args[i], env);
    if (!script) {
      Error e = script.error();
      e.message = fmt::format("in the `{}` string, column {}: {}", wrapper, e.column, e.message);
      e.column = 0;
      return e;
    }
    for (const auto& [k, v] : script->exported) env[k] = v;
    // The service is the last command; what comes before prepares it.
    const auto& cmds = script->commands;
    std::size_t last = cmds.size();
    while (last > 0 && cmds[last - 1].words.empty()) --last;
    if (last == 0) return make_error(fmt::format("the `{}` string runs no command", wrapper));
    for (std::size_t k = 0; k + 1 < last; ++k) {
      if (auto st = setup(cmds[k]); !st) return st;
    }
    const ShellCommand& service = cmds[last - 1];
    for (const auto& w : service.words) {
      runs_.expansions.insert(runs_.expansions.end(), w.expansions.begin(), w.expansions.end());
      if (w.command_substitution)
        return make_error(fmt::format("the command `{}` uses the output of `{}`, known only at run time",
                                      join_words(service.words), w.text),
                          "write the value in the unit, then import again");
    }
    for (const auto& [k, v] : service.assignments) {
      env[k] = v;
      runs_.assignments[k] = v;
    }
    for (const auto& [k, v] : script->exported) runs_.assignments[k] = v;
    std::vector<std::string> words;
    for (const auto& w : service.words) words.push_back(w.text);
    return argv(std::move(words), std::move(env), depth + 1);
  }

  // A command before the service: cd, activation, shell options; anything else is reported.
  Status setup(const ShellCommand& cmd) {
    const auto& w = cmd.words;
    if (w.empty()) return ok_status();
    for (const auto& x : w)
      runs_.expansions.insert(runs_.expansions.end(), x.expansions.begin(), x.expansions.end());
    const std::string& first = w[0].text;
    if (first == "set" || first == "export" || first == "unset" || first == "readonly" || first == "true" ||
        first == ":" || first == "umask")
      return ok_status();
    if (first == "cd" && w.size() == 2) {
      runs_.cwd = w[1].text;
      return ok_status();
    }
    if (first == "eval" && w.size() == 2 && w[1].command_substitution &&
        w[1].text.find("shell.") != std::string::npos && w[1].text.find("hook") != std::string::npos) {
      runs_.wrappers.push_back("conda shell hook");
      return ok_status();
    }
    if ((first == "source" || first == ".") && w.size() >= 2 && base_name(w[1].text) == "activate") {
      runs_.wrappers.push_back("source activate");
      runs_.conda_tool = w[1].text;
      if (w.size() >= 3) select_env(w[2].text);
      return ok_status();
    }
    if (base_name(first) == "conda" && w.size() >= 2 && w[1].text == "activate") {
      runs_.wrappers.push_back("conda activate");
      if (runs_.conda_tool.empty()) runs_.conda_tool = first;
      if (w.size() >= 3)
        select_env(w[2].text);
      else
        select_env("base");
      return ok_status();
    }
    for (const auto& x : w)
      if (x.command_substitution)
        return make_error(
            fmt::format("`{}` uses the output of `{}`, known only at run time", join_words(w), x.text));
    runs_.before.push_back(join_words(w));
    return ok_status();
  }

  void select_env(const std::string& env_or_prefix) {
    if (!env_or_prefix.empty() && env_or_prefix[0] == '/') {
      runs_.prefix = env_or_prefix;
      runs_.env_name.clear();
    } else {
      runs_.env_name = env_or_prefix;
      runs_.prefix.clear();
    }
  }

  Status conda(const std::vector<std::string>& args, std::map<std::string, std::string> env, int depth) {
    if (args.size() < 2 || args[1] != "run")
      return make_error(fmt::format("`{} {}` is not `conda run`: only that wrapper can be read",
                                    base_name(args[0]), args.size() > 1 ? args[1] : ""));
    runs_.wrappers.push_back(base_name(args[0]) + " run");
    runs_.conda_tool = args[0];
    std::size_t i = 2;
    auto value = [&](const std::string& opt, std::string& out) -> Status {
      auto eq = args[i].find('=');
      if (starts_with(args[i], "--") && eq != std::string::npos) {
        out = args[i].substr(eq + 1);
        return ok_status();
      }
      if (args[i].size() > 2 && args[i][1] != '-') {  // -nNAME
        out = args[i].substr(2);
        return ok_status();
      }
      if (i + 1 >= args.size()) return make_error(fmt::format("`conda run {}` without a value", opt));
      out = args[++i];
      return ok_status();
    };
    for (; i < args.size(); ++i) {
      const std::string& a = args[i];
      std::string v;
      if (a == "--") {
        ++i;
        break;
      } else if (a == "-n" || starts_with(a, "--name") || (starts_with(a, "-n") && a.size() > 2)) {
        if (auto st = value("-n", v); !st) return st;
        select_env(v);
      } else if (a == "-p" || starts_with(a, "--prefix") || (starts_with(a, "-p") && a.size() > 2)) {
        if (auto st = value("-p", v); !st) return st;
        runs_.prefix = v;
        runs_.env_name.clear();
      } else if (starts_with(a, "--cwd")) {
        if (auto st = value("--cwd", v); !st) return st;
        runs_.cwd = v;
      } else if (a == "--no-capture-output" || a == "--live-stream" || a == "--debug-wrapper-scripts" ||
                 a == "--dev" || a == "-v" || a == "--verbose" || a == "-q" || a == "--quiet") {
        continue;
      } else if (!a.empty() && a[0] == '-') {
        return make_error(fmt::format("`conda run {}` is not understood", a));
      } else {
        break;
      }
    }
    if (runs_.env_name.empty() && runs_.prefix.empty()) {
      runs_.env_name = "base";
      runs_.notes.push_back("`conda run` without -n or -p runs in the base environment");
    }
    if (i >= args.size()) return make_error("`conda run` without a command");
    return argv(std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(i), args.end()), env,
                depth + 1);
  }

  const Root& root_;
  Runs& runs_;
};

}  // namespace

Result<Runs> unwrap(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                    const Root& root) {
  Runs runs;
  Unwrapper u(root, runs);
  if (auto st = u.argv(argv, env, 0); !st) return st.error();
  return runs;
}

}  // namespace csd::importer
