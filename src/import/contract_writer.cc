#include "import/contract_writer.h"

#include <fmt/format.h>

#include "util/duration.h"
#include "util/strings.h"

namespace csd::importer {

namespace {

std::string toml_array(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + toml_string(v[i]);
  return out + "]";
}

std::string toml_table(const std::map<std::string, std::string>& m) {
  std::string out = "{ ";
  bool first = true;
  for (const auto& [k, v] : m) {
    out += (first ? "" : ", ") + k + " = " + toml_string(v);
    first = false;
  }
  return out + " }";
}

// Comment lines never break: a newline in a source would end the comment and start TOML, and TOML
// allows no other control character in a comment but tab, so those are written as \xNN.
std::string comment(const std::string& text) {
  std::string out;
  for (const auto& line : split(text, '\n')) {
    out += "# ";
    for (unsigned char ch : line)
      out +=
          (ch < 0x20 && ch != '\t') || ch == 0x7f ? fmt::format("\\x{:02x}", ch) : std::string(1, char(ch));
    out += "\n";
  }
  return out;
}

class Writer {
 public:
  explicit Writer(const Imported& im) : im_(im) {}

  void key(const std::string& qualified, const std::string& bare, const std::string& value) {
    auto it = im_.origin.find(qualified);
    if (it == im_.origin.end()) return;
    out_ += comment("from " + it->second);
    out_ += bare + " = " + value + "\n";
  }
  void raw(const std::string& s) { out_ += s; }
  std::string text() const { return out_; }

 private:
  const Imported& im_;
  std::string out_;
};

}  // namespace

std::string write_contract(const Imported& im, const std::string& command_line) {
  const Contract& c = im.contract;
  Writer w(im);
  if (!im.contract_text.empty()) {
    w.raw(
        comment(fmt::format("The runtime contract of {}, given back by\n  {}\nfrom the installed copy its "
                            "units were rendered from (docs/import.md).",
                            c.name, command_line)));
    for (const auto& p : im.problems) w.raw(comment("PROBLEM: " + p.to_string()));
    w.raw("\n" + im.contract_text);
    return w.text();
  }
  w.raw(comment(fmt::format(
      "The runtime contract of {}, imported from its hand-written units by\n  {}\n"
      "Each value says which file it came from. Review it, then run\n"
      "  conda-systemd render --contract THIS_FILE\n"
      "Every key is documented in docs/contract.md; docs/import.md tells how the values were chosen.",
      c.name, command_line)));
  if (!im.problems.empty()) {
    w.raw("#\n# NOT EQUIVALENT to the imported deployment, written on request (--force):\n");
    for (const auto& p : im.problems) w.raw(comment("PROBLEM: " + p.to_string()));
  }
  w.raw("\n[contract]\n");
  w.raw("name = " + toml_string(c.name) + "\n");
  w.key("contract.version", "version", toml_string(c.version));
  w.key("contract.tool", "tool", toml_string(c.tool));

  w.raw("\n[conda]\n");
  w.key("conda.root", "root", toml_string(c.conda.root));
  w.key("conda.env", "env", toml_string(c.conda.env));
  w.key("conda.prefix", "prefix", toml_string(c.conda.prefix));

  w.raw("\n[service]\n");
  w.key("service.user", "user", toml_string(c.service.user));
  w.key("service.group", "group", toml_string(c.service.group));
  w.key("service.workdir", "workdir", toml_string(c.service.workdir));
  w.key("service.command", "command", toml_array(c.service.command));
  w.key("service.secrets_file", "secrets_file", toml_string(c.service.secrets_file));
  w.key("service.bind", "bind", toml_string(c.service.bind));
  w.key("service.workers", "workers", std::to_string(c.service.workers));
  w.key("service.graceful_timeout", "graceful_timeout",
        toml_string(format_duration(c.service.graceful_timeout)));
  w.key("service.allow_outside_env", "allow_outside_env", toml_array(c.service.allow_outside_env));
  if (!c.service.environment.empty()) {
    std::string sources;
    for (const auto& [k, v] : c.service.environment) {
      auto it = im.origin.find("service.environment." + k);
      sources += fmt::format("\n  {}: {}", k, it == im.origin.end() ? "the units" : it->second);
    }
    w.raw(comment("from" + sources));
    w.raw("environment = " + toml_table(c.service.environment) + "\n");
  }

  w.raw("\n[paths]\n");
  w.key("paths.runtime_dir", "runtime_dir", toml_string(c.paths.runtime_dir));
  w.key("paths.pid_file", "pid_file", toml_string(c.paths.pid_file));
  w.key("paths.restart_flag", "restart_flag", toml_string(c.paths.restart_flag));
  w.key("paths.state_file", "state_file", toml_string(c.paths.state_file));

  w.raw("\n[watchdog]\n");
  w.key("watchdog.cooldown", "cooldown", toml_string(format_duration(c.watchdog.cooldown)));
  w.key("watchdog.retry_budget", "retry_budget", std::to_string(c.watchdog.retry_budget));
  w.key("watchdog.churn_threshold", "churn_threshold", std::to_string(c.watchdog.churn_threshold));
  w.key("watchdog.window", "window", toml_string(format_duration(c.watchdog.window)));
  w.key("watchdog.history_limit", "history_limit", std::to_string(c.watchdog.history_limit));
  w.key("watchdog.guarded_mode", "guarded_mode", c.watchdog.guarded_mode ? "true" : "false");

  for (const auto& wk : c.workers) {
    std::string key = "worker." + wk.name;
    w.raw("\n[[worker]]\n");
    w.raw("name = " + toml_string(wk.name) + "\n");
    w.key(key + ".command", "command", toml_array(wk.command));
    if (!wk.environment.empty()) {
      std::string sources;
      for (const auto& [k, v] : wk.environment) {
        auto it = im.origin.find(key + ".environment." + k);
        sources += fmt::format("\n  {}: {}", k, it == im.origin.end() ? "the unit" : it->second);
      }
      w.raw(comment("from" + sources));
      w.raw("environment = " + toml_table(wk.environment) + "\n");
    }
  }
  return w.text();
}

}  // namespace csd::importer

#include "render/render.h"

namespace csd::importer {

Status validate_written(const std::string& text, const std::string& source) {
  auto c = parse_contract(text, source);
  if (!c) return c.error();
  auto files = render::render_all(*c, text);
  if (!files) return files.error();
  return ok_status();
}

}  // namespace csd::importer
