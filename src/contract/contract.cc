#include "contract/contract.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "contract/naming.h"
#include "contract/toml.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd {

namespace {

struct KeySet {
  const char* section;
  std::vector<std::string> keys;
};

const std::vector<KeySet>& schema() {
  static const std::vector<KeySet> s = {
      {"contract", {"name", "version", "tool", "min_tool_version"}},
      {"conda", {"root", "env", "prefix", "python", "require", "activate_timeout"}},
      {"service",
       {"user", "group", "workdir", "command", "environment_file", "secrets_file", "bind", "health_url",
        "workers", "graceful_timeout", "environment", "allow_outside_env", "memory_deny_write_execute",
        "zero_downtime"}},
      {"paths", {"runtime_dir", "pid_file", "restart_flag", "state_file", "control_socket"}},
      {"watchdog",
       {"cooldown", "retry_budget", "churn_threshold", "window", "reload_timeout", "flag_max_age",
        "history_limit", "guarded_mode", "on_unconfirmed", "watchdog_sec", "restart_mode"}},
      {"worker", {"name", "command", "environment"}},
      {"script", {"path"}},
  };
  return s;
}

// Reads one TOML table against its schema; the first problem becomes the Error.
class TableReader {
 public:
  TableReader(const std::string& source, const toml::table* table, std::string section)
      : source_(source), table_(table), section_(std::move(section)) {}

  bool failed() const { return failed_; }
  Error error() const { return error_; }

  void fail_at(const toml::source_region& where, std::string message, std::string hint = {}) {
    if (failed_) return;
    failed_ = true;
    error_ = file_error(source_, std::move(message), std::move(hint));
    error_.line = static_cast<int>(where.begin.line);
    error_.column = static_cast<int>(where.begin.column);
  }
  void fail_here(std::string message, std::string hint = {}) {
    if (table_)
      fail_at(table_->source(), std::move(message), std::move(hint));
    else
      fail_at(toml::source_region{}, std::move(message), std::move(hint));
    if (error_.line == 0) error_.line = 1, error_.column = 1;
  }

  void check_unknown_keys(const std::vector<std::string>& known) {
    if (!table_) return;
    for (auto&& [key, node] : *table_) {
      std::string k(key.str());
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      std::string guess = closest_match(k, known);
      fail_at(key.source(), fmt::format("unknown key '{}' in [{}]", k, section_),
              guess.empty() ? fmt::format("the keys of [{}] are: {}", section_, fmt::join(known, ", "))
                            : fmt::format("did you mean '{}'?", guess));
    }
  }

  const toml::node* node(const char* key) const { return table_ ? table_->get(key) : nullptr; }
  std::string qualified(const char* key) const { return fmt::format("{}.{}", section_, key); }
  // A required key that is absent, with the line to add (`example` is a value of its type).
  void missing(const char* key, const char* example) {
    fail_here(fmt::format("missing required key '{}'", qualified(key)),
              fmt::format("add `{} = {}` to [{}]", key, example, section_));
  }

  std::string string(const char* key, bool required, std::string fallback = {}) {
    const toml::node* n = node(key);
    if (!n) {
      if (required) missing(key, "\"...\"");
      return fallback;
    }
    if (!n->is_string()) {
      fail_at(n->source(), fmt::format("'{}' must be a string, found {}", qualified(key), type_name(*n)),
              "put the value in double quotes");
      return fallback;
    }
    std::string value = n->as_string()->get();
    if (required && trim(value).empty()) fail_at(n->source(), fmt::format("'{}' is empty", qualified(key)));
    return value;
  }

  std::string abs_path(const char* key, bool required, std::string fallback = {}) {
    const toml::node* n = node(key);
    std::string value = string(key, required, std::move(fallback));
    if (n && !failed_ && !value.empty() && value[0] != '/')
      fail_at(n->source(), fmt::format("'{}' must be an absolute path, found '{}'", qualified(key), value),
              "write the full path from /; relative paths change meaning with the working directory");
    if (n && !failed_ && value.find_first_of("\n\r\t") != std::string::npos)
      fail_at(n->source(), fmt::format("'{}' contains a control character", qualified(key)));
    return value;
  }

  std::int64_t integer(const char* key, std::int64_t fallback, std::int64_t min, std::int64_t max) {
    const toml::node* n = node(key);
    if (!n) return fallback;
    if (!n->is_integer()) {
      fail_at(n->source(), fmt::format("'{}' must be an integer, found {}", qualified(key), type_name(*n)));
      return fallback;
    }
    std::int64_t v = n->as_integer()->get();
    if (v < min || v > max)
      fail_at(n->source(),
              fmt::format("'{}' is {}, it must be between {} and {}", qualified(key), v, min, max));
    return v;
  }

  bool boolean(const char* key, bool fallback) {
    const toml::node* n = node(key);
    if (!n) return fallback;
    if (!n->is_boolean()) {
      fail_at(n->source(),
              fmt::format("'{}' must be true or false, found {}", qualified(key), type_name(*n)));
      return fallback;
    }
    return n->as_boolean()->get();
  }

  Millis duration(const char* key, Millis fallback, Millis min) {
    const toml::node* n = node(key);
    if (!n) return fallback;
    if (!n->is_string()) {
      fail_at(n->source(), fmt::format("'{}' must be a duration string such as \"60s\", found {}",
                                       qualified(key), type_name(*n)));
      return fallback;
    }
    auto parsed = parse_duration(n->as_string()->get());
    if (!parsed) {
      fail_at(
          n->source(), fmt::format("'{}' is not a duration: \"{}\"", qualified(key), n->as_string()->get()),
          "write a duration in systemd.time(7) syntax: \"500ms\", \"60s\", \"10m\", \"1h\", \"1h 30min\"");
      return fallback;
    }
    if (*parsed < min)
      fail_at(n->source(), fmt::format("'{}' is {}, it must be at least {}", qualified(key),
                                       format_duration(*parsed), format_duration(min)));
    return *parsed;
  }

  std::vector<std::string> string_list(const char* key, bool required) {
    std::vector<std::string> out;
    const toml::node* n = node(key);
    if (!n) {
      if (required) missing(key, "[\"program\", \"arg\"]");
      return out;
    }
    const toml::array* arr = n->as_array();
    if (!arr) {
      fail_at(n->source(),
              fmt::format("'{}' must be an array of strings, found {}", qualified(key), type_name(*n)),
              "write it as [\"program\", \"arg\", ...]: one element a word, no shell parsing");
      return out;
    }
    for (const toml::node& item : *arr) {
      if (!item.is_string()) {
        fail_at(item.source(),
                fmt::format("'{}' must hold only strings, found {}", qualified(key), type_name(item)));
        return out;
      }
      out.push_back(item.as_string()->get());
    }
    if (required && out.empty()) fail_at(n->source(), fmt::format("'{}' is empty", qualified(key)));
    return out;
  }

  std::map<std::string, std::string> string_map(const char* key) {
    std::map<std::string, std::string> out;
    const toml::node* n = node(key);
    if (!n) return out;
    const toml::table* t = n->as_table();
    if (!t) {
      fail_at(n->source(),
              fmt::format("'{}' must be a table of strings, found {}", qualified(key), type_name(*n)),
              fmt::format("write it as {} = {{ KEY = \"value\" }}", key));
      return out;
    }
    for (auto&& [k, v] : *t) {
      std::string name(k.str());
      if (!is_env_name(name)) {
        fail_at(k.source(), fmt::format("'{}' is not a valid environment variable name", name),
                "use letters, digits and '_', not starting with a digit");
        return out;
      }
      if (!v.is_string()) {
        fail_at(v.source(),
                fmt::format("'{}.{}' must be a string, found {}", qualified(key), name, type_name(v)));
        return out;
      }
      out[name] = v.as_string()->get();
    }
    return out;
  }

  static bool is_env_name(const std::string& s) {
    if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
    return s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") ==
           std::string::npos;
  }

  static std::string type_name(const toml::node& n) {
    switch (n.type()) {
      case toml::node_type::string:
        return "a string";
      case toml::node_type::integer:
        return "an integer";
      case toml::node_type::floating_point:
        return "a float";
      case toml::node_type::boolean:
        return "a boolean";
      case toml::node_type::array:
        return "an array";
      case toml::node_type::table:
        return "a table";
      default:
        return "a date or time";
    }
  }

 private:
  const std::string& source_;
  const toml::table* table_;
  std::string section_;
  bool failed_ = false;
  Error error_;
};

bool is_unit_name_part(const std::string& s) {
  return !s.empty() &&
         s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
             std::string::npos;
}

std::string underscored(std::string s) {
  for (char& c : s)
    if (c == '-' || c == '.') c = '_';
  return s;
}

const std::vector<std::string>& section_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& k : schema()) n.emplace_back(k.section);
    return n;
  }();
  return names;
}

const std::vector<std::string>& keys_of(const std::string& section) {
  for (const auto& k : schema())
    if (section == k.section) return k.keys;
  static const std::vector<std::string> none;
  return none;
}

#define CSD_TRY(reader) \
  if ((reader).failed()) return (reader).error()

// "0.2.10" -> {0, 2, 10}; nullopt unless dot-separated decimal numbers.
std::optional<std::vector<long>> version_parts(std::string_view v) {
  std::vector<long> parts;
  for (const auto& p : split(v, '.')) {
    if (p.empty() || p.size() > 9 || p.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    parts.push_back(std::stol(p));
  }
  return parts;
}

bool version_at_least(const std::vector<long>& have, const std::vector<long>& need) {
  for (std::size_t i = 0; i < std::max(have.size(), need.size()); ++i) {
    long h = i < have.size() ? have[i] : 0, n = i < need.size() ? need[i] : 0;
    if (h != n) return h > n;
  }
  return true;
}

Result<Contract> build(const toml::table& doc, const std::string& source) {
  Contract c;
  c.source = source;

  TableReader top(source, &doc, "top level");
  // Before anything this version may not know: a contract for a newer conda-systemd says so, rather
  // than "unknown key" about what that version added.
  if (const toml::node* v = doc["contract"]["min_tool_version"].node()) {
    auto need = v->is_string() ? version_parts(v->as_string()->get()) : std::nullopt;
    if (!need) {
      top.fail_at(v->source(), "contract.min_tool_version must be a version string such as \"0.1.0\"");
      return top.error();
    }
    if (!version_at_least(*version_parts(CSD_VERSION), *need)) {
      top.fail_at(v->source(),
                  fmt::format("this contract needs conda-systemd {} or newer; this is {}",
                              v->as_string()->get(), CSD_VERSION),
                  "install a newer conda-systemd package, or render this contract with a newer one");
      return top.error();
    }
  }
  for (auto&& [key, node] : doc) {
    std::string k(key.str());
    bool known = std::find(section_names().begin(), section_names().end(), k) != section_names().end();
    if (!known) {
      std::string guess = closest_match(k, section_names());
      top.fail_at(key.source(), fmt::format("unknown section [{}]", k),
                  guess.empty() ? fmt::format("the sections are: {}", fmt::join(section_names(), ", "))
                                : fmt::format("did you mean [{}]?", guess));
      return top.error();
    }
    bool array_section = k == "worker" || k == "script";
    if (array_section && !node.is_array_of_tables()) {
      top.fail_at(node.source(), fmt::format("'{}' must be written as [[{}]] tables", k, k));
      return top.error();
    }
    if (!array_section && !node.is_table()) {
      top.fail_at(node.source(), fmt::format("'{}' must be a table, written as [{}]", k, k));
      return top.error();
    }
  }

  auto section = [&](const char* name) { return TableReader(source, doc[name].as_table(), name); };

  TableReader meta = section("contract");
  if (!doc["contract"]) {
    meta.fail_here("missing the [contract] section",
                   "start the file with [contract], name = \"...\", version = \"...\"");
    return meta.error();
  }
  meta.check_unknown_keys(keys_of("contract"));
  c.name = meta.string("name", true);
  c.version = meta.string("version", true);
  c.tool = meta.abs_path("tool", false, kDefaultTool);
  CSD_TRY(meta);
  if (!is_unit_name_part(c.name))
    meta.fail_at(meta.node("name")->source(),
                 fmt::format("contract.name '{}' cannot be part of a unit name", c.name),
                 "use letters, digits, '-', '_' and '.'");
  if (c.version.find_first_of(" \t\n\r") != std::string::npos)
    meta.fail_at(meta.node("version")->source(), "contract.version must not contain white space");
  CSD_TRY(meta);

  TableReader conda = section("conda");
  if (!doc["conda"])
    conda.fail_here("missing the [conda] section", "add [conda] with env = \"NAME\" or prefix = \"/path\"");
  conda.check_unknown_keys(keys_of("conda"));
  c.conda.root = conda.abs_path("root", false);
  c.conda.env = conda.string("env", false);
  c.conda.prefix = conda.abs_path("prefix", false);
  c.conda.python = conda.string("python", false);
  c.conda.require = conda.string_list("require", false);
  c.conda.activate_timeout = conda.duration("activate_timeout", Millis(30'000), Millis(1000));
  CSD_TRY(conda);
  if (c.conda.env.empty() == c.conda.prefix.empty())
    conda.fail_here(
        "[conda] needs exactly one of 'env' (a name) or 'prefix' (a path)",
        "write env = \"mes-dashboard\" with root = \"/opt/miniconda3\", or prefix = \"/opt/envs/x\"");
  if (!c.conda.env.empty() && !is_unit_name_part(c.conda.env))
    conda.fail_at(conda.node("env")->source(),
                  fmt::format("conda.env '{}' is not an environment name", c.conda.env),
                  "an environment name has no '/' or spaces; for a path use prefix = \"...\"");
  if (!c.conda.python.empty()) {
    auto parts = split(c.conda.python, '.');
    bool good = parts.size() == 2 && !parts[0].empty() && !parts[1].empty() &&
                parts[0].find_first_not_of("0123456789") == std::string::npos &&
                parts[1].find_first_not_of("0123456789") == std::string::npos;
    if (!good)
      conda.fail_at(conda.node("python")->source(),
                    fmt::format("conda.python '{}' is not a major.minor version", c.conda.python),
                    "write it as \"3.11\"");
  }
  CSD_TRY(conda);

  TableReader svc = section("service");
  if (!doc["service"])
    svc.fail_here("missing the [service] section", "add [service] with user, workdir and command");
  svc.check_unknown_keys(keys_of("service"));
  auto& s = c.service;
  s.user = svc.string("user", true);
  s.group = svc.string("group", false, s.user);
  s.workdir = svc.abs_path("workdir", true);
  s.command = svc.string_list("command", true);
  s.environment_file = svc.abs_path("environment_file", false, "/etc/conda-systemd/" + c.name + ".env");
  s.secrets_file = svc.abs_path("secrets_file", false);
  s.bind = svc.string("bind", false);
  s.health_url = svc.string("health_url", false);
  s.workers = static_cast<int>(svc.integer("workers", 2, 1, 256));
  s.graceful_timeout = svc.duration("graceful_timeout", Millis(30'000), Millis(1000));
  s.environment = svc.string_map("environment");
  s.allow_outside_env = svc.string_list("allow_outside_env", false);
  s.memory_deny_write_execute = svc.boolean("memory_deny_write_execute", false);
  s.zero_downtime = svc.boolean("zero_downtime", false);
  CSD_TRY(svc);
  // The contract sets these itself; a second value would be exactly the drift it exists to prevent.
  for (const auto& name : derived_variable_names(c)) {
    if (!s.environment.count(name)) continue;
    const toml::node* env = svc.node("environment");
    const toml::node* entry = env && env->as_table() ? env->as_table()->get(name) : nullptr;
    svc.fail_at(
        entry ? entry->source() : env->source(),
        fmt::format("service.environment sets {}, which the contract derives itself", name),
        "remove it; set the matching contract key instead (see docs/contract.md, \"The environment file\")");
    return svc.error();
  }
  if (!s.bind.empty()) {
    auto colon = s.bind.rfind(':');
    std::string port = colon == std::string::npos ? "" : s.bind.substr(colon + 1);
    bool good = colon != std::string::npos && colon > 0 && !port.empty() && port.size() <= 5 &&
                port.find_first_not_of("0123456789") == std::string::npos && std::stoi(port) >= 1 &&
                std::stoi(port) <= 65535;
    if (!good)
      svc.fail_at(svc.node("bind")->source(), fmt::format("service.bind '{}' is not host:port", s.bind),
                  "write it as \"127.0.0.1:8080\" or \"0.0.0.0:8080\"");
  }
  if (!s.health_url.empty() && !starts_with(s.health_url, "http://") &&
      !starts_with(s.health_url, "https://"))
    svc.fail_at(svc.node("health_url")->source(),
                fmt::format("service.health_url '{}' is not an http(s) URL", s.health_url),
                "write it as \"http://127.0.0.1:8080/health\"");
  CSD_TRY(svc);
  // Two instances share a socket systemd holds: that needs the address to hold, and the health
  // URL is what each instance must answer on its own before it takes traffic (docs/deploy.md).
  if (s.zero_downtime && (s.bind.empty() || s.health_url.empty()))
    svc.fail_at(svc.node("zero_downtime")->source(),
                "service.zero_downtime needs service.bind (the address the socket unit holds) and "
                "service.health_url (each instance's readiness probe)",
                "set both, or remove zero_downtime");
  CSD_TRY(svc);

  TableReader paths = section("paths");
  paths.check_unknown_keys(keys_of("paths"));
  auto& p = c.paths;
  std::string flat = underscored(c.name);
  p.runtime_dir = paths.abs_path("runtime_dir", false, "/run/" + c.name);
  CSD_TRY(paths);
  p.pid_file = paths.abs_path("pid_file", false, p.runtime_dir + "/gunicorn.pid");
  p.restart_flag = paths.abs_path("restart_flag", false, p.runtime_dir + "/" + flat + "_restart.flag");
  p.state_file =
      paths.abs_path("state_file", false, "/var/lib/" + c.name + "/" + flat + "_restart_state.json");
  p.control_socket = paths.abs_path("control_socket", false, p.runtime_dir + "/watchdog.sock");
  CSD_TRY(paths);
  for (const char* key : {"pid_file", "restart_flag"}) {
    const std::string& value = std::string(key) == "pid_file" ? p.pid_file : p.restart_flag;
    if (!path_is_under(value, p.runtime_dir) || value == p.runtime_dir) {
      const toml::node* n = paths.node(key);
      std::string message =
          fmt::format("paths.{} '{}' lies outside paths.runtime_dir '{}'", key, value, p.runtime_dir);
      std::string hint = fmt::format("move it under {}/ (the watchdog and the app must share that directory)",
                                     p.runtime_dir);
      if (n)
        paths.fail_at(n->source(), message, hint);
      else
        paths.fail_here(message, hint);
    }
  }
  CSD_TRY(paths);

  TableReader wd = section("watchdog");
  wd.check_unknown_keys(keys_of("watchdog"));
  auto& w = c.watchdog;
  w.cooldown = wd.duration("cooldown", w.cooldown, Millis(1000));
  w.retry_budget = static_cast<int>(wd.integer("retry_budget", 3, 1, 1000));
  w.churn_threshold = static_cast<int>(wd.integer("churn_threshold", w.retry_budget, 1, 1000));
  w.window = wd.duration("window", w.window, Millis(30'000));
  w.reload_timeout = wd.duration("reload_timeout", w.reload_timeout, Millis(100));
  w.flag_max_age = wd.duration("flag_max_age", w.flag_max_age, Millis(1000));
  w.history_limit = static_cast<int>(wd.integer("history_limit", 50, 1, 100'000));
  w.guarded_mode = wd.boolean("guarded_mode", true);
  w.on_unconfirmed = wd.string("on_unconfirmed", false, "report");
  w.watchdog_sec = wd.duration("watchdog_sec", Millis(0), Millis(0));
  w.restart_mode = wd.string("restart_mode", false, "hup");
  CSD_TRY(wd);
  if (w.restart_mode != "hup" && w.restart_mode != "swap")
    wd.fail_at(wd.node("restart_mode")->source(),
               fmt::format("watchdog.restart_mode is '{}', expected \"hup\" or \"swap\"", w.restart_mode));
  else if (w.restart_mode == "swap" && !s.zero_downtime)
    wd.fail_at(wd.node("restart_mode")->source(),
               "watchdog.restart_mode = \"swap\" needs service.zero_downtime = true: a swap starts the "
               "other instance",
               "set [service] zero_downtime = true, or restart_mode = \"hup\"");
  CSD_TRY(wd);
  if (w.on_unconfirmed != "report" && w.on_unconfirmed != "restart")
    wd.fail_at(
        wd.node("on_unconfirmed")->source(),
        fmt::format("watchdog.on_unconfirmed is '{}', expected \"report\" or \"restart\"", w.on_unconfirmed));
  CSD_TRY(wd);

  std::set<std::string> worker_names;
  if (const toml::array* arr = doc["worker"].as_array()) {
    for (const toml::node& item : *arr) {
      TableReader r(source, item.as_table(), "worker");
      r.check_unknown_keys(keys_of("worker"));
      WorkerSection ws;
      ws.name = r.string("name", true);
      ws.command = r.string_list("command", true);
      ws.environment = r.string_map("environment");
      CSD_TRY(r);
      if (!is_unit_name_part(ws.name))
        r.fail_at(r.node("name")->source(),
                  fmt::format("worker.name '{}' cannot be part of a unit name", ws.name));
      else if (!worker_names.insert(ws.name).second)
        r.fail_at(r.node("name")->source(), fmt::format("a worker named '{}' is declared twice", ws.name),
                  "worker names become unit names and must be unique");
      CSD_TRY(r);
      c.workers.push_back(std::move(ws));
    }
  }
  if (const toml::array* arr = doc["script"].as_array()) {
    for (const toml::node& item : *arr) {
      TableReader r(source, item.as_table(), "script");
      r.check_unknown_keys(keys_of("script"));
      c.scripts.push_back({r.abs_path("path", true)});
      CSD_TRY(r);
    }
  }
  return c;
}

#undef CSD_TRY

}  // namespace

const std::vector<std::string>& contract_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for (const auto& s : schema())
      for (const auto& k : s.keys) out.push_back(std::string(s.section) + "." + k);
    return out;
  }();
  return keys;
}

Result<Contract> parse_contract(std::string_view text, const std::string& source) {
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    Error err = file_error(source, fmt::format("not valid TOML: {}", e.description()),
                           "see https://toml.io for the syntax; strings need double quotes");
    err.line = static_cast<int>(e.source().begin.line);
    err.column = static_cast<int>(e.source().begin.column);
    return err;
  }
  return build(doc, source);
}

Result<Contract> load_contract(const std::string& path) {
  // Contracts are often symlinked from a release directory, so links are followed.
  auto text = read_file(path, ReadOptions{.max_bytes = 1 << 20, .follow_symlinks = true});
  if (!text) {
    Error e = text.error();
    if (e.hint.empty()) e.hint = "pass the contract with --contract FILE";
    return e;
  }
  return parse_contract(*text, path);
}

const std::vector<std::string>& contract_sections() {
  return section_names();
}
const std::vector<std::string>& contract_keys(const std::string& section) {
  return keys_of(section);
}

}  // namespace csd
